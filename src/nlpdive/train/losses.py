"""The talk's loss functions by name (for tasks that let users choose one)."""
from nlpdive.errors import InputError

# name -> torch.nn class name (looked up lazily so importing nlpdive.train stays light)
LOSSES = {
    "l1": "L1Loss",
    "mse": "MSELoss",
    "nll": "NLLLoss",
    "cross_entropy": "CrossEntropyLoss",
    "bce_with_logits": "BCEWithLogitsLoss",
}


def get_loss(name, **kwargs):
    """A loss module by name, e.g. get_loss("cross-entropy", ignore_index=0). Dashes and underscores both work."""
    from torch import nn

    key = name.lower().replace("-", "_")
    if key not in LOSSES:
        raise InputError(f"unknown loss {name!r}", hint=f"choose one of {', '.join(LOSSES)}")
    return getattr(nn, LOSSES[key])(**kwargs)
