"""Atomic writes, one helper for every file and directory nlpdive saves (models, vectors, checkpoints, reports).

    with atomic_file(path) as tmp: ...           # write tmp; it replaces `path` only when the block succeeds
    write_json(path, obj)                        # the same for a JSON file
    with atomic_dir(out, merge=True) as tmp: ... # fill a temporary sibling directory; then it becomes `out`

A crash, a Ctrl-C or an exception inside the block leaves the old file or directory as it was and removes the
temporary one, so nobody ever reads half a model.
"""
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

TMP_MARK = ".tmp-"  # temporary names start with "." and hold this mark (a killed run's leftovers are recognisable)


@contextmanager
def atomic_file(path, mode=0o644):
    """A temporary path beside `path`; renamed onto `path` when the block ends without an exception."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{TMP_MARK}")
    os.close(fd)
    os.chmod(tmp, mode)  # mkstemp makes owner-only files; saved models are meant to be copied and shared
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path, obj):
    """Write `obj` as indented UTF-8 JSON, atomically."""
    with atomic_file(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write("\n")
    return Path(path)


def write_text(path, text):
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


@contextmanager
def atomic_dir(out, merge=False):
    """A temporary directory beside `out`, renamed to `out` when the block succeeds. With `merge`, an existing
    `out` keeps the files the block did not write (a run directory's logs and checkpoints) and each new file
    replaces its old one by an atomic rename; without it an existing `out` is replaced whole."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}{TMP_MARK}"))
    tmp.chmod(0o755)
    try:
        yield tmp
        if out.exists() and merge:
            for item in tmp.iterdir():
                if item.is_dir() and (out / item.name).is_dir():
                    shutil.rmtree(out / item.name)
                os.replace(item, out / item.name)
            tmp.rmdir()
        elif out.exists():
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}{TMP_MARK}old-"))
            os.replace(out, old / out.name)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
