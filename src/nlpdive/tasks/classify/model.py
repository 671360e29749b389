"""Which model: ClassifyConfig -> the model class and the config the user gave (the model owns every other
default), built, with Naive-Bayes feature weights or pretrained word vectors copied in."""
from dataclasses import asdict

import numpy as np

from nlpdive.errors import InputError
from nlpdive.models.registry import build_model
from nlpdive.tasks.classify.features import bow_kind

MAX_VECTOR_WORDS = 100_000  # pretrained words a sequence model's vocabulary may take in beyond its training texts'
CLASSES = {"bow": "BagOfWordsClassifier", "rnn": "RNNClassifier", "cnn": "CNNClassifier",
           "transformer": "TransformerClassifier"}
# ClassifyConfig option -> the model config's field, per family (an option not listed does not apply there)
GIVEN = {
    "bow": {"hidden": "hidden", "dropout": "dropout"},
    "rnn": {"embed_dim": "embed_dim", "hidden": "hidden", "layers": "layers", "bidirectional": "bidirectional",
            "pooling": "pooling", "dropout": "dropout", "freeze_embeddings": "freeze_embeddings"},
    "cnn": {"embed_dim": "embed_dim", "channels": "channels", "dropout": "dropout",
            "freeze_embeddings": "freeze_embeddings"},
    "transformer": {"d_model": "d_model", "layers": "n_layers", "pooling": "pooling", "dropout": "dropout",
                    "freeze_embeddings": "freeze_embeddings"},
}


def model_config(settings, n_inputs, n_classes, pad_id=0):
    """(model class name, its config as a dict): the sizes the data fixes plus the options the user gave."""
    family = settings.family
    given = {field: getattr(settings, name) for name, field in GIVEN[family].items()
             if getattr(settings, name) is not None}
    if family == "bow":
        # tf-idf rows are L2-normalised already; pretrained vectors stay fixed (the high lr would scramble them)
        config = dict(n_features=n_inputs, n_classes=n_classes,
                      normalize=bow_kind(settings.features, n_classes) != "tfidf",
                      embed_dim=settings.embed_dim if settings.embeddings else 0)
        return CLASSES[family], {**config, **given}
    config = dict(vocab_size=n_inputs, n_classes=n_classes, pad_id=pad_id, **given)
    if family == "rnn":
        config["cell"] = settings.model
    if family == "transformer":
        config["max_len"] = settings.max_len
        width = settings.d_model  # pretrained vectors fix it (load_vectors)
        if width is not None:
            heads = next(h for h in range(max(1, width // 32), 0, -1) if width % h == 0)  # 300-d GloVe: 6 heads
            config.update(d_model=width, n_heads=heads, d_ff=4 * width)
    return CLASSES[family], config


def load_vectors(settings):
    """(the pretrained vectors or None, settings with their size as embed_dim, or d_model for the transformer)."""
    from dataclasses import replace

    if not settings.embeddings:
        return None, settings
    from nlpdive.vectors import load_vectors as read_vectors

    vecs = read_vectors(settings.embeddings)
    name = "d_model" if settings.family == "transformer" else "embed_dim"  # the size the vectors fix
    if getattr(settings, name) not in (None, vecs.dim):
        flag = "--" + name.replace("_", "-")
        raise InputError(f"the vectors have {vecs.dim} dimensions but {flag} is {getattr(settings, name)}",
                         path=settings.embeddings, hint=f"leave out {flag}")
    return vecs, replace(settings, **{name: vecs.dim})


def add_vector_words(pipeline, vecs):
    """Extend the vocabulary with the lower-case words among the vectors' first MAX_VECTOR_WORDS (the most frequent)
    that the training texts lack: a test word training never saw then keeps its pretrained vector instead of
    becoming <unk>. About half the MR and SST-2 test sentences have such a word; bi-GRU with vectors:
    MR 81.4 -> 82.3, SST-2 81.8 -> 87.6 (docs/benchmarks.md)."""
    from nlpdive.text.vocab import Vocab

    vocab = pipeline.vocab
    extra = [w for w in vecs.words[:MAX_VECTOR_WORDS] if w == w.lower() and w not in vocab.stoi]
    pipeline.vocab = Vocab(vocab.itos + extra, vocab.specials)


def init_embeddings(model, vocab_itos, vecs, pad_id):
    """Copy pretrained vectors into the embedding rows of the words they know, rescaled to a standard deviation of 1:
    the scale of nn.Embedding's N(0, 1) init, which the rows of the words they don't know keep and the rest of the
    model is initialised for. Returns the share of the vocabulary found.

    Unscaled, word2vec/GloVe vectors (std 0.2-0.4) are dwarfed by the unknown words' rows (max pooling and the
    CNN's filters pick those) and soon overwritten by Adam's lr-sized steps: on MR, bi-GRU 76.9 -> 82.5 accuracy,
    Kim CNN 74.2 -> 79.4 (docs/benchmarks.md)."""
    import torch

    weight = model.embed.weight
    rows = [(i, vecs.get_index(w, vecs.get_index(w.lower()))) for i, w in enumerate(vocab_itos) if i != pad_id]
    found = [(i, j) for i, j in rows if j is not None]
    if found:
        ours, theirs = map(list, zip(*found))
        vectors = np.asarray(vecs.vectors[theirs], dtype=np.float32)
        with torch.no_grad():
            weight[ours] = torch.as_tensor(vectors / (float(vectors.std()) or 1.0), dtype=weight.dtype)
    return len(found) / max(1, len(rows))


def _bow_word_rows(features, vecs):
    """For the bag of words, one pass over the features: (feature id -> row of the model's word table, len(rows) for
    n-grams and words without a vector [F] int64; the vectors' row of each table row; the share of words found)."""
    word_of_feature, rows, words = np.full(len(features), -1, dtype=np.int64), [], 0
    for i, f in enumerate(features):
        if " " not in f:
            words += 1
            j = vecs.get_index(f)
            if j is not None:
                word_of_feature[i] = len(rows)
                rows.append(j)
    word_of_feature[word_of_feature < 0] = len(rows)
    return word_of_feature, rows, len(rows) / max(1, words)


def new_model(settings, feats, n_classes, vecs, log=None):
    """(model, class name, config dict), with NB feature weights or pretrained embeddings copied in."""
    import torch

    bow = settings.family == "bow"
    pad_id = 0 if bow else feats.pipeline.pad_id
    model_class, model_cfg = model_config(settings, feats.size, n_classes, pad_id)
    if vecs is not None and bow:
        word_of_feature, rows, found = _bow_word_rows(feats.vectorizer.features, vecs)
        model_cfg["n_words"] = len(rows)
    model = build_model(model_class, model_cfg)
    model_cfg = asdict(model.config)  # saved whole: a later change of the model's defaults changes no saved model
    if getattr(feats, "nb_ratio", None) is not None:
        model.feature_weight.copy_(torch.from_numpy(feats.nb_ratio))
    if vecs is not None and bow:
        model.word_of_feature.copy_(torch.from_numpy(word_of_feature))
        with torch.no_grad():
            model.words.weight[:-1] = torch.as_tensor(np.asarray(vecs.vectors[rows]), dtype=torch.float32)
    elif vecs is not None:
        found = init_embeddings(model, feats.pipeline.vocab.itos, vecs, pad_id)
    if vecs is not None and log:
        log(f"pretrained vectors cover {found:.1%} of the vocabulary")
    return model, model_class, model_cfg
