"""Word embeddings: word2vec (skip-gram or CBOW, negative sampling) trained on text files.

task.py is the recipe and the task object (WordEmbeddings); config.py its options; word2vec's own SGD loops:
compiled.py on CPU (Numba), hogwild.py on a GPU (PyTorch). Names are imported on first use, so reading the options
loads neither numpy nor torch.
"""
from importlib import import_module

_NAMES = {"Word2VecSettings": "config", "HOGWILD_MIN_VOCAB": "hogwild", "WordEmbeddings": "task",
          "build_corpus": "task", "evaluate_file": "task", "save_trained": "task", "train_word2vec": "task"}


def __getattr__(name):  # PEP 562: lazy attributes of the package
    if name in _NAMES:
        return getattr(import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_NAMES)
