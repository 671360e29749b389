"""TrainConfig: every option of a training run, in one dataclass. Each field is also a `nlpdive train ...` flag
(generated from the field: nlpdive.options), with its help, choices and valid range written once, here."""
from dataclasses import dataclass, fields

from nlpdive.options import check_options, option


@dataclass
class TrainConfig:
    # data and length
    epochs: int = option(3, "passes over the training data", min=1)
    time_budget: float | None = option(None, "stop cleanly after SECONDS of training (evaluations included), keeping "
                                       "the best checkpoint; the learning-rate schedule is planned to end there "
                                       "(--epochs still caps the run)", min=0, exclusive=True, metavar="SECONDS",
                                       default_help="none")
    max_steps: int | None = option(None, "stop after N optimizer steps (the schedule ends there; --epochs still "
                                   "caps the run)", min=1, metavar="N", default_help="the epochs'")
    batch_size: int = option(32, "examples per optimizer step (global, across processes and accumulation)", min=1)
    num_workers: int = option(0, "data-loading worker processes", min=0, metavar="N")
    # optimizer and schedule
    lr: float = option(1e-3, "peak learning rate", min=0, exclusive=True, max=10.0)
    optimizer: str = option("adamw", "optimizer (muon: Muon for hidden matrices, AdamW for the rest)",
                            choices=("adamw", "sgd", "muon"))
    muon_lr: float = option(0.02, "Muon's learning rate (--optimizer muon)", min=0, exclusive=True, max=10.0)
    weight_decay: float = option(0.01, "weight decay on weight matrices (AdamW/SGD)", min=0, metavar="F")
    momentum: float = option(0.9, "SGD momentum", min=0, below=1, metavar="F")
    schedule: str = option("constant", "learning-rate schedule after warm-up (inverse-sqrt: the Transformer's, "
                           "lr * sqrt(warm-up / step))", choices=("constant", "linear", "cosine", "inverse-sqrt"))
    final_lr: float = option(0.0, "where linear and cosine schedules end, as a fraction of --lr", min=0, max=1,
                             metavar="F")
    beta2: float = option(0.999, "AdamW's second-moment decay (0.99 suits small models and batches)", min=0,
                          below=1, metavar="B")
    warmup: float = option(0.0, "warm-up: a fraction of all steps (< 1) or a step count", min=0, metavar="W")
    clip: float | None = option(1.0, "clip the gradient norm (0: no clipping)", min=0, metavar="NORM")
    accum: int = option(1, "accumulate gradients over N micro-batches per optimizer step", min=1, metavar="N")
    # hardware and reproducibility
    precision: str = option("fp32", "numeric precision", choices=("fp32", "bf16", "fp16"))
    device: str = option("auto", "where to train", choices=("auto", "cpu", "cuda", "mps"))
    threads: int | None = option(None, "CPU threads for torch (default: one per core). On a machine shared with "
                                 "other jobs, --threads 1 can train small models many times faster", min=1,
                                 metavar="N", default_help="torch's")
    seed: int = option(0, "random seed (initialisation, shuffling, dropout)", min=0)
    # evaluation, early stopping, checkpoints, logging
    eval_every: int | None = option(None, "also evaluate every N optimizer steps", min=1, metavar="N",
                                    default_help="each epoch's end")
    monitor: str = option("valid_loss", "validation metric for early stopping and keep-best", metavar="METRIC")
    mode: str = option("min", "whether --monitor should go down (min) or up (max)", choices=("min", "max"))
    patience: int | None = option(None, "stop after N evaluations without a better --monitor", min=1, metavar="N",
                                  default_help="never stop early")
    keep_best: bool = option(True, "end with the best evaluated weights (--no-keep-best: the last ones)")
    checkpoint_every: int | None = option(None, "also checkpoint every N optimizer steps", min=1, metavar="N",
                                          default_help="each epoch's end")
    keep_checkpoints: int = option(2, "checkpoints kept on disk", min=1, metavar="N")
    log_every: int = option(50, "optimizer steps between train-loss records in metrics.jsonl", min=1, metavar="N")

    def __post_init__(self):
        check_options(self)

    @classmethod
    def from_args(cls, args, **task_defaults):
        """Build from a CLI namespace: a flag left unset (None) takes the task's default, then the dataclass
        default."""
        names = {f.name for f in fields(cls)}
        unknown = set(task_defaults) - names
        if unknown:
            raise TypeError(f"unknown TrainConfig fields: {sorted(unknown)}")
        values = {**task_defaults, **{n: getattr(args, n) for n in names if getattr(args, n, None) is not None}}
        return cls(**values)

    def warmup_steps(self, total_steps):
        from nlpdive.train.optim import warmup_steps

        return warmup_steps(self.warmup, total_steps)

