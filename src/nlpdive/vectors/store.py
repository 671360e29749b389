"""The word-vector store: one object over a [V, D] float32 matrix (possibly memory-mapped) + its words.

    vecs = load_vectors("glove.6B.100d.txt")   # or our directory, word2vec .txt/.bin, fastText .vec
    vecs.most_similar("frog")                  # [(word, cosine), ...], the query word excluded
    vecs.analogy("king", "man", "woman")       # king - man + woman -> [("queen", score)]
    vecs.save("glove100")                      # memory-mapped directory: opens in milliseconds

Our directory: config.json ({"task": "embeddings", ...}), vocab.json (the words, in row order),
vectors.npy (float32 [V, D], opened with np.load(mmap_mode="r")), norms.npy (float32 [V] row norms).
"""
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError

VOCAB, VECTORS, NORMS = "vocab.json", "vectors.npy", "norms.npy"


class UnknownWord(InputError, KeyError):
    """A word the vectors do not know (a KeyError for Python users, exit code 2 for the CLI)."""

    def __init__(self, word):
        super().__init__(f"{word!r} is not in the vocabulary", hint="check the spelling and case, or use other words")

    __str__ = Exception.__str__  # KeyError would print the message quoted


class Vectors:
    def __init__(self, words, vectors, norms=None):
        self.words = list(words)
        self.vectors = vectors  # [V, D] float32, maybe a read-only memmap
        if len(self.words) != len(vectors):
            raise InputError(f"{len(self.words)} words but {len(vectors)} vectors", hint="the two must match")
        # word -> row; built back to front so a duplicated word keeps its first (most frequent) row
        self._index = dict(zip(reversed(self.words), range(len(self.words) - 1, -1, -1)))
        norms = np.linalg.norm(vectors, axis=1) if norms is None else np.asarray(norms)
        self.norms = norms.astype(np.float32)
        self._inv_norms = np.divide(1.0, self.norms, out=np.zeros_like(self.norms), where=self.norms > 0)

    # -- lookup ---------------------------------------------------------------------------------------
    @property
    def dim(self):
        return self.vectors.shape[1]

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self._index

    def __getitem__(self, word):
        return np.asarray(self.vectors[self.index(word)])

    def __repr__(self):
        return f"Vectors({len(self)} words x {self.dim} dims)"

    def index(self, word):
        i = self._index.get(word)
        if i is None:
            raise UnknownWord(word)
        return i

    def get_index(self, word, default=None):
        return self._index.get(word, default)

    def unit(self, word):
        i = self.index(word)
        return np.asarray(self.vectors[i]) * self._inv_norms[i]

    # -- similarity -----------------------------------------------------------------------------------
    def similarity(self, a, b):
        """Cosine similarity of two words."""
        return float(self.unit(a) @ self.unit(b))

    def cosines(self, query, restrict_vocab=None):
        """Cosine of a vector with every word (or the `restrict_vocab` first words) -> [V]."""
        n = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        q = np.asarray(query, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        return (self.vectors[:n] @ q) * self._inv_norms[:n]

    def most_similar(self, word_or_vector, topn=10, exclude=(), restrict_vocab=None):
        """The topn words nearest (cosine) to a word or a vector; the query word itself is excluded."""
        if isinstance(word_or_vector, str):
            exclude = {word_or_vector, *exclude}
            word_or_vector = self[word_or_vector]
        return self._top(self.cosines(word_or_vector, restrict_vocab), topn, exclude)

    def analogy(self, a, b, c, topn=1, method="3cosadd", restrict_vocab=None):
        """a - b + c (king - man + woman -> queen); the three input words are excluded.
        3cosadd: cos(x, a) - cos(x, b) + cos(x, c); 3cosmul (Levy & Goldberg 2014):
        cos'(x, a) * cos'(x, c) / (cos'(x, b) + 1e-6) with cos' = (cos + 1) / 2 (gensim's epsilon)."""
        ua, ub, uc = (self.unit(w) for w in (a, b, c))
        if method == "3cosadd":
            scores = self.cosines(ua - ub + uc, restrict_vocab)
        elif method == "3cosmul":
            ca, cb, cc = ((self.cosines(u, restrict_vocab) + 1) / 2 for u in (ua, ub, uc))
            scores = ca * cc / (cb + 1e-6)
        else:
            raise InputError(f"unknown analogy method {method!r}", hint="use 3cosadd or 3cosmul")
        return self._top(scores, topn, {a, b, c})

    def _top(self, scores, topn, exclude):
        if topn < 1:
            return []
        skip = [i for i in map(self._index.get, exclude) if i is not None and i < len(scores)]
        k = min(topn + len(skip), len(scores))
        best = np.argpartition(scores, len(scores) - k)[-k:] if k < len(scores) else np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best if i not in skip][:topn]

    # -- evaluation (see nlpdive.vectors.evaluate) ------------------------------------------------------
    def evaluate_analogies(self, path, restrict_vocab=30000, method="3cosadd"):
        from nlpdive.vectors.evaluate import evaluate_analogies

        return evaluate_analogies(self, path, restrict_vocab=restrict_vocab, method=method)

    def evaluate_similarity(self, path, restrict_vocab=300000):
        from nlpdive.vectors.evaluate import evaluate_similarity

        return evaluate_similarity(self, path, restrict_vocab=restrict_vocab)

    def unit_matrix(self, restrict_vocab=None):
        """The first restrict_vocab (default all) vectors scaled to unit length, in memory."""
        n = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        return np.asarray(self.vectors[:n]) * self._inv_norms[:n, None]

    # -- files ------------------------------------------------------------------------------------------
    def save(self, out, config=None):
        """Write our memory-mappable directory (atomically: a temporary sibling filled, then moved in; other
        files `out` already holds, such as a run's model.safetensors, are kept). `config` adds keys to
        config.json."""
        from nlpdive import __version__
        from nlpdive.artifacts import CONFIG
        from nlpdive.atomic import atomic_dir, write_json

        with atomic_dir(out, merge=True) as tmp:
            np.save(tmp / VECTORS, np.ascontiguousarray(self.vectors, dtype=np.float32))
            np.save(tmp / NORMS, self.norms)
            write_json(tmp / VOCAB, self.words)
            write_json(tmp / CONFIG, {"task": "embeddings", "model": {"class": "Vectors"}, "nlpdive_version": __version__,
                                      "vectors": {"count": len(self), "dim": self.dim}, **(config or {})})
        return Path(out)

    @classmethod
    def open(cls, path):
        """Open our directory; the matrix stays on disk (memory-mapped) until rows are read."""
        path = Path(path)
        for name in (VOCAB, VECTORS):
            if not (path / name).is_file():
                raise InputError(f"{name} not found", path=path,
                                 hint="pass a directory saved by nlpdive (train embeddings / vectors convert)")
        try:
            vectors = np.load(path / VECTORS, mmap_mode="r", allow_pickle=False)
            norms = np.load(path / NORMS, allow_pickle=False) if (path / NORMS).is_file() else None
        except ValueError as e:
            raise InputError(f"corrupt vector file ({e})", path=path / VECTORS, hint="convert the vectors again") from None
        from nlpdive.artifacts import read_json

        words = read_json(path / VOCAB)
        if not isinstance(words, list) or len(words) != len(vectors):
            raise InputError(f"{VOCAB} does not list one word per vector row", path=path / VOCAB,
                             hint="convert the vectors again")
        return cls(words, vectors, norms)

    def save_text(self, path, header=True):
        """Write word2vec text format (`V D` header line unless header=False, which gives GloVe's format)."""
        with open(path, "w", encoding="utf-8") as f:
            if header:
                f.write(f"{len(self)} {self.dim}\n")
            for word, row in zip(self.words, np.asarray(self.vectors)):
                f.write(word + " " + " ".join(f"{x:.6g}" for x in row) + "\n")


def load_vectors(path, progress=True):
    """Open vectors in any supported format: our directory (instant), GloVe .txt (no header),
    word2vec .txt/.bin, fastText .vec (.gz works for text). The format is sniffed from the content."""
    path = Path(path)
    if path.is_dir():
        return Vectors.open(path)
    from nlpdive.vectors.formats import read_vectors_file

    words, matrix = read_vectors_file(path, progress=progress)
    return Vectors(words, matrix)
