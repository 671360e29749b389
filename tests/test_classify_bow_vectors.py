"""The bag of words with pretrained word vectors: the mean vector of a text's words joins the n-gram features."""
import numpy as np
import pytest
import torch

import nlpdive
from nlpdive.models.bow import BagOfWordsClassifier, BagOfWordsConfig
from nlpdive.tasks.classify import Classifier, ClassifyConfig
from nlpdive.train import TrainConfig

from test_classify_task import BAD, FILLER, GOOD, synthetic

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_sparse_and_dense_forms_agree_with_word_vectors():
    torch.manual_seed(0)
    model = BagOfWordsClassifier(BagOfWordsConfig(n_features=6, n_classes=3, embed_dim=4, n_words=3, normalize=True))
    model.word_of_feature.copy_(torch.tensor([0, 3, 1, 3, 2, 3]))  # features 1, 3, 5 are n-grams (no vector)
    with torch.no_grad():
        model.words.weight[:3].normal_()
    dense = torch.tensor([[1.0, 1, 0, 0, 1, 0], [0, 0, 0, 1, 0, 0]])  # text 2: only an n-gram, no word vector
    ids, offsets, values = torch.tensor([0, 1, 4, 3]), torch.tensor([0, 3]), torch.ones(4)
    torch.testing.assert_close(model(dense), model(ids, offsets, values))
    mean = (model.words.weight[0] + model.words.weight[2]) / 2
    text1_words = model.word_proj(mean / mean.norm())
    without = BagOfWordsClassifier(BagOfWordsConfig(n_features=6, n_classes=3, normalize=True))
    without.load_state_dict({k: v for k, v in model.state_dict().items() if k.startswith(("bag", "bias", "feat"))})
    torch.testing.assert_close(model(dense)[0] - without(dense)[0], text1_words)
    torch.testing.assert_close(model(dense)[1], without(dense)[1])  # no vector: the n-gram part alone


def test_classifier_reads_vectors_keeps_them_fixed_and_saves_them(tmp_path):
    vec_file = tmp_path / "vecs.txt"
    rng = np.random.default_rng(0)
    table = {w: rng.normal(size=4).round(4) for w in GOOD + BAD + FILLER[:6]}  # FILLER[6:] have no vector
    vec_file.write_text(f"{len(table)} 4\n" + "".join(f"{w} {' '.join(map(str, v))}\n" for w, v in table.items()))
    texts, labels = synthetic(300, 0)
    clf = Classifier.fit(texts, labels, ClassifyConfig(embeddings=str(vec_file)),
                         TrainConfig(epochs=3, batch_size=32, lr=0.05, weight_decay=0.0))
    features, model = clf.features.vectorizer.features, clf.model
    for word in ("great", "awful", FILLER[0]):
        row = model.word_of_feature[features.index(word)]
        np.testing.assert_allclose(model.words.weight[row].detach().numpy(), table[word], atol=1e-6)
    no_vector = [features.index(f) for f in features if " " in f or f in FILLER[6:]]
    assert (model.word_of_feature[no_vector] == model.config.n_words).all()
    test_texts, test_labels = synthetic(200, 1)
    assert np.mean([p["label"] == y for p, y in zip(clf.predict(test_texts), test_labels)]) > 0.9
    clf.save(tmp_path / "model")
    vec_file.unlink()  # the saved model carries its vectors
    assert nlpdive.load(tmp_path / "model").predict(test_texts[:20]) == clf.predict(test_texts[:20])
