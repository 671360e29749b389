"""Text classification, the talk's running example: texts + labels -> a saved model that predicts labels.

    from nlpdive.tasks.classify import Classifier, ClassifyConfig
    clf = Classifier.fit(texts, labels, ClassifyConfig(model="gru"))      # or model="bow" (the default)
    clf.predict(["that movie sucked!"])          # [{"label": "negative", "probabilities": {...}}]
    clf.evaluate("test.tsv")                     # accuracy, macro and per-class P/R/F1, confusion matrix
    clf.save("runs/sentiment"); nlpdive.load("runs/sentiment")

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
TALK_SENTENCES = ("it was amazing 100%", "that movie sucked!", "i thought it was pretty decent")

# TrainConfig defaults per model family (a flag or --config value wins). Early stopping and keep-best watch
# validation accuracy: the validation loss starts rising (over-confidence) while accuracy still improves.
_WATCH = dict(monitor="accuracy", mode="max")
TRAIN_DEFAULTS = {
    "bow": dict(epochs=2, batch_size=256, lr=5e-2, weight_decay=0.0, clip=None, patience=1, **_WATCH),
    "rnn": dict(epochs=6, batch_size=64, lr=2e-3, weight_decay=0.0, patience=2, **_WATCH),
    "cnn": dict(epochs=6, batch_size=64, lr=1e-3, weight_decay=0.0, patience=2, **_WATCH),
    "transformer": dict(epochs=6, batch_size=64, lr=5e-4, schedule="linear", warmup=0.1, patience=2, **_WATCH),
}


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
    class_weights: bool = False        # weight classes by inverse frequency (imbalanced data)

    def __post_init__(self):
        for name, allowed in (("model", MODELS), ("features", FEATURES)):
            if getattr(self, name) not in allowed:
                raise InputError(f"--{name} {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        if self.pooling is not None and self.pooling not in POOLINGS:
            raise InputError(f"--pooling {self.pooling!r} is not one of {', '.join(POOLINGS)}")
        if self.pooling == "last" and self.model in ("cnn", "transformer", "bow"):
            raise InputError(f"--pooling last needs a recurrent model, not {self.model}",
                             hint="use max, mean or attention")
        if self.embeddings and self.model == "bow":
            raise InputError("--embeddings needs a sequence model", hint="use --model gru|lstm|rnn|cnn|transformer")
        for name in ("ngrams", "min_df", "embed_dim", "layers", "max_len", "min_freq"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise InputError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")

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
    """[(item, label)] -> (*model inputs, labels [B])."""
    import torch

    items, labels = zip(*batch)
    return (*collate(list(items)), torch.tensor(labels, dtype=torch.long))


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
        return "BagOfWordsClassifier", dict(n_features=n_inputs, n_classes=n_classes, hidden=s.hidden or 0,
                                             dropout=drop or 0.0, normalize=normalize)
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


def _init_embeddings(model, vocab_itos, vecs, pad_id):
    """Copy pretrained vectors into the embedding rows of the words they know; returns the share found."""
    import torch

    weight = model.embed.weight
    rows = [(i, vecs.get_index(w, vecs.get_index(w.lower()))) for i, w in enumerate(vocab_itos) if i != pad_id]
    found = [(i, j) for i, j in rows if j is not None]
    if found:
        ours, theirs = map(list, zip(*found))
        with torch.no_grad():
            weight[ours] = torch.as_tensor(np.asarray(vecs.vectors[theirs]), dtype=weight.dtype)
    return len(found) / max(1, len(rows))


def _new_model(settings, feats, n_classes, vecs, log):
    """(model, class name, config dict), with NB feature weights or pretrained embeddings copied in."""
    import torch

    pad_id = 0 if settings.family == "bow" else feats.pipeline.pad_id
    model_class, model_cfg = model_config(settings, feats.size, n_classes, pad_id)
    model = build_model(model_class, model_cfg)
    if getattr(feats, "nb_ratio", None) is not None:
        model.feature_weight.copy_(torch.from_numpy(feats.nb_ratio))
    if vecs is not None:
        found = _init_embeddings(model, feats.pipeline.vocab.itos, vecs, pad_id)
        if log:
            log(f"pretrained vectors cover {found:.1%} of the vocabulary")
    return model, model_class, model_cfg


def _criterion(settings, y, n_classes):
    """Cross-entropy; with class_weights, weights n / (k * count(class)) (scikit-learn's "balanced")."""
    import torch

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
        "per_class": {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(n[i])}
                      for i, lab in enumerate(labels)},
        "labels": list(labels),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=k).tolist(),  # rows: true, columns: predicted
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
    """out_dir/metrics.json + out_dir/confusion_matrix.png."""
    from nlpdive.artifacts import write_json

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "metrics.json", metrics)
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
    def fit(cls, texts, labels, settings=None, train_cfg=None, valid=None, out_dir=None, resume=False, log=None):
        """Train on texts + labels (any hashable labels, turned into strings). `train_cfg`: a TrainConfig
        (default: TRAIN_DEFAULTS for the model); `valid`: (texts, labels) for validation metrics, early stopping
        and keep-best; `out_dir`: the run directory (metrics.jsonl, loss.png, checkpoints); `log(message)`."""
        import torch

        from nlpdive.data import LabelMap
        from nlpdive.train import TrainConfig, Trainer

        settings = settings or ClassifyConfig()
        train_cfg = train_cfg or TrainConfig(**TRAIN_DEFAULTS[settings.family])
        vecs, settings = _load_vectors(settings)
        label_map = LabelMap.fit(labels)
        y = np.array([label_map.encode(lab) for lab in labels])
        feats, train_items = (BagOfWords if settings.family == "bow" else TokenIds).fit(texts, y, settings,
                                                                                       len(label_map))
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
            valid_data = list(zip(feats.items(valid[0]), [label_map.encode(lab) for lab in valid[1]]))
        clf.train_result = trainer.fit(
            list(zip(train_items, y.tolist())), partial(_collate_labelled, feats.collate),
            loss_fn=lambda net, batch: criterion(net(*batch[:-1]), batch[-1]),
            valid_data=valid_data, evaluate_fn=partial(_evaluate_loader, criterion),
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
        z = self.logits(texts, batch_size)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, texts, batch_size=256):
        """[{"label": str, "probabilities": {label: p}}] per text."""
        if isinstance(texts, str):
            texts = [texts]
        probs = self.predict_proba(texts, batch_size)
        return [{"label": self.labels.decode(int(p.argmax())),
                 "probabilities": {lab: round(float(x), 6) for lab, x in zip(self.labels.labels, p)}} for p in probs]

    def score(self, texts, labels, batch_size=256):
        """Metrics on in-memory texts + labels (see classification_metrics)."""
        y = [self.labels.encode(lab) for lab in labels]
        pred = self.logits(texts, batch_size).argmax(axis=1)
        return classification_metrics(y, pred.tolist(), self.labels.labels)

    def evaluate(self, path, out_dir=None, batch_size=256, **reader_kw):
        """Metrics on a labelled file (reader flags default to the training file's); with `out_dir`, also
        metrics.json and confusion_matrix.png there."""
        from nlpdive.data import read_examples

        examples = read_examples(path, **{**self.reader, **reader_kw}, min_classes=1)
        metrics = self.score([ex["text"] for ex in examples], [ex["label"] for ex in examples], batch_size)
        metrics = {"data": str(path), **metrics}
        if out_dir is not None:
            write_metrics(metrics, out_dir)
        return metrics

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


