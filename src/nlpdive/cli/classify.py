"""`nlpdive train classify`: train a text classifier on a labelled file (or cross-validate one with --cv K)."""
from nlpdive.cli.common import add_multilabel_args, add_reader_args, add_train_args, effective_config, multilabel_reader
from nlpdive.errors import InputError

MODELS = ("bow", "rnn", "lstm", "gru", "cnn", "transformer")  # = nlpdive.tasks.classify.MODELS (kept light here)
METRIC_NAMES = {"accuracy": "accuracy", "micro_f1": "micro-F1", "macro_f1": "macro-F1"}


def register(cli):
    p = cli.add(cli.train, "classify", help="text classifier (sentiment, topics, ...) from a labelled file",
                description="Train a text classifier. `--data reviews.csv` alone picks the text and label columns "
                            "when unambiguous, holds out 10% for validation (early stopping, metrics.json, "
                            "confusion_matrix.png) and saves the model in --out (default runs/classify).")
    add_reader_args(p)
    add_multilabel_args(p, train=True)
    add_train_args(p)
    p.add_argument("--model", choices=MODELS, help="bow (default): bag of n-grams, fast and strong; "
                   "rnn/lstm/gru: recurrent; cnn: Kim 2014; transformer: a small encoder")
    p.add_argument("--cv", type=int, metavar="K", help="K-fold cross-validation instead of one run: prints accuracy "
                   "(multi-label: micro-F1) and macro-F1 mean ± std (writes cv.json to --out; saves no model)")
    p.add_argument("--patience", type=int, metavar="N", help="stop after N evaluations without a better validation "
                   "accuracy (multi-label: micro-F1) (default: the model's recipe)")
    g = p.add_argument_group("bag of words (--model bow)")
    g.add_argument("--ngrams", type=int, metavar="N", help="word n-grams 1..N (default 2)")
    g.add_argument("--features", choices=("auto", "nb", "binary", "count", "tfidf"),
                   help="nb: binary x Naive-Bayes ratio (two classes); auto (default): nb for two classes, else "
                        "(and for multi-label) tfidf")
    g.add_argument("--min-df", type=int, metavar="N", help="drop n-grams in fewer than N training texts (default 1)")
    g = p.add_argument_group("sequence models (rnn, lstm, gru, cnn, transformer)")
    g.add_argument("--embeddings", metavar="VECTORS", help="pretrained word vectors: a GloVe/word2vec file or an "
                   "nlpdive vectors directory. Sequence models start their embedding layer from them (fine-tuned "
                   "unless --freeze-embeddings); bow adds the mean vector of each text's words (kept fixed)")
    g.add_argument("--freeze-embeddings", action="store_true", default=None,
                   help="keep --embeddings fixed (sequence models)")
    g.add_argument("--embed-dim", type=int, metavar="D",
                   help="embedding size (default 128, or the size of --embeddings)")
    g.add_argument("--hidden", type=int, metavar="H", help="rnn state size (128), cnn filters per width (100), "
                   "transformer width (128), bow hidden units (0 = linear)")
    g.add_argument("--layers", type=int, metavar="L", help="stacked layers (default 1; transformer 2)")
    g.add_argument("--bidirectional", action="store_true", default=None, help="rnn/lstm/gru: read both directions")
    g.add_argument("--pooling", choices=("last", "max", "mean", "attention"),
                   help="how a sequence becomes one vector (default: last for RNNs, mean for the transformer)")
    g.add_argument("--dropout", type=float, metavar="P", help="dropout (default 0; cnn 0.5, transformer 0.1)")
    g.add_argument("--max-len", type=int, metavar="T", help="tokens kept per text (default 400)")
    g.add_argument("--min-freq", type=int, metavar="N", help="vocabulary: rarer tokens become <unk> (default 1)")
    g.add_argument("--class-weights", action="store_true", default=None,
                   help="weight the loss by inverse class frequency (imbalanced data); multi-label: each label's "
                        "positives by negatives / positives")
    p.set_defaults(func=run)


def run(args, out):
    """Train; on bad input, a run directory this command created is removed again (nothing half-written)."""
    import shutil
    from pathlib import Path

    out_dir = Path(args.out or "runs/classify")
    existed = out_dir.exists()
    try:
        return _run(args, out, str(out_dir))
    except InputError:
        if not existed:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise


def _run(args, out, out_dir):
    from nlpdive.tasks import classify
    from nlpdive.train import TrainConfig, write_run_config

    if args.freeze_embeddings and not args.embeddings:
        raise InputError("--freeze-embeddings needs --embeddings VECTORS", hint="give pretrained vectors, or drop the flag")
    reader = {k: getattr(args, k) for k in ("text_column", "label_column", "encoding", "skip_empty")
              if getattr(args, k, None) not in (None, False)}
    reader.update(multilabel_reader(args))
    if reader.keys() & {"label_columns", "label_sep"}:
        args.multi_label = True
    settings = classify.ClassifyConfig.from_args(args)
    train_cfg = TrainConfig.from_args(args, **classify.train_defaults(settings))
    write_run_config(out_dir, effective_config(args))
    if args.cv is not None:
        return _cross_validate(args, out, settings, train_cfg, reader, out_dir)
    valid_split = args.valid_split if args.valid_split is not None else (None if args.valid else 0.1)
    clf = classify.train(args.data, settings=settings, train_cfg=train_cfg, valid=args.valid, valid_split=valid_split,
                         out_dir=out_dir, resume=args.resume, reader=reader,
                         log=lambda msg: out.emit({"message": msg}, msg))
    m = clf.metrics
    shown = classify.headline_metrics(settings)
    record = {"out": out_dir, "model": settings.model, "multi_label": settings.multi_label,
              "labels": clf.labels.labels, **{k: m[k] for k in ("train_examples", "train_seconds", *shown, "examples",
                                                                "subset_accuracy", "hamming_loss") if k in m}}
    kind = "multi-label classifier" if settings.multi_label else "classifier"
    text = f"saved {settings.model} {kind} ({', '.join(clf.labels.labels)}) to {out_dir}"
    if "examples" in m:
        text += f"\nvalidation ({m['examples']} examples): " + ", ".join(f"{METRIC_NAMES[k]} {m[k]:.4f}" for k in shown)
    example = "YOUR TEXT" if settings.multi_label else "that movie sucked!"
    out.emit(record, text + f"\ntry: nlpdive predict {out_dir} \"{example}\"")


def _cross_validate(args, out, settings, train_cfg, reader, out_dir):
    from pathlib import Path

    from nlpdive.artifacts import write_json
    from nlpdive.tasks.classify import cross_validate, headline_metrics, read_labelled

    examples, _ = read_labelled(args.data, reader, settings.multi_label)
    key = "labels" if settings.multi_label else "label"
    result = cross_validate([ex["text"] for ex in examples], [ex[key] for ex in examples], args.cv,
                            settings=settings, train_cfg=train_cfg, seed=args.seed)
    write_json(Path(out_dir) / "cv.json", result)
    out.emit(result, f"{args.cv}-fold cross-validation ({settings.model}): " + ", ".join(
        f"{METRIC_NAMES[k]} {result[k + '_mean']:.4f} ± {result[k + '_std']:.4f}" for k in headline_metrics(settings)))
