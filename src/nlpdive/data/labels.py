"""Label strings <-> class ids, and a seeded (stratified) train/validation split."""
import math
from collections import Counter

from nlpdive.data.tables import NUMBER
from nlpdive.errors import InputError


class LabelMap:
    """Class ids 0..K-1 for label strings, in a deterministic order: numbers sort as numbers ("2" < "10"),
    anything else alphabetically. Saved as JSON with to_dict / from_dict."""

    def __init__(self, labels):
        self.labels = [str(label) for label in labels]
        self._ids = {label: i for i, label in enumerate(self.labels)}
        if len(self._ids) != len(self.labels):
            raise ValueError(f"duplicate labels in {self.labels}")

    @classmethod
    def fit(cls, labels):
        unique = set()
        for label in labels:
            if label is None:
                raise InputError("an example has no label", hint="check --label-column")
            unique.add(str(label))
        numeric = all(NUMBER.fullmatch(label) for label in unique)
        return cls(sorted(unique, key=float if numeric else None))

    def encode(self, label):
        try:
            return self._ids[str(label)]
        except KeyError:
            raise InputError(f"unknown label {label!r}",
                             hint=f"the known labels are: {', '.join(self.labels)}") from None

    def decode(self, index):
        if not 0 <= index < len(self.labels):
            raise IndexError(f"class id {index} out of range 0..{len(self.labels) - 1}")
        return self.labels[index]

    def __len__(self):
        return len(self.labels)

    def __eq__(self, other):
        return isinstance(other, LabelMap) and self.labels == other.labels

    def __repr__(self):
        return f"LabelMap({self.labels!r})"

    def to_dict(self):
        return {"labels": list(self.labels)}

    @classmethod
    def from_dict(cls, data):
        return cls(data["labels"])


def train_valid_split(examples, fraction, seed=0, stratify=True):
    """(train, valid) lists, `fraction` of the examples (rounded up) in valid, shuffled with `seed`.

    stratify: keep the label proportions of examples that are dicts with a "label" (scikit-learn's
    train_test_split); falls back to a plain random split where that is impossible (no labels, or a class with
    a single example, or fewer validation examples than classes).
    """
    from sklearn.model_selection import train_test_split

    if not 0 < fraction < 1:
        raise InputError(f"validation fraction {fraction} is not between 0 and 1", hint="e.g. --valid-split 0.1")
    examples = list(examples)
    n_valid = math.ceil(fraction * len(examples))
    if not 0 < n_valid < len(examples):
        raise InputError(f"cannot hold out {fraction} of {len(examples)} examples for validation",
                         hint="use more data, or pass --valid FILE")
    labels = [ex.get("label") if isinstance(ex, dict) else None for ex in examples]
    by_label = stratify and _can_stratify(labels, n_valid, len(examples) - n_valid)
    train, valid = train_test_split(examples, test_size=n_valid, random_state=seed,
                                    stratify=labels if by_label else None)
    return train, valid


def _can_stratify(labels, n_valid, n_train):
    counts = Counter(labels)
    return None not in counts and min(counts.values()) >= 2 and len(counts) <= min(n_valid, n_train)
