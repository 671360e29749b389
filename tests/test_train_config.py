"""TrainConfig from CLI flags, losses by name, schedules, devices, run config."""
import argparse
import json

import pytest

from nlpdive.cli.common import add_train_args, apply_config, effective_config
from nlpdive.errors import InputError
from nlpdive.train import LOSSES, TrainConfig, get_loss, select_device, write_run_config
from nlpdive.train.optim import lr_factor


def _args(argv, config=None, tmp_path=None):
    p = argparse.ArgumentParser()
    add_train_args(p)
    if config is not None:
        path = tmp_path / "c.yaml"
        path.write_text(config)
        argv = [*argv, "--config", str(path)]
    return apply_config(p.parse_args(argv), argv)


def test_from_args_flags_then_config_then_task_defaults_then_dataclass(tmp_path):
    args = _args(["--lr", "0.1", "--schedule", "cosine"], "lr: 0.5\nclip: 0\nbatch-size: 16\n", tmp_path)
    cfg = TrainConfig.from_args(args, lr=0.9, epochs=7, monitor="accuracy", mode="max", patience=9)
    assert (cfg.lr, cfg.schedule, cfg.clip, cfg.batch_size, cfg.patience) == (0.1, "cosine", 0, 16, 9)
    assert (cfg.epochs, cfg.monitor, cfg.mode) == (7, "accuracy", "max")
    assert (cfg.optimizer, cfg.accum, cfg.keep_best) == ("adamw", 1, True)


def test_no_keep_best_flag_and_bad_values():
    assert TrainConfig.from_args(_args(["--no-keep-best"])).keep_best is False
    with pytest.raises(InputError, match="--accum must be >= 1"):
        TrainConfig.from_args(_args(["--accum", "0"]))
    with pytest.raises(InputError, match="--schedule 'exp'"):
        TrainConfig(schedule="exp")
    with pytest.raises(TypeError, match="lrr"):
        TrainConfig.from_args(_args([]), lrr=1)


def test_losses_by_name():
    import torch

    assert set(LOSSES) == {"l1", "mse", "nll", "cross_entropy", "bce_with_logits"}
    loss = get_loss("cross-entropy", ignore_index=0)
    assert isinstance(loss, torch.nn.CrossEntropyLoss) and loss.ignore_index == 0
    assert get_loss("MSE")(torch.ones(2), torch.zeros(2)).item() == 1.0
    with pytest.raises(InputError, match="unknown loss 'hinge'.*l1"):
        get_loss("hinge")


@pytest.mark.parametrize("schedule,expected", [("constant", [0.5, 1.0, 1.0, 1.0]),
                                               ("linear", [0.5, 1.0, 0.5, 0.0]),
                                               ("cosine", [0.5, 1.0, 0.5, 0.0])])
def test_schedules_warm_up_then_decay(schedule, expected):
    factors = [lr_factor(s, total=5, warmup=1, schedule=schedule) for s in (0, 1, 3, 5)]
    assert factors == pytest.approx(expected)


def test_warmup_fraction_or_steps():
    assert TrainConfig(warmup=0.1).warmup_steps(200) == 20
    assert TrainConfig(warmup=30).warmup_steps(200) == 30


def test_device_selection():
    import torch

    assert select_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        assert select_device("auto").type in ("cpu", "mps")
        with pytest.raises(InputError, match="--device cuda"):
            select_device("cuda")


def test_effective_config_is_written_and_reusable(tmp_path):
    args = _args(["--lr", "0.2", "--accum", "3"])
    write_run_config(tmp_path, effective_config(args))
    saved = json.loads((tmp_path / "run_config.json").read_text())
    assert saved["lr"] == 0.2 and saved["accum"] == 3
    again = _args([], (tmp_path / "run_config.json").read_text(), tmp_path)
    assert TrainConfig.from_args(again) == TrainConfig.from_args(args)


def test_run_config_leaves_out_resume():
    assert "resume" not in effective_config(_args(["--resume", "--out", "x"]))
