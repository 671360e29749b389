"""Text classification, the talk's running example: texts + labels -> a saved model that predicts labels.

    from nlpdive.tasks.classify import Classifier, ClassifyConfig
    clf = Classifier.fit(texts, labels, ClassifyConfig(model="gru"))      # or model="bow" (the default)
    clf.predict(["that movie sucked!"])          # [{"label": "negative", "probabilities": {...}}]
    clf.evaluate("test.tsv")                     # accuracy, macro and per-class P/R/F1, confusion matrix
    clf.save("runs/sentiment"); nlpdive.load("runs/sentiment")

Multi-label (several labels per text, e.g. Jigsaw's toxic/obscene/insult): labels are lists of label names,
the model has one logit per label, the loss is binary cross-entropy and a label is predicted when its sigmoid
reaches `threshold`:
    clf = Classifier.fit(texts, [["toxic", "insult"], [], ...], ClassifyConfig(multi_label=True))
    clf.predict(["you idiot"])                   # [{"labels": ["insult", "toxic"], "probabilities": {...}}]

The recipe: read examples (nlpdive.data) -> features (a Vectorizer of word n-grams for the bag-of-words model,
a TextPipeline of token ids for the sequence models) -> model (nlpdive.models) -> cross-entropy, optionally
class-weighted -> the Trainer (validation metrics, early stopping, keep-best) -> metrics.json +
confusion_matrix.png -> the saved model directory (config.json + model.safetensors + pipeline.json + labels.json).
"""
import time
from dataclasses import asdict, dataclass, fields, replace
from functools import partial
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError

MODELS = ("bow", "rnn", "lstm", "gru", "cnn", "transformer")
FEATURES = ("auto", "nb", "binary", "count", "tfidf")
POOLINGS = ("last", "max", "mean", "attention")
MAX_VECTOR_WORDS = 100_000  # pretrained words a sequence model's vocabulary may take in beyond its training texts'
TALK_SENTENCES = ("it was amazing 100%", "that movie sucked!", "i thought it was pretty decent")

# TrainConfig defaults per model family (a flag or --config value wins). Early stopping and keep-best watch
# validation accuracy: the validation loss starts rising (over-confidence) while accuracy still improves.
_WATCH = dict(monitor="accuracy", mode="max")
TRAIN_DEFAULTS = {
    # bow: one torch thread — its sparse EmbeddingBag steps are tiny; a second thread only adds synchronisation,
    # and on cores other jobs share it made IMDB training 4-12x slower (4.7 s vs 18.6-59.6 s)
    "bow": dict(epochs=2, batch_size=256, lr=5e-2, weight_decay=0.0, clip=None, patience=1, threads=1, **_WATCH),
    "rnn": dict(epochs=6, batch_size=64, lr=2e-3, weight_decay=0.0, patience=2, **_WATCH),
    "cnn": dict(epochs=6, batch_size=64, lr=1e-3, weight_decay=0.0, patience=2, **_WATCH),
    "transformer": dict(epochs=6, batch_size=64, lr=5e-4, schedule="linear", warmup=0.1, patience=2, **_WATCH),
}


def train_defaults(settings):
    """TRAIN_DEFAULTS of the settings' model family; multi-label runs watch validation micro-F1 instead, with a
    patience of at least 2 (F1 at a threshold moves in steps and often ties early on)."""
    defaults = TRAIN_DEFAULTS[settings.family]
    if settings.embeddings and settings.family == "rnn":  # linear decay steadies RNNs on pretrained vectors
        defaults = {**defaults, "schedule": "linear"}  # (SST-2 dev: 78-84 from check to check -> 86-88)
    if not settings.multi_label:
        return defaults
    return {**defaults, "monitor": "micro_f1", "patience": max(2, defaults["patience"])}


