"""`nlpdive compare`: the ladder on a few hundred demo sentences, each rung a few optimizer steps (--max-steps) so
that nothing depends on the machine's speed; one torch thread throughout."""
import contextlib
import io
import json
import random
import warnings

import pytest

from nlpdive.compare import ladder
from nlpdive.compare.config import CompareConfig, parse_budget
from nlpdive.compare.report import KEYS, recommend
from nlpdive.errors import InputError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

QUICK = ("--max-steps", "3", "--threads", "1", "--latency-calls", "10", "--throughput-texts", "50", "--budget", "10m")


def demo_rows():
    from finetune_bases import demo_sentences

    return demo_sentences()


def write_tsv(path, rows):
    path.write_text("text\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    rows, folder = demo_rows(), tmp_path_factory.mktemp("data")
    return write_tsv(folder / "train.tsv", rows[:300]), write_tsv(folder / "test.tsv", rows[2900:])


def cli(*argv):
    """(exit code, stdout, stderr) of the CLI run in this process."""
    from nlpdive.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def three_rungs(files, tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "ladder"
    code, stdout, err = cli("compare", "--data", files[0], "--test", files[1], "--models", "bow", "cnn", "gru",
                            "--out", out, *QUICK, "--json")
    return code, stdout, err, out


def test_three_rungs_write_the_report_with_every_key(three_rungs):
    import nlpdive

    code, stdout, err, out = three_rungs
    assert code == 0, err
    res = json.loads((out / "compare.json").read_text())
    assert [m["name"] for m in res["models"]] == ["bow", "cnn", "gru"]
    for row in res["models"]:
        assert tuple(row) == KEYS
        assert 0 <= row["accuracy"] <= 1 and 0 <= row["macro_f1"] <= 1
        assert 0 < row["latency_ms_p50"] <= row["latency_ms_p99"] and row["sentences_per_second"] > 0
        assert row["size_bytes"] > 0 and row["parameters"] > 0 and row["train_seconds"] >= 0
        model = nlpdive.load(row["dir"])  # ready for predict and serve
        assert model.predict(["a moving film"])[0]["label"] in ("negative", "positive")
    assert res["recommended"] in ("bow", "cnn", "gru") and res["recommendation"].startswith(res["recommended"])
    assert res["skipped"] == [] and res["metric"] == "accuracy" and res["data"]["held"] == "test"
    assert res["data"]["held_rows"] == 100
    page = (out / "compare.html").read_text()
    assert "data:image/png;base64," in page and "Recommended" in page and (out / "pareto.png").stat().st_size > 0
    assert json.loads(stdout.strip().splitlines()[-1])["recommended"] == res["recommended"]


def test_every_rung_is_scored_on_the_same_rows(three_rungs, files):
    import nlpdive

    *_, out = three_rungs
    res = json.loads((out / "compare.json").read_text())
    for row in res["models"]:
        assert nlpdive.load(row["dir"]).evaluate(files[1])["accuracy"] == pytest.approx(row["accuracy"])


def test_recommendation_rule():
    def row(name, acc, ms):
        return {"name": name, "accuracy": acc, "latency_ms_p50": ms}

    rows = [row("bow", 0.796, 0.1), row("gru", 0.79, 1.0), row("encoder", 0.80, 30.0)]
    assert recommend(rows) == ("bow", "bow: within 0.4 points of the best (encoder, 80.00%) at 1/300 of its latency")
    name, reason = recommend([row("bow", 0.70, 0.1), row("encoder", 0.86, 30.0)])
    assert name == "encoder" and "most accurate" in reason
    assert recommend([]) == (None, "no model was trained")


@pytest.mark.parametrize("text, seconds", [("30m", 1800), ("90s", 90), ("1h", 3600), ("1800", 1800),
                                           ("1.5h", 5400), (" 2 min ", 120), (45, 45)])
def test_budget_parsing(text, seconds):
    assert parse_budget(text) == seconds


@pytest.mark.parametrize("text", ["30x", "", "-5m", "0", "m30", "1h30m"])
def test_bad_budgets_are_input_errors_with_a_hint(text):
    with pytest.raises(InputError, match=r"--budget .*\(e\.g\. --budget 30m"):
        parse_budget(text)


def test_bad_budget_and_unknown_model_exit_2(files, tmp_path):
    code, _, err = cli("compare", "--data", files[0], "--budget", "30x", "--out", tmp_path / "a")
    assert code == 2 and "--budget '30x': not a duration" in err and "e.g. --budget 30m" in err
    code, _, err = cli("compare", "--data", files[0], "--models", "bow", "xgboost", "--out", tmp_path / "b")
    assert code == 2 and "--models xgboost: unknown model" in err and "bow, cnn" in err
    code, _, err = cli("compare", "--data", files[0], "--models", "bow", "--budget", "1s", "--out", tmp_path / "c")
    assert code == 2 and "too small for any rung" in err
    code, _, err = cli("compare", "--data", files[0], "--embeddings", tmp_path / "nope.txt", "--out", tmp_path / "d")
    assert code == 2 and "nope.txt: no such file or directory (check --embeddings)" in err
    assert not any((tmp_path / d).exists() for d in "abcd")  # nothing written


def test_a_directory_holding_a_comparison_needs_resume(three_rungs, files):
    *_, out = three_rungs
    code, _, err = cli("compare", "--data", files[0], "--models", "bow", "--out", out, *QUICK)
    assert code == 2 and "holds a comparison already" in err and "--resume" in err


def test_multi_label(tmp_path):
    rng = random.Random(0)
    words = {"sports": "goal match striker", "politics": "vote senate minister", "tech": "laptop chip server"}
    lines = ["text,sports,politics,tech"]
    for _ in range(240):
        topics = [t for t in words if rng.random() < 0.4]
        text = " ".join(rng.choice(words[t].split()) for t in topics) + " the day was new"
        lines.append(f"{text}," + ",".join(str(int(t in topics)) for t in words))
    data = tmp_path / "topics.csv"
    data.write_text("\n".join(lines) + "\n")
    code, _, err = cli("compare", "--data", data, "--label-columns", "sports", "politics", "tech", "--models", "bow",
                       "cnn", "--out", tmp_path / "out", *QUICK)
    assert code == 0, err
    res = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert res["metric"] == "micro_f1" and "micro-F1" in res["metric_note"] and len(res["models"]) == 2
    import nlpdive

    pred = nlpdive.load(res["models"][0]["dir"]).predict(["the senate vote"])[0]
    assert set(pred) == {"labels", "probabilities"} and set(pred["probabilities"]) == set(words)


def test_a_failing_rung_is_reported_and_the_exit_code_says_so(files, tmp_path, monkeypatch):
    real = ladder.train_rung

    def flaky(rung, *args, **kw):
        if rung.name == "cnn":
            raise RuntimeError("out of memory (simulated)")
        return real(rung, *args, **kw)

    monkeypatch.setattr(ladder, "train_rung", flaky)
    code, stdout, err = cli("compare", "--data", files[0], "--models", "bow", "cnn", "--out", tmp_path / "out",
                            *QUICK)
    assert code == 1 and "cnn failed" in err
    res = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert [m["name"] for m in res["models"]] == ["bow"] and res["recommended"] == "bow"
    assert res["skipped"] == [{"name": "cnn", "reason": "failed: RuntimeError: out of memory (simulated)"}]
    assert "out of memory (simulated)" in (tmp_path / "out" / "compare.html").read_text()


def test_resume_trains_only_the_rungs_not_done(files, tmp_path, monkeypatch):
    real, trained = ladder.train_rung, []

    def killed_at_cnn(rung, *args, **kw):
        if rung.name == "cnn":
            raise KeyboardInterrupt
        trained.append(rung.name)
        return real(rung, *args, **kw)

    argv = ("compare", "--data", files[0], "--models", "bow", "cnn", "--out", tmp_path / "out", *QUICK)
    monkeypatch.setattr(ladder, "train_rung", killed_at_cnn)
    code, _, err = cli(*argv)
    assert code == 130 and "--resume" in err and trained == ["bow"]
    partial = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert [m["name"] for m in partial["models"]] == ["bow"]

    def counting(rung, *args, **kw):
        trained.append(rung.name)
        return real(rung, *args, **kw)

    monkeypatch.setattr(ladder, "train_rung", counting)
    code, _, err = cli(*argv, "--resume")
    assert code == 0, err
    assert trained == ["bow", "cnn"]  # bow was reused, not trained again
    res = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert [m["name"] for m in res["models"]] == ["bow", "cnn"] and res["models"][0] == partial["models"][0]
    code, _, err = cli(*argv, "--resume", "--valid-split", "0.2")
    assert code == 2 and "--valid-split" in err  # other splits: not the comparison it continues


def test_encoder_rung_with_a_tiny_bert_and_a_budget_too_small(files, tmp_path):
    pytest.importorskip("transformers")
    import nlpdive
    from finetune_bases import tiny_bert

    base = tiny_bert(tmp_path / "bert")
    code, _, err = cli("compare", "--data", files[0], "--test", files[1], "--models", "bow", "encoder", "--base",
                       base, "--out", tmp_path / "out", *QUICK)
    assert code == 0, err
    res = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert [m["name"] for m in res["models"]] == ["bow", "encoder"]
    encoder = nlpdive.load(res["models"][1]["dir"])
    assert encoder.task == "finetune-classify" and encoder.predict(["fine"])[0]["label"] in ("negative", "positive")
    # 40 s cannot give the encoder its 60 s minimum: skipped, and said why; bow still trains
    code, _, err = cli("compare", "--data", files[0], "--models", "bow", "encoder", "--base", base,
                       "--out", tmp_path / "small", *QUICK[:-2], "--budget", "40s")
    assert code == 0, err
    res = json.loads((tmp_path / "small" / "compare.json").read_text())
    assert [m["name"] for m in res["models"]] == ["bow"]
    assert res["skipped"][0]["name"] == "encoder" and res["skipped"][0]["reason"].startswith("budget too small")


def test_budget_split_and_missing_encoder(monkeypatch):
    import nlpdive.tasks.finetune.hub as hub

    monkeypatch.setattr(hub, "installed_encoder", lambda: None)
    rungs, skipped = ladder.plan(CompareConfig().models)
    assert [r.name for r in rungs] == ["bow", "cnn", "gru"]
    assert skipped[0]["name"] == "encoder" and "no encoder installed" in skipped[0]["reason"]
    monkeypatch.setattr(hub, "installed_encoder", lambda: "/somewhere/minilm")
    rungs, _ = ladder.plan(["encoder", "gru", "bow", "cnn"])
    assert [r.name for r in rungs] == ["bow", "cnn", "gru", "encoder"]  # cheapest first
    shares = [ladder.share(r, rungs[i:], 1800) for i, r in enumerate(rungs)]
    assert shares[0] < shares[1] < shares[2] < shares[3] == 1800  # each share of what is left; the encoder: all
    with pytest.raises(InputError, match="--base: not a directory|--base: not a model directory"):
        ladder.plan(["encoder"], base=__file__)


def test_small_data_gives_sequence_models_more_epochs_under_early_stopping():
    cnn = dict(epochs=6, batch_size=64, patience=2)
    assert ladder.small_data_epochs(cnn, 400) == 12  # 7 steps an epoch: 42 steps -> up to 84
    assert ladder.small_data_epochs(cnn, 2000) == 10  # 32 steps an epoch: 300 steps
    assert ladder.small_data_epochs(cnn, 50_000) == 6
    assert ladder.small_data_epochs({**cnn, "patience": None}, 400) == 6  # no early stopping: the recipe's epochs
