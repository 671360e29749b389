"""Devices, seeds and torchrun: everything about *where* a run happens.

Launched by `torchrun --nproc_per_node N ...`, the environment holds RANK, WORLD_SIZE and LOCAL_RANK; the
Trainer then joins the process group (NCCL on GPUs, gloo on CPU) and wraps the model in DDP.
"""
import os
import random
from dataclasses import dataclass

from nlpdive.errors import InputError


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self):
        return self.rank == 0

    @property
    def distributed(self):
        return self.world_size > 1


def dist_info():
    """This process's place in a torchrun launch (rank 0 of 1 when not launched by torchrun)."""
    env = os.environ
    return DistInfo(int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1)), int(env.get("LOCAL_RANK", 0)))


def select_device(name="auto", local_rank=0):
    """cuda > mps > cpu for "auto"; a device that is asked for but missing is an InputError."""
    import torch

    available = {
        "cuda": torch.cuda.is_available(),
        "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available(),
        "cpu": True,
    }
    if name == "auto":
        name = next(n for n in ("cuda", "mps", "cpu") if available[n])
    elif not available.get(name, False):
        raise InputError(f"--device {name}: not available on this machine", hint="use --device auto or cpu")
    return torch.device(f"cuda:{local_rank}" if name == "cuda" else name)


def seed_everything(seed):
    """Seed Python, NumPy and torch (all devices)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def init_distributed(info, device):
    """Join the torchrun process group if this is a multi-process launch and nobody joined yet."""
    import torch.distributed as dist

    if info.distributed and not dist.is_initialized():
        if device.type == "cuda":
            import torch

            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")


def barrier(info):
    if info.distributed:
        import torch.distributed as dist

        dist.barrier()
