"""Trainer overhead: optimizer steps per second of nlpdive's Trainer against a bare PyTorch loop, same model,
same data, same batches, measured in the same run (interleaved repeats, best of each).

    .venv/bin/python benchmarks/trainer_overhead.py [--repeats 5] [--epochs 2] [--hidden 256] [--device cpu]

Rows: the bare loop (zero_grad, forward, backward, AdamW step); the Trainer doing the same work (one AdamW
parameter group, constant LR, no clipping, no run directory); the Trainer with its defaults (no weight decay on
biases: a second parameter group; gradient clipping at 1.0); the same with a run directory (metrics.jsonl, an
atomic checkpoint per epoch, loss.png; all inside the timing). Ratio = steps/s over the bare loop's
(goal >= 0.95). One torch thread by default: on a shared 2-core machine it makes repeats comparable.
"""
import argparse
import tempfile
import time

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset, default_collate

from nlpdive.train import TrainConfig, Trainer, seed_everything


def make_data(n, dim, classes):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, dim, generator=g)
    return TensorDataset(x, torch.randint(classes, (n,), generator=g))


def make_model(dim, hidden, classes):
    seed_everything(0)
    return nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, classes))


def loss_fn(model, batch):
    x, y = batch
    return F.cross_entropy(model(x), y)


def bare_loop(model, data, a, device):
    model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    loader = DataLoader(data, batch_size=a.batch_size, shuffle=True, collate_fn=default_collate)
    steps = 0
    start = time.perf_counter()
    for _ in range(a.epochs):
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()
            steps += 1
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps, time.perf_counter() - start


def trainer_loop(model, data, a, device, defaults, run_dir):
    cfg = TrainConfig(epochs=a.epochs, batch_size=a.batch_size, lr=1e-3, device=device.type,
                      clip=1.0 if defaults else None)
    groups = None if defaults else [{"params": list(model.parameters())}]
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(model, cfg, out_dir=tmp if run_dir else None, progress=False)
        start = time.perf_counter()
        result = trainer.fit(data, default_collate, loss_fn, param_groups=groups)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return result.steps, time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--examples", type=int, default=16384)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    data = make_data(a.examples, a.dim, 10)
    runs = {
        "bare PyTorch loop": lambda m: bare_loop(m, data, a, device),
        "Trainer, same work": lambda m: trainer_loop(m, data, a, device, defaults=False, run_dir=False),
        "Trainer, defaults": lambda m: trainer_loop(m, data, a, device, defaults=True, run_dir=False),
        "Trainer, defaults + run dir": lambda m: trainer_loop(m, data, a, device, defaults=True, run_dir=True),
    }
    for run in runs.values():  # warm-up: first-call costs (lazy imports, allocator) out of the timings
        run(make_model(a.dim, a.hidden, 10))
    best = {name: 0.0 for name in runs}
    for _ in range(a.repeats):
        for name, run in runs.items():
            steps, seconds = run(make_model(a.dim, a.hidden, 10))
            best[name] = max(best[name], steps / seconds)
    print(f"MLP {a.dim}-{a.hidden}-{a.hidden}-10, {a.examples} examples, batch {a.batch_size}, {a.epochs} epochs, "
          f"device {a.device}, torch threads {torch.get_num_threads()}, best of {a.repeats}")
    print(f"| {'loop':<28} | {'steps/s':>8} | {'ratio':>6} |")
    print(f"|{'-' * 30}|{'-' * 10}|{'-' * 8}|")
    base = best["bare PyTorch loop"]
    for name, rate in best.items():
        print(f"| {name:<28} | {rate:8.1f} | {rate / base:6.3f} |")


if __name__ == "__main__":
    main()
