import json
import random

import numpy as np
import pytest

from nlpdive import demo
from nlpdive.data import read_examples
from nlpdive.errors import InputError
from nlpdive.tasks.classify import Classifier, ClassifyConfig, cross_validate
from nlpdive.train import TrainConfig

pytestmark = pytest.mark.usefixtures("one_torch_thread")

GOOD, BAD, FILLER = ["great", "superb", "lovely", "fun"], ["awful", "dull", "boring", "bad"], \
    ["the", "movie", "was", "a", "plot", "and", "film", "actors", "it", "story", "really", "quite"]


def synthetic(n, seed, classes=(("pos", GOOD), ("neg", BAD))):
    """Texts of filler words with one or two class words at random places."""
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        label, words = rng.choice(classes)
        tokens = rng.choices(FILLER, k=rng.randint(3, 12)) + rng.choices(words, k=rng.randint(1, 2))
        rng.shuffle(tokens)
        texts.append(" ".join(tokens))
        labels.append(label)
    return texts, labels


def small(**kw):
    return TrainConfig(**{"epochs": 4, "batch_size": 32, "lr": 5e-3, "weight_decay": 0.0, **kw})


def test_bow_beats_chance_clearly_on_held_out_mr_sentences():
    examples = read_examples(demo.path("mr"))
    random.Random(0).shuffle(examples)
    train, test = examples[:1500], examples[1500:2000]
    clf = Classifier.fit([e["text"] for e in train], [e["label"] for e in train])
    metrics = clf.score([e["text"] for e in test], [e["label"] for e in test])
    assert metrics["accuracy"] > 0.64, metrics["accuracy"]
    assert sum(map(sum, metrics["confusion_matrix"])) == 500 == metrics["examples"]


@pytest.mark.parametrize("settings", [
    ClassifyConfig(model="gru", embed_dim=16, hidden=16),
    ClassifyConfig(model="lstm", embed_dim=16, hidden=16, bidirectional=True, pooling="attention"),
    ClassifyConfig(model="rnn", embed_dim=16, hidden=16, pooling="max"),
    ClassifyConfig(model="cnn", embed_dim=16, channels=8),
    ClassifyConfig(model="transformer", d_model=32, layers=1, max_len=32),
    ClassifyConfig(model="bow", hidden=8, features="binary", ngrams=1),
], ids=lambda s: s.model)
def test_every_model_learns_word_level_sentiment(settings):
    clf = Classifier.fit(*synthetic(400, 0), settings, small(epochs=6))
    assert clf.score(*synthetic(100, 1))["accuracy"] >= 0.9


def test_multiclass_imbalanced_with_class_weights_reports_per_class_metrics():
    classes = (("pos", GOOD), ("neg", BAD), ("neutral", ["okay", "fine"]))
    texts, labels = synthetic(300, 0, classes)
    texts, labels = texts + synthetic(40, 2, classes[2:])[0], labels + ["neutral"] * 40
    clf = Classifier.fit(texts, labels, ClassifyConfig(class_weights=True), small(epochs=5))
    m = clf.score(*synthetic(90, 3, classes))
    assert m["labels"] == ["neg", "neutral", "pos"] and np.array(m["confusion_matrix"]).shape == (3, 3)
    assert set(m["per_class"]["neutral"]) == {"precision", "recall", "f1", "support"}
    assert m["macro_f1"] > 0.8
    with pytest.raises(InputError, match="--features nb needs two classes"):
        Classifier.fit(texts, labels, ClassifyConfig(features="nb"), small(epochs=1))


