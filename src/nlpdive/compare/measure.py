"""What the comparison measures of each saved model, loaded back from its directory (as `nlpdive predict` and
`nlpdive serve` load it), on the same held rows for every model:

    accuracy, macro_f1      the task's own metrics (multi-label: `accuracy` holds micro-F1, the headline metric)
    latency_ms_p50 / p99    `predict([text])`, batch 1: a fixed number of single-text calls cycling through the
                            held texts, after a few warm-up calls
    sentences_per_second    `predict(texts)` on the held texts (batched, the verb's default batch size)
    size_bytes              the saved directory's files, without the training records (metrics.jsonl, loss.png, the
                            confusion matrix, run_config.json) and checkpoints: what you copy to serve the model
    parameters              the model's parameter count
Every model is timed with the same number of torch threads.
"""
import time
import warnings
from pathlib import Path

import numpy as np

WARM_UP = 5  # untimed calls first: caches, lazy initialisation
RECORDS = {"metrics.jsonl", "loss.png", "confusion_matrix.png", "run_config.json"}  # records, not the model
SKIP_DIRS = {"checkpoints", "holdout"}


def measure(model_dir, texts, labels, *, multi_label, calls=200, batch_texts=1000, threads=None):
    """The row values of the model saved in `model_dir`, scored and timed on `texts` / `labels`."""
    import nlpdive

    with torch_threads(threads):
        clf = nlpdive.load(model_dir)
        metrics = clf.score(texts, labels)
        row = {"accuracy": metrics["micro_f1" if multi_label else "accuracy"], "macro_f1": metrics["macro_f1"]}
        with warnings.catch_warnings():  # the scoring above has said so once (e.g. texts cut to the maximum length)
            warnings.simplefilter("ignore")
            row.update(latency(clf, texts, calls))
            row["sentences_per_second"] = throughput(clf, texts, batch_texts)
    row["size_bytes"] = size_on_disk(model_dir)
    row["parameters"] = int(sum(p.numel() for p in clf.model.parameters()))
    return row


def latency(clf, texts, calls):
    """{"latency_ms_p50", "latency_ms_p99"} of `calls` one-text predict calls over `texts` (cycled)."""
    texts = list(texts) or [""]
    for i in range(min(WARM_UP, calls)):
        clf.predict([texts[i % len(texts)]])
    seconds = np.empty(calls)
    for i in range(calls):
        text = texts[i % len(texts)]
        start = time.perf_counter()
        clf.predict([text])
        seconds[i] = time.perf_counter() - start
    p50, p99 = np.percentile(seconds * 1000, [50, 99])
    return {"latency_ms_p50": round(float(p50), 4), "latency_ms_p99": round(float(p99), 4)}


def throughput(clf, texts, count):
    """Sentences per second of one batched predict call on `count` texts (the held texts, cycled as needed)."""
    texts = list(texts) or [""]
    batch = [texts[i % len(texts)] for i in range(count)]
    clf.predict(batch[:min(len(batch), 64)])  # warm-up
    start = time.perf_counter()
    clf.predict(batch)
    return round(len(batch) / max(1e-9, time.perf_counter() - start), 1)


def size_on_disk(model_dir):
    """Bytes of the saved model's files (see the module docstring)."""
    root = Path(model_dir)
    total = 0
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if path.is_file() and parts[0] not in SKIP_DIRS and path.name not in RECORDS and not parts[0].startswith("."):
            total += path.stat().st_size
    return total


class torch_threads:
    """A context with torch's intra-op threads set to `n` (None: unchanged), restored after."""

    def __init__(self, n):
        self.n, self.old = n, None

    def __enter__(self):
        import torch

        self.old = torch.get_num_threads()
        if self.n:
            torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self.old)
        return False
