"""--threads / TrainConfig.threads: the Trainer hands it to torch.set_num_threads; unset, torch keeps its own."""
import json
import sys
from pathlib import Path

import pytest

from nlpdive import demo
from nlpdive.errors import InputError
from nlpdive.train import TrainConfig, Trainer

sys.path.insert(0, str(Path(__file__).parent / "train_helpers"))

torch = pytest.importorskip("torch")
toy_train = pytest.importorskip("toy_train")


@pytest.fixture
def two_threads():
    """Start from 2 torch threads (so that 1 is a change) and put torch's setting back afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


def _threads_seen_in_steps(cfg):
    seen = set()

    def loss_fn(model, batch):
        seen.add(torch.get_num_threads())
        return toy_train.loss_fn(model, batch)

    Trainer(toy_train.Toy(), cfg, progress=False).fit(toy_train.make_data(32), toy_train.collate, loss_fn)
    return seen


def test_threads_reach_torch_in_the_training_steps(two_threads):
    assert _threads_seen_in_steps(TrainConfig(epochs=1, batch_size=16, device="cpu", threads=1)) == {1}


def test_unset_threads_leave_torch_alone(two_threads):
    assert _threads_seen_in_steps(TrainConfig(epochs=1, batch_size=16, device="cpu")) == {2}


def test_threads_must_be_positive():
    with pytest.raises(InputError, match="--threads must be >= 1"):
        TrainConfig(threads=0)


def test_threads_flag_is_recorded_and_reaches_torch(tmp_path, run_cli, one_torch_thread):
    data = tmp_path / "mr.tsv"
    lines = demo.path("mr").read_text(encoding="utf-8").splitlines()
    data.write_text("\n".join(lines[:101] + lines[-100:]) + "\n", encoding="utf-8")  # header + both classes
    run = tmp_path / "run"
    # bow's own default is 1 thread: 2 shows that the flag wins
    code, _, err = run_cli("train", "classify", "--data", data, "--out", run, "--epochs", "1", "--threads", "2")
    assert code == 0, err
    assert json.loads((run / "run_config.json").read_text())["threads"] == 2
    assert torch.get_num_threads() == 2  # set for the process, so prediction after training uses it too
