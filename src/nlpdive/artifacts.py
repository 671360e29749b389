"""The saved-model directory: what a user copies to a server.

    DIR/config.json        {"task", "model": {class + hyper-parameters}, "nlpdive_version", ...}
    DIR/model.safetensors  weights (never a pickle)
    DIR/*.json             pipeline/tokenizer/vocab, labels.json, metrics.json

Writes go to a temporary sibling directory that is renamed into place, so a crash never leaves half a model.
"""
import json
from contextlib import contextmanager
from pathlib import Path

from nlpdive.atomic import atomic_dir, write_json
from nlpdive.errors import InputError

CONFIG = "config.json"
WEIGHTS = "model.safetensors"
TIED = "nlpdive_tied"  # model.safetensors metadata: JSON {name: name it is tied to}, for weights stored once
METRICS = "metrics.json"


def read_json(path, missing_hint="is this a saved nlpdive model directory?"):
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path, hint=missing_hint)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"corrupt JSON ({e})", path=path, hint="re-save or re-train the model") from None


def tensors_for_saving(state_dict, tied=None):
    """CPU, contiguous, detached tensors that share no memory (safetensors refuses tied weights). With a dict
    `tied`, a name that is the very same tensor as an earlier one (a tied embedding and output layer) is left out
    and recorded there as {name: the earlier name}, so it is stored once; else it is stored as a copy."""
    seen, storages, tensors = {}, set(), {}  # (storage, view) -> the first name; storages already saved
    for name, t in state_dict.items():
        storage = t.untyped_storage().data_ptr()
        view = (storage, t.storage_offset(), tuple(t.shape), tuple(t.stride()))
        if view in seen and tied is not None:
            tied[name] = seen[view]
            continue
        t = t.detach().cpu().contiguous()
        tensors[name] = t.clone() if storage in storages else t
        seen.setdefault(view, name)
        storages.add(storage)
    return tensors


def save_model_dir(out, *, task, model_config, state_dict, json_files=None, extra_config=None):
    """Save a model directory atomically. `json_files` maps file name -> JSON-able object
    (e.g. {"pipeline.json": pipeline.to_dict(), "labels.json": labels, "metrics.json": metrics}).
    Files the directory already holds (a run's metrics.jsonl, loss.png, checkpoints) are kept."""
    from safetensors.torch import save_file

    from nlpdive import __version__

    with atomic_dir(out, merge=True) as tmp:
        config = {"task": task, "model": model_config, "nlpdive_version": __version__, **(extra_config or {})}
        write_json(tmp / CONFIG, config)
        tied = {}
        tensors = tensors_for_saving(state_dict, tied)
        save_file(tensors, str(tmp / WEIGHTS), metadata={"task": task, **({TIED: json.dumps(tied)} if tied else {})})
        for name, obj in (json_files or {}).items():
            write_json(tmp / name, obj)
    return Path(out)


def write_metrics(out_dir, metrics):
    """out_dir/metrics.json (the directory is made when missing)."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return write_json(Path(out_dir) / METRICS, metrics)


def read_config(path):
    path = Path(path)
    if not path.is_dir():
        raise InputError("not a directory", path=path, hint="pass a saved model directory (holding config.json)")
    _not_a_checkpoint(path)
    config = read_json(path / CONFIG)
    if not isinstance(config, dict):
        raise InputError("config.json must hold a JSON object", path=path / CONFIG, hint="re-save or re-train the model")
    if "task" not in config:
        raise InputError("config.json has no 'task' key", path=path / CONFIG)
    return config


def load_weights(path, device="cpu"):
    """Read model.safetensors into a dict of tensors; a truncated/corrupt file gives an InputError."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    f = Path(path) / WEIGHTS
    if not f.exists():
        raise InputError("file not found", path=f, hint="the model directory is incomplete; re-save it")
    try:
        tensors = load_file(str(f), device=device)
        with safe_open(str(f), "pt") as weights:
            tied = json.loads((weights.metadata() or {}).get(TIED, "{}"))
    except Exception as e:  # safetensors raises its own error types for truncated headers/data
        raise InputError(f"corrupt weights file ({type(e).__name__}: {e})", path=f,
                         hint="the file is truncated or not safetensors; copy it again or re-train") from None
    for name, same in tied.items():  # tied weights are stored once (tensors_for_saving)
        if same not in tensors:
            raise InputError(f"tied weight {name} names {same}, which the file does not hold", path=f,
                             hint="the file was edited or damaged; re-save or re-train the model")
        tensors[name] = tensors[same]
    return tensors


@contextmanager
def reading(path):
    """Turn what an edited or damaged saved-model file makes the loading code raise (a missing key, a list where a
    string belongs, null, a value out of range) into an InputError naming the file."""
    try:
        yield
    except InputError as e:
        if e.path is not None:
            raise
        raise InputError(str(e), path=path, hint="the file was edited or damaged; re-save or re-train the "
                         "model") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as e:
        what = f"missing key {e}" if isinstance(e, KeyError) else " ".join(str(e).split())[:200]
        raise InputError(f"unexpected content ({what})", path=path,
                         hint="the file was edited or damaged; re-save or re-train the model") from None


def _not_a_checkpoint(path):
    """A training checkpoint (RUN/checkpoints/step-N) or the checkpoints folder is not a saved model: say which
    directory to use instead."""
    if (path / CONFIG).exists():
        return
    if (path / "state.json").exists() and (path / "optim.safetensors").exists():
        run = path.parent.parent if path.parent.name == "checkpoints" else path.parent
        raise InputError("this is a training checkpoint, not a saved model", path=path,
                         hint=f"use the model directory {run}, or continue training with --resume --out {run}")
    if any(path.glob("checkpoints/step-*")) or any(path.glob("holdout/checkpoints/step-*")):
        raise InputError("this run did not finish: it has checkpoints but no saved model", path=path,
                         hint=f"continue it with the same `nlpdive train ...` command plus --resume --out {path}")
    if path.name == "checkpoints" and any(path.glob("step-*")):
        raise InputError("this is a run's checkpoints folder, not a saved model", path=path,
                         hint=f"use the model directory {path.parent}")
