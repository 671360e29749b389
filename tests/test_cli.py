import json
import subprocess
import sys

from nlpdive import __version__


def test_version_console_and_module():
    out = subprocess.run([sys.executable, "-m", "nlpdive", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"nlpdive {__version__}"


def test_tour_writes_self_contained_report(tmp_path, run_cli):
    code, out, err = run_cli("tour", "--quick", "--out", tmp_path, "--json", "--only", "preprocess")
    assert code == 0, err
    html = (tmp_path / "report.html").read_text()
    assert "<html>" in html and "src=\"http" not in html  # nothing fetched from outside
    assert json.loads(out.strip().splitlines()[-1])["report"].endswith("report.html")


def test_config_file_fills_flags_and_flags_win(tmp_path):
    import argparse

    from nlpdive.cli.common import add_train_args, apply_config

    p = argparse.ArgumentParser()
    add_train_args(p)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("epochs: 7\nbatch-size: 16\nlr: 0.5\n")
    argv = ["--config", str(cfg), "--lr", "0.1"]
    args = apply_config(p.parse_args(argv), argv)
    assert (args.epochs, args.batch_size, args.lr) == (7, 16, 0.1)


def test_bad_config_key_is_input_error(tmp_path):
    import argparse

    import pytest

    from nlpdive.cli.common import add_train_args, apply_config
    from nlpdive.errors import InputError

    p = argparse.ArgumentParser()
    add_train_args(p)
    cfg = tmp_path / "c.json"
    cfg.write_text('{"epoch": 3}')
    argv = ["--config", str(cfg)]
    with pytest.raises(InputError, match="unknown key 'epoch'"):
        apply_config(p.parse_args(argv), argv)
