"""The classification recipe, top to bottom (what `nlpdive train classify` runs):

1. reader      a labelled file -> examples (nlpdive.data; the label scheme picks single- or multi-label reading)
2. validation  a --valid file, or a stratified hold-out of --valid-split (default 10%) of the training rows
3. features    bag of n-grams (bow) or token ids (sequence models)           tasks/classify/features.py
4. model       from the options the user gave; models own the rest           tasks/classify/model.py
5. loss        cross-entropy (optionally class-weighted); multi-label: BCE   tasks/classify/labels.py
6. training    the Trainer: early stopping and keep-best on validation accuracy (multi-label: micro-F1)
7. refit       with a hold-out, train again on every training row for the number of epochs validation chose
               (scikit-learn's refit): the hold-out picks the epoch without costing the final model its data.
               By default only below REFIT_BELOW rows: above it the hold-out's share of the data adds little
               (IMDB bow 91.56 without, 91.60 with; SST-2 bow 81.08 / 80.28) and the refit doubles the time
8. metrics     validation accuracy, macro-F1, per class, confusion matrix -> metrics.json, confusion_matrix.png
9. save        the model directory: config.json + model.safetensors + pipeline.json + labels.json

Cross-validation (`--cv K`) trains K models with the same recipe minus the hold-out and writes cv.json.
"""
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from nlpdive.metrics import plot_confusion
from nlpdive.tasks.classify.classifier import Classifier
from nlpdive.tasks.classify.config import REFIT_BELOW, VALID_SPLIT, ClassifyConfig, train_defaults
from nlpdive.tasks.classify.features import prepare
from nlpdive.tasks.classify.labels import label_scheme, unzip

HOLDOUT = "holdout"    # the hold-out run's records (metrics.jsonl, loss.png, checkpoints) inside the run directory
SEARCH = "search.json"  # written when the hold-out run is done: what it chose (a resumed run skips it)


def train(data, *, settings=None, train_cfg=None, valid=None, valid_split=VALID_SPLIT, refit=None,
          out_dir="runs/classify", resume=False, reader=None, log=None, task_class=Classifier, valid_max=None):
    """Read `data` (and `valid`, a file), run the recipe, save the model in `out_dir`; returns the Classifier.
    `task_class`: the task object that trains (Classifier, or finetune's EncoderClassifier: same arguments, and
    then give `train_cfg`); `valid_max`: at most this many rows in the --valid-split hold-out."""
    settings = settings or ClassifyConfig()
    scheme = label_scheme(settings)
    reader = reader or {}
    examples, names = scheme.read(data, reader)                                                     # 1. reader
    valid_examples = scheme.read(valid, reader, training=False)[0] if valid is not None else None  # 2.
    if valid_max and valid_split:
        valid_split = min(valid_split, valid_max / max(1, len(examples)))
    clf = fit(*unzip(examples, scheme), settings, train_cfg,
              valid=unzip(valid_examples, scheme) if valid_examples else None,
              valid_split=valid_split if valid is None else None, refit=refit, out_dir=out_dir, resume=resume,
              log=log, label_names=names, task_class=task_class)
    clf.reader = reader
    return save(clf, out_dir)


def fit(texts, labels, settings=None, train_cfg=None, *, valid=None, valid_split=VALID_SPLIT, refit=None,
        out_dir=None, resume=False, log=None, label_names=None, task_class=Classifier):
    """Steps 2-8 on in-memory texts and labels: the command's defaults for a Python caller (and the benchmark).
    `refit`: None = below REFIT_BELOW training rows. Returns the Classifier, its `.metrics` the validation
    metrics."""
    from nlpdive.train import TrainConfig, checkpoint, dist_info

    settings = settings or ClassifyConfig()
    train_cfg = train_cfg or TrainConfig(**train_defaults(settings))
    scheme = label_scheme(settings)
    label_names = label_names or scheme.label_map(labels).labels  # every fold and phase knows every label
    start = time.perf_counter()
    refit = len(texts) < REFIT_BELOW if refit is None else refit
    fit_texts, fit_labels, refitting, kept_rows = texts, labels, False, None
    if valid is None and valid_split:                                                              # 2. hold-out
        examples = [{"text": t, scheme.key: lab, "row": i} for i, (t, lab) in enumerate(zip(texts, labels))]
        kept, held = scheme.split(examples, valid_split, seed=train_cfg.seed)
        fit_texts, fit_labels, kept_rows = *unzip(kept, scheme), [ex["row"] for ex in kept]
        valid, refitting = (unzip(held, scheme), refit) if held else (None, False)
    # the bag of words vectorizes every training text once, for the hold-out run and the refit    # 3. features
    prepared = prepare(texts, settings, len(label_names)) if refitting and settings.family == "bow" else None
    holdout_dir = Path(out_dir) / HOLDOUT if out_dir is not None and refitting else out_dir
    if resume and not refitting and out_dir is not None and (Path(out_dir) / HOLDOUT).exists():
        from nlpdive.errors import InputError

        raise InputError("this run trained a hold-out model to refit after it; resume it the same way",
                         path=out_dir, hint="drop --no-refit and --valid")
    search = _read_search(holdout_dir, valid_split) if resume and refitting and out_dir is not None else None
    if search is None:                                                                             # 3.-6.
        clf = task_class.fit(fit_texts, fit_labels, settings, train_cfg, valid=valid, out_dir=holdout_dir,
                             resume=resume, log=log, label_names=label_names,
                             prepared=prepared and (prepared[0], prepared[1][kept_rows]))
        search = {"metrics": clf.score(*valid) if valid else {}, "epochs": _epochs_chosen(clf.train_result),
                  "valid_split": valid_split}
        if refitting and out_dir is not None:
            _write_search(holdout_dir, search)
            if dist_info().is_main:  # done with: a resumed run starts at the refit
                checkpoint.clear(Path(holdout_dir) / "checkpoints")
        resume = False  # the refit starts afresh
    if refitting:                                                                                  # 7. refit
        cfg = replace(train_cfg, epochs=search["epochs"], patience=None)
        started = out_dir is not None and checkpoint.latest(Path(out_dir) / "checkpoints") is not None
        clf = task_class.fit(texts, labels, settings, cfg, out_dir=out_dir, log=log, label_names=label_names,
                             resume=resume and started, prepared=prepared)
    clf.metrics = {"train_examples": len(texts if refitting else fit_texts),
                   "train_seconds": round(time.perf_counter() - start, 2), **search["metrics"]}
    if valid:
        clf.metrics["data"] = "validation"
    if refitting:
        clf.metrics["refit"] = {"epochs": search["epochs"], "hold_out_examples": len(valid[0])}
    return clf


