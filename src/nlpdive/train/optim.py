"""Optimizers (AdamW, SGD, Muon) and learning-rate schedules (constant, linear, cosine, inverse-sqrt; all with
linear warm-up)."""
import math


def param_groups_for(model, weight_decay):
    """nanoGPT's rule: decay matrices (weights, embeddings), not biases or norm gains."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


def build_optimizer(model, cfg, param_groups=None):
    import torch

    if cfg.optimizer == "muon":
        from nlpdive.train.muon import MuonAdamW, muon_groups

        return MuonAdamW(muon_groups(model, cfg.weight_decay), lr=cfg.lr, muon_lr=cfg.muon_lr, betas=(0.9, cfg.beta2))
    groups = param_groups if param_groups is not None else param_groups_for(model, cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    kw = dict(lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, cfg.beta2))
    try:  # one fused kernel over all tensors (CPU and GPU): torch's default on a CPU is a Python loop per tensor,
        return torch.optim.AdamW(groups, fused=True, **kw)  # ~8% of a GPT-2 fine-tuning step (benchmarks/finetune.py)
    except (RuntimeError, TypeError):  # a device or dtype without the fused kernel
        return torch.optim.AdamW(groups, foreach=True, **kw)


def warmup_steps(warmup, total_steps):
    """--warmup as a step count: a fraction of all steps when < 1, else the count itself."""
    return int(warmup * total_steps) if warmup < 1 else int(warmup)


def lr_factor(step, total, warmup, schedule, final=0.0):
    """Multiplier of the peak learning rate at optimizer step `step` (0-based) of `total`; linear and cosine
    schedules end at `final`."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    if schedule == "linear":
        return final + (1.0 - final) * (1.0 - progress)
    if schedule == "cosine":
        return final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "inverse-sqrt":  # Vaswani et al.'s decay, 1 at the end of the warm-up
        return math.sqrt((warmup + 1) / (step + 1))
    return 1.0


class Plan:
    """The steps a run plans to take: fixed by the epochs, or re-planned from the measured speed under a time
    budget; the schedule reads it at every step. Plain attributes only: LambdaLR saves them in its state_dict, so
    a resumed run keeps its plan."""

    def __init__(self, cfg, total_steps):
        self.total, self.warmup, self.schedule = int(total_steps), float(cfg.warmup), cfg.schedule
        self.final = float(cfg.final_lr)

    def __call__(self, step):
        return lr_factor(step, self.total, warmup_steps(self.warmup, self.total), self.schedule, self.final)


def build_scheduler(optimizer, cfg, total_steps):
    """A LambdaLR over a Plan (scheduler.lr_lambdas[0]) of `total_steps`."""
    import torch

    return torch.optim.lr_scheduler.LambdaLR(optimizer, Plan(cfg, total_steps))
