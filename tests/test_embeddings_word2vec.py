"""word2vec: the corpus and pair maths, the hand-written SGD step against autograd, and a tiny training run."""
import numpy as np
import pytest
import torch

from nlpdive.models.word2vec import Word2Vec, Word2VecConfig
from nlpdive.tasks.embeddings import Word2VecSettings, WordEmbeddings, train_word2vec
from nlpdive.vectors import Vectors
from nlpdive.vectors.corpus import Corpus, cbow_contexts, pair_batches, skipgram_pairs, tokenize


def test_tokenize_drops_html_breaks_and_lowercases():
    assert tokenize("Great film.<br /><br />The END") == ["great", "film.", "the", "end"]


def test_corpus_vocabulary_and_line_ids():
    c = Corpus.build(["a b a c", "", "b a d a"], min_count=2)
    assert c.words == ["a", "b"] and c.counts.tolist() == [4, 2] and c.raw_words == 8
    assert c.ids.tolist() == [0, 1, 0, 1, 0, 0] and c.line.tolist() == [0, 0, 0, 2, 2, 2]


def test_subsampling_keeps_rare_words_and_drops_frequent_ones():
    c = Corpus(["the", "cat"], np.array([99_950, 50]), np.zeros(1, np.int32), np.zeros(1, np.int32), 100_000)
    keep = c.keep_probability(1e-3)
    t = 1e-3 * 100_000
    assert keep[1] == 1.0 and keep[0] == pytest.approx((np.sqrt(99_950 / t) + 1) * t / 99_950)
    assert keep[0] < 0.05
    assert np.all(c.keep_probability(0) == 1)


def test_skipgram_pairs_stay_in_the_window_and_the_line():
    ids = np.arange(10, dtype=np.int32)
    line = np.array([0] * 6 + [1] * 4, dtype=np.int32)
    inputs, outputs = skipgram_pairs(ids, line, window=2, rng=np.random.default_rng(0))
    pairs = set(zip(inputs.tolist(), outputs.tolist()))
    assert all(0 < abs(a - b) <= 2 and line[a] == line[b] for a, b in pairs)
    assert (5, 6) not in pairs and (6, 5) not in pairs
    # every centre keeps its nearest neighbours (the dynamic window is at least 1)
    assert all((c + 1, c) in pairs for c in range(5)) and all((c - 1, c) in pairs for c in range(1, 6))
    # with a fixed window of 2 the pair count is exact
    full_in, _ = skipgram_pairs(ids, np.zeros(10, np.int32), window=1, rng=np.random.default_rng(0))
    assert len(full_in) == 18


def test_cbow_contexts_pad_outside_the_window():
    ids = np.arange(5, dtype=np.int32)
    ctx, centre = cbow_contexts(ids, np.zeros(5, np.int32), window=1, rng=np.random.default_rng(0), pad=99)
    assert centre.tolist() == [0, 1, 2, 3, 4]
    assert ctx.tolist() == [[99, 1], [0, 2], [1, 3], [2, 4], [3, 99]]


def _random_model(cbow):
    """A 20-word, 8-d model with both tables random (word2vec starts the output table at zero)."""
    torch.manual_seed(0)
    model = Word2Vec(Word2VecConfig(vocab_size=20, dim=8, cbow=cbow))
    with torch.no_grad():
        model.out.weight.normal_(0, 0.3)
        model.inp.weight[:-1].normal_(0, 0.3)
    return model


@pytest.mark.parametrize("cbow", [False, True])
def test_sgd_step_is_the_autograd_gradient_step(cbow):
    model = _random_model(cbow)
    reference = Word2Vec(Word2VecConfig(vocab_size=20, dim=8, cbow=cbow))
    reference.load_state_dict(model.state_dict())
    inputs = torch.tensor([[1, 2], [3, 20], [4, 5], [6, 7]]) if cbow else torch.tensor([1, 2, 3, 4])
    outputs, negatives = torch.tensor([8, 9, 10, 11]), torch.tensor([[12, 13], [14, 15]])
    lr = 0.1
    loss = reference(inputs, outputs, negatives) * len(outputs)  # sgd_step sums over the batch
    loss.backward()
    if cbow:  # word2vec.c's CBOW hands each context word the whole hidden-layer gradient, not 1/count of it
        count = (inputs != 20).sum(1, keepdim=True).expand_as(inputs)
        reference.inp.weight.grad[inputs[inputs != 20]] *= count[inputs != 20][:, None].float()
    with torch.no_grad():
        for p in reference.parameters():
            p -= lr * p.grad
    step_loss = model.sgd_step(inputs, outputs, negatives, lr)
    assert step_loss == pytest.approx(loss.item() / len(outputs), rel=1e-5)
    torch.testing.assert_close(model.out.weight, reference.out.weight)
    torch.testing.assert_close(model.inp.weight[:-1], reference.inp.weight[:-1])


