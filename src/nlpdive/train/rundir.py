"""The output directory of a training run (`--out`): never lose a model, never write half of one.

    with RunDir(out, resume=args.resume, overwrite=args.overwrite) as path:   # checks, then locks
        ... train and save into `path` ...

- A directory that holds a saved model (config.json) is refused unless --resume (continue its training) or
  --overwrite (replace it). With --overwrite the new run writes to a staging directory beside it that replaces the
  old one only once the new model is complete: a failed or killed run leaves the old model as it was.
- A directory with checkpoints but no saved model is an unfinished run: --resume continues it.
- A lock file beside the directory makes a second run into the same --out fail at once, naming the first (pid,
  start time); the lock of a killed run (its process is gone) is recognised as stale and taken over.
- A run that fails on bad input removes the directory it created (nothing is left behind); a run stopped by Ctrl-C
  or a crash keeps its checkpoints so that --resume can continue it.
Under torchrun only rank 0 checks, locks and swaps; every rank is given the same path.
"""
import json
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from nlpdive.atomic import TMP_MARK
from nlpdive.errors import InputError
from nlpdive.train.distributed import dist_info

LOCK_SUFFIX = ".lock"


class RunDir:
    def __init__(self, out, *, resume=False, overwrite=False, keeps_model=True):
        """keeps_model=False: the run saves no model (cross-validation): only the lock applies."""
        self.out, self.resume, self.overwrite, self.keeps_model = Path(out), resume, overwrite, keeps_model
        self.path = self.out
        self._lock = self.out.parent / f".{self.out.name}{LOCK_SUFFIX}"
        self._created = False
        self._main = dist_info().is_main

    def check(self):
        """Refuse before anything is written (see the module docstring)."""
        out = self.out
        old = out.parent / f".{out.name}{TMP_MARK}old"
        if not out.exists() and (old / "config.json").exists():  # a run killed between the swap's two renames
            os.replace(old, out)
        if self.resume and self.overwrite:
            raise InputError("--resume and --overwrite contradict each other", hint="give one of them")
        if out.exists() and not out.is_dir():
            raise InputError("--out names a file, not a directory", path=out, hint="give --out a directory path")
        if not self.keeps_model:
            return
        saved = (out / "config.json").exists()
        unfinished = not saved and has_checkpoints(out)
        if saved and not (self.resume or self.overwrite):
            raise InputError("this directory already holds a saved model", path=out,
                             hint="pass --overwrite to replace it once the new model is complete, --resume to "
                                  "continue its training, or another --out")
        if unfinished and not (self.resume or self.overwrite):
            raise InputError("this directory holds an unfinished run (checkpoints, no saved model)", path=out,
                             hint="pass --resume to continue it, or --overwrite to start again")
        if self.resume and not has_checkpoints(out):
            raise InputError("nothing to resume here (no checkpoints)", path=out, hint="drop --resume to start a "
                             "new run")

    def __enter__(self):
        staging = self.out.parent / f".{self.out.name}{TMP_MARK}overwrite"
        if not self._main:  # every rank writes where rank 0 does
            return staging if self.overwrite and self.keeps_model and self.out.exists() else self.path
        self.check()
        self._take_lock()
        try:
            if self.overwrite and self.keeps_model and self.out.exists():
                self.path = staging
                shutil.rmtree(self.path, ignore_errors=True)  # a killed --overwrite run's leftovers
            self._created = not self.path.exists()
        except BaseException:
            self._release()
            raise
        return self.path

    def __exit__(self, kind, error, tb):
        if not self._main:
            return False
        try:
            if kind is None and self.path != self.out:
                self._swap()
            elif kind is not None and self._created and (issubclass(kind, InputError) or self.path != self.out):
                shutil.rmtree(self.path, ignore_errors=True)  # bad input (or a failed --overwrite): leave nothing
        finally:
            self._release()
        return False

    def _swap(self):
        """Replace the old directory by the staged one: two renames, the old one removed afterwards."""
        old = self.out.parent / f".{self.out.name}{TMP_MARK}old"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(self.out, old)
        os.replace(self.path, self.out)
        shutil.rmtree(old, ignore_errors=True)
        self.path = self.out

    # ---- the lock --------------------------------------------------------------------------------------------
    def _take_lock(self):
        """The lock file appears whole or not at all (written aside, then hard-linked into place), so a run never
        reads a half-written lock of another."""
        self._lock.parent.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "started": time.strftime("%Y-%m-%d %H:%M:%S")})
        fd, tmp = tempfile.mkstemp(dir=self._lock.parent, prefix=f"{self._lock.name}{TMP_MARK}")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(record)
        try:
            for _ in range(2):
                try:
                    os.link(tmp, self._lock)
                    return
                except FileExistsError:
                    holder = _read_lock(self._lock)
                    if holder is not None and _alive(holder):
                        raise InputError(
                            f"another run is writing to this directory (pid {holder.get('pid')} on "
                            f"{holder.get('host', 'this machine')}, started {holder.get('started')})",
                            path=self.out, hint=f"wait for it to finish, or use another --out; if that run is "
                            f"gone (killed on another machine), delete {self._lock}") from None
                    self._lock.unlink(missing_ok=True)  # stale: its process is gone
            raise InputError("cannot take the run directory's lock", path=self._lock,
                             hint="delete the file and retry")
        finally:
            os.unlink(tmp)

    def _release(self):
        holder = _read_lock(self._lock)
        if holder is not None and holder.get("pid") == os.getpid():
            self._lock.unlink(missing_ok=True)


def has_checkpoints(out):
    """Whether a run directory (or a phase of it, such as classify's holdout/) holds a checkpoint."""
    return any(Path(out).glob("checkpoints/step-*")) or any(Path(out).glob("*/checkpoints/step-*"))


def _read_lock(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable or half-written: treated as stale


def _alive(holder):
    """Whether the lock's process still runs (on another host we cannot tell, so it counts as alive)."""
    pid = holder.get("pid")
    if not isinstance(pid, int):
        return False
    if holder.get("host") not in (None, socket.gethostname()):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
