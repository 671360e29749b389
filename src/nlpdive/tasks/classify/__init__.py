"""Text classification, the talk's running example: texts + labels -> a saved model that predicts labels.

    from nlpdive.tasks.classify import Classifier, ClassifyConfig, train
    clf = train("reviews.csv", settings=ClassifyConfig(model="gru"), out_dir="runs/sentiment")  # the whole recipe
    clf = Classifier.fit(texts, labels, ClassifyConfig(model="bow"))   # in memory, a fixed number of epochs
    clf.predict(["that movie sucked!"])          # [{"label": "negative", "probabilities": {...}}]
    clf.evaluate("test.tsv")                     # accuracy, macro and per-class P/R/F1, confusion matrix
    clf.save("runs/sentiment"); nlpdive.load("runs/sentiment")

Multi-label (several labels per text): labels are lists of label names, one sigmoid per label, binary
cross-entropy, a label is predicted when its probability reaches `threshold`:
    clf = Classifier.fit(texts, [["toxic", "insult"], [], ...], ClassifyConfig(multi_label=True))

Where each part lives: recipe.py (the steps, top to bottom), config.py (options and the recipe's defaults),
features.py (n-grams, token ids), labels.py (single- or multi-label: reading, loss, decisions, metrics),
model.py (which model, pretrained vectors), classifier.py (the task object).
"""
from importlib import import_module

# public name -> the module that defines it; imported on first use, so that the CLI can read ClassifyConfig's
# options (config.py) without loading numpy or torch
_NAMES = {
    "Classifier": "classifier", "write_metrics": "classifier",
    "MODELS": "config", "TRAIN_DEFAULTS": "config", "ClassifyConfig": "config", "train_defaults": "config",
    "label_scheme": "labels",
    "VALID_SPLIT": "config", "REFIT_BELOW": "config", "cross_validate": "recipe", "cross_validate_file": "recipe", "fit": "recipe",
    "headline_metrics": "recipe", "train": "recipe",
}


def __getattr__(name):  # PEP 562: lazy attributes of the package
    if name in _NAMES:
        return getattr(import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_NAMES)
