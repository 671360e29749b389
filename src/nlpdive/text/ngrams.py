"""NgramCounter: scikit-learn CountVectorizer's document x n-gram matrix (the same features in the same order,
the same min_df / max_features / binary rules), computed with numpy on token ids instead of n-gram strings.

Each text is tokenized once by the TextPipeline, in Python (Hugging Face's Rust pre-tokenizer with the same
regex gives the same tokens but measured 3-15x slower); the tokens become int ids in one C-level dict pass; an
n-gram ending at token i is the key (id of the (n-1)-gram ending at i-1) * V + (id of token i), so each order n is
one `np.unique` over int64 keys, and the counts are one sort of (text, column) keys. Token ids are ranks in string
order, so sorting the n-grams' id tuples sorts their names; a name is built once per n-gram.
"""
import itertools
import numbers
import operator
from collections import defaultdict

import numpy as np


class NgramCounter:
    """`tokenize(text) -> tokens` (tokens without spaces: an n-gram's name is its tokens joined by a space).
    `features`: the n-gram names in column order (sorted); give them to skip fitting (a saved Vectorizer)."""

    def __init__(self, tokenize, ngram_range=(1, 1), min_df=1, max_features=None, binary=False, features=None):
        self.tokenize, self.ngram_range = tokenize, ngram_range
        self.min_df, self.max_features, self.binary = min_df, max_features, binary
        self.features = features
        self._index = None if features is None else _Index.from_features(features, ngram_range[1])

    def fit_transform(self, texts):
        """The count (or 0/1) matrix [N, F], CSR float32; sets `features`. ValueError if no n-gram is left."""
        from tqdm.auto import tqdm

        stoi = defaultdict()
        stoi.default_factory = stoi.__len__  # a new token gets the next id, all in C
        token_lists = [self.tokenize(t) for t in tqdm(texts, desc="tokenizing", unit=" texts", disable=None)]
        ids, doc = _token_ids(token_lists, lambda tokens: map(stoi.__getitem__, tokens))
        if not stoi:
            raise ValueError("empty vocabulary: the texts have no tokens")
        vocab, ids = _rank(list(stoi), ids)
        tables = [np.arange(len(vocab))]
        at = _walk(ids, self.ngram_range[1], len(vocab), _fitting_find(tables))
        tuples, names, columns = _sort_features(tables, vocab, self.ngram_range[0])
        X = self._count(doc, at, columns, len(names))
        keep = self._keep(X)
        if not len(keep):
            raise ValueError("after pruning, no n-grams remain: lower min_df")
        if len(keep) < len(names):
            X, names = X[:, keep], names[keep]
        self.features = names.tolist()
        self._index = _Index(vocab, tuples[keep])
        return X

    def transform(self, texts):
        token_lists = [self.tokenize(t) for t in texts]
        ids, doc = _token_ids(token_lists, self._index.ids_of)
        at = _walk(ids, self.ngram_range[1], self._index.n_tokens, self._index.find)
        return self._count(doc, at, self._index.columns, len(self.features))

    def _count(self, doc, at, columns, n_features):
        """The matrix from each position's n-gram ids (at) and each order's n-gram -> column maps."""
        X = _matrix(doc, [columns[n - 1][a] for n, a in enumerate(at, 1) if n >= self.ngram_range[0]], n_features)
        if self.binary:
            X.data.fill(1)
        return X

    def get_feature_names_out(self):
        """The feature names, as CountVectorizer gives them (an object array)."""
        return np.asarray(self.features, dtype=object)

    def _keep(self, X):
        """Columns kept by min_df and max_features, exactly as CountVectorizer._limit_features picks them."""
        dfs = np.bincount(X.indices, minlength=X.shape[1])
        min_count = self.min_df if isinstance(self.min_df, numbers.Integral) else self.min_df * X.shape[0]
        mask = dfs >= min_count
        if self.max_features is not None and mask.sum() > self.max_features:
            tfs = np.asarray(X.sum(axis=0)).ravel()
            top = (-tfs[mask]).argsort()[: self.max_features]
            mask = np.zeros(len(dfs), dtype=bool)
            mask[np.flatnonzero(dfs >= min_count)[top]] = True
        return np.flatnonzero(mask)


