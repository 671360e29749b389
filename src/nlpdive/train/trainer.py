"""The Trainer: the one training loop every task uses.

    trainer = Trainer(model, TrainConfig(epochs=3, lr=1e-3), out_dir="runs/x")
    result = trainer.fit(train_data, collate_fn, loss_fn, valid_data=valid_data)

Each optimizer step takes `accum` micro-batches; each process of a torchrun launch takes its share of the global
batch (`batch_size // (accum * world_size)`), DDP averages the gradients. Batches reach `loss_fn` and
`evaluate_fn` already on `trainer.device`. After each optimizer step the Trainer may log (metrics.jsonl),
evaluate (every `eval_every` steps) and checkpoint (every `checkpoint_every` steps); it always evaluates and
checkpoints at the end of an epoch. Only rank 0 writes files.

Under a time budget (`time_budget` seconds) the Trainer measures its speed and plans the number of steps the
budget buys (the learning-rate schedule ends there), re-plans after each evaluation, and at the planned step or
when the time is spent evaluates, checkpoints and stops; a resumed run counts the time already spent.
"""
import contextlib
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nlpdive.errors import InputError
from nlpdive.train import checkpoint
from nlpdive.train.config import TrainConfig
from nlpdive.train.distributed import barrier, dist_info, init_distributed, seed_everything, select_device
from nlpdive.train.budget import TimeBudget
from nlpdive.train.records import MetricsLog
from nlpdive.train.optim import build_optimizer, build_scheduler

DTYPES = {"bf16": "bfloat16", "fp16": "float16"}


@dataclass
class FitResult:
    history: list        # one record per evaluation: step, epoch, train_loss and the validation metrics
    best: dict | None    # the record of the weights the model ends with (best evaluation, or the last one)
    steps: int           # optimizer steps taken in the whole run
    stopped_early: bool = False
    steps_per_epoch: int = 1
    out_of_time: bool = False  # stopped by the time budget


@dataclass
class RunState:
    """Where a run stands; saved as JSON in every checkpoint."""
    step: int = 0
    epoch: int = 0
    batch: int = 0              # micro-batches already done in `epoch`
    history: list = field(default_factory=list)
    best: dict | None = None
    bad_evals: int = 0          # evaluations since the best one
    loss_sum: float = 0.0       # train loss (sum over micro-batches) since the last evaluation ...
    loss_n: int = 0             # ... and the number of micro-batches
    elapsed: float = 0.0        # seconds of training up to this checkpoint (the time budget counts them)


def default_batch_sampler(dataset, batch_size, epoch_seed, rank, world):
    """A fresh shuffle per epoch seed. DistributedSampler deals the permutation out rank by rank, so the union
    of the ranks' k-th batches is the k-th batch of a single-process run."""
    from torch.utils.data import BatchSampler, DistributedSampler

    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=epoch_seed)
    return BatchSampler(sampler, batch_size, drop_last=False)


def batch_len(batch):
    """Examples in a batch: the length of its first tensor."""
    if isinstance(batch, dict):
        batch = next(iter(batch.values()))
    elif isinstance(batch, (tuple, list)):
        batch = batch[0]
    return len(batch)


def to_device(batch, device):
    if hasattr(batch, "to"):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


class DeviceLoader:
    """A DataLoader whose batches arrive on `device`."""

    def __init__(self, loader, device):
        self.loader, self.device = loader, device

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for batch in self.loader:
            yield to_device(batch, self.device)


