"""The label scheme, one object per kind of labelling, so the recipe has no single-/multi-label branches:

    SingleLabel  one class per text: class ids, softmax, cross-entropy (optionally class-weighted), argmax,
                 accuracy / macro-F1 / confusion matrix
    MultiLabel   any number of labels per text: multi-hot rows, one sigmoid per label, binary cross-entropy
                 (optionally pos_weight), a threshold, micro/macro-F1 / subset accuracy / Hamming loss

Each reads its files, maps labels to ids, builds its loss, turns logits into decisions and scores them.
"""
import numpy as np

from nlpdive.errors import InputError
from nlpdive.metrics import classification_metrics, multilabel_metrics

MULTILABEL_READER = ("label_columns", "label_sep", "allow_empty_labels")  # read_multilabel's own reader options


def label_scheme(settings):
    return MultiLabel(settings.threshold) if settings.multi_label else SingleLabel()


class SingleLabel:
    multi_label = False
    key = "label"                             # the examples' field
    headline = ("accuracy", "macro_f1")       # what cross-validation and the CLI report

    def read(self, path, reader, training=True):
        """(examples, None) of a labelled file; a validation or test file may lack some classes and keeps rows
        with an empty text (they are scored like any other)."""
        from nlpdive.data import read_examples

        given = sorted(set(reader) & set(MULTILABEL_READER))
        if given:
            raise InputError(f"--{given[0].replace('_', '-')} is for multi-label models", hint="leave it out")
        return read_examples(path, **reader, min_classes=2 if training else 1, keep_empty=not training), None

    def label_map(self, labels, names=None):
        from nlpdive.data import LabelMap

        return LabelMap(names) if names is not None else LabelMap.fit(labels)

    def encode(self, label_map, labels):
        """Class ids [N] int64."""
        return np.array([label_map.encode(lab) for lab in labels], dtype=np.int64)

    def loss(self, y, n_classes, class_weights=False):
        """Cross-entropy; with class_weights, weights n / (k * count(class)) (scikit-learn's "balanced")."""
        import torch

        weight = None
        if class_weights:
            counts = np.bincount(y, minlength=n_classes).clip(min=1)
            weight = torch.tensor(len(y) / (n_classes * counts), dtype=torch.float32)
        return torch.nn.CrossEntropyLoss(weight=weight)

    def probabilities(self, logits):
        """[N, C] softmax."""
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predictions(self, probs, names, threshold=None):
        return [{"label": names[int(p.argmax())], "probabilities": _rounded(names, p)} for p in probs]

    def score(self, y, logits, names, threshold=None):
        return classification_metrics(y.tolist(), logits.argmax(axis=1).tolist(), names)

    def batch_decisions(self, logits):
        """Torch logits [B, C] -> class ids [B] (validation during training)."""
        return logits.argmax(-1)

    def valid_metrics(self, golds, preds):
        from sklearn.metrics import f1_score

        return {"accuracy": float(np.mean(preds == golds)),
                "macro_f1": float(f1_score(golds, preds, average="macro", zero_division=0))}

    def split(self, examples, fraction, seed):
        """Stratified hold-out; a class left only in the hold-out goes back to training (it must be learned)."""
        from nlpdive.data import train_valid_split

        train, valid = train_valid_split(examples, fraction, seed=seed)
        seen = {ex["label"] for ex in train}
        return train + [ex for ex in valid if ex["label"] not in seen], [ex for ex in valid if ex["label"] in seen]

    def folds(self, k, seed):
        from sklearn.model_selection import StratifiedKFold

        return StratifiedKFold(k, shuffle=True, random_state=seed)

    def check_folds(self, labels, k):
        smallest = min(np.unique(np.asarray(labels, dtype=object), return_counts=True)[1])
        if k > smallest:
            raise InputError(f"--cv {k}: the smallest class has {smallest} example(s); each fold needs one",
                             hint=f"use --cv {max(2, smallest)} or fewer" if smallest >= 2 else "add examples")


class MultiLabel(SingleLabel):
    multi_label = True
    key = "labels"
    headline = ("micro_f1", "macro_f1")

    def __init__(self, threshold=0.5):
        self.threshold = threshold

    def read(self, path, reader, training=True):
        """(examples with a list of labels each, every label name)."""
        from nlpdive.data import read_multilabel

        return read_multilabel(path, **reader, min_labels=1 if training else 0, keep_empty=not training)

    def label_map(self, labels, names=None):
        from nlpdive.data import LabelMap

        if names is not None:
            return LabelMap(names)
        _check_label_lists(labels)
        label_map = LabelMap.fit(lab for labs in labels for lab in labs)
        if not len(label_map):
            raise InputError("no text has a label", hint="give some texts a label")
        return label_map

    def encode(self, label_map, labels):
        """Multi-hot rows [N, K] float32 from lists of labels."""
        _check_label_lists(labels)
        y = np.zeros((len(labels), len(label_map)), dtype=np.float32)
        for i, labs in enumerate(labels):
            y[i, [label_map.encode(lab) for lab in labs]] = 1.0
        return y

    def loss(self, y, n_classes, class_weights=False):
        """Binary cross-entropy on each label's logit; with class_weights a label's positives weigh
        negatives / positives (pos_weight)."""
        import torch

        positives = y.sum(axis=0)
        pos_weight = torch.tensor((len(y) - positives) / positives.clip(min=1)) if class_weights else None
        return torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)

    def probabilities(self, logits):
        """[N, K] each label's sigmoid."""
        return 1.0 / (1.0 + np.exp(-logits))

    def predictions(self, probs, names, threshold=None):
        threshold = self.threshold if threshold is None else threshold
        return [{"labels": [lab for lab, x in zip(names, p) if x >= threshold], "probabilities": _rounded(names, p)}
                for p in probs]

    def score(self, y, logits, names, threshold=None):
        threshold = self.threshold if threshold is None else threshold
        return multilabel_metrics(y, self.probabilities(logits) >= threshold, names)

    def batch_decisions(self, logits):
        return logits.float().sigmoid() >= self.threshold

    def valid_metrics(self, golds, preds):
        m = multilabel_metrics(golds, preds, range(golds.shape[1]))
        return {k: m[k] for k in ("micro_f1", "macro_f1", "subset_accuracy", "hamming_loss")}

    def split(self, examples, fraction, seed):
        """A plain random hold-out (examples have no single label to stratify on)."""
        from nlpdive.data import train_valid_split

        return train_valid_split(examples, fraction, seed=seed, stratify=False)

    def folds(self, k, seed):
        from sklearn.model_selection import KFold

        return KFold(k, shuffle=True, random_state=seed)

    def check_folds(self, labels, k):
        if k > len(labels):
            raise InputError(f"--cv {k}: there are only {len(labels)} examples", hint=f"use --cv {len(labels)} "
                             "or fewer")


def _rounded(names, p):
    return {lab: round(float(x), 6) for lab, x in zip(names, p)}


def _check_label_lists(labels):
    if any(isinstance(labs, str) or labs is None for labs in labels):
        raise InputError("multi-label data needs a list of labels per text", hint='e.g. ["toxic", "insult"] or []')


def unzip(examples, scheme):
    """(texts, labels) of examples; multi-label: a list of labels per text."""
    return [ex["text"] for ex in examples], [ex[scheme.key] for ex in examples]
