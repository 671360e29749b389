"""Helpers for tests that run training in a child process (kill -9 and resume)."""
import time


def wait_for_checkpoint(proc, ckpt_dir, timeout=60):
    """Poll until `ckpt_dir` holds a step-* checkpoint; an AssertionError with the child's stderr if the child ends
    first or none appears within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ckpt_dir.is_dir() and any(p.name.startswith("step-") for p in ckpt_dir.iterdir()):
            return
        time.sleep(0.02)
    err = proc.stderr.read()[-2000:] if proc.stderr is not None else ""
    raise AssertionError(f"no checkpoint appeared (exit code {proc.poll()}): {err}")
