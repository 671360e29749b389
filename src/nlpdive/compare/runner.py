"""`compare(...)`: the ladder on the user's own data, top to bottom (what `nlpdive compare` runs):

1. check     --out (a comparison already there needs --resume), the rungs (--models, --base), the budget
2. data      read --data (--valid, --test) once and split once (compare/data.py)
3. rungs     cheapest first, each in its share of the budget (compare/ladder.py), saved in DIR/models/NAME
4. measure   each saved model loaded back and scored and timed on the same held rows (compare/measure.py)
5. report    DIR/compare.json + DIR/pareto.png + DIR/compare.html after every rung (compare/report.py)

A rung that fails is reported under "skipped" with its error and the others go on. DIR/progress.json records
each finished rung's row, the share each started rung was given and the time spent, so `resume=True` (--resume)
continues a killed comparison: finished rungs are reused, a rung killed mid-training continues from its last
checkpoint, the rest train.
"""
import os
import time
import traceback
from pathlib import Path

from nlpdive.compare import ladder, report
from nlpdive.compare.config import CompareConfig
from nlpdive.compare.data import fingerprint, read_data
from nlpdive.compare.measure import measure
from nlpdive.errors import InputError

PROGRESS = "progress.json"
MODELS = "models"


def compare(data, out_dir="runs/compare", *, valid=None, valid_split=None, test=None, reader=None, config=None,
            resume=False, log=None):
    """Train, measure and report the ladder (see the module docstring). Returns compare.json's content plus
    "failed" (the names of the rungs that failed) and "report" (the html path)."""
    cfg = config or CompareConfig()
    log = log or (lambda msg: None)
    out = Path(out_dir)
    check_out(out, resume)
    rungs, skipped = ladder.plan(cfg.models, cfg.base)
    check_budget(rungs, skipped, cfg.budget)
    check_embeddings(rungs, cfg.embeddings)
    rows = read_data(data, valid=valid, valid_split=valid_split, test=test, reader=reader,
                     multi_label=cfg.multi_label, threshold=cfg.threshold, seed=cfg.seed)
    key = fingerprint(data, valid, valid_split, test, rows.reader, cfg.multi_label, cfg.seed)
    progress = load_progress(out, key) if resume else {"version": 1, "data": key, "spent": 0.0, "rows": {},
                                                        "shares": {}}
    from nlpdive.train.rundir import RunDir

    with RunDir(out, keeps_model=False):  # the lock: one comparison per directory at a time
        return Ladder(cfg, rows, out, progress, log).run(rungs, skipped)


def check_out(out, resume):
    """A directory holding a comparison needs --resume; --resume needs one."""
    if out.exists() and not out.is_dir():
        raise InputError("--out names a file, not a directory", path=out, hint="give --out a directory path")
    started = (out / PROGRESS).exists() or (out / "compare.json").exists()
    if started and not resume:
        raise InputError("this directory holds a comparison already", path=out,
                         hint="pass --resume to continue it (finished models are reused), or give another --out")
    if resume and not (out / PROGRESS).exists():
        raise InputError(f"nothing to resume here (no {PROGRESS})", path=out, hint="drop --resume to start one")


def check_budget(rungs, skipped, budget):
    """Something must be able to train in the budget."""
    if not rungs:
        reasons = "; ".join(f"{s['name']}: {s['reason']}" for s in skipped)
        raise InputError(f"--models: nothing to train ({reasons})", hint="add rungs, e.g. --models bow cnn gru")
    cheapest = min(rungs, key=lambda r: r.min_seconds)
    if budget < cheapest.min_seconds:
        raise InputError(f"--budget {budget:g} s is too small for any rung", hint=f"the cheapest, {cheapest.name}, "
                         f"needs at least {cheapest.min_seconds:g} s: e.g. --budget 30m")


def check_embeddings(rungs, embeddings):
    """--embeddings must exist (before anything trains) and have a rung to start."""
    if embeddings is None:
        return
    if not Path(embeddings).expanduser().exists():
        raise InputError("no such file or directory", path=embeddings, hint="check --embeddings")
    if not any(r.name in ladder.SEQUENCE for r in rungs):
        raise InputError("--embeddings is for the sequence models", hint=f"add one of {', '.join(ladder.SEQUENCE)} "
                         "to --models, or drop --embeddings")


def load_progress(out, key):
    """DIR/progress.json of the comparison being resumed; its rows and splits must be the ones asked for now."""
    from nlpdive.artifacts import read_json

    path = out / PROGRESS
    progress = read_json(path)
    saved = progress.get("data", {})
    for name, value in key.items():
        if saved.get(name) != value:
            flag = "--" + name.replace("_", "-")
            raise InputError(f"--resume: the comparison was started with {flag} {saved.get(name)!r}, not "
                             f"{value!r}", path=path, hint="resume with the same data, splits, reader flags and "
                             "--seed, or give another --out")
    return progress


