import argparse
import json
import subprocess
import sys

import pytest

from nlpdive import __version__
from nlpdive.cli.common import add_train_args, apply_config
from nlpdive.errors import InputError


def test_version_console_and_module():
    out = subprocess.run([sys.executable, "-m", "nlpdive", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"nlpdive {__version__}"


def test_tour_writes_self_contained_report(tmp_path, run_cli):
    code, out, err = run_cli("tour", "--quick", "--out", tmp_path, "--json", "--only", "preprocess")
    assert code == 0, err
    html = (tmp_path / "report.html").read_text()
    assert "<html>" in html and "src=\"http" not in html  # nothing fetched from outside
    assert json.loads(out.strip().splitlines()[-1])["report"].endswith("report.html")


def test_tour_only_names_the_sections_when_none_matches(tmp_path, run_cli):
    code, _, err = run_cli("tour", "--quick", "--out", tmp_path, "--only", "nothing")
    assert code == 2 and "--only nothing: no such section" in err and "preprocess" in err
    assert not (tmp_path / "report.html").exists()


def test_config_file_fills_flags_and_flags_win(tmp_path):
    p = argparse.ArgumentParser()
    add_train_args(p)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("epochs: 7\nbatch-size: 16\nlr: 0.5\n")
    argv = ["--config", str(cfg), "--lr", "0.1"]
    args = apply_config(p.parse_args(argv), argv)
    assert (args.epochs, args.batch_size, args.lr) == (7, 16, 0.1)


def test_bad_config_key_is_input_error(tmp_path):
    p = argparse.ArgumentParser()
    add_train_args(p)
    cfg = tmp_path / "c.json"
    cfg.write_text('{"epoch": 3}')
    argv = ["--config", str(cfg)]
    with pytest.raises(InputError, match="unknown key 'epoch'"):
        apply_config(p.parse_args(argv), argv)


@pytest.mark.parametrize("text, message", [("epochs: three\n", "key 'epochs': 'three' is not a valid --epochs value"),
                                           ("optimizer: adam\n", "key 'optimizer': 'adam' is not one of adamw, sgd"),
                                           ("lr: [0.1\n", r"c\.yaml: cannot parse config")])
def test_bad_config_values_are_input_errors(tmp_path, text, message):
    p = argparse.ArgumentParser()
    add_train_args(p)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    argv = ["--config", str(cfg)]
    with pytest.raises(InputError, match=message):
        apply_config(p.parse_args(argv), argv)


def test_abbreviated_flags_still_win_over_the_config(tmp_path):
    p = argparse.ArgumentParser()
    add_train_args(p)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("batch-size: 16\nepochs: 4\n")
    argv = ["--config", str(cfg), "--batch", "8", "--epochs=2"]
    args = apply_config(p.parse_args(argv), argv)
    assert (args.batch_size, args.epochs) == (8, 2)


def test_effective_config_fills_unset_flags_from_the_resolved_settings():
    from nlpdive.cli.common import effective_config
    from nlpdive.train import TrainConfig

    p = argparse.ArgumentParser()
    add_train_args(p)
    args = p.parse_args(["--lr", "0.1"])
    config = effective_config(args, TrainConfig(lr=0.1, batch_size=64))
    assert (config["lr"], config["batch_size"], config["optimizer"]) == (0.1, 64, "adamw")
    assert "resume" not in config and "_parser" not in config


def test_help_imports_no_heavy_library():
    code = ("import sys; from nlpdive.cli.main import build_parser; build_parser(); "
            "print(sorted(m for m in ('torch', 'numpy', 'sklearn', 'tokenizers', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"  # `nlpdive --help` stays fast: every command imports its libraries lazily


def test_a_failing_tour_section_is_reported_the_others_run_and_the_exit_code_says_so(tmp_path, run_cli,
                                                                                     monkeypatch):
    import nlpdive.report
    from nlpdive.report import preprocess

    def broken(ctx):
        raise RuntimeError("out of memory (simulated)")

    monkeypatch.setattr(preprocess, "broken_section", broken, raising=False)
    monkeypatch.setattr(nlpdive.report, "SECTIONS", ["nlpdive.report.preprocess:broken_section",
                                                     "nlpdive.report.preprocess:tour_section"])
    code, out, err = run_cli("tour", "--quick", "--out", tmp_path)
    assert code == 1 and "section nlpdive.report.preprocess:broken_section failed" in err
    assert "[1/2] failed" in err and "[2/2] done" in err and "the talk's examples: 1 of 1 right" in out
    page = (tmp_path / "report.html").read_text()
    assert "This section failed" in page and "out of memory (simulated)" in page and "sneaky fox" in page