@dataclass
class ClassifyConfig:
    """What to build; every field is also a `nlpdive train classify` flag (dashes for underscores)."""
    model: str = "bow"                 # bow | rnn | lstm | gru | cnn | transformer
    # bag of words
    ngrams: int = 2                    # word n-grams 1..N
    features: str = "auto"             # nb (binary x Naive-Bayes log-count ratio, 2 classes) | binary | count |
    #                                    tfidf; auto: nb for two classes, else tfidf
    min_df: int = 1                    # drop n-grams seen in fewer training texts
    # sequence models
    embed_dim: int | None = None      # default 128, or the size of --embeddings
    hidden: int | None = None          # bow: hidden ReLU units (default 0: linear); rnn: state size (128);
    #                                    cnn: filters per width (100); transformer: model width (128)
    layers: int = 1
    bidirectional: bool = False
    pooling: str | None = None         # last | max | mean | attention (default: last for RNNs, mean for Transformer)
    dropout: float | None = None       # default 0.5 for the CNN, 0.1 for the Transformer, else 0
    max_len: int = 400                 # tokens kept per text
    min_freq: int = 1                  # vocabulary: drop rarer tokens (they become <unk>)
    embeddings: str | None = None      # pretrained word vectors (GloVe/word2vec file or an nlpdive vectors dir)
    freeze_embeddings: bool = False
    # loss
    class_weights: bool = False        # weight classes by inverse frequency (imbalanced data); multi-label: each
    #                                    label's positives by negatives / positives (BCE pos_weight)
    # multi-label: one sigmoid per label; a label is predicted when its probability reaches the threshold
    multi_label: bool = False
    threshold: float = 0.5

    def __post_init__(self):
        for name, allowed in (("model", MODELS), ("features", FEATURES)):
            if getattr(self, name) not in allowed:
                raise InputError(f"--{name} {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        if self.pooling is not None and self.pooling not in POOLINGS:
            raise InputError(f"--pooling {self.pooling!r} is not one of {', '.join(POOLINGS)}")
        if self.pooling == "last" and self.model in ("cnn", "transformer", "bow"):
            raise InputError(f"--pooling last needs a recurrent model, not {self.model}",
                             hint="use max, mean or attention")
        for name in ("ngrams", "min_df", "embed_dim", "layers", "max_len", "min_freq"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise InputError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")
        if not 0 < self.threshold < 1:
            raise InputError(f"--threshold must be between 0 and 1, got {self.threshold}")
        if self.multi_label and self.features == "nb":
            raise InputError("--features nb needs two classes, not multi-label data", hint="use --features tfidf")
        if self.multi_label and self.features == "auto":
            self.features = "tfidf"

    @property
    def family(self):
        return "rnn" if self.model in ("rnn", "lstm", "gru") else self.model

    @classmethod
    def from_args(cls, args):
        """From a CLI namespace: the flags that name fields of this class (None = the default)."""
        values = {f.name: getattr(args, f.name) for f in fields(cls) if getattr(args, f.name, None) is not None}
        return cls(**values)


# ---- features: texts -> items -> batches of model inputs ---------------------------------------------------
class BagOfWords:
    """Texts -> sparse n-gram vectors (nlpdive.text.Vectorizer) -> EmbeddingBag inputs (ids, offsets, values)."""

    def __init__(self, vectorizer, nb_ratio=None):
        self.vectorizer = vectorizer
        self.nb_ratio = nb_ratio  # [F] the model's feature weights when features are "nb" (set by fit)

    @classmethod
    def fit(cls, texts, y, settings, n_classes):
        """(featurizer, the texts' items)."""
        from nlpdive.text import Vectorizer

        kind = _bow_kind(settings.features, n_classes)
        vectorizer = Vectorizer("binary" if kind == "nb" else kind, (1, settings.ngrams), min_df=settings.min_df)
        X = vectorizer.fit_transform(texts)  # CSR [N, F] float32
        return cls(vectorizer, _nb_ratio(X, y) if kind == "nb" else None), cls._rows(X)

    @property
    def size(self):
        return len(self.vectorizer.features)

    def items(self, texts):
        return self._rows(self.vectorizer.transform(texts))

    @staticmethod
    def _rows(X):
        return [(X.indices[a:b], X.data[a:b]) for a, b in zip(X.indptr[:-1], X.indptr[1:])]

    @staticmethod
    def collate(items):
        import torch

        ids, values = zip(*items)
        offsets = np.cumsum([0] + [len(i) for i in ids[:-1]])
        return (torch.from_numpy(np.concatenate(ids).astype(np.int64)), torch.from_numpy(offsets),
                torch.from_numpy(np.concatenate(values).astype(np.float32)))

    @staticmethod
    def lengths(items):
        return [len(ids) for ids, _ in items]

    def to_dict(self):
        return {"type": "bow", "vectorizer": self.vectorizer.to_dict()}


class TokenIds:
    """Texts -> token ids (nlpdive.text.TextPipeline), cut to max_len -> padded (ids [B, T], lengths [B])."""

    def __init__(self, pipeline, max_len):
        self.pipeline, self.max_len = pipeline, max_len

    @classmethod
    def fit(cls, texts, y, settings, n_classes):
        """(featurizer, the texts' items)."""
        from nlpdive.text import TextPipeline

        pipeline = TextPipeline(tokenizer="word", min_freq=settings.min_freq)
        ids = pipeline.fit_encode_batch(texts)
        return cls(pipeline, settings.max_len), [i[: settings.max_len] for i in ids]

    @property
    def size(self):
        return self.pipeline.vocab_size

    def items(self, texts):
        return [ids[: self.max_len] for ids in self.pipeline.encode_batch(texts)]

    def collate(self, items):
        from nlpdive.data import pad_batch

        ids, lengths, _ = pad_batch([i or [self.pipeline.unk_id] for i in items], pad_id=self.pipeline.pad_id)
        return ids, lengths

    @staticmethod
    def lengths(items):
        return [len(i) for i in items]

    def to_dict(self):
        return {"type": "tokens", "pipeline": self.pipeline.to_dict(), "max_len": self.max_len}


def features_from_dict(d):
    if d["type"] == "bow":
        from nlpdive.text import Vectorizer

        return BagOfWords(Vectorizer.from_dict(d["vectorizer"]))
    from nlpdive.text import TextPipeline

    return TokenIds(TextPipeline.from_dict(d["pipeline"]), d["max_len"])


def _bow_kind(features, n_classes):
    if features == "auto":
        return "nb" if n_classes == 2 else "tfidf"
    if features == "nb" and n_classes != 2:
        raise InputError(f"--features nb needs two classes, the data has {n_classes}", hint="use --features tfidf")
    return features


def _collate_labelled(collate, batch):
    """[(item, label)] -> (*model inputs, labels): class ids (ints) -> long [B]; multi-hot rows -> float [B, K]."""
    import torch

    items, labels = zip(*batch)
    return (*collate(list(items)), torch.tensor(labels))


# ---- models --------------------------------------------------------------------------------------------------
MODEL_CLASSES = {
    "BagOfWordsClassifier": ("nlpdive.models.bow", "BagOfWordsConfig"),
    "RNNClassifier": ("nlpdive.models.rnn", "RNNConfig"),
    "CNNClassifier": ("nlpdive.models.cnn", "CNNConfig"),
    "TransformerClassifier": ("nlpdive.models.transformer", "TransformerClassifierConfig"),
}


def model_config(settings, n_inputs, n_classes, pad_id):
    """(model class name, its config as a dict) for the settings."""
    s, family = settings, settings.family
    drop = s.dropout
    if family == "bow":
        normalize = _bow_kind(s.features, n_classes) != "tfidf"  # tf-idf rows are L2-normalised already
        # pretrained vectors stay fixed in the bag of words (its high learning rate would scramble them)
        return "BagOfWordsClassifier", dict(n_features=n_inputs, n_classes=n_classes, hidden=s.hidden or 0,
                                             dropout=drop or 0.0, normalize=normalize,
                                             embed_dim=s.embed_dim if s.embeddings else 0)
    common = dict(vocab_size=n_inputs, n_classes=n_classes, pad_id=pad_id, freeze_embeddings=s.freeze_embeddings)
    if family == "rnn":
        return "RNNClassifier", dict(common, cell=s.model, embed_dim=s.embed_dim or 128, hidden=s.hidden or 128,
                                     layers=s.layers, bidirectional=s.bidirectional, pooling=s.pooling or "last",
                                     dropout=0.0 if drop is None else drop)
    if family == "cnn":
        return "CNNClassifier", dict(common, embed_dim=s.embed_dim or 128, channels=s.hidden or 100,
                                     dropout=0.5 if drop is None else drop)
    width = (s.embed_dim if s.embeddings else s.hidden) or s.embed_dim or 128  # pretrained vectors fix the width
    heads = next(h for h in range(max(1, width // 32), 0, -1) if width % h == 0)  # e.g. 300-d GloVe -> 6 heads
    return "TransformerClassifier", dict(common, max_len=s.max_len, d_model=width, n_heads=heads,
                                         n_layers=s.layers if s.layers > 1 else 2, d_ff=4 * width,
                                         dropout=0.1 if drop is None else drop, pooling=s.pooling or "mean")


def build_model(class_name, config):
    from importlib import import_module

    if class_name not in MODEL_CLASSES:
        raise InputError(f"unknown model class {class_name!r} in config.json", hint="re-train the model")
    module, config_cls = MODEL_CLASSES[class_name]
    module = import_module(module)
    return getattr(module, class_name)(getattr(module, config_cls)(**config))


def _load_vectors(settings):
    """(the pretrained vectors or None, settings with embed_dim = their size)."""
    if not settings.embeddings:
        return None, settings
    from nlpdive.vectors import load_vectors

    vecs = load_vectors(settings.embeddings)
    if settings.embed_dim not in (None, vecs.dim):
        raise InputError(f"the vectors have {vecs.dim} dimensions but --embed-dim is {settings.embed_dim}",
                         path=settings.embeddings, hint="leave out --embed-dim")
    return vecs, replace(settings, embed_dim=vecs.dim)


def _add_vector_words(pipeline, vecs):
    """Extend the vocabulary with the lower-case words among the vectors' first MAX_VECTOR_WORDS (the most frequent)
    that the training texts lack: a test word training never saw then keeps its pretrained vector instead of
    becoming <unk>. About half the MR and SST-2 test sentences have such a word; bi-GRU with vectors:
    MR 81.4 -> 82.3, SST-2 81.8 -> 87.6 (docs/benchmarks.md)."""
    from nlpdive.text.vocab import Vocab

    vocab = pipeline.vocab
    extra = [w for w in vecs.words[:MAX_VECTOR_WORDS] if w == w.lower() and w not in vocab.stoi]
    pipeline.vocab = Vocab(vocab.itos + extra, vocab.specials)


def _init_embeddings(model, vocab_itos, vecs, pad_id):
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


def _new_model(settings, feats, n_classes, vecs, log):
    """(model, class name, config dict), with NB feature weights or pretrained embeddings copied in."""
    import torch

    bow = settings.family == "bow"
    pad_id = 0 if bow else feats.pipeline.pad_id
    model_class, model_cfg = model_config(settings, feats.size, n_classes, pad_id)
    if vecs is not None and bow:
        word_of_feature, rows, found = _bow_word_rows(feats.vectorizer.features, vecs)
        model_cfg["n_words"] = len(rows)
    model = build_model(model_class, model_cfg)
    if getattr(feats, "nb_ratio", None) is not None:
        model.feature_weight.copy_(torch.from_numpy(feats.nb_ratio))
    if vecs is not None and bow:
        model.word_of_feature.copy_(torch.from_numpy(word_of_feature))
        with torch.no_grad():
            model.words.weight[:-1] = torch.as_tensor(np.asarray(vecs.vectors[rows]), dtype=torch.float32)
    elif vecs is not None:
        found = _init_embeddings(model, feats.pipeline.vocab.itos, vecs, pad_id)
    if vecs is not None and log:
        log(f"pretrained vectors cover {found:.1%} of the vocabulary")
    return model, model_class, model_cfg


def _criterion(settings, y, n_classes):
    """Cross-entropy; with class_weights, weights n / (k * count(class)) (scikit-learn's "balanced").
    Multi-label (y: multi-hot [N, K]): binary cross-entropy on each label's logit; with class_weights, a label's
    positives weigh negatives / positives (pos_weight)."""
    import torch

    if settings.multi_label:
        positives = y.sum(axis=0)
        pos_weight = (len(y) - positives) / positives.clip(min=1) if settings.class_weights else None
        return torch.nn.BCEWithLogitsLoss(pos_weight=None if pos_weight is None else torch.tensor(pos_weight))
    weight = None
    if settings.class_weights:
        counts = np.bincount(y, minlength=n_classes).clip(min=1)
        weight = torch.tensor(len(y) / (n_classes * counts), dtype=torch.float32)
    return torch.nn.CrossEntropyLoss(weight=weight)


def _nb_ratio(X, y):
    """Wang & Manning (2012): log((p / |p|_1) / (q / |q|_1)), p, q = 1 + feature counts of class 1 and 0."""
    p = 1.0 + np.asarray(X[y == 1].sum(axis=0)).ravel()
    q = 1.0 + np.asarray(X[y == 0].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)


# ---- metrics ---------------------------------------------------------------------------------------------------
def classification_metrics(y_true, y_pred, labels):
    """accuracy, macro precision/recall/F1, per-class precision/recall/F1/support and the confusion matrix."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    k = list(range(len(labels)))
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=k, zero_division=0)
    return {
        "examples": int(len(y_true)),
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else 0.0,
        "macro_precision": float(p.mean()), "macro_recall": float(r.mean()), "macro_f1": float(f.mean()),
        "per_class": _per_label(labels, p, r, f, n),
        "labels": list(labels),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=k).tolist(),  # rows: true, columns: predicted
    }


def _per_label(labels, precision, recall, f1, support):
    """{label: {precision, recall, f1, support}} from scikit-learn's per-label arrays."""
    return {lab: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                  "support": int(support[i])} for i, lab in enumerate(labels)}


def multilabel_metrics(y_true, y_pred, labels):
    """Multi-label metrics of multi-hot [N, K] arrays: micro and macro precision/recall/F1, per-label
    precision/recall/F1/support, subset accuracy (every label of a text right) and Hamming loss (the share of
    wrong text-label decisions)."""
    from sklearn.metrics import accuracy_score, hamming_loss, precision_recall_fscore_support

    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    mp, mr, mf, _ = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)
    return {
        "examples": int(len(y_true)),
        "micro_precision": float(mp), "micro_recall": float(mr), "micro_f1": float(mf),
        "macro_precision": float(p.mean()), "macro_recall": float(r.mean()), "macro_f1": float(f.mean()),
        "subset_accuracy": float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
        "hamming_loss": float(hamming_loss(y_true, y_pred)) if len(y_true) else 0.0,
        "per_label": _per_label(labels, p, r, f, n),
        "labels": list(labels),
    }


def plot_confusion(metrics, path=None, title="confusion matrix"):
    """The confusion matrix as a matplotlib Figure (saved to `path` when given)."""
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = metrics["labels"]
    fig = Figure(figsize=(1.2 + 0.6 * len(labels), 1.0 + 0.6 * len(labels)) if len(labels) > 4 else (4, 3.4))
    ax = fig.add_subplot()
    ConfusionMatrixDisplay(np.asarray(metrics["confusion_matrix"]), display_labels=labels).plot(
        ax=ax, colorbar=False, cmap="Blues", values_format="d")
    ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def write_metrics(metrics, out_dir):
    """out_dir/metrics.json + out_dir/confusion_matrix.png (single-label metrics)."""
    from nlpdive.artifacts import write_json

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "metrics.json", metrics)
    if "confusion_matrix" in metrics:
        plot_confusion(metrics, out_dir / "confusion_matrix.png")


# ---- the task object -------------------------------------------------------------------------------------------
class Classifier:
    """A trained text classifier: model + features + labels. Made by `Classifier.fit` or `nlpdive.load(DIR)`."""

    def __init__(self, model, model_class, model_cfg, *, features, labels, settings, reader=None, metrics=None):
        self.model, self.model_class, self.model_cfg = model.eval(), model_class, model_cfg
        self.features, self.labels, self.settings = features, labels, settings
        self.reader = reader or {}  # the reader flags used in training (evaluate/predict default to them)
        self.metrics = metrics

    # -- training
    @classmethod
    def fit(cls, texts, labels, settings=None, train_cfg=None, valid=None, out_dir=None, resume=False, log=None,
            label_names=None):
        """Train on texts + labels (any hashable labels, turned into strings; multi-label: a list of labels per
        text). `train_cfg`: a TrainConfig (default: train_defaults(settings)); `valid`: (texts, labels) for
        validation metrics, early stopping and keep-best; `out_dir`: the run directory (metrics.jsonl, loss.png,
        checkpoints); `log(message)`; `label_names`: every label, in order (default: those in `labels`)."""
        import torch

        from nlpdive.train import TrainConfig, Trainer

        settings = settings or ClassifyConfig()
        train_cfg = train_cfg or TrainConfig(**train_defaults(settings))
        vecs, settings = _load_vectors(settings)
        label_map = _label_map(labels, settings.multi_label, label_names)
        y = encode_labels(label_map, labels, settings.multi_label)
        feats, train_items = (BagOfWords if settings.family == "bow" else TokenIds).fit(texts, y, settings,
                                                                                       len(label_map))
        if vecs is not None and settings.family != "bow":
            _add_vector_words(feats.pipeline, vecs)
        torch.manual_seed(train_cfg.seed)
        clf = cls(*_new_model(settings, feats, len(label_map), vecs, log), features=feats, labels=label_map,
                  settings=settings)
        trainer = Trainer(clf.model, train_cfg, out_dir=out_dir, resume=resume)
        criterion = _criterion(settings, y, len(label_map)).to(trainer.device)
        # bow: plain shuffled batches (length buckets only save padding, which EmbeddingBag has none of, and their
        # length-correlated batches cost the linear model ~0.5 point on MR and SST-2)
        sampler = None if settings.family == "bow" else partial(_bucket_sampler, feats.lengths(train_items))
        valid_data = None
        if valid is not None:
            valid_y = encode_labels(label_map, valid[1], settings.multi_label)
            valid_data = list(zip(feats.items(valid[0]), valid_y.tolist()))
        threshold = settings.threshold if settings.multi_label else None
        clf.train_result = trainer.fit(
            list(zip(train_items, y.tolist())), partial(_collate_labelled, feats.collate),
            loss_fn=lambda net, batch: criterion(net(*batch[:-1]), batch[-1]),
            valid_data=valid_data, evaluate_fn=partial(_evaluate_loader, criterion, threshold=threshold),
            batch_sampler_fn=sampler)
        clf.model.cpu().eval()
        return clf

    # -- use
    def logits(self, texts, batch_size=256):
        """[N, C] float32 logits, in the order of `texts` (batches sorted by length internally)."""
        import torch

        items = self.features.items(list(texts))
        order = np.argsort(self.features.lengths(items), kind="stable")
        out = np.zeros((len(items), len(self.labels)), dtype=np.float32)
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                inputs = self.features.collate([items[i] for i in idx])
                out[idx] = self.model(*(t.to(device) for t in inputs)).float().cpu().numpy()
        return out

    def predict_proba(self, texts, batch_size=256):
        """[N, C] probabilities: a softmax over the classes; multi-label: each label's sigmoid."""
        z = self.logits(texts, batch_size)
        if self.settings.multi_label:
            return 1.0 / (1.0 + np.exp(-z))
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, texts, batch_size=256, threshold=None):
        """[{"label": str, "probabilities": {label: p}}] per text; multi-label: {"labels": [each label whose
        probability reaches `threshold` (default: the model's)], "probabilities": {label: p}}."""
        if isinstance(texts, str):
            texts = [texts]
        threshold = self._threshold(threshold)
        probs = self.predict_proba(texts, batch_size)
        names = self.labels.labels
        predictions = []
        for p in probs:
            probabilities = {lab: round(float(x), 6) for lab, x in zip(names, p)}
            if self.settings.multi_label:
                predictions.append({"labels": [lab for lab, x in zip(names, p) if x >= threshold],
                                    "probabilities": probabilities})
            else:
                predictions.append({"label": self.labels.decode(int(p.argmax())), "probabilities": probabilities})
        return predictions

    def score(self, texts, labels, batch_size=256, threshold=None):
        """Metrics on in-memory texts + labels (see classification_metrics; multi-label: multilabel_metrics)."""
        threshold = self._threshold(threshold)
        y = encode_labels(self.labels, labels, self.settings.multi_label)
        if self.settings.multi_label:
            return multilabel_metrics(y, self.predict_proba(texts, batch_size) >= threshold, self.labels.labels)
        pred = self.logits(texts, batch_size).argmax(axis=1)
        return classification_metrics(y.tolist(), pred.tolist(), self.labels.labels)

    def evaluate(self, path, out_dir=None, batch_size=256, threshold=None, **reader_kw):
        """Metrics on a labelled file (reader flags default to the training file's); with `out_dir`, also
        metrics.json and confusion_matrix.png (single-label) there."""
        reader = {**self.reader, **reader_kw}
        given = sorted(set(reader) & set(MULTILABEL_READER))
        if given and not self.settings.multi_label:
            raise InputError(f"--{given[0].replace('_', '-')} is for multi-label models", hint="leave it out")
        examples, _ = read_labelled(path, reader, self.settings.multi_label, training=False)
        metrics = self.score(*_unzip(examples, self.settings.multi_label), batch_size, threshold)
        metrics = {"data": str(path), **metrics}
        if out_dir is not None:
            write_metrics(metrics, out_dir)
        return metrics

    def _threshold(self, threshold):
        """The given threshold (multi-label models only), else the model's."""
        if threshold is None:
            return self.settings.threshold
        if not self.settings.multi_label:
            raise InputError("--threshold is for multi-label models", hint="leave it out")
        if not 0 < threshold < 1:
            raise InputError(f"--threshold must be between 0 and 1, got {threshold}")
        return threshold

    # -- saved model directory
    def save(self, path):
        from nlpdive.artifacts import save_model_dir

        json_files = {"pipeline.json": self.features.to_dict(), "labels.json": self.labels.to_dict()}
        if self.metrics is not None:
            json_files["metrics.json"] = self.metrics
        return save_model_dir(path, task="classify", model_config={"class": self.model_class, "config": self.model_cfg},
                              state_dict=self.model.state_dict(), json_files=json_files,
                              extra_config={"classify": asdict(self.settings), "reader": self.reader})

    @classmethod
    def load(cls, path):
        from nlpdive.artifacts import load_weights, read_config, read_json
        from nlpdive.data import LabelMap

        path = Path(path)
        config = read_config(path)
        model_class, model_cfg = config["model"]["class"], config["model"]["config"]
        model = build_model(model_class, model_cfg)
        weights = load_weights(path)
        try:
            model.load_state_dict(weights)
        except RuntimeError as e:
            raise InputError(f"weights do not fit the model in config.json ({str(e).splitlines()[0]})",
                             path=path / "model.safetensors", hint="re-save or re-train the model") from None
        features = features_from_dict(read_json(path / "pipeline.json"))
        labels = LabelMap.from_dict(read_json(path / "labels.json"))
        metrics = read_json(path / "metrics.json") if (path / "metrics.json").exists() else None
        return cls(model, model_class, model_cfg, features=features, labels=labels,
                   settings=ClassifyConfig(**config.get("classify", {})), reader=config.get("reader"), metrics=metrics)


def _bucket_sampler(lengths, dataset, batch_size, epoch_seed, rank, world):
    from nlpdive.data import BucketSampler

    return BucketSampler(lengths, batch_size, seed=epoch_seed, num_replicas=world, rank=rank)


def _evaluate_loader(criterion, model, loader, threshold=None):
    """Validation metrics for the Trainer (early stopping may monitor any of them): loss, accuracy and macro-F1;
    multi-label (with a threshold): loss, micro- and macro-F1, subset accuracy and Hamming loss."""
    from sklearn.metrics import f1_score

    total, preds, golds = 0.0, [], []
    for batch in loader:
        logits = model(*batch[:-1])
        total += criterion(logits, batch[-1]).item() * len(batch[-1])
        preds.append((logits.argmax(-1) if threshold is None else logits.float().sigmoid() >= threshold).cpu().numpy())
        golds.append(batch[-1].cpu().numpy())
    golds, preds = np.concatenate(golds), np.concatenate(preds)
    loss = {"valid_loss": total / max(1, len(golds))}
    if threshold is None:
        return {**loss, "accuracy": float(np.mean(preds == golds)),
                "macro_f1": float(f1_score(golds, preds, average="macro", zero_division=0))}
    m = multilabel_metrics(golds, preds, range(golds.shape[1]))
    return {**loss, **{k: m[k] for k in ("micro_f1", "macro_f1", "subset_accuracy", "hamming_loss")}}


# ---- whole runs: train from files, cross-validate ---------------------------------------------------------------
def train(data, *, settings=None, train_cfg=None, valid=None, valid_split=0.1, out_dir="runs/classify", resume=False,
          reader=None, log=None):
    """Read `data` (and `valid`, a file, or hold out `valid_split` of data), fit, write metrics.json +
    confusion_matrix.png for the validation set, save the model in `out_dir`; returns the Classifier."""
    from nlpdive.data import train_valid_split
    from nlpdive.train import dist_info

    reader = reader or {}
    multi = settings is not None and settings.multi_label
    examples, names = read_labelled(data, reader, multi)
    if valid is not None:
        valid_examples, _ = read_labelled(valid, reader, multi, training=False)
    elif valid_split:  # multi-label examples have no single "label": a plain random split
        examples, valid_examples = train_valid_split(examples, valid_split, seed=(train_cfg.seed if train_cfg else 0))
    else:
        valid_examples = []
    if valid is None and valid_examples and not multi:  # a rare class left only in validation: train on it instead
        seen = {ex["label"] for ex in examples}
        examples += [ex for ex in valid_examples if ex["label"] not in seen]
        valid_examples = [ex for ex in valid_examples if ex["label"] in seen]
    texts, labels = _unzip(examples, multi)
    valid_pair = _unzip(valid_examples, multi) if valid_examples else None
    start = time.perf_counter()
    clf = Classifier.fit(texts, labels, settings, train_cfg, valid=valid_pair, out_dir=out_dir, resume=resume, log=log,
                         label_names=names)
    clf.reader = reader
    clf.metrics = {"train_examples": len(texts), "train_seconds": round(time.perf_counter() - start, 2)}
    if valid_pair:
        clf.metrics.update(data="validation", **clf.score(*valid_pair))
    if not dist_info().is_main:  # under torchrun, rank 0 alone writes the model directory
        return clf
    clf.save(out_dir)
    if valid_pair and not multi:
        plot_confusion(clf.metrics, Path(out_dir) / "confusion_matrix.png", title="validation set")
    return clf


def cross_validate(texts, labels, k=10, *, settings=None, train_cfg=None, seed=0):
    """Stratified K-fold cross-validation (MR's standard protocol): accuracy and macro-F1 per fold, mean and std.
    Multi-label: plain K-fold, micro- and macro-F1."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if k < 2:
        raise InputError(f"--cv {k}: cross-validation needs at least 2 folds", hint="e.g. --cv 10")
    multi = settings is not None and settings.multi_label
    names = _label_map(labels, True).labels if multi else None  # every fold knows every label
    keys = headline_metrics(settings)
    folds = []
    for train_idx, test_idx in (KFold if multi else StratifiedKFold)(k, shuffle=True, random_state=seed).split(
            texts, None if multi else labels):
        clf = Classifier.fit([texts[i] for i in train_idx], [labels[i] for i in train_idx], settings, train_cfg,
                             label_names=names)
        m = clf.score([texts[i] for i in test_idx], [labels[i] for i in test_idx])
        folds.append({key: m[key] for key in keys})
    summary = {f"{key}_{stat}": float(fn([f[key] for f in folds]))
               for key in keys for stat, fn in (("mean", np.mean), ("std", np.std))}
    return {"folds": folds, "k": k, **summary}


def headline_metrics(settings):
    """The headline metrics (cross_validate reports them): accuracy and macro-F1; multi-label: micro- and macro-F1."""
    return ("micro_f1", "macro_f1") if settings is not None and settings.multi_label else ("accuracy", "macro_f1")


# ---- labels: files -> examples -> class ids or multi-hot rows ------------------------------------------------------
MULTILABEL_READER = ("label_columns", "label_sep", "allow_empty_labels")  # read_multilabel's own reader options


def read_labelled(path, reader, multi_label, training=True):
    """(examples, label names or None) of a labelled file; a validation or test file may lack some classes."""
    from nlpdive.data import read_examples, read_multilabel

    if multi_label:
        return read_multilabel(path, **reader, min_labels=1 if training else 0)
    return read_examples(path, **reader, min_classes=2 if training else 1), None


def _label_map(labels, multi_label, names=None):
    """LabelMap of `names`, else of the labels seen (multi-label: in any text's list)."""
    from nlpdive.data import LabelMap

    if names is not None:
        return LabelMap(names)
    if multi_label:
        _check_label_lists(labels)
        label_map = LabelMap.fit(lab for labs in labels for lab in labs)
        if not len(label_map):
            raise InputError("no text has a label", hint="give some texts a label")
        return label_map
    return LabelMap.fit(labels)


def encode_labels(label_map, labels, multi_label):
    """Class ids [N] (int64); multi-label: multi-hot rows [N, K] (float32) from lists of labels."""
    if not multi_label:
        return np.array([label_map.encode(lab) for lab in labels], dtype=np.int64)
    _check_label_lists(labels)
    y = np.zeros((len(labels), len(label_map)), dtype=np.float32)
    for i, labs in enumerate(labels):
        y[i, [label_map.encode(lab) for lab in labs]] = 1.0
    return y


def _check_label_lists(labels):
    if any(isinstance(labs, str) or labs is None for labs in labels):
        raise InputError("multi-label data needs a list of labels per text", hint='e.g. ["toxic", "insult"] or []')


def _unzip(examples, multi_label=False):
    """(texts, labels) of examples; multi-label: a list of labels per text."""
    key = "labels" if multi_label else "label"
    return [ex["text"] for ex in examples], [ex[key] for ex in examples]


# ---- the tour ----------------------------------------------------------------------------------------------------
def tour_section(ctx):
    """The talk's sentiment classifiers on the bundled MR sample: bag-of-words and GRU, held-out metrics,
    the confusion matrix and the talk's three example sentences."""
    from nlpdive import demo
    from nlpdive.data import read_examples, train_valid_split
    from nlpdive.report import Section
    from nlpdive.train import TrainConfig

    examples = read_examples(demo.path("mr"))
    train_ex, test_ex = train_valid_split(examples, 0.2, seed=ctx.seed)
    # both train in seconds, so ctx.quick changes nothing here; a small GRU suits 2,400 sentences best
    runs = [("bag of words (n-grams 1-2, NB-weighted)", ClassifyConfig(model="bow"), {}),
            ("GRU (attention pooling)", ClassifyConfig(model="gru", embed_dim=32, hidden=32, pooling="attention"),
             {"epochs": 5, "lr": 3e-3})]
    rows, results = [], {}
    for name, settings, overrides in runs:
        ctx.progress(f"classify: training the {name} model on {len(train_ex)} MR sentences")
        start = time.perf_counter()
        cfg = TrainConfig(**{**TRAIN_DEFAULTS[settings.family], "seed": ctx.seed, **overrides})
        clf = Classifier.fit(*_unzip(train_ex), settings, cfg)
        seconds = time.perf_counter() - start
        metrics = clf.score(*_unzip(test_ex))
        results[settings.model] = (clf, metrics)
        rows.append([name, f"{metrics['accuracy']:.3f}", f"{metrics['macro_f1']:.3f}", f"{seconds:.1f}"])
    best = max(results, key=lambda m: results[m][1]["accuracy"])
    talk = [[text] + [_talk_prediction(results[m][0], text) for m in results] for text in TALK_SENTENCES]
    body = (
        f"<p>Sentence polarity (MR, Pang &amp; Lee 2005): {len(train_ex)} training and {len(test_ex)} held-out "
        "sentences from the bundled sample. The talk trains a bag-of-words MLP and a GRU and prints the training "
        "loss; here both are scored on sentences they never saw. With this little data the bag of words wins: "
        "a GRU learns its word vectors from scratch and needs more text (IMDB, SST-2) or pretrained vectors "
        "(<code>--embeddings</code>).</p>"
        + ctx.table(["model", "accuracy", "macro-F1", "train s"], rows, caption="held-out metrics")
        + ctx.figure(plot_confusion(results[best][1], title=f"{best}: held-out confusion matrix"),
                     alt="confusion matrix")
        + ctx.table(["the talk's sentence"] + [f"{m} says" for m in results], talk,
                    caption="predictions for the talk's examples (probability of the predicted label)")
        + "<p>On your own file:</p>"
        + ctx.code("nlpdive train classify --data reviews.csv --out runs/sentiment        # bag of words\n"
                   "nlpdive train classify --data reviews.csv --model gru --bidirectional --out runs/gru\n"
                   "nlpdive evaluate runs/sentiment --data test.csv --out runs/sentiment/test\n"
                   "nlpdive predict runs/sentiment \"that movie sucked!\""))
    summary = {f"{m}_accuracy": round(met["accuracy"], 4) for m, (_, met) in results.items()}
    summary["predictions"] = {text: {m: results[m][0].predict([text])[0]["label"] for m in results}
                              for text in TALK_SENTENCES}
    return Section("Sentiment classification: bag of words and GRU", body, summary)


def _talk_prediction(clf, text):
    pred = clf.predict([text])[0]
    return f"{pred['label']} ({pred['probabilities'][pred['label']]:.2f})"
