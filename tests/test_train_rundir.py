"""--out guards: refuse to replace a saved model, --overwrite swaps only a complete model in, a lock per run
directory (stale locks of killed runs are taken over), diverged training saves nothing."""
import json
import os
import subprocess
import sys

import pytest

from nlpdive import demo

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def data(tmp_path):
    lines = demo.path("mr").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "mr.tsv"
    path.write_text("\n".join(lines[:201] + lines[-200:]) + "\n", encoding="utf-8")
    return path


def tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def train(run_cli, data, out, *extra):
    return run_cli("train", "classify", "--data", data, "--out", out, "--epochs", "1", *extra)


def test_a_saved_model_is_refused_then_overwritten_only_when_complete(tmp_path, data, run_cli):
    out = tmp_path / "m"
    assert train(run_cli, data, out)[0] == 0
    before = tree(out)
    code, _, err = train(run_cli, data, out)
    assert code == 2 and "already holds a saved model" in err and "--overwrite" in err and "--resume" in err
    assert tree(out) == before
    code, _, err = train(run_cli, data, out, "--overwrite", "--lr", "0.5", "--model", "cnn", "--pooling", "last")
    assert code == 2 and tree(out) == before  # bad options: the old model is untouched
    code, _, err = run_cli("train", "classify", "--data", tmp_path / "missing.tsv", "--out", out, "--overwrite")
    assert code == 2 and tree(out) == before  # bad data, same
    code, _, err = train(run_cli, data, out, "--overwrite", "--seed", "3")
    assert code == 0, err
    assert json.loads((out / "run_config.json").read_text())["seed"] == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging dir or lock left


def test_a_second_run_into_the_same_directory_fails_fast_and_a_stale_lock_is_taken_over(tmp_path, data, run_cli):
    out = tmp_path / "m"
    lock = tmp_path / ".m.lock"
    lock.write_text(json.dumps({"pid": os.getpid(), "started": "2026-12-01 10:00:00"}))
    code, _, err = train(run_cli, data, out)
    assert code == 2 and f"pid {os.getpid()}" in err and "2026-12-01 10:00:00" in err and not out.exists()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock.write_text(json.dumps({"pid": dead.pid, "started": "2026-12-01 09:00:00"}))
    code, _, err = train(run_cli, data, out)
    assert code == 0, err
    assert not lock.exists()


def test_diverging_training_stops_with_exit_2_and_saves_nothing(tmp_path):
    import torch

    from nlpdive.errors import InputError
    from nlpdive.train import TrainConfig, Trainer

    model = torch.nn.Linear(2, 1)
    data = [torch.ones(2) for _ in range(8)]
    blow_up = lambda net, x: net(x).sum() * (float("nan") if net.training else 1.0)  # noqa: E731
    with pytest.raises(InputError, match=r"training diverged.*optimizer step \d+.*lower --lr \(now 0.1\)"):
        Trainer(model, TrainConfig(epochs=1, batch_size=4, lr=0.1), out_dir=tmp_path / "run").fit(
            data, torch.stack, blow_up)
    assert not list((tmp_path / "run").glob("checkpoints/step-*"))  # the diverged state is never checkpointed


def test_resume_names_what_is_missing_and_a_killed_run_points_to_resume(tmp_path, data, run_cli):
    code, _, err = train(run_cli, data, tmp_path / "new", "--resume")
    assert code == 2 and "nothing to resume" in err and not (tmp_path / "new").exists()
    (tmp_path / "killed" / "checkpoints" / "step-00000010").mkdir(parents=True)
    code, _, err = run_cli("predict", tmp_path / "killed", "some text")
    assert code == 2 and "did not finish" in err and "--resume" in err
    code, _, err = train(run_cli, data, tmp_path / "killed")
    assert code == 2 and "unfinished run" in err and "--resume" in err


def test_ctrl_c_during_training_points_to_resume(tmp_path, data, run_cli, monkeypatch):
    from nlpdive.tasks.classify import recipe

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(recipe, "fit", interrupted)
    code, _, err = train(run_cli, data, tmp_path / "m")
    assert code == 130 and f"--resume --out {tmp_path / 'm'}" in err
    assert not (tmp_path / ".m.lock").exists()  # the lock goes with the run


def test_cross_validation_next_to_a_saved_model_keeps_it(tmp_path, data, run_cli):
    out = tmp_path / "m"
    assert train(run_cli, data, out)[0] == 0
    model = (out / "model.safetensors").read_bytes()
    code, _, err = run_cli("train", "classify", "--data", data, "--out", out, "--cv", "2", "--epochs", "1")
    assert code == 0, err
    assert (out / "cv.json").exists() and (out / "model.safetensors").read_bytes() == model


def test_a_killed_swap_is_restored(tmp_path, data, run_cli):
    out = tmp_path / "m"
    assert train(run_cli, data, out)[0] == 0
    old = tmp_path / ".m.tmp-old"
    out.rename(old)  # killed between the two renames of an --overwrite swap
    code, _, err = train(run_cli, data, out)
    assert code == 2 and "already holds a saved model" in err and (out / "config.json").exists() and not old.exists()


def test_resuming_after_the_hold_out_run_goes_straight_to_the_refit(tmp_path, data, run_cli):
    out = tmp_path / "m"
    assert train(run_cli, data, out)[0] == 0
    holdout_log = (out / "holdout" / "metrics.jsonl").read_bytes()
    assert not list((out / "holdout").glob("checkpoints/step-*"))  # the finished hold-out run keeps no checkpoint
    (out / "config.json").unlink()  # as if killed during the refit, before the model was saved
    code, _, err = train(run_cli, data, out, "--resume")
    assert code == 0, err
    assert (out / "config.json").exists() and (out / "holdout" / "metrics.jsonl").read_bytes() == holdout_log
    code, _, err = train(run_cli, data, out, "--resume", "--valid-split", "0.2")
    assert code == 2 and "--valid-split 0.2 differs" in err
