"""The bad-input table's helpers: a snapshot of a directory tree, and the assertions every row makes (exit 2,
one `nlpdive: error:` line naming the file/line/flag, no traceback, nothing written or changed on disk)."""
import re


def snapshot(root):
    """{relative path: (bytes, mtime)} of every file and directory under root."""
    state = {}
    for p in sorted(root.rglob("*")):
        key = str(p.relative_to(root))
        state[key] = (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file() else ("<dir>", None)
    return state


def assert_rejected(run_cli, root, argv, expected):
    """Run the CLI on argv; assert the row's contract. `expected`: a regex the error line must match."""
    before = snapshot(root)
    code, out, err = run_cli(*argv)
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("nlpdive: error:")]
    assert code == 2, f"exit {code} for {argv}: {err}"
    assert "Traceback" not in err and "internal error" not in err, err
    assert len(errors) == 1, f"expected one error line, got: {err!r}"
    assert re.search(expected, errors[0]), f"{errors[0]!r} does not match {expected!r}"
    assert snapshot(root) == before, f"{argv} changed files under {root}"
