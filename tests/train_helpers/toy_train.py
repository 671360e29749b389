"""A tiny, complete training run for the Trainer's tests (in-process, subprocess, or under torchrun):

    python toy_train.py OUT [--resume] [--step-sleep 0.02] [--epochs 3] [--dropout 0.1] [--checkpoint-every 4]

Writes OUT/final.safetensors (the final weights) and OUT/result.json (steps, history) on rank 0.
"""
import argparse
import json
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import TensorDataset, default_collate

from nlpdive.train import TrainConfig, Trainer, seed_everything


class Toy(nn.Module):
    def __init__(self, dropout=0.1):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(dropout), nn.Linear(32, 3))

    def forward(self, x):  # (B, 8) -> (B, 3)
        return self.net(x)


def make_data(n=96, seed=123):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    return TensorDataset(x, x[:, :3].argmax(1))


collate = default_collate  # [(x, y), ...] -> [X (B, 8), Y (B,)]


def loss_fn(model, batch):
    x, y = batch
    return F.cross_entropy(model(x), y)


def train(out=None, resume=False, step_sleep=0.0, dropout=0.1, progress=False, **cfg):
    seed_everything(0)
    model = Toy(dropout)
    config = TrainConfig(**{"epochs": 3, "batch_size": 8, "lr": 0.05, "schedule": "cosine", "warmup": 0.1, **cfg})
    trainer = Trainer(model, config, out_dir=out, resume=resume, progress=progress)

    def slow_loss(m, batch):
        time.sleep(step_sleep)
        return loss_fn(m, batch)

    result = trainer.fit(make_data(), collate, slow_loss if step_sleep else loss_fn, valid_data=make_data(32, seed=7))
    return trainer, result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--step-sleep", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--checkpoint-every", type=int)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--optimizer", default="adamw")
    a = p.parse_args()
    trainer, result = train(a.out, a.resume, a.step_sleep, a.dropout, epochs=a.epochs, batch_size=a.batch_size,
                            checkpoint_every=a.checkpoint_every, optimizer=a.optimizer)
    if trainer.is_main:
        from safetensors.torch import save_file

        weights = {k: v.contiguous() for k, v in trainer.model.state_dict().items()}
        save_file(weights, str(Path(a.out) / "final.safetensors"))
        (Path(a.out) / "result.json").write_text(json.dumps({"steps": result.steps, "history": result.history}))


if __name__ == "__main__":
    main()
