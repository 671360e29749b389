"""Vectorizers: one-hot, bag-of-words counts, binary and tf-idf, over our TextPipeline's tokens and n-grams.

scikit-learn's CountVectorizer / TfidfVectorizer do the counting (with our analyzer), so the output is a
scipy.sparse CSR matrix (float32), one row per document, one column per feature (`vec.features`, sorted).
"onehot" rows are the documents' one-hot rows OR'ed (token presence); `vec.onehot(text)` gives the talk's
per-position table instead.
"""
import numpy as np

from nlpdive.errors import InputError, NlpdiveError
from nlpdive.text.pipeline import TextPipeline

KINDS = ("onehot", "count", "binary", "tfidf")


class Vectorizer:
    def __init__(self, kind="count", ngram_range=(1, 1), min_df=1, max_features=None, pipeline=None):
        if kind not in KINDS:
            raise InputError(f"unknown vectorizer kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
        lo, hi = ngram_range
        if not 1 <= lo <= hi:
            raise InputError(f"bad n-gram range {lo}-{hi}", hint="use e.g. 1-1 or 1-2 (1 <= min <= max)")
        self.kind, self.ngram_range = kind, (lo, hi)
        self.min_df, self.max_features = min_df, max_features
        self.pipeline = pipeline or TextPipeline(lower=True, tokenizer="word")
        self.features = None
        self._sk = None

    def analyze(self, text):
        """The document's features in order of appearance: its tokens, then its bigrams, ..."""
        tokens = self.pipeline.tokenize(text)
        lo, hi = self.ngram_range
        if (lo, hi) == (1, 1):
            return tokens
        return [" ".join(tokens[i:i + n]) for n in range(lo, hi + 1) for i in range(len(tokens) - n + 1)]

    def _sklearn(self, vocabulary=None):
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

        cls = TfidfVectorizer if self.kind == "tfidf" else CountVectorizer
        return cls(analyzer=self.analyze, min_df=self.min_df, max_features=self.max_features,
                   binary=self.kind in ("binary", "onehot"), dtype=np.float32, vocabulary=vocabulary)

    def fit(self, texts):
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts):
        """Fit and vectorize in one pass over the texts (each text is analysed once)."""
        texts = list(texts)
        if self.min_df > len(texts):
            raise InputError(f"min_df {self.min_df} is more than the number of documents ({len(texts)})",
                             hint=f"lower --min-df to at most {len(texts)}")
        self._sk = self._sklearn()
        try:
            matrix = self._sk.fit_transform(texts)
        except ValueError as e:  # e.g. "empty vocabulary"
            raise InputError(f"cannot build a vocabulary ({e})",
                             hint="give non-empty texts or lower --min-df") from None
        self.features = self._sk.get_feature_names_out().tolist()
        return matrix.tocsr()

    def transform(self, texts):
        if self._sk is None:
            raise NlpdiveError("this Vectorizer is not fitted: call vec.fit(texts) first")
        return self._sk.transform(texts).tocsr()

    def as_dicts(self, texts):
        """One {feature: value} dict per document, features in order of first appearance (the CLI's output)."""
        texts = list(texts)
        matrix, stoi = self.transform(texts), self._sk.vocabulary_
        cast = float if self.kind == "tfidf" else int
        rows = []
        for i, text in enumerate(texts):
            row = matrix.getrow(i)
            values = dict(zip(row.indices.tolist(), row.data.tolist()))
            rows.append({f: cast(values[stoi[f]]) for f in dict.fromkeys(self.analyze(text))
                         if stoi.get(f) in values})
        return rows

    def onehot(self, text):
        """The talk's one-hot table: (tokens, vocabulary, matrix) with matrix[i, j] = 1 when token i is
        vocabulary word j (a CSR matrix, len(tokens) x len(vocabulary)); unknown tokens get an all-zero row."""
        from scipy.sparse import csr_matrix

        if self.features is None:
            raise NlpdiveError("this Vectorizer is not fitted: call vec.fit(texts) first")
        tokens, stoi = self.analyze(text), self._sk.vocabulary_
        hits = [(i, stoi[t]) for i, t in enumerate(tokens) if t in stoi]
        rows, cols = zip(*hits) if hits else ((), ())
        matrix = csr_matrix((np.ones(len(hits), np.float32), (rows, cols)), shape=(len(tokens), len(self.features)))
        return tokens, self.features, matrix

    def to_dict(self):
        d = {"kind": self.kind, "ngram_range": list(self.ngram_range), "min_df": self.min_df,
             "max_features": self.max_features, "pipeline": self.pipeline.to_dict(), "features": self.features}
        if self.kind == "tfidf" and self._sk is not None:
            d["idf"] = self._sk.idf_.tolist()
        return d

    @classmethod
    def from_dict(cls, d):
        vec = cls(d["kind"], tuple(d["ngram_range"]), d["min_df"], d["max_features"],
                  TextPipeline.from_dict(d["pipeline"]))
        if d["features"] is not None:
            vec.features = d["features"]
            vec._sk = vec._sklearn(vocabulary={f: i for i, f in enumerate(vec.features)})
            if vec.kind == "tfidf":
                vec._sk.idf_ = np.asarray(d["idf"], dtype=np.float32)
        return vec
