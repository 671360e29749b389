"""Commands that use a saved model directory: evaluate, predict, generate, translate.

They all go through `nlpdive.load(DIR)`, which returns the task object; every task object offers `evaluate`
and declares the verbs it serves (nlpdive.tasks.base): a command calls `model.verb(name)`, which names the
verbs the model does serve when it is not one of them.
"""
from nlpdive.cli.common import add_multilabel_args, add_reader_args, add_threshold_arg, multilabel_reader
from nlpdive.errors import InputError


def register(cli):
    p = cli.add(cli.sub, "evaluate", help="metrics of a saved model on a labelled file")
    p.add_argument("model", metavar="DIR")
    add_reader_args(p)
    add_multilabel_args(p)
    from nlpdive.decode.beam import BeamConfig
    from nlpdive.options import add_options

    g = p.add_argument_group("translation models")
    add_options(g, BeamConfig, only=("beam",))
    g.add_argument("--per-sentence", action="store_true", default=None,
                   help="also each sentence's BLEU and chrF, with its translation (shown with --json)")
    p.add_argument("--out", metavar="DIR", help="also write metrics.json (+ plots where the task has them) here")
    p.set_defaults(func=evaluate)

    p = cli.add(cli.sub, "predict", help="label + probabilities for texts or a file")
    p.add_argument("model", metavar="DIR")
    p.add_argument("texts", nargs="*", metavar="TEXT")
    add_reader_args(p, data_required=False)
    p.add_argument("--batch-size", type=_positive_int, default=256, help="texts per forward pass (default 256)")
    add_threshold_arg(p)
    p.set_defaults(func=predict)


def _positive_int(text):
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _reader_kw(args):
    kw = {k: getattr(args, k) for k in ("text_column", "label_column", "encoding", "format")
          if getattr(args, k, None) is not None}  # --skip-empty: evaluate and predict score every row anyway
    return {**kw, **multilabel_reader(args)}


def _threshold_kw(args):
    """--threshold, passed on only when given (a multi-label classifier's option)."""
    return {} if args.threshold is None else {"threshold": args.threshold}


def evaluate(args, out):
    import nlpdive

    model = nlpdive.load(args.model)
    translation = {k: getattr(args, k) for k in ("beam", "per_sentence") if getattr(args, k, None) is not None}
    if translation and model.task != "translate":
        flag = "--" + next(iter(translation)).replace("_", "-")
        raise InputError(f"{flag} is for translation models; {args.model} is a {model.task} model", hint="drop it")
    metrics = model.evaluate(args.data, out_dir=args.out, **translation, **_threshold_kw(args), **_reader_kw(args))
    out.emit(metrics, _format_metrics(metrics))


def predict(args, out):
    import nlpdive

    if bool(args.texts) == bool(args.data):
        raise InputError("give either TEXT... or --data FILE", hint="e.g. nlpdive predict DIR \"that movie sucked!\"")
    model = nlpdive.load(args.model)
    fn = model.verb("predict", where=args.model)
    if args.data:
        from nlpdive.data import read_examples

        trained = {k: v for k, v in getattr(model, "reader", {}).items() if k in ("text_column", "encoding", "format")}
        reader = {**trained, **_reader_kw(args)}  # default: the text column and encoding the model was trained with
        texts = [ex["text"] for ex in read_examples(args.data, need_labels=False, keep_empty=True, **reader)]
    else:
        texts = args.texts
    for text, pred in zip(texts, fn(texts, batch_size=args.batch_size, **_threshold_kw(args))):
        probs = ", ".join(f"{k}={v:.3f}" for k, v in pred["probabilities"].items())
        shown = ("|".join(pred["labels"]) or "(none)") if "labels" in pred else pred["label"]  # multi-label: a list
        out.emit({"text": text, **pred}, f"{shown}\t({probs})\t{text}")


def _format_metrics(m):
    lines = []
    for k, v in m.items():
        if isinstance(v, float):
            lines.append(f"{k}: {v:.4f}")
        elif isinstance(v, (int, str)):
            lines.append(f"{k}: {v}")
    return "\n".join(lines)
