"""Optimizers (AdamW, SGD) and learning-rate schedules (constant, linear, cosine; all with linear warm-up)."""
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

    groups = param_groups if param_groups is not None else param_groups_for(model, cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)


def lr_factor(step, total, warmup, schedule):
    """Multiplier of the peak learning rate at optimizer step `step` (0-based) of `total`."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    progress = (step - warmup) / max(1, total - warmup)
    if schedule == "linear":
        return max(0.0, 1.0 - progress)
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return 1.0


def build_scheduler(optimizer, cfg, total_steps):
    from functools import partial

    import torch

    warmup = cfg.warmup_steps(total_steps)
    factor = partial(lr_factor, total=total_steps, warmup=warmup, schedule=cfg.schedule)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