@pytest.mark.parametrize("model", ["bow", "gru"])
def test_save_and_load_give_the_same_predictions(tmp_path, model):
    import nlpdive

    texts, labels = synthetic(200, 0)
    clf = Classifier.fit(texts, labels, ClassifyConfig(model=model, embed_dim=8, hidden=8), small(epochs=1))
    clf.save(tmp_path / "m")
    loaded = nlpdive.load(tmp_path / "m")
    assert isinstance(loaded, Classifier)
    queries = ["the movie was great", "dull dull plot", ""]
    assert loaded.predict(queries) == clf.predict(queries)
    probs = loaded.predict(queries)[0]["probabilities"]
    assert set(probs) == {"neg", "pos"} and abs(sum(probs.values()) - 1) < 1e-4


def test_pretrained_vectors_initialise_and_frozen_stay(tmp_path):
    vec_file = tmp_path / "vecs.txt"
    words = GOOD + BAD + FILLER
    rng = np.random.default_rng(0)
    table = {w: rng.normal(size=4).round(4) for w in words}
    vec_file.write_text(f"{len(words)} 4\n" + "".join(f"{w} {' '.join(map(str, v))}\n" for w, v in table.items()))
    settings = ClassifyConfig(model="gru", hidden=8, embeddings=str(vec_file), freeze_embeddings=True)
    clf = Classifier.fit(*synthetic(100, 0), settings, small(epochs=1))
    vocab = clf.features.pipeline.vocab
    row = clf.model.embed.weight[vocab.stoi["great"]].detach().numpy()  # rescaled (test_classify_vectors.py)
    np.testing.assert_allclose(row / np.linalg.norm(row), table["great"] / np.linalg.norm(table["great"]), atol=1e-5)
    with pytest.raises(InputError, match="dimensions"):
        Classifier.fit(*synthetic(50, 0), ClassifyConfig(model="gru", embed_dim=8, embeddings=str(vec_file)))


def test_cross_validation_reports_mean_and_std():
    result = cross_validate(*synthetic(150, 0), 3, settings=ClassifyConfig(), train_cfg=small(epochs=3))
    assert len(result["folds"]) == 3 and result["accuracy_mean"] > 0.85 and result["accuracy_std"] >= 0
    json.dumps(result)


@pytest.mark.parametrize("width", [100, 300])
def test_transformer_heads_divide_widths_such_as_glove_sizes(width):
    from nlpdive.models.registry import build_model
    from nlpdive.tasks.classify.model import model_config

    name, cfg = model_config(ClassifyConfig(model="transformer", d_model=width), 50, 2, 0)
    assert width % cfg["n_heads"] == 0
    build_model(name, cfg)


def test_a_class_left_only_in_validation_is_trained_on(tmp_path):
    from nlpdive.tasks.classify import train

    texts, labels = synthetic(19, 3)
    path = tmp_path / "small.tsv"
    path.write_text("text\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l in zip(texts, labels)) + "great fun\tneutral\n")
    for seed in range(4):  # some seeds put the single 'neutral' row in the validation split
        clf = train(path, settings=ClassifyConfig(), train_cfg=small(epochs=1, seed=seed), valid_split=0.3,
                    out_dir=tmp_path / f"run{seed}")
        assert "neutral" in clf.labels.labels


def test_the_saved_config_is_the_whole_model_config_and_old_settings_still_load(tmp_path):
    import nlpdive

    clf = Classifier.fit(*synthetic(100, 0), ClassifyConfig(model="gru", embed_dim=8, hidden=8), small(epochs=1))
    clf.save(tmp_path / "gru")
    saved = json.loads((tmp_path / "gru" / "config.json").read_text())["model"]["config"]
    assert saved["pooling"] == "max" and saved["bidirectional"] is True and saved["layers"] == 1  # not only given
    clf = Classifier.fit(*synthetic(100, 0), ClassifyConfig(), small(epochs=1))
    clf.save(tmp_path / "bow")
    path = tmp_path / "bow" / "config.json"
    config = json.loads(path.read_text())
    config["classify"].update(layers=1, bidirectional=False, hidden=None)  # as models saved before options were None
    path.write_text(json.dumps(config))
    assert nlpdive.load(tmp_path / "bow").predict(["great fun"]) == clf.predict(["great fun"])
