"""Pretrained word vectors in the sequence classifiers: copied in at the scale of the rows they don't cover."""
import numpy as np
import pytest

from nlpdive.models.registry import build_model
from nlpdive.tasks.classify import Classifier, ClassifyConfig
from nlpdive.tasks.classify.model import init_embeddings, model_config
from nlpdive.train import TrainConfig
from nlpdive.vectors.store import Vectors

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KNOWN = [f"known{i}" for i in range(150)]
UNKNOWN = [f"unknown{i}" for i in range(150)]


def small_vectors(dim=16, scale=0.2, seed=0):
    """word2vec-like vectors: std `scale`, an offset in every dimension (skip-gram vectors have one)."""
    rng = np.random.default_rng(seed)
    table = (rng.normal(size=(len(KNOWN), dim)) * scale + scale / 2).astype(np.float32)
    return Vectors(KNOWN, table)


@pytest.mark.parametrize("model", ["gru", "cnn", "transformer"])
def test_known_rows_are_the_vectors_rescaled_and_unknown_rows_match_their_scale(model):
    import torch

    vecs = small_vectors()
    itos = ["<pad>", "<unk>"] + [w.capitalize() for w in KNOWN[:100]] + UNKNOWN  # "Known3" falls back to "known3"
    width = {"gru": dict(embed_dim=vecs.dim, hidden=vecs.dim), "cnn": dict(embed_dim=vecs.dim, channels=vecs.dim),
             "transformer": dict(d_model=vecs.dim)}[model]
    settings = ClassifyConfig(model=model, **width)
    torch.manual_seed(0)
    net = build_model(*model_config(settings, len(itos), 2, pad_id=0))
    assert init_embeddings(net, itos, vecs, pad_id=0) == pytest.approx(100 / (len(itos) - 1))
    weight = net.embed.weight.detach().numpy()
    known, unknown = weight[2:102], weight[102:]
    table = np.asarray(vecs.vectors[:100])
    np.testing.assert_allclose(known * table.std(), table, rtol=1e-4, atol=1e-6)  # same direction, one factor
    assert known.std() == pytest.approx(1.0, rel=1e-4)
    assert unknown.std() == pytest.approx(known.std(), rel=0.1)  # was 5x the vectors' std before rescaling
    assert not weight[0].any()  # padding stays zero


def test_training_keeps_frozen_vectors_at_the_common_scale(tmp_path):
    vecs = small_vectors(dim=8, scale=0.05, seed=1)
    vec_file = tmp_path / "vecs.txt"
    vec_file.write_text(f"{len(KNOWN)} 8\n" + "".join(f"{w} {' '.join(map(str, v))}\n"
                                                       for w, v in zip(KNOWN, np.asarray(vecs.vectors))))
    texts = [f"{KNOWN[i]} {KNOWN[(i * 7) % 150]} {UNKNOWN[i % 20]}" for i in range(150)]
    labels = ["pos" if i % 2 else "neg" for i in range(150)]
    settings = ClassifyConfig(model="gru", hidden=8, embeddings=str(vec_file), freeze_embeddings=True)
    clf = Classifier.fit(texts, labels, settings, TrainConfig(epochs=1, batch_size=50))
    stoi = clf.features.pipeline.vocab.stoi
    weight = clf.model.embed.weight.detach().numpy()
    known = weight[[stoi[w] for w in KNOWN]]
    assert known.std() == pytest.approx(1.0, rel=1e-3)
    np.testing.assert_allclose(known * np.asarray(vecs.vectors).std(), vecs.vectors, rtol=1e-3, atol=1e-5)


def test_words_only_the_vectors_know_join_the_vocabulary_with_their_vectors(tmp_path):
    vecs = small_vectors(dim=8, seed=2)
    vec_file = tmp_path / "vecs.txt"
    vec_file.write_text(f"{len(KNOWN)} 8\n" + "".join(f"{w} {' '.join(map(str, v))}\n"
                                                       for w, v in zip(KNOWN, np.asarray(vecs.vectors))))
    texts = [f"{KNOWN[i % 100]} {UNKNOWN[i % 20]}" for i in range(100)]  # training never sees KNOWN[100:]
    labels = ["pos" if i % 2 else "neg" for i in range(100)]
    settings = ClassifyConfig(model="gru", hidden=8, embeddings=str(vec_file), freeze_embeddings=True)
    clf = Classifier.fit(texts, labels, settings, TrainConfig(epochs=1, batch_size=50))
    pipeline = clf.features.pipeline
    assert pipeline.encode(KNOWN[120]) != [pipeline.unk_id] and pipeline.encode(UNKNOWN[40]) == [pipeline.unk_id]
    weight = clf.model.embed.weight.detach().numpy()
    unseen = weight[[pipeline.vocab.stoi[w] for w in KNOWN[100:]]]
    np.testing.assert_allclose(unseen * np.asarray(vecs.vectors).std(), vecs.vectors[100:], rtol=1e-3, atol=1e-5)
