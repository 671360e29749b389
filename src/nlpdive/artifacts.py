"""The saved-model directory: what a user copies to a server.

    DIR/config.json        {"task", "model": {class + hyper-parameters}, "nlpdive_version", ...}
    DIR/model.safetensors  weights (never a pickle)
    DIR/*.json             pipeline/tokenizer/vocab, labels.json, metrics.json

Writes go to a temporary sibling directory that is renamed into place, so a crash never leaves half a model.
"""
import json
import os
import shutil
import tempfile
from pathlib import Path

from nlpdive.errors import InputError

CONFIG = "config.json"
WEIGHTS = "model.safetensors"


def write_json(path, obj):
    """Write JSON atomically (temp file + rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.fchmod(fd, 0o644)  # mkstemp makes owner-only files; saved models are meant to be copied and shared
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


def read_json(path, missing_hint="is this a saved nlpdive model directory?"):
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path, hint=missing_hint)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"corrupt JSON ({e})", path=path, hint="re-save or re-train the model") from None


def tensors_for_saving(state_dict):
    """CPU, contiguous, detached tensors that share no memory (safetensors refuses tied weights; on loading,
    load_state_dict fills both tied names with the same values)."""
    seen = set()
    tensors = {}
    for name, t in state_dict.items():
        t = t.detach().cpu().contiguous()
        if t.untyped_storage().data_ptr() in seen:
            t = t.clone()
        seen.add(t.untyped_storage().data_ptr())
        tensors[name] = t
    return tensors


def save_model_dir(out, *, task, model_config, state_dict, json_files=None, extra_config=None):
    """Save a model directory atomically. `json_files` maps file name -> JSON-able object
    (e.g. {"pipeline.json": pipeline.to_dict(), "labels.json": labels, "metrics.json": metrics})."""
    from safetensors.torch import save_file

    from nlpdive import __version__

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp"))
    tmp.chmod(0o755)
    try:
        config = {"task": task, "model": model_config, "nlpdive_version": __version__, **(extra_config or {})}
        write_json(tmp / CONFIG, config)
        save_file(tensors_for_saving(state_dict), str(tmp / WEIGHTS), metadata={"task": task})
        for name, obj in (json_files or {}).items():
            write_json(tmp / name, obj)
        if out.exists():
            # keep files the run directory already holds (metrics.jsonl, loss.png, checkpoints)
            for item in tmp.iterdir():
                os.replace(item, out / item.name)
            tmp.rmdir()
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def read_config(path):
    path = Path(path)
    if not path.is_dir():
        raise InputError("not a directory", path=path, hint="pass a saved model directory (holding config.json)")
    config = read_json(path / CONFIG)
    if "task" not in config:
        raise InputError("config.json has no 'task' key", path=path / CONFIG)
    return config


def load_weights(path, device="cpu"):
    """Read model.safetensors into a dict of tensors; a truncated/corrupt file gives an InputError."""
    from safetensors.torch import load_file

    f = Path(path) / WEIGHTS
    if not f.exists():
        raise InputError("file not found", path=f, hint="the model directory is incomplete; re-save it")
    try:
        return load_file(str(f), device=device)
    except Exception as e:  # safetensors raises its own error types for truncated headers/data
        raise InputError(f"corrupt weights file ({type(e).__name__}: {e})", path=f,
                         hint="the file is truncated or not safetensors; copy it again or re-train") from None
