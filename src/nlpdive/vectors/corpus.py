"""The word2vec corpus: tokens -> vocabulary -> one int32 id array, and the (input, output) word pairs of
skip-gram / CBOW made with numpy array operations (no per-word Python loop).

Tokenizing is deliberately simple (lower-case, drop `<br />`, split on whitespace), like gensim's usual
pre-processing; windows never cross a line (a line = a sentence or a document).
"""
from array import array
from collections import defaultdict
from dataclasses import dataclass
from itertools import count

import numpy as np

from nlpdive.errors import InputError


def tokenize(line):
    return line.replace("<br />", " ").lower().split()


@dataclass
class Corpus:
    words: list    # vocabulary, most frequent first
    counts: np.ndarray  # [V] int64 corpus counts
    ids: np.ndarray     # [N] int32 token ids (words under min_count dropped)
    line: np.ndarray    # [N] int32 line number of each token (windows stay inside a line)
    raw_words: int      # tokens read, before min_count

    @classmethod
    def build(cls, lines, min_count=5, max_vocab=None):
        """One streaming pass: tokens become provisional int32 ids (first-seen order), then numpy counts them,
        ranks the vocabulary (most frequent first) and drops words under min_count. `lines`: any iterable."""
        index, ids, lengths = defaultdict(count().__next__), array("i"), array("q")  # a new word: the next id
        lookup = index.__getitem__
        for line in lines:
            tokens = tokenize(line)
            ids.extend(map(lookup, tokens))  # map and defaultdict: no Python-level step per token
            lengths.append(len(tokens))
        first_seen = np.frombuffer(ids, dtype=np.int32)
        counts = np.bincount(first_seen, minlength=len(index))
        order = np.argsort(-counts, kind="stable")  # ties keep first-seen order
        kept = order[counts[order] >= min_count][:max_vocab]
        if not len(kept):
            raise InputError(f"no word occurs {min_count} times", hint="use more text or a lower --min-count")
        rank = np.full(len(index), -1, dtype=np.int32)
        rank[kept] = np.arange(len(kept), dtype=np.int32)
        ranked = rank[first_seen]
        known = ranked >= 0
        line = np.repeat(np.arange(len(lengths), dtype=np.int32), np.frombuffer(lengths, dtype=np.int64))
        words = list(index)
        return cls([words[i] for i in kept], counts[kept].astype(np.int64), ranked[known], line[known], len(first_seen))

    def keep_probability(self, sample):
        """word2vec's frequent-word subsampling: P(keep w) = (sqrt(f/(s*T)) + 1) * s*T/f, capped at 1."""
        if not sample:
            return np.ones(len(self.words))
        threshold = sample * self.counts.sum()
        return np.minimum(1.0, (np.sqrt(self.counts / threshold) + 1) * threshold / self.counts)

    def negative_cdf(self, power=0.75):
        """Cumulative unigram^0.75 distribution for negative sampling (np.searchsorted draws from it)."""
        p = self.counts.astype(np.float64) ** power
        return np.cumsum(p / p.sum())


def skipgram_pairs(ids, line, window, rng):
    """(input, output) pairs for skip-gram with word2vec's dynamic window: each centre word draws a window
    b in 1..window and pairs with the words at distance <= b on the same line. Returns two int64 arrays."""
    n = len(ids)
    reach = rng.integers(1, window + 1, size=n)  # [n] effective window of each centre
    inputs, outputs = [], []
    for d in range(1, window + 1):
        centre = np.arange(n - d)
        for c, o in ((centre, centre + d), (centre + d, centre)):  # context right, context left
            ok = (reach[c] >= d) & (line[c] == line[o])
            inputs.append(ids[o[ok]])   # gensim trains the context word's vector to predict the centre
            outputs.append(ids[c[ok]])
    return np.concatenate(inputs).astype(np.int64), np.concatenate(outputs).astype(np.int64)


def cbow_contexts(ids, line, window, rng, pad):
    """For CBOW: the centre word of every position and its context ids [n, 2*window], `pad` where a
    context slot is outside the dynamic window or the line. Positions without any context are dropped."""
    n = len(ids)
    reach = rng.integers(1, window + 1, size=n)
    pos = np.arange(n)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    j = pos[:, None] + offsets[None, :]  # [n, 2W]
    inside = (j >= 0) & (j < n)
    jc = np.clip(j, 0, n - 1)
    ok = inside & (np.abs(offsets)[None, :] <= reach[:, None]) & (line[jc] == line[:, None])
    ctx = np.where(ok, ids[jc], pad)
    has = ok.any(axis=1)
    return ctx[has].astype(np.int64), ids[has].astype(np.int64)


def pair_batches(corpus, *, window, negative, sample, batch_size, group, cbow, rng, chunk_tokens=1 << 18):
    """One epoch of training batches: yields (inputs, outputs, negatives, tokens_done), numpy arrays with
    inputs [B] (skip-gram) or [B, 2*window] (CBOW), outputs [B], negatives [B/group, negative].
    Works chunk by chunk (cut at line ends): subsample, make pairs, shuffle, cut into batches."""
    batch_size = max(group, batch_size - batch_size % group)  # whole groups only
    keep = corpus.keep_probability(sample)
    cdf = corpus.negative_cdf()
    n = len(corpus.ids)
    start = 0
    while start < n:
        stop = min(n, start + chunk_tokens)
        if stop < n:  # end the chunk where a line ends so no window is cut (unless one line fills it)
            line_start = int(np.searchsorted(corpus.line, corpus.line[stop], side="left"))
            stop = line_start if line_start > start else stop
        ids, line = corpus.ids[start:stop], corpus.line[start:stop]
        kept = rng.random(len(ids)) < keep[ids]
        ids, line = ids[kept], line[kept]
        if cbow:
            inputs, outputs = cbow_contexts(ids, line, window, rng, pad=len(corpus.words))
        else:
            inputs, outputs = skipgram_pairs(ids, line, window, rng)
        order = rng.permutation(len(outputs))
        usable = len(order) - len(order) % group
        for b in range(0, usable, batch_size):
            sel = order[b:min(b + batch_size, usable)]
            negatives = np.minimum(np.searchsorted(cdf, rng.random((len(sel) // group, negative))), len(cdf) - 1)
            done = start + (stop - start) * min(b + batch_size, usable) // max(usable, 1)
            yield inputs[sel], outputs[sel], negatives.astype(np.int64), done
        start = stop
