import os
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("NLPDIVE_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")).resolve()


@pytest.fixture
def shared_data():
    """Path to ../shared/data (the real datasets); skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (set NLPDIVE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process: returns (exit_code, stdout, stderr)."""
    from nlpdive.cli.main import main

    def run(*argv):
        code = main([str(a) for a in argv])
        cap = capsys.readouterr()
        return code, cap.out, cap.err

    return run


@pytest.fixture
def one_torch_thread():
    """Tiny models: one intra-op thread is faster, and far faster when other jobs share the 2 cores."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def budgets_as_steps(monkeypatch, steps):
    """Tour sections train for a time budget; under test they take `steps` steps instead, so that what they learn
    does not depend on how busy the machine is (patches nlpdive.train.TrainConfig; call again to change `steps`)."""
    import nlpdive.train

    original = getattr(nlpdive.train.TrainConfig, "__wrapped__", nlpdive.train.TrainConfig)

    def config(**kw):
        if kw.get("time_budget"):
            kw.update(time_budget=None, max_steps=steps)
        return original(**kw)

    config.__wrapped__ = original
    monkeypatch.setattr(nlpdive.train, "TrainConfig", config)


from conftest_browser import chromium_driver  # noqa: E402,F401  (a real headless browser, for any test)
