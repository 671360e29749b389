"""The compiled CPU word2vec core (tasks/embeddings/compiled.py): its sampling helpers, the kernel, and training
through train_word2vec and WordEmbeddings.fit on CPU."""
import json

import numpy as np
import pytest
import torch

from nlpdive.tasks.embeddings import Word2VecSettings, WordEmbeddings, train_word2vec
from nlpdive.tasks.embeddings.compiled import alias_table, chunk_bounds, train_chunk
from nlpdive.vectors.corpus import Corpus

TOPICS = [[f"animal{i}" for i in range(20)], [f"object{i}" for i in range(20)]]


def _topic_lines(n_lines=600, seed=0):
    """Two 20-word topics that never share a line."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(TOPICS[i % 2], size=10)) for i in range(n_lines)]


def _tables(corpus, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((len(corpus.words) + 1, dim)) - 0.5) / dim).astype(np.float32)
    syn0[-1] = 0  # Word2Vec's CBOW padding row
    return syn0, np.zeros((len(corpus.words), dim), np.float32)


def _run_chunk(corpus, syn0, syn1, cbow=False, sample=0.0, seed=1, lr=0.025):
    prob, alias = alias_table(corpus.counts ** 0.75)
    keep = corpus.keep_probability(sample).astype(np.float32)
    n = len(corpus.ids)
    return train_chunk(corpus.ids, corpus.line, 0, n, syn0, syn1, keep, prob, alias, 3, 5, cbow, lr, 1e-4,
                       0, float(100 * n), seed)  # total >> n: the rate stays near lr


def test_alias_table_draws_the_given_distribution_exactly():
    rng = np.random.default_rng(0)
    for weights in (rng.zipf(1.3, 3000).astype(float) ** 0.75, np.ones(3), np.array([7.0, 1.0, 2.0])):
        prob, alias = alias_table(weights)
        v = len(weights)
        implied = prob.astype(np.float64)  # P(i) = (prob[i] + mass other cells hand to i) / V
        np.add.at(implied, alias, 1 - prob.astype(np.float64))
        np.testing.assert_allclose(implied / v, weights / weights.sum(), atol=1e-7)
        assert prob.dtype == np.float32 and alias.dtype == np.int32


def test_chunks_end_where_a_line_ends():
    line = np.repeat(np.arange(100, dtype=np.int32), 7)  # 100 lines of 7 tokens
    bounds = chunk_bounds(line, 50)
    assert bounds[0] == 0 and bounds[-1] == len(line) and np.all(np.diff(bounds) > 0)
    assert np.all(bounds[1:-1] % 7 == 0)  # every cut at a line start
    long = np.zeros(1000, np.int32)  # one line longer than a chunk: cut inside it
    assert len(chunk_bounds(long, 100)) == 11


def test_kernel_loss_falls_and_tables_stay_finite():
    corpus = Corpus.build(_topic_lines(), min_count=1)
    syn0, syn1 = _tables(corpus)
    losses = []
    for seed in range(6):  # passes over the corpus
        loss, pairs = _run_chunk(corpus, syn0, syn1, seed=seed)
        assert pairs > 0
        losses.append(loss / pairs)
    assert losses[-1] < losses[0] - 0.3 and np.isfinite(syn0).all() and np.isfinite(syn1).all()
    assert not syn0[-1].any()  # the CBOW padding row is never touched


@pytest.mark.parametrize("cbow", [False, True])
def test_windows_never_cross_a_line(cbow):
    corpus = Corpus.build([f"w{i % 5}" for i in range(500)], min_count=1)  # one word a line: no context at all
    syn0, syn1 = _tables(corpus)
    before = syn0.copy()
    assert _run_chunk(corpus, syn0, syn1, cbow=cbow) == (0.0, 0)
    np.testing.assert_array_equal(syn0, before)
    assert not syn1.any()


def _settings(**kw):
    return Word2VecSettings(**{"dim": 16, "window": 3, "min_count": 1, "sample": 0, "epochs": 5, **kw})


def _mean_cosines(model, corpus):
    v = model.vectors.detach().numpy()
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    topic = np.array([w.startswith("animal") for w in corpus.words])
    cos = v @ v.T
    within = (cos[np.ix_(topic, topic)].sum() - topic.sum() + cos[np.ix_(~topic, ~topic)].sum() - (~topic).sum())
    within /= topic.sum() * (topic.sum() - 1) + (~topic).sum() * ((~topic).sum() - 1)
    return within, cos[np.ix_(topic, ~topic)].mean()


@pytest.mark.parametrize("cbow", [False, True])
def test_training_puts_each_topic_together(cbow):
    corpus = Corpus.build(_topic_lines(), min_count=1)
    model, stats = train_word2vec(corpus, _settings(cbow=cbow), progress=False)
    within, across = _mean_cosines(model, corpus)
    assert within > across + 0.3, (within, across)
    assert stats["workers"] == 1 and 0 < stats["final_loss"] < 3.5
    assert torch.isfinite(model.inp.weight).all() and model.out.weight.abs().sum() > 0


@pytest.mark.parametrize("cbow", [False, True])
def test_one_thread_and_a_seed_give_the_same_tables(cbow):
    rng = np.random.default_rng(0)  # a vocabulary over HOGWILD_MIN_VOCAB: threads=1 is the user's choice here
    lines = [" ".join(f"w{i}" for i in rng.integers(0, 1100, size=12)) for _ in range(400)]
    corpus = Corpus.build(lines, min_count=1)
    assert len(corpus.words) >= 1000

    def run(seed):
        model, stats = train_word2vec(corpus, _settings(dim=8, epochs=2, threads=1, cbow=cbow, seed=seed),
                                      progress=False)
        assert stats["workers"] == 1
        return model.inp.weight.detach().clone(), model.out.weight.detach().clone(), stats["final_loss"]

    first, again, other = run(0), run(0), run(1)
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1]) and first[2] == again[2]
    assert not torch.equal(first[0], other[0])


def test_subsampling_and_the_default_settings_train():
    corpus = Corpus.build(_topic_lines(300) + ["the the the animal0 the object0 the"] * 300, min_count=1)
    model, stats = train_word2vec(corpus, Word2VecSettings(dim=8, min_count=1, epochs=2), progress=False)
    assert np.isfinite(stats["final_loss"]) and stats["final_loss"] > 0 and torch.isfinite(model.inp.weight).all()


def test_fit_keeps_the_stats_and_the_saved_files(tmp_path):
    import nlpdive

    data = tmp_path / "corpus.txt"
    data.write_text("\n".join(_topic_lines(200)) + "\n", encoding="utf-8")
    emb = WordEmbeddings.fit([data], _settings(dim=8, epochs=2), out=tmp_path / "run", progress=False)
    assert set(emb.stats) == {"seconds", "words_per_second", "raw_words", "vocab_size", "workers", "final_loss",
                              "settings"}
    assert emb.stats["raw_words"] == 2000 and emb.stats["vocab_size"] == 40 and emb.stats["words_per_second"] > 0
    assert {"config.json", "vocab.json", "vectors.npy", "norms.npy", "model.safetensors", "metrics.json"} <= \
        {p.name for p in (tmp_path / "run").iterdir()}
    assert json.loads((tmp_path / "run" / "metrics.json").read_text()) == emb.stats
    back = nlpdive.load(tmp_path / "run")
    np.testing.assert_array_equal(np.asarray(back.vectors.vectors), emb.vectors.vectors)
    assert emb.model.vectors.shape == (40, 8) and emb.model.out.weight.shape == (40, 8)


def test_the_pytorch_path_reports_the_same_stats():
    """hogwild.py (the path for cuda/mps) still trains, here on CPU, and returns the same stats keys."""
    from nlpdive.models.word2vec import Word2Vec, Word2VecConfig
    from nlpdive.tasks.embeddings.compiled import compiled_sgd
    from nlpdive.tasks.embeddings.hogwild import hogwild_sgd
    from nlpdive.vectors.corpus import pair_batches

    corpus = Corpus.build(_topic_lines(200), min_count=1)
    s = _settings(dim=8, epochs=2)
    torch_model, compiled_model = (Word2Vec(Word2VecConfig(len(corpus.words), 8)) for _ in range(2))

    def pairs(rng):
        return pair_batches(corpus, window=s.window, negative=s.negative, sample=s.sample, batch_size=s.step_size,
                            group=s.group, cbow=s.cbow, rng=rng)

    ours = hogwild_sgd(torch_model, pairs, corpus, s, progress=False)
    compiled = compiled_sgd(compiled_model, corpus, s, progress=False)
    assert set(ours) == set(compiled) and ours["workers"] == compiled["workers"] == 1
    assert torch_model.out.weight.abs().sum() > 0 and compiled_model.out.weight.abs().sum() > 0