class Ladder:
    """One comparison session: trains the rungs not done yet, keeps progress.json and the report current."""

    def __init__(self, cfg, data, out, progress, log):
        import torch

        self.cfg, self.data, self.out, self.progress, self.log = cfg, data, out, progress, log
        self.threads = cfg.threads or torch.get_num_threads()  # every rung is timed with the same threads
        self.clock = time.perf_counter()
        self.spent0 = float(progress.get("spent", 0.0))
        self.rows, self.failed = [], []

    def elapsed(self):
        """Seconds of the whole comparison so far, earlier sessions included."""
        return self.spent0 + time.perf_counter() - self.clock

    def run(self, rungs, skipped):
        import torch

        self.skipped = list(skipped)
        threads = torch.get_num_threads()
        done = {r.name for r in rungs if self._finished(r)}
        todo = [r for r in rungs if r.name not in done]
        try:
            for rung in rungs:
                if rung.name in done:
                    self.rows.append(self.progress["rows"][rung.name])
                    self.log(f"{rung.name}: finished before, reused ({self._dir(rung)})")
                else:
                    self._rung(rung, todo[todo.index(rung):])
                    self._save()
        finally:
            torch.set_num_threads(threads)
        self._save()
        return {**self.result(), "failed": list(self.failed), "report": str(self.out / "compare.html")}

    def _finished(self, rung):
        return rung.name in self.progress["rows"] and (self._dir(rung) / "config.json").exists()

    def _dir(self, rung):
        return self.out / MODELS / rung.name

    def _rung(self, rung, left):
        """Train, measure and record one rung; a failure is recorded under skipped."""
        from nlpdive.train.rundir import has_checkpoints

        model_dir = self._dir(rung)
        seconds = self.progress["shares"].get(rung.name) if has_checkpoints(model_dir) else None
        seconds = seconds or ladder.share(rung, left, self.cfg.budget - self.elapsed())
        reason = ladder.too_small(rung, seconds)
        if reason:
            self._skip(rung, reason)
            return
        self.progress["shares"][rung.name] = round(seconds, 1)
        self._save()
        self.log(f"{rung.name}: training, at most {seconds:.0f} s of the budget ({self.cfg.budget - self.elapsed():.0f}"
                 " s left)")
        try:
            clf = ladder.train_rung(rung, self.data, self.cfg, model_dir, seconds, threads=self.threads,
                                    log=self.log)
            held_texts, held_labels = self.data.held
            row = {"name": rung.name, "train_seconds": float(clf.metrics.get("train_seconds", 0.0)),
                   **measure(model_dir, held_texts, held_labels, multi_label=self.data.multi_label,
                             calls=self.cfg.latency_calls, batch_texts=self.cfg.throughput_texts,
                             threads=self.threads), "dir": str(model_dir)}
        except Exception as e:  # noqa: BLE001 - one rung's failure must not lose the others
            if os.environ.get("NLPDIVE_DEBUG"):
                traceback.print_exc()
            self.failed.append(rung.name)
            self._skip(rung, f"failed: {describe(e)}")
            return
        self.rows.append(row)
        self.progress["rows"][rung.name] = row
        self.log(f"{rung.name}: {report.METRICS[self.data.multi_label][1]} {100 * row['accuracy']:.2f}, "
                 f"p50 {row['latency_ms_p50']:.2f} ms, {row['sentences_per_second']:,.0f} sentences/s")

    def _skip(self, rung, reason):
        self.skipped.append({"name": rung.name, "reason": reason})
        self.log(f"{rung.name}: skipped ({reason})")

    def result(self):
        about = {**self.data.about, "held": self.data.held_name, "held_rows": len(self.data.held[0])}
        extra = {"budget_seconds": self.cfg.budget, "total_seconds": round(self.elapsed(), 1),
                 "shares_seconds": dict(self.progress["shares"]), "threads": self.threads}
        order = {name: i for i, name in enumerate(ladder.ORDER)}
        rows = sorted(self.rows, key=lambda r: order[r["name"]])
        return report.result(rows, self.skipped, about, self.data.multi_label, extra)

    def _save(self):
        """progress.json, then the report: after every rung, so a killed comparison keeps both."""
        from nlpdive.atomic import write_json

        self.progress["spent"] = round(self.elapsed(), 1)
        self.out.mkdir(parents=True, exist_ok=True)
        write_json(self.out / PROGRESS, self.progress)
        report.write(self.out, self.result())


def describe(error):
    """One line for the report: an InputError's own message, else the exception's type and message."""
    text = " ".join(str(error).split())[:300]
    return text if isinstance(error, InputError) else f"{type(error).__name__}: {text}"