class _Index:
    """A fitted vocabulary for transform: token -> id, and per n-gram order n the sorted keys of the n-grams
    needed (the features and their prefixes) with their columns (-1: only a prefix)."""

    def __init__(self, vocab, tuples):
        """vocab: tokens in string order; tuples [F, hi]: each feature's token ids, -1 past its end."""
        self.stoi = {t: i for i, t in enumerate(vocab)}
        self.n_tokens = len(vocab)
        lengths = (tuples >= 0).sum(axis=1)
        self.keys = [np.arange(self.n_tokens)]  # a token's id is its key and its 1-gram id
        prefix_ids = tuples[:, 0].copy()  # each feature's (n-1)-gram id
        for n in range(2, tuples.shape[1] + 1):
            longer = lengths >= n
            table, prefix_ids[longer] = np.unique(prefix_ids[longer] * self.n_tokens + tuples[longer, n - 1],
                                                  return_inverse=True)
            self.keys.append(table)
        self.columns = [np.full(len(table) + 1, -1) for table in self.keys]  # the last entry: "not found" (-1)
        for n, columns in enumerate(self.columns, 1):  # prefix_ids now holds each feature's own id
            columns[prefix_ids[lengths == n]] = np.flatnonzero(lengths == n)

    @classmethod
    def from_features(cls, features, hi):
        """From the feature names alone (a saved Vectorizer)."""
        tokens = " ".join(features).split(" ")  # one list, not one per feature
        vocab = sorted(set(tokens))
        stoi = {t: i for i, t in enumerate(vocab)}
        ids = np.fromiter(map(stoi.__getitem__, tokens), np.int64, len(tokens))
        lengths = 1 + np.fromiter(map(str.count, features, itertools.repeat(" ")), np.int64, len(features))
        feature = np.repeat(np.arange(len(features)), lengths)  # each token's feature, and its place in it:
        place = np.arange(len(tokens)) - (np.cumsum(lengths) - lengths)[feature]
        tuples = np.full((len(features), hi), -1, dtype=np.int64)
        tuples[feature, place] = ids
        return cls(vocab, tuples)

    def ids_of(self, tokens):
        return map(self.stoi.get, tokens, itertools.repeat(-1))

    def find(self, n, keys):
        """The ids of these n-gram keys in the order-n table, -1 for those not in it."""
        table = self.keys[n - 1]
        j = np.searchsorted(table, keys)
        found = j < len(table)
        found[found] = table[j[found]] == keys[found]
        return np.where(found, j, -1)


def _fitting_find(tables):
    """A `find` for _walk while fitting: every n-gram is new; its table goes to `tables`."""
    def find(n, keys):
        table, inverse = _unique_inverse(keys)
        tables.append(table)
        return inverse
    return find


