"""Run records: OUT/metrics.jsonl (one JSON object per logged value set), TensorBoard when installed,
OUT/loss.png (train and validation curves) and OUT/run_config.json (the effective settings of a run)."""
import json
import shutil
from pathlib import Path

from nlpdive.atomic import write_json
from nlpdive.train.distributed import dist_info

METRICS = "metrics.jsonl"
LOSS_PLOT = "loss.png"
RUN_CONFIG = "run_config.json"


def write_run_config(out_dir, config):
    """Write OUT/run_config.json (rank 0 only), so any run can be repeated with `--config OUT/run_config.json`."""
    if dist_info().is_main:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        write_json(Path(out_dir) / RUN_CONFIG, config)


def read_metrics(path):
    """The records of a metrics.jsonl file (a torn last line, from a killed run, is dropped)."""
    records = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return records


class MetricsLog:
    """Appends records to OUT/metrics.jsonl and TensorBoard. `out_dir=None` (no run directory, or not rank 0)
    keeps records in memory only. Resuming at `resume_step` drops the records a killed run wrote after it."""

    def __init__(self, out_dir=None, resume_step=None):
        self.records = []
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self._tb = None
        if self.out_dir is None:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / METRICS
        if resume_step is not None and path.exists():
            self.records = [r for r in read_metrics(path) if r.get("step", 0) <= resume_step]
        path.write_text("".join(json.dumps(r) + "\n" for r in self.records), encoding="utf-8")
        self._file = open(path, "a", encoding="utf-8")
        tb_dir = self.out_dir / "tensorboard"
        if resume_step is None:  # a new run in an old directory starts a new record
            shutil.rmtree(tb_dir, ignore_errors=True)
        self._tb = _tensorboard_writer(tb_dir, None if resume_step is None else resume_step + 1)

    def log(self, record):
        self.records.append(record)
        if self.out_dir is None:
            return
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        if self._tb is not None:
            for key, value in record.items():
                if key not in ("step", "epoch") and isinstance(value, (int, float)):
                    self._tb.add_scalar(f"{record.get('kind', 'run')}/{key}", value, record.get("step", 0))

    def close(self):
        """Write loss.png and close the files."""
        if self.out_dir is None:
            return
        self._file.close()
        if self._tb is not None:
            self._tb.close()
        plot_loss(self.records, self.out_dir / LOSS_PLOT)


def _tensorboard_writer(log_dir, purge_step):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is optional
        return None
    return SummaryWriter(str(log_dir), purge_step=purge_step)  # purge: drop a killed run's events after resuming


def plot_loss(records, path):
    """Train loss (records of kind "train", else the evaluations') and validation loss (records of kind "eval")
    against optimizer steps."""
    from matplotlib.figure import Figure  # no pyplot: no global backend, nothing left open

    train = [(r["step"], r["train_loss"]) for r in records if r.get("kind") == "train"]
    evals = [r for r in records if r.get("kind") == "eval"]
    train = train or [(r["step"], r["train_loss"]) for r in evals if "train_loss" in r]
    valid = [(r["step"], r["valid_loss"]) for r in evals if "valid_loss" in r]
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for points, style, label in ((train, "-", "train loss"), (valid, "o-", "validation loss")):
        if points:
            ax.plot(*zip(*points), style, label=label)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss")
    if train or valid:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
