"""`nlpdive compare`: the talk's ladder (bag of words, CNN, GRU, a fine-tuned BERT-type encoder) trained on the
user's own labelled file inside one time budget, each model measured the same way, one report.

    from nlpdive.compare import CompareConfig, compare
    result = compare("reviews.csv", "runs/compare", test="test.csv", config=CompareConfig(budget="30m"))
    result["recommended"]          # e.g. "bow"; result["models"]: one row per model (compare.json)

Where each part lives: runner.py (the steps, progress and --resume), config.py (CompareConfig, the budget's
parser), data.py (the rows, read and split once), ladder.py (the rungs and the budget split), measure.py
(accuracy, latency, throughput, size, parameters), report.py (compare.json, pareto.png, compare.html).
"""
from importlib import import_module

_NAMES = {"compare": "runner", "CompareConfig": "config", "parse_budget": "config", "LADDER": "config",
          "recommend": "report"}


def __getattr__(name):  # PEP 562: imported on first use (the CLI reads CompareConfig without torch)
    if name in _NAMES:
        return getattr(import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_NAMES)