@pytest.mark.parametrize("cbow", [False, True])
def test_a_row_repeated_in_a_batch_moves_by_at_most_max_rate_over_lr_updates(cbow):
    model = _random_model(cbow)
    start = [p.detach().clone() for p in model.parameters()]

    def moves(n):  # the weights' change after one step on the same pair repeated n times (lr 0.1: cap 5 repeats)
        model.load_state_dict({"inp.weight": start[0], "out.weight": start[1]})
        inputs = torch.tensor([[1, 5]] * n) if cbow else torch.tensor([1] * n)
        model.sgd_step(inputs, torch.tensor([2] * n), torch.tensor([[3, 4]] * n), lr=0.1, max_rate=0.5)
        return [p.detach() - s for p, s in zip(model.parameters(), start)]

    once = moves(1)
    for n, times in ((3, 3), (40, 5)):  # below the cap: summed; above it: 5 updates' worth
        for moved, single in zip(moves(n), once):
            torch.testing.assert_close(moved, times * single)
    assert once[0][1].abs().sum() > 0 and once[1][[2, 3, 4]].abs().sum(1).min() > 0


def _topic_corpus(n_lines=400, seed=0):
    """Two topics that never share a line: words should end up nearest their own topic."""
    rng = np.random.default_rng(seed)
    topics = [["cat", "dog", "horse", "cow", "sheep"], ["chair", "table", "lamp", "sofa", "desk"]]
    return [" ".join(rng.choice(topics[i % 2], size=8)) for i in range(n_lines)]


@pytest.mark.parametrize("cbow", [False, True])
def test_training_separates_topics(cbow):
    # the default batch size on a 10-word vocabulary: each word repeats hundreds of times per batch, and summed
    # sparse steps used to overshoot to inf/NaN (now capped by sgd_step's max_rate)
    # threads=2 asks for two Hogwild workers, but ten words would make them collide on every row: one worker
    settings = Word2VecSettings(dim=16, window=3, min_count=1, sample=0, epochs=10, threads=2, cbow=cbow)
    corpus = Corpus.build(_topic_corpus(), min_count=1)
    model, stats = train_word2vec(corpus, settings, progress=False)
    assert stats["words_per_second"] > 0 and stats["workers"] == 1 and stats["final_loss"] < 3.5
    assert torch.isfinite(model.inp.weight).all() and torch.isfinite(model.out.weight).all()
    emb = WordEmbeddings(Vectors(corpus.words, model.vectors.detach().numpy()))
    animals = {"cat", "dog", "horse", "cow", "sheep"}
    for word in ("cat", "chair"):
        near = {w for w, _ in emb.similar(word, topn=4)}
        assert near <= animals if word in animals else not near & animals


@pytest.mark.parametrize("cbow", [False, True])
def test_one_worker_with_a_seed_is_deterministic(cbow):
    corpus = Corpus.build(_topic_corpus(100), min_count=1)

    def run(seed):
        settings = Word2VecSettings(dim=8, window=3, min_count=1, sample=0, epochs=3, batch_size=64, threads=2,
                                    cbow=cbow, seed=seed)
        model, stats = train_word2vec(corpus, settings, progress=False)
        assert stats["workers"] == 1  # a small vocabulary: one worker, whatever threads asks for
        return model.inp.weight.detach().clone(), model.out.weight.detach().clone(), stats["final_loss"]

    first, again, other = run(0), run(0), run(1)
    for a, b in zip(first[:2], again[:2]):
        assert torch.equal(a, b)
    assert first[2] == again[2] and not torch.equal(first[0], other[0])


def test_hogwild_workers_only_for_a_large_vocabulary_on_cpu():
    import os

    from nlpdive.tasks.embeddings import HOGWILD_MIN_VOCAB
    from nlpdive.tasks.embeddings.hogwild import _workers

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert _workers(torch.device("cpu"), 4, HOGWILD_MIN_VOCAB) == 4
    assert _workers(torch.device("cpu"), None, 50_000) == cores
    assert _workers(torch.device("cpu"), 4, HOGWILD_MIN_VOCAB - 1) == 1
    assert _workers(torch.device("cpu"), None, 10) == 1
    assert _workers(torch.device("cuda", 0), 4, 50_000) == 1


def test_two_hogwild_workers_train_a_large_vocabulary():
    rng = np.random.default_rng(0)
    lines = [" ".join(f"w{i}" for i in rng.integers(0, 1200, size=12)) for _ in range(1500)]
    corpus = Corpus.build(lines, min_count=1)
    assert len(corpus.words) >= 1000
    settings = Word2VecSettings(dim=8, window=2, min_count=1, sample=0, epochs=1, batch_size=256, threads=2)
    model, stats = train_word2vec(corpus, settings, progress=False)
    assert stats["workers"] == 2 and stats["vocab_size"] == len(corpus.words) and np.isfinite(stats["final_loss"])
    assert torch.isfinite(model.inp.weight).all() and model.out.weight.abs().sum() > 0


def test_pair_batches_cover_each_epoch():
    corpus = Corpus.build(_topic_corpus(50), min_count=1)
    batches = list(pair_batches(corpus, window=2, negative=3, sample=0, batch_size=70, group=8, cbow=False,
                                rng=np.random.default_rng(0), chunk_tokens=100))
    assert batches[-1][-1] == len(corpus.ids)  # tokens done reaches the corpus size
    for inputs, outputs, negatives, _ in batches:
        assert len(inputs) == len(outputs) == len(negatives) * 8 <= 64 and negatives.shape[1] == 3
        assert negatives.max() < len(corpus.words)
