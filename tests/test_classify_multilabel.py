"""Multi-label classification: labels read from 0/1 columns or split cells, one sigmoid per label, micro/macro-F1."""
import json
import random

import numpy as np
import pytest

from nlpdive.data import read_multilabel
from nlpdive.errors import InputError
from nlpdive.metrics import multilabel_metrics
from nlpdive.tasks.classify import Classifier, ClassifyConfig, cross_validate
from nlpdive.train import TrainConfig

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KEYWORDS = {"sports": ["goal", "match", "striker", "league"], "politics": ["vote", "senate", "minister", "ballot"],
            "tech": ["laptop", "software", "chip", "server"]}
FILLER = "the a of and to in it was on with this that day people said new time very some".split()
FAST = dict(epochs=15, batch_size=32, lr=5e-2, weight_decay=0.0, clip=None, patience=None)


def keyword_data(n, seed):
    """Texts whose labels are exactly the topics whose keywords they contain (each topic with probability 0.4)."""
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        topics = [t for t in KEYWORDS if rng.random() < 0.4]
        words = rng.choices(FILLER, k=8) + [rng.choice(KEYWORDS[t]) for t in topics]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(topics)
    return texts, labels


def write_csv(path, texts, labels):
    path.write_text("text," + ",".join(KEYWORDS) + "\n" + "".join(
        f"{t}," + ",".join(str(int(k in labs)) for k in KEYWORDS) + "\n" for t, labs in zip(texts, labels)))
    return path


def last_json(out):
    return json.loads(out.strip().splitlines()[-1])


def test_bow_learns_keyword_labels_far_above_a_trivial_baseline():
    (texts, labels), (test_texts, test_labels) = keyword_data(300, 0), keyword_data(100, 1)
    # unigrams: with 300 texts, word pairs (a keyword beside random filler) are rare features the model memorises
    clf = Classifier.fit(texts, labels, ClassifyConfig(multi_label=True, ngrams=1), TrainConfig(**FAST),
                         label_names=list(KEYWORDS))
    m = clf.score(test_texts, test_labels)
    y = np.array([[k in labs for k in KEYWORDS] for labs in test_labels])
    trivial = multilabel_metrics(y, np.ones_like(y), list(KEYWORDS))["micro_f1"]  # every label on every text
    assert m["micro_f1"] > 0.9 > trivial + 0.2 and m["macro_f1"] > 0.9
    assert set(m["per_label"]) == set(KEYWORDS) and m["hamming_loss"] < 0.05 and m["subset_accuracy"] > 0.8
    pred = clf.predict("the senate vote on new software")[0]
    assert pred["labels"] == ["politics", "tech"] and pred["probabilities"]["sports"] < 0.5
    assert clf.settings.features == "tfidf"  # "auto" features: tf-idf for multi-label


def test_sequence_model_learns_keyword_labels_and_reloads(tmp_path):
    import nlpdive

    (texts, labels), (test_texts, test_labels) = keyword_data(300, 0), keyword_data(100, 1)
    settings = ClassifyConfig(multi_label=True, model="cnn", embed_dim=16, channels=16)
    clf = Classifier.fit(texts, labels, settings, TrainConfig(epochs=15, batch_size=32, lr=1e-2))
    assert clf.labels.labels == ["politics", "sports", "tech"]  # no label_names: the labels seen, sorted
    assert clf.score(test_texts, test_labels)["micro_f1"] > 0.85
    clf.save(tmp_path / "cnn")
    loaded = nlpdive.load(tmp_path / "cnn")
    np.testing.assert_allclose(loaded.predict_proba(test_texts), clf.predict_proba(test_texts), atol=1e-6)


def test_metrics_match_hand_counts():
    y_true = np.array([[1, 0], [1, 1], [0, 0]])
    y_pred = np.array([[1, 1], [1, 0], [0, 0]])
    m = multilabel_metrics(y_true, y_pred, ["a", "b"])
    assert m["micro_precision"] == pytest.approx(2 / 3) and m["micro_recall"] == pytest.approx(2 / 3)
    assert m["per_label"]["a"]["f1"] == 1.0 and m["per_label"]["b"] == {"precision": 0.0, "recall": 0.0,
                                                                       "f1": 0.0, "support": 1}
    assert m["macro_f1"] == 0.5 and m["subset_accuracy"] == pytest.approx(1 / 3)
    assert m["hamming_loss"] == pytest.approx(2 / 6)


def test_cli_train_evaluate_predict_with_label_columns(tmp_path, run_cli):
    import nlpdive

    data = write_csv(tmp_path / "topics.csv", *keyword_data(200, 0))
    run = tmp_path / "run"
    code, out, err = run_cli("train", "classify", "--data", data, "--label-cols", "sports,politics", "tech",
                             "--out", run, "--epochs", "40", "--batch-size", "16", "--patience", "5", "--ngrams", "1",
                             "--json")
    assert code == 0, err
    record = last_json(out)
    assert record["multi_label"] and record["labels"] == list(KEYWORDS) and record["micro_f1"] > 0.8
    assert json.loads((run / "config.json").read_text())["classify"]["multi_label"] is True

    code, out, err = run_cli("evaluate", run, "--data", data, "--out", tmp_path / "ev", "--json")
    assert code == 0, err
    metrics = last_json(out)
    assert metrics["micro_f1"] > 0.9 and metrics["per_label"]["tech"]["support"] > 0 and "hamming_loss" in metrics
    assert (tmp_path / "ev" / "metrics.json").exists()

    code, out, err = run_cli("predict", run, "who won the match", "nothing to see here", "--json")
    assert code == 0, err
    preds = [json.loads(line) for line in out.strip().splitlines()]
    assert preds[0]["labels"] == ["sports"] and preds[1]["labels"] == []
    assert set(preds[0]["probabilities"]) == set(KEYWORDS)
    code, out, err = run_cli("predict", run, "who won the match", "--threshold", "0.999", "--json")
    assert code == 0 and last_json(out)["labels"] == []

    loaded = nlpdive.load(run)
    assert loaded.settings.multi_label and loaded.predict(["the minister and the chip"])[0]["labels"] == [
        "politics", "tech"]


