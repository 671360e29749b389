"""word2vec's own tight SGD loop (not the Trainer) on an accelerator (cuda, mps; CPU training uses the compiled
core, compiled.py): a background thread makes the numpy pair batches while PyTorch updates the two tables with
`index_add_` (Word2Vec.sgd_step), from one worker thread or several, Hogwild-style.

Hogwild (Recht et al. 2011) runs lock-free SGD from several threads on shared weights. That is sound when the
updates are sparse and rarely touch the same rows at once: on a real corpus (tens of thousands of words) two
workers' batches share few rows besides a handful of frequent words, which is what word2vec.c relies on too.
On a tiny vocabulary every batch touches every row hundreds of times, so concurrent read-modify-writes of the
same rows collide all the time: updates are lost or applied to stale vectors, in an order set by the OS
scheduler, and a run's result depends on the machine's load. So below HOGWILD_MIN_VOCAB words we train with
one worker, which with a seed is deterministic on CPU (and costs nothing: such a corpus trains in seconds).
"""
import os
import queue
import threading
import time

import numpy as np

HOGWILD_MIN_VOCAB = 1000  # smaller vocabularies train with one worker (see the module docstring)


def hogwild_sgd(model, pairs, corpus, settings, device="cpu", progress=True):
    """Plain sparse SGD on `model` (a Word2Vec) with the learning rate decaying linearly over all epochs;
    `pairs(rng)` yields one epoch's (inputs, outputs, negatives, tokens done) batches. Returns the run's stats.
    On CPU with one worker (a vocabulary under HOGWILD_MIN_VOCAB words, or threads=1) it is deterministic."""
    import torch
    from tqdm.auto import tqdm

    s, device = settings, torch.device(device)
    total = s.epochs * len(corpus.ids)
    scale = corpus.raw_words / max(len(corpus.ids), 1)  # report raw words/s as gensim does
    n_workers = _workers(device, s.threads, len(corpus.words))
    batches, cancel, lock = queue.Queue(maxsize=4 * n_workers), threading.Event(), threading.Lock()
    state = {"done": 0, "loss": 0.0, "steps": 0, "error": None}
    bar = tqdm(total=s.epochs * corpus.raw_words, unit="word", unit_scale=True, desc="word2vec", smoothing=0.1,
               disable=None if progress else True)  # None: quiet when stderr is not a terminal

    def work(show):
        try:
            steps(show)
        except BaseException as e:  # stop everyone; the main thread re-raises it
            state["error"] = state["error"] or e
            cancel.set()

    def steps(show):
        if device.type == "cpu":
            torch.set_num_threads(1)  # per OS thread (OpenMP), so set in each worker
        while (item := _get(batches, cancel)) is not None:
            if isinstance(item, BaseException):
                raise item
            *batch, done = item
            lr = s.start_lr * max(1 - done / total, s.min_lr_fraction)
            loss = model.sgd_step(*(torch.from_numpy(a).to(device, non_blocking=True) for a in batch), lr)
            with lock:
                state["done"] = max(state["done"], done)
                state["loss"] = loss if not state["steps"] else 0.98 * state["loss"] + 0.02 * loss  # running mean
                state["steps"] += 1
            if show:
                bar.update(int(state["done"] * scale) - bar.n)
                bar.set_postfix(loss=f"{state['loss']:.3f}", lr=f"{lr:.5f}", refresh=False)

    threads_before = torch.get_num_threads()
    t0 = time.perf_counter()
    producer = threading.Thread(target=_produce, daemon=True,
                                args=(batches, pairs, s.epochs, len(corpus.ids), s.seed, n_workers, cancel))
    producer.start()
    helpers = [threading.Thread(target=work, args=(False,), daemon=True) for _ in range(n_workers - 1)]
    try:
        for t in helpers:
            t.start()
        work(show=True)
        for t in helpers:
            t.join()
    finally:
        cancel.set()
        torch.set_num_threads(threads_before)
        bar.close()
    if state["error"]:
        raise state["error"]
    seconds = time.perf_counter() - t0
    stats = {"seconds": round(seconds, 2), "words_per_second": round(s.epochs * corpus.raw_words / seconds),
             "raw_words": corpus.raw_words, "vocab_size": len(corpus.words), "workers": n_workers,
             "final_loss": round(state["loss"], 4)}
    return stats


def _workers(device, threads, vocab_size):
    """How many worker threads: one on an accelerator, and one for a vocabulary under HOGWILD_MIN_VOCAB words
    (Hogwild needs rare collisions; see the module docstring). Otherwise on CPU `threads` (a maximum the user
    sets), by default one Python thread per core, each running single-threaded torch ops (multi-threaded
    index_add_ is far slower than one thread per core)."""
    if getattr(device, "type", device) != "cpu" or vocab_size < HOGWILD_MIN_VOCAB:
        return 1
    if threads:
        return threads
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _produce(batches, pairs, epochs, epoch_tokens, seed, workers, cancel):
    """Producer thread: every epoch's batches, then one `None` per worker (an exception is passed on)."""
    try:
        rng = np.random.default_rng(seed)
        for epoch in range(epochs):
            for *batch, done in pairs(rng):
                if not _put(batches, (*batch, epoch * epoch_tokens + done), cancel):
                    return  # training was cancelled: stop producing
        end = [None] * workers
    except BaseException as e:  # hand the failure to the workers
        end = [e] * workers
    for item in end:
        _put(batches, item, cancel)


def _put(batches, item, cancel):
    """Queue.put that gives up once training is cancelled (a worker failed or the user pressed Ctrl-C)."""
    while not cancel.is_set():
        try:
            batches.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _get(batches, cancel):
    while not cancel.is_set():
        try:
            return batches.get(timeout=0.1)
        except queue.Empty:
            continue
    return None
