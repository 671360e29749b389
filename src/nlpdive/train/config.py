"""TrainConfig: every option of a training run, in one dataclass (the CLI flags carry the same names)."""
from dataclasses import dataclass, fields

from nlpdive.errors import InputError

CHOICES = {
    "optimizer": ("adamw", "sgd"),
    "schedule": ("constant", "linear", "cosine"),
    "precision": ("fp32", "bf16", "fp16"),
    "mode": ("min", "max"),
    "device": ("auto", "cpu", "cuda", "mps"),
}


@dataclass
class TrainConfig:
    # data and length
    epochs: int = 3
    batch_size: int = 32            # examples per optimizer step, across all processes and accumulation steps
    num_workers: int = 0
    # optimizer and schedule
    lr: float = 1e-3
    optimizer: str = "adamw"
    weight_decay: float = 0.01
    momentum: float = 0.9           # SGD only
    schedule: str = "constant"
    warmup: float = 0.0             # < 1: fraction of all steps; >= 1: number of steps
    clip: float | None = 1.0        # max gradient norm; None or 0: no clipping
    accum: int = 1                  # micro-batches per optimizer step
    # hardware and reproducibility
    precision: str = "fp32"
    device: str = "auto"
    threads: int | None = None      # torch CPU threads (set by the Trainer, for the process); None: torch's default
    seed: int = 0
    # evaluation, early stopping, checkpoints, logging
    eval_every: int | None = None   # None: at each epoch end; N: every N optimizer steps (and at each epoch end)
    monitor: str = "valid_loss"
    mode: str = "min"
    patience: int | None = None     # stop after this many evaluations without improvement; None: never
    keep_best: bool = True          # end with the weights of the best evaluation
    checkpoint_every: int | None = None  # also checkpoint every N optimizer steps (always at each epoch end)
    keep_checkpoints: int = 2
    log_every: int = 50             # optimizer steps between train-loss records in metrics.jsonl

    def __post_init__(self):
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                flag = "--" + name.replace("_", "-")
                raise InputError(f"{flag} {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        positive = ("epochs", "batch_size", "accum", "log_every", "keep_checkpoints", "eval_every", "checkpoint_every",
                    "threads")
        for name in positive:
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InputError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
        if self.lr <= 0:
            raise InputError(f"--lr must be > 0, got {self.lr}")
        if self.warmup < 0:
            raise InputError(f"--warmup must be >= 0 (a fraction < 1 or a number of steps), got {self.warmup}")

    @classmethod
    def from_args(cls, args, **task_defaults):
        """Build from a CLI namespace (cli.common.add_train_args): a flag left unset (None) takes the task's
        default, then the dataclass default."""
        values = {}
        for f in fields(cls):
            value = getattr(args, f.name, None)
            if value is None:
                value = task_defaults.get(f.name)
            if value is not None:
                values[f.name] = value
        unknown = set(task_defaults) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown TrainConfig fields: {sorted(unknown)}")
        return cls(**values)

    def warmup_steps(self, total_steps):
        return int(self.warmup * total_steps) if self.warmup < 1 else int(self.warmup)