def test_label_sep_cells_and_empty_rows(tmp_path):
    path = tmp_path / "tags.tsv"
    path.write_text("text\ttags\nfirst text\ta|b\nsecond text\t b \nthird text\ta||c|a\nfourth text\t\n")
    with pytest.raises(InputError, match=r"tags\.tsv:5: no label in column 'tags'.*--allow-empty-labels"):
        read_multilabel(path)
    examples, names = read_multilabel(path, allow_empty_labels=True)
    assert [ex["labels"] for ex in examples] == [["a", "b"], ["b"], ["a", "c"], []] and names == ["a", "b", "c"]
    assert [ex["line"] for ex in examples] == [2, 3, 4, 5]
    comma = tmp_path / "tags.csv"
    comma.write_text('text,labels\nsome text,"x, y"\nmore text,y\n')
    examples, names = read_multilabel(comma, label_sep=",")
    assert [ex["labels"] for ex in examples] == [["x", "y"], ["y"]] and names == ["x", "y"]


def test_label_sep_flag_implies_multi_label(tmp_path, run_cli):
    texts, labels = keyword_data(60, 0)
    data = tmp_path / "tags.csv"
    data.write_text("text,labels\n" + "".join(f"{t},{';'.join(labs) or 'none'}\n" for t, labs in zip(texts, labels)))
    code, out, err = run_cli("train", "classify", "--data", data, "--label-sep", ";", "--out", tmp_path / "r",
                             "--epochs", "1", "--json")
    assert code == 0, err
    assert last_json(out)["multi_label"] and last_json(out)["labels"] == ["none", "politics", "sports", "tech"]


def test_bad_label_values_name_file_line_and_fix(tmp_path, run_cli):
    data = write_csv(tmp_path / "bad.csv", ["a goal", "a vote", "a chip"], [["sports"], ["politics"], ["tech"]])
    data.write_text(data.read_text().replace("a vote,0,1,0", "a vote,0,yes,0"))
    code, out, err = run_cli("train", "classify", "--data", data, "--label-cols", "sports", "politics", "tech",
                             "--out", tmp_path / "r")
    assert code == 2 and "bad.csv:3: column 'politics' holds 'yes'; a label column holds 0 or 1" in err
    assert not (tmp_path / "r").exists()
    code, out, err = run_cli("train", "classify", "--data", data, "--label-cols", "sports", "nope", "--out",
                             tmp_path / "r")
    assert code == 2 and "no column 'nope'" in err and "--label-columns" in err


def test_options_that_do_not_fit_multi_label_are_input_errors():
    with pytest.raises(InputError, match="--features nb"):
        ClassifyConfig(multi_label=True, features="nb")
    with pytest.raises(InputError, match="list of labels"):
        Classifier.fit(["a b", "c d"], ["x", "y"], ClassifyConfig(multi_label=True), TrainConfig(epochs=1))
    single = Classifier.fit(["good film", "bad film"], ["pos", "neg"], ClassifyConfig(), TrainConfig(epochs=1))
    with pytest.raises(InputError, match="--threshold is for multi-label models"):
        single.predict(["good"], threshold=0.3)
    assert single.predict(["good"])[0]["label"] in ("pos", "neg")


def test_cross_validation_reports_micro_and_macro_f1():
    texts, labels = keyword_data(150, 0)
    result = cross_validate(texts, labels, 3, settings=ClassifyConfig(multi_label=True, ngrams=1),
                            train_cfg=TrainConfig(**{**FAST, "epochs": 30, "batch_size": 16}))
    assert len(result["folds"]) == 3 and result["micro_f1_mean"] > 0.8 and "macro_f1_std" in result


def test_toxic_comments_sample_trains_with_class_weights(shared_data, tmp_path, run_cli):
    data = shared_data / "toxic-comments" / "train_sample.csv"
    cols = "toxic,severe_toxic,obscene,threat,insult,identity_hate"
    code, out, err = run_cli("train", "classify", "--data", data, "--label-cols", cols, "--class-weights",
                             "--epochs", "20", "--batch-size", "32", "--patience", "5", "--valid-split", "0.3",
                             "--out", tmp_path / "tox", "--json")
    assert code == 0, err
    record = last_json(out)
    assert record["labels"] == cols.split(",") and record["examples"] == 90
    # 210 training comments, 31 toxic in all 300: a smoke test, not a benchmark. Every label on every comment
    # would score a micro-F1 of about 0.08 (4% of the comment-label pairs are positive).
    assert record["micro_f1"] > 0.15
    code, out, err = run_cli("evaluate", tmp_path / "tox", "--data", data, "--json")
    assert code == 0 and last_json(out)["micro_f1"] > 0.6  # mostly training data: the model must fit it