class Trainer:
    def __init__(self, model, cfg=None, out_dir=None, resume=False, progress=True):
        if resume and out_dir is None:
            raise InputError("--resume needs --out DIR, the run directory to continue")
        self.cfg = cfg or TrainConfig()
        if self.cfg.threads:  # process-wide, like the seeds: prediction after training keeps it too
            import torch

            torch.set_num_threads(self.cfg.threads)
        self.dist = dist_info()
        self.is_main = self.dist.is_main
        self.device = select_device(self.cfg.device, self.dist.local_rank)
        init_distributed(self.dist, self.device)
        self.model = model.to(self.device)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.resume = resume
        self.progress = progress and self.is_main and sys.stderr.isatty()

    # ---- set-up -------------------------------------------------------------------------------------------
    def _micro_batch(self):
        parts = self.cfg.accum * self.dist.world_size
        if self.cfg.batch_size < parts:
            raise InputError(f"--batch-size {self.cfg.batch_size} is smaller than accumulation steps x processes "
                             f"({self.cfg.accum} x {self.dist.world_size})", hint="raise --batch-size")
        return self.cfg.batch_size // parts

    def _loader(self, data, batches, collate_fn, seed):
        """Its own generator keeps the global RNG (dropout...) untouched by data loading, so resuming is exact."""
        import torch
        from torch.utils.data import DataLoader

        loader = DataLoader(data, batch_sampler=batches, collate_fn=collate_fn, num_workers=self.cfg.num_workers,
                            pin_memory=self.device.type == "cuda", generator=torch.Generator().manual_seed(seed))
        return DeviceLoader(loader, self.device)

    def _epoch_batches(self, epoch):
        return list(self._sampler_fn(self._train_data, self._micro, self.cfg.seed + epoch, self.dist.rank,
                                     self.dist.world_size))

    def _autocast(self):
        import torch

        if self.cfg.precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=getattr(torch, DTYPES[self.cfg.precision]))

    def _wrap(self):
        if not self.dist.distributed:
            return self.model
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(self.model, device_ids=ids)

    # ---- the loop -----------------------------------------------------------------------------------------
    def fit(self, train_data, collate_fn, loss_fn, valid_data=None, evaluate_fn=None, batch_sampler_fn=None,
            count_fn=None, param_groups=None, count_unit="examples"):
        """Train; returns FitResult(history, best, steps, stopped_early). See the module docstring."""
        import torch

        cfg = self.cfg
        self._train_data, self._collate, self._loss_fn = train_data, collate_fn, loss_fn
        self._sampler_fn = batch_sampler_fn or default_batch_sampler
        self._count_fn, self._unit = count_fn or batch_len, count_unit
        self._micro = self._micro_batch()
        steps_per_epoch = math.ceil(len(self._epoch_batches(0)) / cfg.accum)
        self.optimizer = build_optimizer(self.model, cfg, param_groups)
        cap = min(cfg.epochs * steps_per_epoch, cfg.max_steps or math.inf)  # the steps the run may take
        self.scheduler = build_scheduler(self.optimizer, cfg, cap)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=cfg.precision == "fp16")
        self._net = self._wrap()
        self._valid = self._valid_loader(valid_data, collate_fn)
        self._evaluate_fn = evaluate_fn or self._mean_loss
        self._best_weights = None
        self._start()
        self._budget = TimeBudget(cfg.time_budget, self.scheduler.lr_lambdas[0], cap,
                                  steps_per_epoch, cfg.eval_every, spent=self.state.elapsed, step=self.state.step)
        self._out_of_time = False
        self._log = MetricsLog(self.out_dir if self.is_main else None,
                               resume_step=self.state.step if self.resume else None)
        self._pending, self._log_mark = torch.zeros((), device=self.device), (0.0, 0)
        stopped = self._stop_now()
        try:
            while self.state.epoch < cfg.epochs and not stopped:
                stopped = self._train_epoch()
        finally:
            self._log.close()
        self._flush()
        self._check_weights()
        if cfg.keep_best and self._best_weights is not None:
            self.model.load_state_dict(self._best_weights)
        barrier(self.dist)
        best = self.state.best if self._best_weights is not None else (self.state.history or [None])[-1]
        return FitResult(self.state.history, best, self.state.step, self._stop_now(), steps_per_epoch,
                         self._out_of_time)  # stopped early: by --patience

    def _start(self):
        """Fresh state and seeds, or the last checkpoint's state, weights and RNG states."""
        self.state = RunState()
        seed_everything(self.cfg.seed)
        if not self.resume:
            if self.is_main and self.out_dir:  # a new run in an old directory: its checkpoints go
                checkpoint.clear(self.out_dir / "checkpoints")
            return
        path = checkpoint.latest(self.out_dir / "checkpoints")
        if path is None:
            raise InputError(f"no checkpoint in {self.out_dir / 'checkpoints'} to resume from",
                             hint="drop --resume to start a new run")
        saved, rng, self._best_weights = checkpoint.load(path, self.model, self.optimizer)
        for key in ("batch_size", "accum", "seed"):
            if saved["config"][key] != getattr(self.cfg, key):
                raise InputError(f"--{key.replace('_', '-')} {getattr(self.cfg, key)} differs from the checkpoint's "
                                 f"{saved['config'][key]}", path=path, hint="resume with the run's settings "
                                 "(see run_config.json) or start a new run")
        self.scheduler.load_state_dict(saved["scheduler"])
        self.scaler.load_state_dict(saved["scaler"])
        self.state = RunState(**saved["run"])
        checkpoint.restore_rng(rng)

    def _train_epoch(self):
        """One pass (or the rest of one, after resuming); returns True when early stopping ends the run."""
        from tqdm.auto import tqdm

        state, cfg = self.state, self.cfg
        batches = self._epoch_batches(state.epoch)
        loader = self._loader(self._train_data, batches[state.batch:], self._collate, cfg.seed + state.epoch)
        self._net.train()
        bar = tqdm(total=len(batches), initial=state.batch, desc=f"epoch {state.epoch + 1}/{cfg.epochs}",
                   unit="batch", disable=not self.progress, dynamic_ncols=True)
        self._meter = [0, time.perf_counter()]  # items since the last log, its time
        for i, batch in enumerate(loader, start=state.batch):
            group_end = min(len(batches), (i // cfg.accum + 1) * cfg.accum)
            self._micro_step(batch, i + 1 < group_end, group_end - (i // cfg.accum) * cfg.accum)
            bar.update()
            if i + 1 < group_end:
                continue
            state.batch = i + 1
            self._optimizer_step()
            if self._after_step(bar, epoch_end=state.batch == len(batches)):
                bar.close()
                return True
        bar.close()
        state.epoch, state.batch = state.epoch + 1, 0
        stop = self._evaluate()
        self._checkpoint()
        return stop or self._time_is_up()

    def _time_is_up(self):
        """The planned steps are done (--max-steps, or what the time budget buys) or the time is spent."""
        up = self._budget.up(self.state.step)
        self._out_of_time = up and bool(self.cfg.time_budget)
        return up

    def _micro_step(self, batch, accumulating, group_size):
        sync = self._net.no_sync() if accumulating and self.dist.distributed else contextlib.nullcontext()
        with sync:
            with self._autocast():
                loss = self._loss_fn(self._net, batch)
            self.scaler.scale(loss / group_size if group_size > 1 else loss).backward()
        self._pending += loss.detach().float()
        self.state.loss_n += 1
        self._meter[0] += self._count_fn(batch)

    def _optimizer_step(self):
        import torch

        if self.cfg.clip:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        self.scheduler.step()
        self.state.step += 1

    def _after_step(self, bar, epoch_end):
        """Log, and mid-epoch evaluate and checkpoint, as configured; returns True to stop early."""
        step, cfg = self.state.step, self.cfg
        if step % cfg.log_every == 0 or (self.progress and step % 10 == 0):
            self._log_train(bar, write=step % cfg.log_every == 0)
        if epoch_end:  # the epoch's end evaluates and checkpoints anyway
            return False
        if self._time_is_up():
            self._evaluate()
            self._checkpoint()
            return True
        stop = bool(cfg.eval_every) and step % cfg.eval_every == 0 and self._evaluate()
        if stop or (cfg.checkpoint_every and step % cfg.checkpoint_every == 0):
            self._checkpoint()
        return stop

    def _flush(self):
        """Move the device-side running loss into the JSON-able state (one device sync); a loss that is no longer
        finite stops the run here, before it is logged, evaluated or checkpointed."""
        self.state.loss_sum += self._pending.item()
        self._pending.zero_()
        if not math.isfinite(self.state.loss_sum) and self.cfg.precision != "fp16":  # fp16: GradScaler skips
            self._diverged("the training loss")  # an overflowing step; the weights are checked instead

    def _check_weights(self):
        import torch

        if not all(torch.isfinite(p).all() for p in self.model.parameters()):
            self._diverged("the weights")

    def _diverged(self, what):
        raise InputError(f"training diverged: {what} became NaN or infinite by optimizer step {self.state.step}",
                         hint=f"lower --lr (now {self.cfg.lr:g}) or clip gradients (--clip 1.0); no model was saved")

    def _log_train(self, bar, write):
        start_sum, start_n = self._log_mark
        self._flush()
        loss = (self.state.loss_sum - start_sum) / max(1, self.state.loss_n - start_n)
        items, since = self._meter
        rate = float(items) * self.dist.world_size / max(1e-9, time.perf_counter() - since)
        bar.set_postfix(loss=f"{loss:.4f}", **{f"{self._unit}/s": f"{rate:,.0f}"}, refresh=False)
        if write:
            self._log.log({"kind": "train", "step": self.state.step, "epoch": self.state.epoch, "train_loss": loss,
                           "lr": self.scheduler.get_last_lr()[0], f"{self._unit}_per_s": rate})
            self._log_mark = (self.state.loss_sum, self.state.loss_n)
            self._meter = [0, time.perf_counter()]

    # ---- evaluation, early stopping, keep-best ------------------------------------------------------------
    def _valid_loader(self, valid_data, collate_fn):
        if valid_data is None:
            return None
        from torch.utils.data import BatchSampler, SequentialSampler

        batches = list(BatchSampler(SequentialSampler(valid_data), max(1, self.cfg.batch_size // self.cfg.accum),
                                    drop_last=False))
        return self._loader(valid_data, batches, collate_fn, self.cfg.seed)

    def _mean_loss(self, model, loader):
        total, n = 0.0, 0
        for batch in loader:
            k = float(self._count_fn(batch))
            total += self._loss_fn(model, batch).item() * k
            n += k
        return {"valid_loss": total / max(n, 1.0)}

    def _evaluate(self):
        """Record train loss since the last evaluation + validation metrics; returns True to stop early."""
        import torch

        started = time.perf_counter()
        self._flush()
        state = self.state
        record = {"step": state.step, "epoch": state.epoch, "train_loss": state.loss_sum / max(1, state.loss_n)}
        state.loss_sum, state.loss_n, self._log_mark = 0.0, 0, (0.0, 0)
        if self._valid is not None:
            self.model.eval()
            with torch.no_grad(), self._autocast():
                metrics = self._evaluate_fn(self.model, self._valid)
            record.update({k: v.item() if hasattr(v, "item") else v for k, v in metrics.items()})  # tensors, numpy
            self.model.train()
        state.history.append(record)
        self._log.log({"kind": "eval", **record})
        stop = self._track(record)
        self._budget.evaluated(time.perf_counter() - started)
        return stop

    def _track(self, record):
        cfg, state = self.cfg, self.state
        if cfg.monitor not in record:
            if self._valid is not None:
                raise InputError(f"--monitor {cfg.monitor!r} is not among the evaluation's metrics",
                                 hint=f"choose one of {', '.join(k for k in record if k not in ('step', 'epoch'))}")
            return False
        value, best = record[cfg.monitor], state.best[cfg.monitor] if state.best else None
        if best is None or (value < best if cfg.mode == "min" else value > best):
            state.best, state.bad_evals = record, 0
            if cfg.keep_best:
                self._best_weights = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}
        else:
            state.bad_evals += 1
        return self._stop_now()

    def _stop_now(self):
        return self.cfg.patience is not None and self.state.bad_evals >= self.cfg.patience

    # ---- checkpoints --------------------------------------------------------------------------------------
    def _checkpoint(self):
        self._flush()
        self._check_weights()
        if not (self.is_main and self.out_dir):
            return
        self.state.elapsed = self._budget.elapsed()
        saved = {"run": asdict(self.state), "scheduler": self.scheduler.state_dict(),
                 "scaler": self.scaler.state_dict(), "config": asdict(self.cfg)}
        checkpoint.save(self.out_dir / "checkpoints", self.state.step, self.model, self.optimizer, saved,
                        best_weights=self._best_weights, keep=self.cfg.keep_checkpoints)
