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
CONVERT_AGAIN = "convert the vectors again (nlpdive vectors convert)"


class UnknownWord(InputError, KeyError):
    """A word the vectors do not know (a KeyError for Python users, exit code 2 for the CLI)."""

    def __init__(self, word, path=None, hint="check the spelling and case, or use other words"):
        super().__init__(f"{word!r} is not in the vocabulary", path=path, hint=hint)
        self.word = word

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
        if norms.shape != (len(vectors),):
            raise InputError(f"{norms.shape} norms for {len(vectors)} vectors", hint="one norm per vector row")
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
    def open(cls, path, skip_bad_rows=False):
        """Open our directory; the matrix stays on disk (memory-mapped) until rows are read. Each file is checked
        against the others (one word, one norm per row); a row with nan or inf (seen in its norm) is an error,
        or with `skip_bad_rows` left out (with a warning; the rows kept are then read into memory)."""
        from nlpdive.artifacts import read_json

        path = Path(path)
        for name in (VOCAB, VECTORS):
            if not (path / name).is_file():
                raise InputError(f"{name} not found", path=path,
                                 hint="pass a directory saved by nlpdive (train embeddings / vectors convert)")
        vectors = _load_npy(path / VECTORS, mmap_mode="r")
        if vectors.ndim != 2 or vectors.dtype.kind != "f":
            raise InputError(f"holds a {vectors.dtype} array of shape {vectors.shape}, not float vectors [words, dims]",
                             path=path / VECTORS, hint=CONVERT_AGAIN)
        norms = None
        if (path / NORMS).is_file():
            norms = _load_npy(path / NORMS)
            if norms.ndim != 1 or norms.dtype.kind != "f" or len(norms) != len(vectors):
                what = (f"{len(norms)} norms" if norms.ndim == 1 and norms.dtype.kind == "f"
                        else f"a {norms.dtype} array of shape {norms.shape}")
                raise InputError(f"holds {what} but {VECTORS} has {len(vectors)} rows (one norm per row)",
                                 path=path / NORMS, hint=f"delete {NORMS} (it is recomputed) or {CONVERT_AGAIN}")
        words = read_json(path / VOCAB)
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise InputError("is not a JSON list of words", path=path / VOCAB, hint=CONVERT_AGAIN)
        if len(words) != len(vectors):
            raise InputError(f"lists {len(words)} words but {VECTORS} has {len(vectors)} rows (not one word per "
                             f"vector row)", path=path / VOCAB, hint=CONVERT_AGAIN)
        norms = np.linalg.norm(vectors, axis=1) if norms is None else norms  # what Vectors() would compute
        finite = np.isfinite(norms)
        if not finite.all():
            bad = np.flatnonzero(~finite)
            if not skip_bad_rows:
                i = int(bad[0])
                culprit = NORMS if np.isfinite(vectors[i]).all() else VECTORS
                many = f"{len(bad)} such rows" if len(bad) > 1 else "the only such row"
                raise InputError(f"row {i} ({words[i]!r}) holds nan or inf ({many})",
                                 path=path / culprit, hint="pass --skip-bad-rows to leave them out" if culprit ==
                                 VECTORS else f"delete {NORMS} (it is recomputed) or {CONVERT_AGAIN}")
            import warnings

            rows = "1 row" if len(bad) == 1 else f"{len(bad)} rows"
            warnings.warn(f"{path}: skipped {rows} holding nan or inf (--skip-bad-rows; the first: row "
                          f"{int(bad[0])}, {words[int(bad[0])]!r})", UserWarning, stacklevel=3)
            keep = np.flatnonzero(finite)
            words, vectors, norms = [words[i] for i in keep], np.asarray(vectors[keep]), norms[keep]
        return cls(words, vectors, norms)

    def save_text(self, path, header=True):
        """Write word2vec text format (`V D` header line unless header=False, which gives GloVe's format),
        atomically."""
        from nlpdive.atomic import atomic_file

        with atomic_file(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
            if header:
                f.write(f"{len(self)} {self.dim}\n")
            for word, row in zip(self.words, np.asarray(self.vectors)):
                f.write(word + " " + " ".join(f"{x:.6g}" for x in row) + "\n")


def load_vectors(path, progress=True, skip_bad_rows=False):
    """Open vectors in any supported format: our directory (instant), GloVe .txt (no header),
    word2vec .txt/.bin, fastText .vec (.gz works for text). The format is sniffed from the content.
    A row holding nan or inf is an InputError naming its file and line, unless `skip_bad_rows` (which leaves
    such rows out, with one warning); a word listed twice in a file keeps its first row (with one warning)."""
    path = Path(path)
    if path.is_dir():
        return Vectors.open(path, skip_bad_rows=skip_bad_rows)
    from nlpdive.vectors.formats import read_vectors_file

    words, matrix = read_vectors_file(path, progress=progress, skip_bad_rows=skip_bad_rows)
    return Vectors(words, matrix)


def _load_npy(path, mmap_mode=None):
    try:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, EOFError) as e:  # not .npy, truncated, empty
        raise InputError(f"corrupt or truncated .npy file ({e})", path=path, hint=CONVERT_AGAIN) from None
