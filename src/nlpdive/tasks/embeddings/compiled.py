"""word2vec's CPU training core, compiled with Numba: word2vec.c's loop with pWord2Vec's shared negatives
(Ji et al. 2016), Hogwild updates of the model's own tables (numpy views of `inp.weight` and `out.weight`, so the
same Word2Vec module and the same saved files result).

The corpus is cut into chunks of about CHUNK_TOKENS tokens that end where a line ends (windows never cross a line).
Each chunk is one call of the compiled `train_chunk`, which releases the GIL: worker threads take the epochs' chunks
in order from a shared list (dynamic load balancing: a busy core does fewer chunks), and the main thread updates
the progress bar between them. Within a chunk, as in pair_batches: frequent words are dropped with word2vec's keep
probability, each kept centre word draws a window b in 1..window, and its context words on the same line at
distance <= b are the inputs (word2vec.c's and gensim's skip-gram: the context word's vector predicts the centre).

The speed trick: one draw of k negatives (unigram^0.75, an alias table) per centre word, shared by its up to 2b
context words. The 2b context rows x the 1 + k output rows (centre + negatives) make one small dense block that
stays in L1 cache, instead of k fresh random rows per pair: all its scores use the block's values before the
update (one output row at a time: its 2b scores, then its summed update, computed with the context rows' gradients),
and the context rows are updated last. Scoring the block from the same values (a mini-batch of the centre's pairs)
measured better on WS-353, SimLex-999 and MEN than word2vec.c's pair-by-pair updates, at the same speed.

CBOW averages the context rows (cbow_mean) and hands every context word the whole hidden-layer gradient, as
word2vec.c and the PyTorch path do. A negative equal to the centre word is skipped (word2vec.c). The learning rate
decays linearly with the token's position in the run (epoch * tokens + position) to lr * min_lr_fraction. Each
chunk seeds its own xorshift generator from (seed, epoch, chunk): one worker thread gives the same vectors every
run; with several, Hogwild's races do not. The loss reported is the mean over every LOSS_EVERY-th centre word of
the last epoch (per pair, as the PyTorch path reports it).
"""
import threading
import time

import numpy as np
from numba import njit

from nlpdive.tasks.embeddings.hogwild import _workers

CHUNK_TOKENS = 1 << 16  # tokens per kernel call: progress and load balancing between calls, ~0.2 s of work each
MAX_DOT = np.float32(20.0)  # scores are clipped to +-MAX_DOT before exp (sigmoid is 0 or 1 out there anyway)
LOSS_EVERY = 16  # the loss is computed for one centre word in LOSS_EVERY (log is as dear as a dot product)
# fast maths without "nnan"/"ninf": reassociation lets LLVM vectorise the dot products
FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}
_MULT = np.uint64(0x2545F4914F6CDD1D)


