import json

import pytest

from nlpdive import demo

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def reviews(tmp_path):
    """A CSV in a user's shape: an id column, the text, a sentiment label (600 MR sentences)."""
    lines = demo.path("mr").read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.split("\t") for line in lines[:300] + lines[-300:]]  # both classes
    path = tmp_path / "reviews.csv"
    path.write_text("id,review,sentiment\n" + "".join(
        f'{i},"{t.replace(chr(34), chr(34) * 2)}",{lab}\n' for i, (t, lab) in enumerate(rows)), encoding="utf-8")
    return path


def last_json(out):
    return json.loads(out.strip().splitlines()[-1])


def test_train_evaluate_predict_round_trip(tmp_path, reviews, run_cli):
    run = tmp_path / "run"
    code, out, err = run_cli("train", "classify", "--data", reviews, "--out", run, "--epochs", "2", "--json")
    assert code == 0, err
    record = last_json(out)
    assert record["labels"] == ["negative", "positive"] and record["examples"] == 60
    for name in ("config.json", "model.safetensors", "pipeline.json", "labels.json", "metrics.json",
                 "confusion_matrix.png", "metrics.jsonl", "loss.png", "run_config.json"):
        assert (run / name).exists(), name

    code, out, err = run_cli("evaluate", run, "--data", reviews, "--out", tmp_path / "ev", "--json")
    assert code == 0, err
    metrics = last_json(out)
    assert metrics["accuracy"] > 0.8  # mostly training data: the model must fit it
    assert (tmp_path / "ev" / "metrics.json").exists() and (tmp_path / "ev" / "confusion_matrix.png").exists()

    code, out, err = run_cli("predict", run, "that movie sucked!", "a lovely, moving film", "--json")
    assert code == 0, err
    preds = [json.loads(line) for line in out.strip().splitlines()]
    assert [p["text"] for p in preds] == ["that movie sucked!", "a lovely, moving film"]
    assert all(p["label"] in p["probabilities"] and abs(sum(p["probabilities"].values()) - 1) < 1e-4 for p in preds)

    code, out, err = run_cli("predict", run, "--data", reviews)
    assert code == 0, err
    assert len(out.strip().splitlines()) == 600


def test_ambiguous_columns_name_the_flag_to_give(tmp_path, run_cli):
    data = tmp_path / "two.csv"
    data.write_text("summary,details,label\n" + "".join(f"a nice summary {i},a good long text {i},{i % 2}\n"
                                                   for i in range(20)))
    code, out, err = run_cli("train", "classify", "--data", data, "--out", tmp_path / "r", "--epochs", "1")
    assert code == 2 and "--text-column" in err and "two.csv" in err
    assert not (tmp_path / "r").exists()  # bad input leaves no half-written run directory
    code, out, err = run_cli("train", "classify", "--data", data, "--out", tmp_path / "r", "--epochs", "1",
                             "--text-column", "details", "--json")
    assert code == 0, err


def test_bad_model_options_are_input_errors(tmp_path, reviews, run_cli):
    code, out, err = run_cli("train", "classify", "--data", reviews, "--out", tmp_path / "r", "--model", "bow",
                             "--embeddings", tmp_path / "v.txt")
    assert code == 2 and "v.txt" in err and not (tmp_path / "r").exists()  # missing vectors: nothing written
    code, out, err = run_cli("train", "classify", "--data", reviews, "--out", tmp_path / "r", "--model", "cnn",
                             "--pooling", "last")
    assert code == 2 and "--pooling last" in err


def test_cross_validation_flag(tmp_path, reviews, run_cli):
    code, out, err = run_cli("train", "classify", "--data", reviews, "--out", tmp_path / "cv", "--cv", "3",
                             "--epochs", "2", "--json")
    assert code == 0, err
    result = last_json(out)
    assert len(result["folds"]) == 3 and 0.5 < result["accuracy_mean"] <= 1.0
    assert (tmp_path / "cv" / "cv.json").exists()


def test_evaluate_and_predict_score_empty_texts_and_training_skips_a_few(tmp_path, reviews, run_cli):
    data = tmp_path / "gaps.tsv"
    rows = [line.split(",", 1)[1].rsplit(",", 1) for line in reviews.read_text().splitlines()[1:]]
    lines = [f"{t.strip(chr(34))}\t{lab}\n" for t, lab in rows]
    data.write_text("text\tlabel\n" + "".join(lines[:300]) + "\tpositive\n" + "".join(lines[300:]) + " \tnegative\n")
    code, out, err = run_cli("train", "classify", "--data", data, "--out", tmp_path / "m", "--epochs", "1")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "skipped 2 rows with empty text (first at line 302)" in warnings[0], err
    code, out, err = run_cli("evaluate", tmp_path / "m", "--data", data, "--json")
    assert code == 0, err
    assert last_json(out)["examples"] == len(data.read_text().splitlines()) - 1  # every row, the empty ones too
    code, out, err = run_cli("predict", tmp_path / "m", "--data", data, "--json")
    assert code == 0 and len(out.strip().splitlines()) == len(data.read_text().splitlines()) - 1, err


def test_a_txt_file_of_text_tab_label_lines_trains_with_column_indices(tmp_path, run_cli):
    lines = demo.path("mr").read_text(encoding="utf-8").splitlines()[1:]
    data = tmp_path / "amazon_cells_labelled.txt"
    data.write_text("".join(f"{t}\t{1 if lab == 'positive' else 0}\n" for t, lab in
                            (line.split("\t") for line in lines[:150] + lines[-150:])))
    for i, extra in enumerate(([], ["--text-column", "0", "--label-column", "1"], ["--format", "tsv"])):
        code, out, err = run_cli("train", "classify", "--data", data, "--out", tmp_path / f"m{i}", "--epochs", "1",
                                 "--json", *extra)
        assert code == 0, err
        assert last_json(out)["labels"] == ["0", "1"]


def test_a_checkpoint_directory_names_the_model_directory_to_use(tmp_path, reviews, run_cli):
    run = tmp_path / "run"
    code, out, err = run_cli("train", "classify", "--data", reviews, "--out", run, "--epochs", "1")
    assert code == 0, err
    step = next((run / "checkpoints").glob("step-*"))
    for wrong in (step, run / "checkpoints"):
        code, out, err = run_cli("evaluate", wrong, "--data", reviews)
        assert code == 2 and "not a saved model" in err and f"use the model directory {run}" in err, err


def test_the_hold_out_picks_the_epochs_and_the_final_model_trains_on_every_row(tmp_path, reviews, run_cli):
    code, out, err = run_cli("train", "classify", "--data", reviews, "--out", tmp_path / "m", "--json")
    assert code == 0, err
    record = last_json(out)
    assert record["train_examples"] == 600 and record["examples"] == 60  # validation: the 10% hold-out
    assert 1 <= record["refit"]["epochs"] <= 2  # bow's recipe: at most 2 epochs
    assert json.loads((tmp_path / "m" / "holdout" / "search.json").read_text())["epochs"] == record["refit"]["epochs"]
    code, out, err = run_cli("train", "classify", "--data", reviews, "--out", tmp_path / "n", "--no-refit", "--json")
    assert code == 0 and "refit" not in last_json(out) and last_json(out)["train_examples"] == 540, err