def save(clf, out_dir):
    """Step 9 (rank 0 only under torchrun): the model directory, with the validation metrics and their plot."""
    from nlpdive.train import dist_info

    if dist_info().is_main:
        clf.save(out_dir)  # with metrics.json
        if "confusion_matrix" in clf.metrics:
            plot_confusion(clf.metrics, Path(out_dir) / "confusion_matrix.png")
    return clf


def cross_validate(texts, labels, k=10, *, settings=None, train_cfg=None, seed=0):
    """K-fold cross-validation (MR's standard protocol; stratified for single-label data): the headline metrics
    (accuracy and macro-F1; multi-label: micro- and macro-F1) per fold, their mean and std. Each fold trains for
    train_cfg.epochs on the other folds, without a hold-out."""
    from nlpdive.errors import InputError

    if k < 2:
        raise InputError(f"--cv {k}: cross-validation needs at least 2 folds", hint="e.g. --cv 10")
    settings = settings or ClassifyConfig()
    scheme = label_scheme(settings)
    names = scheme.label_map(labels).labels  # every fold knows every label
    scheme.check_folds(labels, k)
    folds = []
    for train_idx, test_idx in scheme.folds(k, seed).split(texts, None if scheme.multi_label else labels):
        clf = Classifier.fit([texts[i] for i in train_idx], [labels[i] for i in train_idx], settings, train_cfg,
                             label_names=names)
        m = clf.score([texts[i] for i in test_idx], [labels[i] for i in test_idx])
        folds.append({key: m[key] for key in scheme.headline})
    summary = {f"{key}_{stat}": float(fn([f[key] for f in folds]))
               for key in scheme.headline for stat, fn in (("mean", np.mean), ("std", np.std))}
    return {"folds": folds, "k": k, **summary}


def cross_validate_file(data, k=10, *, settings=None, train_cfg=None, reader=None, seed=0, out_dir=None):
    """cross_validate on a labelled file; with `out_dir`, the result is also written to out_dir/cv.json."""
    from nlpdive.atomic import write_json

    scheme = label_scheme(settings or ClassifyConfig())
    examples, _ = scheme.read(data, reader or {})
    result = cross_validate(*unzip(examples, scheme), k, settings=settings, train_cfg=train_cfg, seed=seed)
    if out_dir is not None:
        write_json(Path(out_dir) / "cv.json", result)
    return result


def headline_metrics(settings):
    """What cross-validation and the CLI report: accuracy and macro-F1; multi-label: micro- and macro-F1."""
    return label_scheme(settings or ClassifyConfig()).headline


def _epochs_chosen(result):
    """The epochs of training that gave the kept weights: the best evaluation's (early stopping, keep-best)."""
    if result is None or result.best is None:
        return 1
    return max(1, math.ceil(result.best["step"] / max(1, result.steps_per_epoch)))


def _read_search(holdout_dir, valid_split):
    """What a resumed run's finished hold-out run chose (None when it did not finish)."""
    from nlpdive.artifacts import read_json
    from nlpdive.errors import InputError

    path = Path(holdout_dir) / SEARCH
    if not path.exists():
        return None
    search = read_json(path)
    if search.get("valid_split") != valid_split:
        raise InputError(f"--valid-split {valid_split} differs from the run's {search.get('valid_split')}", path=path,
                         hint="resume with the run's settings (see run_config.json) or start a new run")
    return search


def _write_search(holdout_dir, search):
    from nlpdive.atomic import write_json
    from nlpdive.train import dist_info

    if dist_info().is_main:
        write_json(Path(holdout_dir) / SEARCH, search)