def _evaluate_loader(criterion, model, loader):
    """Validation loss, accuracy and macro-F1 for the Trainer (early stopping may monitor any of them)."""
    from sklearn.metrics import f1_score

    total, preds, golds = 0.0, [], []
    for batch in loader:
        logits = model(*batch[:-1])
        total += criterion(logits, batch[-1]).item() * len(batch[-1])
        preds += logits.argmax(-1).tolist()
        golds += batch[-1].tolist()
    return {"valid_loss": total / max(1, len(golds)), "accuracy": float(np.mean(np.array(preds) == np.array(golds))),
            "macro_f1": float(f1_score(golds, preds, average="macro", zero_division=0))}


# ---- whole runs: train from files, cross-validate ---------------------------------------------------------------
def train(data, *, settings=None, train_cfg=None, valid=None, valid_split=0.1, out_dir="runs/classify", resume=False,
          reader=None, log=None):
    """Read `data` (and `valid`, a file, or hold out `valid_split` of data), fit, write metrics.json +
    confusion_matrix.png for the validation set, save the model in `out_dir`; returns the Classifier."""
    from nlpdive.data import read_examples, train_valid_split
    from nlpdive.train import dist_info

    reader = reader or {}
    examples = read_examples(data, **reader)
    if valid is not None:
        valid_examples = read_examples(valid, **reader, min_classes=1)
    elif valid_split:
        examples, valid_examples = train_valid_split(examples, valid_split, seed=(train_cfg.seed if train_cfg else 0))
    else:
        valid_examples = []
    if valid is None and valid_examples:  # a split can leave a rare class only in validation: train on it instead
        seen = {ex["label"] for ex in examples}
        examples += [ex for ex in valid_examples if ex["label"] not in seen]
        valid_examples = [ex for ex in valid_examples if ex["label"] in seen]
    texts, labels = _unzip(examples)
    valid_pair = _unzip(valid_examples) if valid_examples else None
    start = time.perf_counter()
    clf = Classifier.fit(texts, labels, settings, train_cfg, valid=valid_pair, out_dir=out_dir, resume=resume, log=log)
    clf.reader = reader
    clf.metrics = {"train_examples": len(texts), "train_seconds": round(time.perf_counter() - start, 2)}
    if valid_pair:
        clf.metrics.update(data="validation", **clf.score(*valid_pair))
    if not dist_info().is_main:  # under torchrun, rank 0 alone writes the model directory
        return clf
    clf.save(out_dir)
    if valid_pair:
        plot_confusion(clf.metrics, Path(out_dir) / "confusion_matrix.png", title="validation set")
    return clf


def cross_validate(texts, labels, k=10, *, settings=None, train_cfg=None, seed=0):
    """Stratified K-fold cross-validation (MR's standard protocol): accuracy and macro-F1 per fold, mean and std."""
    from sklearn.model_selection import StratifiedKFold

    if k < 2:
        raise InputError(f"--cv {k}: cross-validation needs at least 2 folds", hint="e.g. --cv 10")
    texts, labels = np.array(texts, dtype=object), np.array(labels, dtype=object)
    folds = []
    for train_idx, test_idx in StratifiedKFold(k, shuffle=True, random_state=seed).split(texts, labels):
        clf = Classifier.fit(list(texts[train_idx]), list(labels[train_idx]), settings, train_cfg)
        m = clf.score(list(texts[test_idx]), list(labels[test_idx]))
        folds.append({"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]})
    summary = {f"{key}_{stat}": float(fn([f[key] for f in folds]))
               for key in ("accuracy", "macro_f1") for stat, fn in (("mean", np.mean), ("std", np.std))}
    return {"folds": folds, "k": k, **summary}


def _unzip(examples):
    return [ex["text"] for ex in examples], [ex["label"] for ex in examples]


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
