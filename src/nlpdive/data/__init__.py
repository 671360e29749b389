"""Data: readers (files -> examples, texts, sentence pairs), labels and splits, batching (buckets, padding, masks).

    from nlpdive.data import read_examples, LabelMap, BucketSampler, pad_batch
    examples = read_examples("train.csv.gz")          # [{"text": ..., "label": ..., "line": ...}]
    examples, names = read_multilabel("toxic.csv", label_columns=["toxic", "insult"])  # "labels": [...]
    labels = LabelMap.fit(ex["label"] for ex in examples)

BucketSampler and pad_batch need torch; they are imported on first use so that reading files stays light.
"""
from importlib import import_module

from nlpdive.data.labels import LabelMap, train_valid_split
from nlpdive.data.readers import read_examples, read_multilabel, read_parallel, read_texts

_TORCH_NAMES = {"BucketSampler": "nlpdive.data.batching", "pad_batch": "nlpdive.data.batching"}


def __getattr__(name):  # PEP 562: lazy attributes of the package
    if name in _TORCH_NAMES:
        return getattr(import_module(_TORCH_NAMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["read_examples", "read_multilabel", "read_texts", "read_parallel", "LabelMap", "train_valid_split", "BucketSampler",
           "pad_batch"]
