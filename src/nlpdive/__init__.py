"""nlpdive: the deep-NLP-with-PyTorch curriculum as a toolkit.

    import nlpdive
    model = nlpdive.load("runs/sentiment")      # any saved model directory
    model.predict(["that movie sucked!"])
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("nlpdive")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+src"

from nlpdive.errors import InputError, NlpdiveError  # noqa: E402


def load(path):
    """Load a saved model directory and return its task object (Classifier, LanguageModel, ...)."""
    from nlpdive.tasks import load as _load

    return _load(path)


__all__ = ["__version__", "load", "InputError", "NlpdiveError"]
