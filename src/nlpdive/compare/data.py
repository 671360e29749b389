"""The comparison's rows, read and split once, up front: every rung trains on the same training rows, validates
on the same validation rows (early stopping, keep-best) and is scored on the same held rows (--test, else the
validation rows). Files are read exactly as `train classify` reads them (the reader flags, single- or
multi-label)."""
from dataclasses import dataclass, field

from nlpdive.errors import InputError

VALID_SPLIT = 0.1      # without --valid: a hold-out of 10% of the rows (stratified for single-label data) ...
VALID_MAX_ROWS = 2000  # ... at most this many: every rung scores them at each evaluation


@dataclass
class Data:
    train: tuple             # (texts, labels)
    valid: tuple             # (texts, labels): validation while training
    test: tuple | None       # (texts, labels) of --test, or None
    label_names: list        # every label, in order: each rung knows them all
    multi_label: bool
    reader: dict             # the reader flags (saved with each model: evaluate/predict default to them)
    about: dict = field(default_factory=dict)  # where the rows came from (for the report)

    @property
    def held(self):
        """What every model is scored and timed on: the --test rows, else the validation rows."""
        return self.test if self.test is not None else self.valid

    @property
    def held_name(self):
        return "test" if self.test is not None else "validation"


def read_data(data, *, valid=None, valid_split=None, test=None, reader=None, multi_label=False, threshold=0.5,
              seed=0):
    """Read --data (and --valid / --test); without --valid, hold out `valid_split` (default 10%, at most
    VALID_MAX_ROWS rows) of --data once. Returns Data."""
    from nlpdive.tasks.classify import ClassifyConfig, label_scheme
    from nlpdive.tasks.classify.labels import unzip

    if valid is not None and valid_split is not None:
        raise InputError("give --valid or --valid-split, not both", hint="drop one")
    if valid_split is not None and not 0 < valid_split < 1:
        raise InputError(f"--valid-split {valid_split}: must be between 0 and 1", hint="e.g. --valid-split 0.1")
    reader = dict(reader or {})
    scheme = label_scheme(ClassifyConfig(multi_label=multi_label, threshold=threshold))
    examples, names = scheme.read(data, reader)
    about = {"data": str(data), "train_rows": len(examples)}
    if valid is not None:
        held = scheme.read(valid, reader, training=False)[0]
        about["valid"] = str(valid)
    else:
        fraction = min(valid_split or VALID_SPLIT, VALID_MAX_ROWS / max(1, len(examples)))
        examples, held = scheme.split(examples, fraction, seed=seed)
        about["valid"] = f"{len(held)} rows held out of --data (seed {seed})"
        if not held:
            raise InputError(f"too few rows ({len(examples)}) to hold some out for validation", path=data,
                             hint="add rows, or give --valid FILE")
    train = unzip(examples, scheme)
    names = names or scheme.label_map(train[1]).labels
    test_rows = scheme.read(test, reader, training=False)[0] if test is not None else None
    if test is not None:
        about["test"] = str(test)
    about.update(train_rows=len(examples), valid_rows=len(held),
                 test_rows=len(test_rows) if test_rows is not None else None)
    return Data(train, unzip(held, scheme), unzip(test_rows, scheme) if test_rows is not None else None,
                list(names), multi_label, reader, about)


def fingerprint(data, valid, valid_split, test, reader, multi_label, seed):
    """What a resumed comparison must share with the one it continues: the same rows in the same splits."""
    return {"data": str(data), "valid": None if valid is None else str(valid), "valid_split": valid_split,
            "test": None if test is None else str(test), "reader": dict(reader or {}), "multi_label": multi_label,
            "seed": seed}
