"""`nlpdive train embeddings` and the `nlpdive vectors` commands, end to end on a tiny corpus."""
import json

import numpy as np
import pytest

ANIMALS = ["cat", "dog", "horse", "cow", "sheep"]
FURNITURE = ["chair", "table", "lamp", "sofa", "desk"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from nlpdive.cli.main import main

    tmp = tmp_path_factory.mktemp("emb")
    rng = np.random.default_rng(0)
    lines = [" ".join(rng.choice([ANIMALS, FURNITURE][i % 2], size=8)) for i in range(400)]
    (tmp / "corpus.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["train", "embeddings", "--data", str(tmp / "corpus.txt"), "--dim", "16", "--window", "3",
                 "--min-count", "1", "--sample", "0", "--epochs", "10", "--threads", "1",
                 "--out", str(tmp / "run")])  # one worker: the same vectors every run
    assert code == 0
    return tmp


def _json_lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_train_writes_a_loadable_vector_store(trained):
    import nlpdive

    run = trained / "run"
    assert {"config.json", "vocab.json", "vectors.npy", "norms.npy", "model.safetensors", "metrics.json"} <= \
        {p.name for p in run.iterdir()}
    model = nlpdive.load(run)
    assert len(model.vectors) == 10 and model.vectors.dim == 16
    assert json.loads((run / "config.json").read_text())["model"]["class"] == "Word2Vec"


def test_similar_json(trained, run_cli):
    code, out, _ = run_cli("vectors", "similar", trained / "run", "cat", "--topn", "4", "--json")
    rows = _json_lines(out)
    assert code == 0 and len(rows) == 4 and {r["word"] for r in rows} <= set(ANIMALS) - {"cat"}


def test_analogy_and_unknown_word(trained, run_cli):
    code, out, _ = run_cli("vectors", "analogy", trained / "run", "cat", "dog", "chair")
    assert code == 0 and "cat - dog + chair = " in out
    code, _, err = run_cli("vectors", "similar", trained / "run", "unicorn")
    assert code == 2 and "'unicorn' is not in the vocabulary" in err


def test_evaluate_prints_analogy_accuracy_and_spearman(trained, run_cli):
    questions = trained / "q.txt"
    questions.write_text(": animals\ncat dog cow sheep\ncat dog zebra lion\n", encoding="utf-8")
    pairs = trained / "pairs.tsv"
    pairs.write_text("cat\tdog\t9\ncat\tchair\t1\nlamp\tsofa\t8\ndog\tdesk\t0.5\nzebra\tcat\t7\n", encoding="utf-8")
    code, out, _ = run_cli("vectors", "evaluate", trained / "run", "--analogies", questions,
                           "--similarity", pairs, "--json")
    record = _json_lines(out)[0]
    assert code == 0 and 0 <= record["analogy_accuracy"] <= 1 and record["analogy_questions"] == 1
    sim = record["similarity"][str(pairs)]
    assert sim["oov"] == pytest.approx(0.2) and sim["spearman"] > 0.5
    code, _, err = run_cli("vectors", "evaluate", trained / "run")
    assert code == 2 and "--analogies" in err


def test_convert_plot_and_export(trained, run_cli):
    text = trained / "vectors.txt"
    from nlpdive.vectors import load_vectors

    load_vectors(trained / "run").save_text(text, header=False)  # GloVe layout
    code, _, _ = run_cli("vectors", "convert", text, "--out", trained / "converted")
    assert code == 0 and load_vectors(trained / "converted").words == load_vectors(trained / "run").words
    code, out, _ = run_cli("vectors", "plot", trained / "converted", "animals=" + ",".join(ANIMALS),
                           ",".join(FURNITURE) + ",zebra",
                           "--out", trained / "map.png", "--method", "pca", "--json")
    assert code == 0 and (trained / "map.png").read_bytes()[:4] == b"\x89PNG" and _json_lines(out)[0]["missing"] == ["zebra"]
    assert 0 <= _json_lines(out)[0]["purity"] <= 1  # two groups: how well the map separates them
    code, _, _ = run_cli("vectors", "export", trained / "run", "--out", trained / "projector")
    assert code == 0
    assert len((trained / "projector" / "vectors.tsv").read_text().splitlines()) == 10
    assert (trained / "projector" / "metadata.tsv").read_text().splitlines()[0] in ANIMALS + FURNITURE


def test_bad_usage_exits_2(trained, run_cli):
    code, _, err = run_cli("train", "embeddings", "--data", trained / "missing.txt", "--out", trained / "x")
    assert code == 2 and "missing.txt" in err
    code, _, err = run_cli("train", "embeddings", "--data", trained / "corpus.txt", "--valid-split", "0.1")
    assert code == 2 and "--valid-split does not apply" in err
    code, _, err = run_cli("vectors", "similar", trained / "nothing.vec", "cat")
    assert code == 2 and "file not found" in err


def test_device_cuda_without_a_gpu_exits_2_before_training(trained, run_cli, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, _, err = run_cli("train", "embeddings", "--data", trained / "corpus.txt", "--min-count", "1",
                           "--device", "cuda", "--out", trained / "gpu")
    assert code == 2 and "--device cuda" in err and "not available" in err and not (trained / "gpu").exists()


def test_threads_on_a_small_vocabulary_train_with_one_worker(trained, run_cli):
    code, out, _ = run_cli("train", "embeddings", "--data", trained / "corpus.txt", "--dim", "8", "--min-count", "1",
                           "--epochs", "1", "--threads", "2", "--device", "cpu", "--out", trained / "two", "--json")
    record = _json_lines(out)[0]
    assert code == 0 and record["workers"] == 1 and record["vocab_size"] == 10
    code, out, _ = run_cli("train", "embeddings", "--data", trained / "corpus.txt", "--dim", "8", "--min-count", "1",
                           "--epochs", "1", "--threads", "2", "--device", "cpu", "--out", trained / "two", "--overwrite")
    assert code == 0 and "1 worker thread: fewer than 1,000 words" in out


def test_nlpdive_evaluate_takes_an_embeddings_dir(trained, run_cli):
    pairs = trained / "pairs2.tsv"
    pairs.write_text("cat\tdog\t9\ncat\tchair\t1\nlamp\tsofa\t8\ndog\tdesk\t0.5\n", encoding="utf-8")
    code, out, _ = run_cli("evaluate", trained / "run", "--data", pairs, "--out", trained / "eval", "--json")
    record = _json_lines(out)[0]
    assert code == 0 and record["pairs"] == 4 and record["spearman"] > 0.5
    assert json.loads((trained / "eval" / "metrics.json").read_text())["spearman"] == record["spearman"]


def test_neighbour_purity_is_one_for_separate_islands_and_low_for_a_mix():
    import numpy as np

    from nlpdive.vectors.plot import neighbour_purity

    islands = np.array([[0, 0], [0, 1], [1, 0], [10, 10], [10, 11], [11, 10]])
    assert neighbour_purity(islands, list("aaabbb")) == 1.0
    assert neighbour_purity(islands, list("ababab")) < 0.5