def compiled_sgd(model, corpus, settings, progress=True):
    """Train `model` (a Word2Vec on CPU) on `corpus` in place, with settings.threads worker threads (default: one
    per core; one for a vocabulary under HOGWILD_MIN_VOCAB words). Returns the stats dict hogwild_sgd returns."""
    from tqdm.auto import tqdm

    s = settings
    syn0, syn1 = model.inp.weight.detach().numpy(), model.out.weight.detach().numpy()  # views: updated in place
    keep = corpus.keep_probability(s.sample).astype(np.float32)
    prob, alias = alias_table(corpus.counts.astype(np.float64) ** 0.75)  # pair_batches' unigram^0.75
    ids, line, n = corpus.ids, corpus.line, len(corpus.ids)
    bounds = chunk_bounds(line, min(CHUNK_TOKENS, max(1024, n // 16)))  # a small corpus: still 16 chunks
    jobs = [(epoch, c) for epoch in range(s.epochs) for c in range(len(bounds) - 1)]
    n_workers = min(_workers("cpu", s.threads, len(corpus.words)), max(len(jobs), 1))
    total = float(max(s.epochs * n, 1))
    scale = corpus.raw_words / max(n, 1)  # report raw words as gensim does
    state = {"next": 0, "done": 0, "loss": np.zeros(s.epochs), "pairs": np.zeros(s.epochs), "error": None}
    lock, cancel = threading.Lock(), threading.Event()
    args = int(s.window), int(s.negative), bool(s.cbow), float(s.start_lr), float(s.min_lr_fraction)  # warm_up's types

    def work():
        try:
            while not cancel.is_set():
                with lock:
                    if state["next"] == len(jobs):
                        return
                    epoch, c = jobs[state["next"]]
                    state["next"] += 1
                start, stop = bounds[c], bounds[c + 1]
                loss, pairs = train_chunk(ids, line, start, stop, syn0, syn1, keep, prob, alias, *args, epoch * n,
                                          total, (s.seed * 1_000_003 + epoch * (len(bounds) - 1) + c) % (1 << 62))
                with lock:
                    state["done"] += stop - start
                    state["loss"][epoch] += loss
                    state["pairs"][epoch] += pairs
        except BaseException as e:  # stop everyone; the main thread re-raises it
            state["error"] = state["error"] or e
            cancel.set()

    warm_up()  # compiled before the clock starts (a no-op once done)
    bar = tqdm(total=s.epochs * corpus.raw_words, unit="word", unit_scale=True, desc="word2vec", smoothing=0.1,
               disable=None if progress else True)  # None: quiet when stderr is not a terminal
    t0 = time.perf_counter()
    workers = [threading.Thread(target=work, daemon=True) for _ in range(n_workers)]
    try:
        for t in workers:
            t.start()
        for t in workers:
            while t.is_alive():
                t.join(0.2)
                bar.update(int(state["done"] * scale) - bar.n)
                lr = s.start_lr * max(1 - state["done"] / total, s.min_lr_fraction)
                bar.set_postfix(loss=f"{_last_loss(state):.3f}", lr=f"{lr:.5f}", refresh=False)
    finally:
        cancel.set()  # Ctrl-C: the workers stop after their current chunk
        for t in workers:
            t.join()
        bar.close()
    if state["error"]:
        raise state["error"]
    seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 2), "words_per_second": round(s.epochs * corpus.raw_words / seconds),
            "raw_words": corpus.raw_words, "vocab_size": len(corpus.words), "workers": n_workers,
            "final_loss": round(_last_loss(state), 4)}


def _last_loss(state):
    """The mean sampled loss of the last epoch that has one so far (0 before any)."""
    seen = np.flatnonzero(state["pairs"])
    return float(state["loss"][seen[-1]] / state["pairs"][seen[-1]]) if len(seen) else 0.0


def warm_up():
    """Compile the kernels (the first run, a few seconds; then Numba's cache in __pycache__) or load them, on a
    toy input with the argument types compiled_sgd passes."""
    ids, (prob, alias) = np.zeros(8, np.int32), alias_table(np.ones(2))
    for cbow in (False, True):
        train_chunk(ids, ids, 0, 8, np.zeros((3, 4), np.float32), np.zeros((2, 4), np.float32),
                    np.ones(2, np.float32), prob, alias, 2, 1, cbow, 0.025, 1e-4, 0, 8.0, 0)


def alias_table(weights):
    """Walker's alias method, to draw i with probability weights[i] / sum in O(1): r uniform in 0..V-1, kept with
    probability prob[r], else alias[r]. Returns (prob float32 [V], alias int32 [V]). Vose's construction."""
    v = len(weights)
    p = (np.asarray(weights, np.float64) * (v / np.sum(weights))).tolist()  # mean 1
    alias = list(range(v))
    small = [i for i, x in enumerate(p) if x < 1.0]
    large = [i for i, x in enumerate(p) if x >= 1.0]
    while small and large:
        s, g = small.pop(), large[-1]
        alias[s] = g  # cell s: s with probability p[s], else g, which gives up 1 - p[s] of its mass
        p[g] -= 1.0 - p[s]
        if p[g] < 1.0:
            small.append(large.pop())
    prob = np.array(p)
    prob[large + small] = 1.0  # the cells left (rounding): their own word always
    return prob.astype(np.float32), np.array(alias, np.int32)


def chunk_bounds(line, size):
    """Chunk starts [0, ..., N]: about `size` tokens apart, moved back to where a line starts (a line longer than
    half a chunk is cut inside)."""
    n = len(line)
    targets = np.arange(size, n, size)
    starts = np.searchsorted(line, line[targets], side="left")
    cut = np.where(starts > targets - size // 2, starts, targets)
    return np.unique(np.concatenate([[0], cut, [n]])).astype(np.int64)


@njit(inline="always")
def _next(state):
    """xorshift64*: the next 64 random bits."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * _MULT


@njit(inline="always")
def _uniform(state):
    return np.float32(_next(state) >> np.uint64(40)) * np.float32(1.0 / 16777216.0)


@njit(inline="always")
def _below(state, n):
    """Uniform in 0..n-1 (multiply-shift, n < 2**32)."""
    return np.int64(((_next(state) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@njit(inline="always")
def _softplus(x):
    return np.log1p(np.exp(x))


@njit(nogil=True, fastmath=FAST, cache=True)
def train_chunk(ids, line, start, stop, syn0, syn1, keep, prob, alias, window, negative, cbow, lr0, min_lr,
                offset, total, seed):
    """One chunk ids[start:stop] (whole lines) of skip-gram or CBOW with negative sampling, updating syn0 (input
    vectors) and syn1 (output vectors) in place. offset: tokens trained before this epoch. Returns (sum of the
    sampled pairs' losses, number of sampled pairs)."""
    dim, vocab, k1 = syn0.shape[1], prob.shape[0], negative + 1
    state = np.empty(1, np.uint64)
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019)  # splitmix64 of the seed
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    state[0] = (x ^ (x >> np.uint64(31))) | np.uint64(1)
    size = stop - start
    kept, kline, where = np.empty(size, np.int32), np.empty(size, np.int32), np.empty(size, np.int64)  # kept tokens
    n = 0
    for p in range(start, stop):  # subsampling
        w = ids[p]
        if keep[w] >= 1.0 or _uniform(state) < keep[w]:
            kept[n], kline[n], where[n] = w, line[p], p
            n += 1
    ctx, outs = np.empty(2 * window, np.int64), np.empty(k1, np.int64)
    neu, h = np.empty(dim, np.float32), np.empty(dim, np.float32)  # CBOW: the gradient, the mean; skip-gram: sums
    grads, g = np.empty((2 * window, dim), np.float32), np.empty(2 * window, np.float32)  # the context rows' grads
    loss, pairs = 0.0, 0
    for i in range(n):
        lr = np.float32(lr0 * max(1.0 - (offset + where[i]) / total, min_lr))
        b = 1 + _below(state, window)
        m = 0
        for j in range(max(0, i - b), min(n, i + b + 1)):
            if j != i and kline[j] == kline[i]:
                ctx[m] = kept[j]
                m += 1
        if m == 0:
            continue
        word = kept[i]
        outs[0] = word
        for q in range(1, k1):
            r = _below(state, vocab)
            t = r if _uniform(state) < prob[r] else alias[r]
            outs[q] = -1 if t == word else t  # -1: skipped
        sample = i % LOSS_EVERY == 0
        if cbow:
            h[:] = 0.0
            for a in range(m):
                row = syn0[ctx[a]]
                for d in range(dim):
                    h[d] += row[d]
            inv = np.float32(1.0) / np.float32(m)
            for d in range(dim):
                h[d] *= inv
                neu[d] = 0.0
            for q in range(k1):
                if outs[q] < 0:
                    continue
                out = syn1[outs[q]]
                f = np.float32(0.0)
                for d in range(dim):
                    f += h[d] * out[d]
                f = min(max(f, -MAX_DOT), MAX_DOT)
                label = np.float32(1.0) if q == 0 else np.float32(0.0)
                gq = (label - np.float32(1.0) / (np.float32(1.0) + np.exp(-f))) * lr
                for d in range(dim):
                    neu[d] += gq * out[d]
                    out[d] += gq * h[d]
                if sample:
                    loss += _softplus(-f) if q == 0 else _softplus(f)
            for a in range(m):
                row = syn0[ctx[a]]
                for d in range(dim):
                    row[d] += neu[d]
            pairs += 1 if sample else 0
            continue
        for a in range(m):  # skip-gram: the [m, 1 + k] block, one output row (a column) at a time
            grads[a, :] = 0.0
        for q in range(k1):
            if outs[q] < 0:
                continue
            out = syn1[outs[q]]
            label = np.float32(1.0) if q == 0 else np.float32(0.0)
            for a in range(m):
                row = syn0[ctx[a]]
                f = np.float32(0.0)
                for d in range(dim):
                    f += row[d] * out[d]
                f = min(max(f, -MAX_DOT), MAX_DOT)
                g[a] = (label - np.float32(1.0) / (np.float32(1.0) + np.exp(-f))) * lr
                if sample:
                    loss += _softplus(-f) if q == 0 else _softplus(f)
            h[:] = 0.0  # the output row's update
            for a in range(m):
                row, ga = syn0[ctx[a]], g[a]
                for d in range(dim):
                    grads[a, d] += ga * out[d]
                    h[d] += ga * row[d]
            for d in range(dim):
                out[d] += h[d]
        for a in range(m):
            row = syn0[ctx[a]]
            for d in range(dim):
                row[d] += grads[a, d]
        pairs += m if sample else 0
    return loss, pairs
