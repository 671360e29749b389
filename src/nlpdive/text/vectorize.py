"""Vectorizers: one-hot, bag-of-words counts, binary and tf-idf, over our TextPipeline's tokens and n-grams.

The output is scikit-learn CountVectorizer's matrix (then its TfidfTransformer's for tf-idf): a scipy.sparse CSR
matrix (float32), one row per document, one column per feature (`vec.features`, sorted). With the word tokenizer
(and no lemmas) nlpdive.text.ngrams.NgramCounter computes that matrix with numpy on token ids; other pipelines
give CountVectorizer our analyzer.
"onehot" rows are the documents' one-hot rows OR'ed (token presence); `vec.onehot(text)` gives the talk's
per-position table instead.
"""
import numpy as np

from nlpdive.errors import InputError, NlpdiveError
from nlpdive.text.ngrams import NgramCounter
from nlpdive.text.pipeline import TextPipeline
from nlpdive.text.tokenizer import WordTokenizer

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
        self._counter = None  # NgramCounter or CountVectorizer
        self._tfidf = None  # TfidfTransformer

    def analyze(self, text):
        """The document's features in order of appearance: its tokens, then its bigrams, ..."""
        tokens = self.pipeline.tokenize(text)
        lo, hi = self.ngram_range
        if (lo, hi) == (1, 1):
            return tokens
        return [" ".join(tokens[i:i + n]) for n in range(lo, hi + 1) for i in range(len(tokens) - n + 1)]

    def _counts(self, features=None):
        """A fresh counter (fitted already when given the features)."""
        binary = self.kind in ("binary", "onehot")
        if isinstance(self.pipeline.tokenizer, WordTokenizer) and not self.pipeline.lemmatize:  # no spaces in tokens
            return NgramCounter(self.pipeline.tokenize, self.ngram_range, self.min_df, self.max_features, binary,
                                features)
        from sklearn.feature_extraction.text import CountVectorizer

        return CountVectorizer(analyzer=self.analyze, min_df=self.min_df, max_features=self.max_features,
                               binary=binary, dtype=np.float32,
                               vocabulary=None if features is None else {f: i for i, f in enumerate(features)})

    def fit(self, texts):
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts):
        """Fit and vectorize in one pass over the texts (each text is analysed once)."""
        texts = list(texts)
        if self.min_df > len(texts):
            raise InputError(f"min_df {self.min_df} is more than the number of documents ({len(texts)})",
                             hint=f"lower --min-df to at most {len(texts)}")
        self._counter = self._counts()
        try:
            counts = self._counter.fit_transform(texts)
        except ValueError as e:  # e.g. "empty vocabulary"
            raise InputError(f"cannot build a vocabulary ({e})",
                             hint="give non-empty texts or lower --min-df") from None
        self.features = self._counter.get_feature_names_out().tolist()
        if self.kind == "tfidf":
            from sklearn.feature_extraction.text import TfidfTransformer

            self._tfidf = TfidfTransformer().fit(counts)
        return self._weigh(counts)

    def transform(self, texts):
        if self._counter is None:
            raise NlpdiveError("this Vectorizer is not fitted: call vec.fit(texts) first")
        return self._weigh(self._counter.transform(texts))

    def _weigh(self, counts):
        return (self._tfidf.transform(counts, copy=False) if self.kind == "tfidf" else counts).tocsr()

    def _columns(self):
        return {f: i for i, f in enumerate(self.features)}

    def as_dicts(self, texts):
        """One {feature: value} dict per document, features in order of first appearance (the CLI's output)."""
        texts = list(texts)
        matrix, stoi = self.transform(texts), self._columns()
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
        tokens, stoi = self.analyze(text), self._columns()
        hits = [(i, stoi[t]) for i, t in enumerate(tokens) if t in stoi]
        rows, cols = zip(*hits) if hits else ((), ())
        matrix = csr_matrix((np.ones(len(hits), np.float32), (rows, cols)), shape=(len(tokens), len(self.features)))
        return tokens, self.features, matrix

    def to_dict(self):
        d = {"kind": self.kind, "ngram_range": list(self.ngram_range), "min_df": self.min_df,
             "max_features": self.max_features, "pipeline": self.pipeline.to_dict(), "features": self.features}
        if self._tfidf is not None:
            d["idf"] = self._tfidf.idf_.tolist()
        return d

    @classmethod
    def from_dict(cls, d):
        vec = cls(d["kind"], tuple(d["ngram_range"]), d["min_df"], d["max_features"],
                  TextPipeline.from_dict(d["pipeline"]))
        if d["features"] is not None:
            vec.features = d["features"]
            vec._counter = vec._counts(vec.features)
            if vec.kind == "tfidf":
                from sklearn.feature_extraction.text import TfidfTransformer

                vec._tfidf = TfidfTransformer()
                vec._tfidf.idf_ = np.asarray(d["idf"], dtype=np.float32)
        return vec
