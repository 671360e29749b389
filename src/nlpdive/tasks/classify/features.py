"""Features: texts -> items -> batches of model inputs. The bag of words (sparse n-gram vectors for the
EmbeddingBag model) and token ids (for the sequence models); each saves itself as pipeline.json."""
import numpy as np

from nlpdive.errors import InputError


class BagOfWords:
    """Texts -> sparse n-gram vectors (nlpdive.text.Vectorizer) -> EmbeddingBag inputs (ids, offsets, values)."""

    def __init__(self, vectorizer, nb_ratio=None):
        self.vectorizer = vectorizer
        self.nb_ratio = nb_ratio  # [F] the model's feature weights when features are "nb" (set by fit)

    @classmethod
    def fit(cls, texts, y, settings, n_classes, prepared=None):
        """(featurizer, the texts' items); y: class ids (for the Naive-Bayes ratio of two classes). `prepared`:
        (vectorizer, X) of these texts, vectorized already (see `prepare`)."""
        kind = bow_kind(settings.features, n_classes)
        vectorizer, X = prepared or prepare(texts, settings, n_classes)  # X: CSR [N, F] float32
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


def prepare(texts, settings, n_classes):
    """The bag of words' (vectorizer, CSR matrix [N, F]) of texts: the costly, label-free half of its features. The
    recipe vectorizes once and gives row subsets to its hold-out run. The labels' Naive-Bayes ratio is computed from
    that run's rows only; the vocabulary (and tf-idf's idf) is the refit's, so n-grams seen only in held-out texts
    exist during validation with their initial (near-zero) weights: label-free and, measured on IMDB, no change in
    accuracy, for half the featurizing time."""
    from nlpdive.text import Vectorizer

    kind = bow_kind(settings.features, n_classes)
    vectorizer = Vectorizer("binary" if kind == "nb" else kind, (1, settings.ngrams), min_df=settings.min_df)
    return vectorizer, vectorizer.fit_transform(texts)


def fit_features(texts, y, settings, n_classes, prepared=None):
    """(featurizer, the texts' items) for the settings' model: n-gram vectors for bow, token ids otherwise."""
    if settings.family == "bow":
        return BagOfWords.fit(texts, y, settings, n_classes, prepared)
    return TokenIds.fit(texts, y, settings, n_classes)


def features_from_dict(d):
    """The featurizer saved in pipeline.json."""
    if d["type"] not in ("bow", "tokens"):
        raise ValueError(f"'type' must be bow or tokens, not {d['type']!r}")
    if d["type"] == "bow":
        from nlpdive.text import Vectorizer

        return BagOfWords(Vectorizer.from_dict(d["vectorizer"]))
    from nlpdive.text import TextPipeline

    return TokenIds(TextPipeline.from_dict(d["pipeline"]), d["max_len"])


def bow_kind(features, n_classes):
    if features == "auto":
        return "nb" if n_classes == 2 else "tfidf"
    if features == "nb" and n_classes != 2:
        raise InputError(f"--features nb needs two classes, the data has {n_classes}", hint="use --features tfidf")
    return features


def _nb_ratio(X, y):
    """Wang & Manning (2012): log((p / |p|_1) / (q / |q|_1)), p, q = 1 + feature counts of class 1 and 0."""
    p = 1.0 + np.asarray(X[y == 1].sum(axis=0)).ravel()
    q = 1.0 + np.asarray(X[y == 0].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