def _unique_inverse(keys):
    """np.unique(keys, return_inverse=True) for keys >= 0, ~4x faster while key << b | position (b bits for the
    positions) fits in 63 bits: one plain sort (SIMD) instead of an argsort."""
    shift = len(keys).bit_length()
    if not len(keys) or int(keys.max()) >= 1 << (63 - shift):
        return np.unique(keys, return_inverse=True)
    packed = np.sort(keys << shift | np.arange(len(keys)))
    ordered = packed >> shift
    first = np.ones(len(keys), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[packed & ((1 << shift) - 1)] = np.cumsum(first) - 1
    return ordered[first], inverse


def _token_ids(token_lists, ids_of):
    """(ids [T + N]: the token ids of each text, then a -1 (no n-gram spans it), doc [T + N]: each one's text
    number); ids_of(tokens) -> their ids (-1: unknown)."""
    lengths = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
    ids = np.fromiter(ids_of(itertools.chain.from_iterable(token_lists)), np.int64, int(lengths.sum()))
    return np.insert(ids, np.cumsum(lengths), -1), np.repeat(np.arange(len(token_lists)), lengths + 1)


def _rank(vocab, ids):
    """Renumber tokens in string order: (sorted vocab, ids as ranks; -1 stays -1)."""
    order = sorted(range(len(vocab)), key=vocab.__getitem__)
    rank = np.full(len(vocab) + 1, -1)
    rank[order] = np.arange(len(vocab))
    return [vocab[i] for i in order], rank[ids]


def _walk(ids, hi, n_tokens, find):
    """[at_1, ..., at_hi]: at_n[i] = the id of the n-gram ending at token i (-1: none: a -1 id in it); a token's
    1-gram id is its id. find(n, keys) gives the ids of order-n keys: (n-1)-gram id * V + last token id."""
    at = [ids]
    for n in range(2, hi + 1):
        previous = np.concatenate([[-1], at[-1][:-1]])  # the (n-1)-gram ending one token earlier
        ok = (ids >= 0) & (previous >= 0)
        level = np.full(len(ids), -1)
        level[ok] = find(n, (previous * n_tokens + ids)[ok])
        at.append(level)
    return at


def _tuples(tables, n_tokens):
    """[G, hi] token ids of every n-gram in the tables (order 1 first), -1 past an n-gram's end."""
    hi = len(tables)
    rows = [np.full((len(t), hi), -1, dtype=np.int64) for t in tables]
    rows[0][:, 0] = tables[0]
    for n in range(2, hi + 1):
        parent, last = np.divmod(tables[n - 1], n_tokens)
        rows[n - 1][:, : n - 1] = rows[n - 2][parent, : n - 1]
        rows[n - 1][:, n - 1] = last
    return np.concatenate(rows)


def _sort_features(tables, vocab, lo):
    """The features, the order >= lo n-grams of the tables, sorted by name: (their token ids [F, hi], their names
    (an object array), per order n a map n-gram id -> column, -1 for the others and at the end (id -1))."""
    tuples = _tuples(tables, len(vocab))
    features = np.flatnonzero(np.repeat(np.arange(1, len(tables) + 1), [len(t) for t in tables]) >= lo)
    order, names = _sorted_names(tables, tuples[features], vocab, lo)
    column = np.full(len(tuples), -1)
    column[features[order]] = np.arange(len(order))
    columns = np.split(column, np.cumsum([len(t) for t in tables[:-1]]))
    return tuples[features[order]], names, [np.append(c, -1) for c in columns]


def _sorted_names(tables, tuples, vocab, lo):
    """(order: the order >= lo n-grams, numbered from 0, sorted by name; their names in that order, an object
    array). Ids are string ranks, so sorting the id tuples (shorter first on a tie) sorts the names, unless a token
    is another one plus a control character (below " ") and more: then the names are sorted as strings."""
    tokens = np.array(vocab, dtype=object)
    names = [tokens]
    for table in tables[1:]:
        parent, last = np.divmod(table, len(vocab))
        joined = map(" ".join, zip(names[-1][parent].tolist(), tokens[last].tolist()))
        names.append(np.fromiter(joined, dtype=object, count=len(table)))
    order = np.lexsort(tuples.T[::-1])
    names = np.concatenate(names[lo - 1:])[order]
    if not all(map(operator.lt, names, names[1:])):
        resort = np.argsort(names, kind="stable")
        order, names = order[resort], names[resort]
    return order, names


def _matrix(doc, columns, n_features):
    """CSR float32 [N, F] counting each (text, column) pair; columns: per n-gram order, each token's column
    (-1: none). One sort of the pairs' keys (text * F + column) gives the rows, their columns and the counts."""
    from scipy.sparse import csr_matrix

    keys = np.sort(np.concatenate([doc[c >= 0] * n_features + c[c >= 0] for c in columns]))
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    counts = np.diff(np.append(np.flatnonzero(first), len(keys))).astype(np.float32)
    rows, cols = np.divmod(keys[first], n_features)
    n_docs = doc[-1] + 1 if len(doc) else 0  # every text has a position, its closing -1
    indptr = np.append(0, np.cumsum(np.bincount(rows, minlength=n_docs)))
    index = np.int32 if max(n_features, len(keys)) < 2**31 else np.int64
    return csr_matrix((counts, cols.astype(index), indptr.astype(index)), shape=(n_docs, n_features))
