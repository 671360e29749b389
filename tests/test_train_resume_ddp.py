"""The two end-to-end guarantees of the Trainer, each against an uninterrupted single-process run:
SIGKILL + --resume finishes exactly like it, and a 2-process torchrun (gloo) trains the same weights."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from processes import wait_for_checkpoint

HELPERS = Path(__file__).parent / "train_helpers"
TOY = HELPERS / "toy_train.py"
sys.path.insert(0, str(HELPERS))

torch = pytest.importorskip("torch")
toy_train = pytest.importorskip("toy_train")


def _weights(trainer):
    return {k: v.detach().cpu() for k, v in trainer.model.state_dict().items()}


def _assert_same_weights(a, b, atol):
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=atol, rtol=0, msg=k)


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(TOY), str(out), "--step-sleep", "0.05", "--checkpoint-every", "4"],
                            stderr=subprocess.PIPE)
    wait_for_checkpoint(proc, out / "checkpoints")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (out / "result.json").exists()

    resumed, resumed_result = toy_train.train(out, resume=True, checkpoint_every=4)
    full, full_result = toy_train.train(tmp_path / "full", checkpoint_every=4)

    assert resumed_result.steps == full_result.steps == 36
    assert resumed_result.history[-1]["valid_loss"] == pytest.approx(full_result.history[-1]["valid_loss"], abs=1e-5)
    assert resumed_result.history[-1]["train_loss"] == pytest.approx(full_result.history[-1]["train_loss"], abs=1e-5)
    _assert_same_weights(_weights(resumed), _weights(full), atol=1e-6)
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == [12, 24, 36]  # the killed run's records after its checkpoint were dropped, none repeated


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_two_process_ddp_trains_the_same_weights_as_one_process(tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(TOY), str(out),
           "--dropout", "0", "--epochs", "2", "--batch-size", "8"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]

    single, single_result = toy_train.train(None, dropout=0, epochs=2, batch_size=8)
    from safetensors.torch import load_file

    ddp = load_file(str(out / "final.safetensors"))
    _assert_same_weights(ddp, _weights(single), atol=1e-5)
    assert json.loads((out / "result.json").read_text())["steps"] == single_result.steps == 24
    assert sorted(p.name for p in out.iterdir()) == ["checkpoints", "final.safetensors", "loss.png", "metrics.jsonl",
                                                     "result.json"]  # rank 0 wrote one set of files
