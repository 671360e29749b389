"""`nlpdive train classify`: train a text classifier on a labelled file (or cross-validate one with --cv K).
Parsing and printing only: the flags come from ClassifyConfig and TrainConfig (nlpdive.options)."""
import argparse

from nlpdive.cli.common import add_multilabel_args, add_reader_args, add_train_args, classify_reader, effective_config
from nlpdive.errors import InputError

METRIC_NAMES = {"accuracy": "accuracy", "micro_f1": "micro-F1", "macro_f1": "macro-F1"}
GROUPS = {  # ClassifyConfig fields -> the help section they are listed in
    "bag of words (--model bow)": ("ngrams", "features", "min_df"),
    "sequence models (rnn, lstm, gru, cnn, transformer)": ("max_len", "min_freq", "embeddings", "freeze_embeddings"),
    "model size and shape (unset: the model's own defaults)": ("embed_dim", "hidden", "channels", "d_model", "layers",
                                                               "bidirectional", "pooling", "dropout"),
    "loss": ("class_weights",),
}


def register(cli):
    from nlpdive.options import add_options
    from nlpdive.tasks.classify.config import REFIT_BELOW, TRAIN_DEFAULTS, VALID_SPLIT, ClassifyConfig

    p = cli.add(cli.train, "classify", help="text classifier (sentiment, topics, ...) from a labelled file",
                description="Train a text classifier. `--data reviews.csv` alone picks the text and label columns "
                            f"when unambiguous, holds out {VALID_SPLIT:.0%} for validation (early stopping picks the "
                            f"epoch, metrics.json, confusion_matrix.png), then, below {REFIT_BELOW:,} rows, trains "
                            "again on every row for that many epochs (--refit / --no-refit decide) and saves the "
                            "model in --out (default runs/classify).")
    add_reader_args(p)
    add_multilabel_args(p, train=True)
    per_model = {name for defaults in TRAIN_DEFAULTS.values() for name in defaults}  # the recipe sets these
    add_train_args(p, defaults={name: "per model" for name in per_model})
    add_options(p, ClassifyConfig, only=("model",))
    p.add_argument("--refit", action=argparse.BooleanOptionalAction, default=None, help="after the hold-out run, "
                   "train on every row for the epochs it chose (--no-refit: keep the hold-out run's model; default: "
                   f"refit below {REFIT_BELOW:,} training rows)")
    p.add_argument("--cv", type=int, metavar="K", help="K-fold cross-validation instead of one run: prints accuracy "
                   "(multi-label: micro-F1) and macro-F1 mean ± std (writes cv.json to --out; saves no model)")
    for title, names in GROUPS.items():
        add_options(p.add_argument_group(title), ClassifyConfig, only=names)
    p.set_defaults(func=run, _resumable=True, out="runs/classify")


def run(args, out):
    """Check every option, then train inside the run directory's guard (nlpdive.train.rundir: refuse to replace a
    saved model, lock, stage an --overwrite, leave nothing behind on bad input)."""
    from nlpdive.train.rundir import RunDir

    settings, train_cfg, reader = _settings(args)
    with RunDir(args.out, resume=args.resume, overwrite=args.overwrite, keeps_model=args.cv is None) as out_dir:
        return _run(args, out, str(out_dir), settings, train_cfg, reader, shown_dir=args.out)


def _settings(args):
    """(ClassifyConfig, TrainConfig, reader options) from the flags."""
    from nlpdive.options import given_options
    from nlpdive.tasks.classify import ClassifyConfig, train_defaults
    from nlpdive.train import TrainConfig

    reader = classify_reader(args)
    settings = ClassifyConfig(**given_options(ClassifyConfig, args))
    return settings, TrainConfig.from_args(args, **train_defaults(settings)), reader


def _run(args, out, out_dir, settings, train_cfg, reader, shown_dir):
    from nlpdive.tasks import classify
    from nlpdive.train import write_run_config

    if args.cv is not None:
        result = classify.cross_validate_file(args.data, args.cv, settings=settings, train_cfg=train_cfg,
                                              reader=reader, seed=train_cfg.seed, out_dir=out_dir)
        write_run_config(out_dir, effective_config(args, train_cfg))
        out.emit({"out": shown_dir, **result}, f"{args.cv}-fold cross-validation ({settings.model}): " + ", ".join(
            f"{METRIC_NAMES[k]} {result[k + '_mean']:.4f} ± {result[k + '_std']:.4f}"
            for k in classify.headline_metrics(settings)))
        return
    valid_split = args.valid_split if args.valid_split is not None else (None if args.valid else classify.VALID_SPLIT)
    clf = classify.train(args.data, settings=settings, train_cfg=train_cfg, valid=args.valid, valid_split=valid_split,
                         refit=args.refit, out_dir=out_dir, resume=args.resume, reader=reader,
                         log=lambda msg: out.emit({"message": msg}, msg))
    write_run_config(out_dir, effective_config(args, train_cfg))  # last: a failed run changes nothing
    _report(out, clf, settings, shown_dir)


def _report(out, clf, settings, out_dir):
    from nlpdive.tasks.classify import headline_metrics

    m, shown = clf.metrics, headline_metrics(settings)
    record = {"out": out_dir, "model": settings.model, "multi_label": settings.multi_label,
              "labels": clf.labels.labels, "model_config": {"class": clf.model_class, **clf.model_cfg},
              **{k: m[k] for k in ("train_examples", "train_seconds", *shown, "examples", "subset_accuracy",
                                   "hamming_loss", "refit") if k in m}}
    kind = "multi-label classifier" if settings.multi_label else "classifier"
    text = f"saved {settings.model} {kind} ({', '.join(clf.labels.labels)}) to {out_dir}"
    if "examples" in m:
        text += f"\nvalidation ({m['examples']} held-out examples): " + ", ".join(
            f"{METRIC_NAMES[k]} {m[k]:.4f}" for k in shown)
    if "refit" in m:
        text += f"\nthen trained again on all {m['train_examples']} rows for {m['refit']['epochs']} epoch(s)"
    example = "YOUR TEXT" if settings.multi_label else "that movie sucked!"
    out.emit(record, text + f"\ntry: nlpdive predict {out_dir} \"{example}\"")
