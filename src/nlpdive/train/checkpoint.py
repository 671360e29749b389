"""Checkpoints: OUT/checkpoints/step-00000120/ written to a temporary directory and renamed into place.

    model.safetensors   the model's weights
    optim.safetensors   optimizer state tensors, RNG state tensors, and best.* (kept-best weights)
    state.json          step, epoch, batch position, history, scheduler/scaler state, optimizer hyper-parameters,
                        Python/NumPy RNG states

Nothing is pickled; a truncated or corrupt checkpoint gives an InputError naming the file.
"""
import random
import shutil
from pathlib import Path

from nlpdive.artifacts import read_json, tensors_for_saving
from nlpdive.atomic import TMP_MARK, atomic_dir, write_json
from nlpdive.errors import InputError

PREFIX = "step-"


def latest(ckpt_dir):
    """The newest complete checkpoint directory, or None."""
    dirs = sorted(Path(ckpt_dir).glob(PREFIX + "*")) if Path(ckpt_dir).is_dir() else []
    return dirs[-1] if dirs else None


def clear(ckpt_dir):
    shutil.rmtree(ckpt_dir, ignore_errors=True)


def save(ckpt_dir, step, model, optimizer, state, best_weights=None, keep=2):
    """Write a checkpoint atomically and delete all but the newest `keep`."""
    from safetensors.torch import save_file

    ckpt_dir = Path(ckpt_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    for stale in ckpt_dir.glob(f".*{TMP_MARK}*"):  # left by a run killed while writing
        shutil.rmtree(stale, ignore_errors=True)
    optim_tensors, optim_json = _flatten_optimizer(optimizer.state_dict())
    rng_tensors, rng_json = _rng_state()
    tensors = {**optim_tensors, **rng_tensors}
    if best_weights is not None:
        tensors.update({f"best.{k}": v for k, v in best_weights.items()})
    final = ckpt_dir / f"{PREFIX}{step:08d}"
    with atomic_dir(final) as tmp:
        save_file(tensors_for_saving(model.state_dict()), str(tmp / "model.safetensors"))
        save_file(tensors_for_saving(tensors), str(tmp / "optim.safetensors"))
        write_json(tmp / "state.json", {**state, "optimizer": optim_json, "rng": rng_json})
    for old in sorted(ckpt_dir.glob(PREFIX + "*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def load(path, model, optimizer):
    """Load weights and optimizer state into `model`/`optimizer`; return (state dict, rng, best_weights or None).
    Call `restore_rng(rng)` when the data pipeline has reached the saved position."""
    path = Path(path)
    state = read_json(path / "state.json")
    weights = _read_tensors(path / "model.safetensors")
    tensors = _read_tensors(path / "optim.safetensors")  # on CPU: the optimizer moves state where it belongs
    try:
        model.load_state_dict(weights)
        optimizer.load_state_dict(_unflatten_optimizer(tensors, state["optimizer"]))
    except (RuntimeError, KeyError, ValueError) as e:
        raise InputError(f"checkpoint does not fit this model/optimizer ({str(e).splitlines()[0]})", path=path,
                         hint="resume with the same model settings, or start a new run without --resume") from None
    rng = {"json": state["rng"], **{k: v for k, v in tensors.items() if k.startswith("rng.")}}
    best = {k[len("best."):]: v for k, v in tensors.items() if k.startswith("best.")} or None
    return state, rng, best


def average_weights(paths):
    """The element-wise mean of the model weights of the checkpoint directories `paths` (floating-point tensors;
    others are taken from the last checkpoint). Averaging the last checkpoints of a run smooths its noise
    (Vaswani et al. 2017; JoeyNMT's and fairseq's checkpoint averaging)."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("average_weights needs at least one checkpoint")
    first = _read_tensors(paths[0] / "model.safetensors")
    dtypes = {k: v.dtype for k, v in first.items()}
    total = {k: v.double() if v.is_floating_point() else v for k, v in first.items()}
    for path in paths[1:]:
        weights = _read_tensors(path / "model.safetensors")
        if set(weights) != set(total):
            raise InputError("checkpoints of different models cannot be averaged", path=path,
                             hint="average checkpoints of one run")
        for k, v in weights.items():
            total[k] = total[k] + v.double() if v.is_floating_point() else v
    return {k: (v / len(paths)).to(dtypes[k]) if v.is_floating_point() else v for k, v in total.items()}


def _read_tensors(path):
    from safetensors.torch import load_file

    if not path.exists():
        raise InputError("checkpoint file missing", path=path,
                         hint="delete this checkpoint directory to use the one before")
    try:
        return load_file(str(path))
    except Exception as e:  # safetensors raises its own error types on truncated/corrupt files
        raise InputError(f"corrupt checkpoint ({type(e).__name__}: {e})", path=path,
                         hint="delete this checkpoint directory to use the one before") from None


def _flatten_optimizer(sd):
    """optimizer.state_dict() -> (tensors "optim.<param id>.<name>", JSON-able rest)."""
    import torch

    tensors, other = {}, {}
    for pid, param_state in sd["state"].items():
        for name, value in param_state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{pid}.{name}"] = value
            else:
                other.setdefault(str(pid), {})[name] = value
    return tensors, {"param_groups": sd["param_groups"], "other": other}


def _unflatten_optimizer(tensors, saved):
    state = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, pid, name = key.split(".", 2)
            state.setdefault(int(pid), {})[name] = value
    for pid, rest in saved["other"].items():
        state.setdefault(int(pid), {}).update(rest)
    groups = [{k: tuple(v) if k == "betas" else v for k, v in g.items()} for g in saved["param_groups"]]
    return {"state": state, "param_groups": groups}


def _rng_state():
    import numpy as np
    import torch

    tensors = {"rng.torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        tensors.update({f"rng.cuda.{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
    version, mt, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return tensors, {"python": [version, list(mt), gauss], "numpy": [name, keys.tolist(), pos, has_gauss, cached]}


def restore_rng(rng):
    import numpy as np
    import torch

    version, mt, gauss = rng["json"]["python"]
    random.setstate((version, tuple(mt), gauss))
    name, keys, pos, has_gauss, cached = rng["json"]["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(rng["rng.torch"])
    cuda = [rng[k] for k in sorted((k for k in rng if k.startswith("rng.cuda.")), key=lambda k: int(k.split(".")[2]))]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda[: torch.cuda.device_count()])
