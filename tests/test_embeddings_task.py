"""WordEmbeddings on the task contract (tasks/base.py): fit returns the task object, save/load, verbs, evaluate."""
import json

import numpy as np
import pytest

ANIMALS = ["cat", "dog", "horse", "cow", "sheep"]
FURNITURE = ["chair", "table", "lamp", "sofa", "desk"]


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    lines = [" ".join(rng.choice([ANIMALS, FURNITURE][i % 2], size=8)) for i in range(200)]
    path = tmp_path_factory.mktemp("task") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _settings(**kw):
    from nlpdive.tasks.embeddings import Word2VecSettings

    return Word2VecSettings(dim=8, window=3, min_count=1, sample=0, epochs=3, **kw)


def test_fit_returns_the_task_object_with_its_stats(corpus_file, tmp_path):
    import nlpdive
    from nlpdive.tasks.base import Task
    from nlpdive.tasks.embeddings import WordEmbeddings

    emb = WordEmbeddings.fit([corpus_file], _settings(), out=tmp_path / "run", progress=False)
    assert isinstance(emb, WordEmbeddings) and isinstance(emb, Task) and emb.task == "embeddings"
    assert emb.stats["vocab_size"] == len(emb.vectors) == 10 and emb.stats["workers"] == 1
    assert emb.metrics is emb.stats and emb.stats["settings"]["dim"] == 8
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved == emb.stats
    back = nlpdive.load(tmp_path / "run")
    assert type(back) is WordEmbeddings and back.stats == emb.stats
    np.testing.assert_array_equal(np.asarray(back.vectors.vectors), emb.vectors.vectors)
    assert back.config["model"]["class"] == "Word2Vec" and (tmp_path / "run" / "model.safetensors").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary directory left


def test_fit_without_out_saves_nothing_and_save_writes_the_run_directory(corpus_file, tmp_path):
    from nlpdive.tasks.embeddings import WordEmbeddings

    emb = WordEmbeddings.fit([corpus_file], _settings(), progress=False)
    assert emb.stats["raw_words"] == 1600 and not list(tmp_path.iterdir())
    emb.save(tmp_path / "later")
    assert {"config.json", "vocab.json", "vectors.npy", "norms.npy", "model.safetensors", "metrics.json"} <= \
        {p.name for p in (tmp_path / "later").iterdir()}
    loaded = WordEmbeddings.load(tmp_path / "later")
    loaded.save(tmp_path / "copy")  # a loaded model has no output table: the vectors and the stats
    again = WordEmbeddings.load(tmp_path / "copy")
    assert again.vectors.words == emb.vectors.words and again.stats == emb.stats


def test_verbs_and_evaluate(corpus_file, tmp_path):
    from nlpdive.errors import InputError
    from nlpdive.tasks.embeddings import WordEmbeddings

    emb = WordEmbeddings.fit([corpus_file], _settings(), progress=False)
    assert emb.verbs == ("similar", "analogy") and emb.serves("similar") and not emb.serves("predict")
    assert emb.verb("similar")("cat", topn=3) == emb.similar("cat", topn=3) and len(emb.similar("cat", topn=3)) == 3
    assert emb.verb("analogy")("cat", "dog", "chair", topn=2) == emb.analogy("cat", "dog", "chair", topn=2)
    with pytest.raises(InputError, match="cannot predict"):
        emb.verb("predict")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("cat\tdog\t9\ncat\tchair\t1\nlamp\tsofa\t8\ndog\tdesk\t0.5\n", encoding="utf-8")
    metrics = emb.evaluate(pairs, out_dir=tmp_path / "eval", text_column="ignored")  # reader options: ignored
    assert metrics["pairs"] == 4 and metrics["file"] == str(pairs)
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text()) == metrics
    assert emb.evaluate(pairs) == metrics and not (tmp_path / "metrics.json").exists()
