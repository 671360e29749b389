"""`nlpdive train translate` and `nlpdive translate`: train a translator (or any sequence-to-sequence mapping) on
sentence pairs, translate with beam search, draw where it looks. Parsing and printing only: the flags come from
TranslateConfig, TrainConfig, decode.BeamConfig and decode.SamplingConfig."""
from nlpdive.cli.common import add_train_args, budget_defaults, effective_config
from nlpdive.errors import InputError

SAMPLING = ("temperature", "top_k", "top_p", "min_p", "num_samples", "seed")  # translate --temperature: sampling


def register(cli):
    from nlpdive.options import add_options
    from nlpdive.tasks.translate.config import DEFAULT_BUDGET, TRAIN_DEFAULTS, VALID_MAX_PAIRS, VALID_SPLIT
    from nlpdive.tasks.translate.config import TranslateConfig

    p = cli.add(cli.train, "translate", help="a translator (or any text-to-text mapping) from sentence pairs",
                description="Train a sequence-to-sequence model on pairs: a headerless SOURCE<TAB>TARGET file "
                            "(Tatoeba's third column is ignored) or --source/--target files aligned line by line. "
                            f"Without --valid {VALID_SPLIT:.0%} of the pairs (at most {VALID_MAX_PAIRS:,}) "
                            f"validate. Without --time-budget or --epochs it trains for {DEFAULT_BUDGET:.0f} seconds; "
                            "the weights with the best validation BLEU are saved in --out (default runs/translate). "
                            "Then: nlpdive translate DIR \"a sentence\".")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", metavar="PAIRS.tsv", help="SOURCE<TAB>TARGET lines (.gz works)")
    src.add_argument("--source", metavar="FILE", help="source sentences, one per line (with --target)")
    p.add_argument("--target", metavar="FILE", help="target sentences, aligned with --source")
    p.add_argument("--encoding", metavar="E", help="file encoding (default utf-8)")
    add_options(p, TranslateConfig, only=("model", "vocab", "vocab_size", "joint"))
    per_model = {name for defaults in TRAIN_DEFAULTS.values() for name in defaults}
    add_train_args(p, defaults={**{name: "per model" for name in per_model},
                                "time_budget": f"{DEFAULT_BUDGET:.0f} unless --epochs is given"})
    add_options(p.add_argument_group("translation options"), TranslateConfig,
                only=("max_length", "label_smoothing", "valid_beam", "average_last"))
    add_options(p.add_argument_group("model size and shape (unset: picked by the recipe)"), TranslateConfig,
                skip=("model", "vocab", "vocab_size", "joint", "max_length", "label_smoothing", "valid_beam",
                      "average_last"))
    p.set_defaults(func=train, _resumable=True, out="runs/translate")

    p = cli.add(cli.sub, "translate", help="translate texts or a file with a saved translator (beam search)")
    p.add_argument("model", metavar="DIR")
    p.add_argument("texts", nargs="*", metavar="TEXT")
    p.add_argument("--data", metavar="FILE", help="one source sentence per line; prints one translation per line")
    p.add_argument("--encoding", metavar="E", help="--data's encoding (default utf-8)")
    p.add_argument("--batch-size", type=int, default=64, metavar="N", help="sentences per batch (default 64)")
    p.add_argument("--attention-plot", metavar="PNG", help="save the attention heat map of the first text here "
                   "(.png, .svg or .pdf)")
    beam_args(p)
    from nlpdive.decode.config import SamplingConfig

    add_options(p.add_argument_group("sampling instead of beam search (any of these flags turns it on)"),
                SamplingConfig, only=SAMPLING)
    p.set_defaults(func=translate)


def beam_args(p):
    """The beam-search flags, from decode.BeamConfig."""
    from nlpdive.decode.beam import BeamConfig
    from nlpdive.options import add_options

    add_options(p.add_argument_group("beam search"), BeamConfig)


def train_settings(args):
    """(TranslateConfig, TrainConfig) from the flags: the recipe's defaults for the model, then what was given."""
    from nlpdive.options import given_options
    from nlpdive.tasks.translate.config import DEFAULT_BUDGET, TranslateConfig, train_defaults
    from nlpdive.train import TrainConfig, select_device

    settings = TranslateConfig(**given_options(TranslateConfig, args))
    defaults = budget_defaults(args, train_defaults(settings, select_device(args.device or "auto").type),
                               DEFAULT_BUDGET)
    return settings, TrainConfig.from_args(args, **defaults)


def train(args, out):
    from nlpdive.train.rundir import RunDir

    if args.valid_split is not None and args.valid:
        raise InputError("give --valid or --valid-split, not both", hint="drop one")
    if bool(args.source) != bool(args.target):
        raise InputError("--source and --target go together", hint="give both files, or one --data PAIRS.tsv")
    settings, train_cfg = train_settings(args)
    with RunDir(args.out, resume=args.resume, overwrite=args.overwrite) as out_dir:
        from nlpdive.tasks.translate import train as train_translate
        from nlpdive.tasks.translate.config import VALID_SPLIT
        from nlpdive.train import write_run_config

        split = VALID_SPLIT if args.valid_split is None else args.valid_split
        tr = train_translate(args.data, source=args.source, target=args.target, valid=args.valid,
                             valid_split=split, settings=settings, train_cfg=train_cfg,
                             out_dir=str(out_dir), resume=args.resume, encoding=args.encoding)
        write_run_config(out_dir, effective_config(args, train_cfg, settings))
    m = tr.metrics
    why = " (time budget)" if m["out_of_time"] else ""
    text = (f"saved {tr.model_class} ({sum(p.numel() for p in tr.model.parameters()):,} parameters, "
            f"{tr.src.vocab_size}/{tr.tgt.vocab_size} tokens) to {args.out} after {m['steps']} steps{why} in "
            f"{m['train_seconds']} s\nvalidation ({m['valid_pairs']} pairs, beam {m['beam']}): BLEU {m['bleu']:.2f}, "
            f"chrF {m['chrf']:.2f}\ntry: nlpdive translate {args.out} \"a sentence\"")
    out.emit({"out": args.out, "model": tr.model_class, "model_config": tr.model_cfg, **m}, text)


def translate(args, out):
    import nlpdive
    from nlpdive.decode.beam import BeamConfig
    from nlpdive.decode.config import SamplingConfig
    from nlpdive.options import given_options

    if bool(args.texts) == bool(args.data):
        raise InputError("give either TEXT... or --data FILE", hint="e.g. nlpdive translate DIR \"je suis étudiant\"")
    if args.batch_size < 1:
        raise InputError(f"--batch-size must be >= 1, got {args.batch_size}")
    beam = given_options(BeamConfig, args)
    BeamConfig(**beam)  # bad flags fail before the model loads
    sampling = {k: v for k, v in given_options(SamplingConfig, args).items() if k in SAMPLING} or None
    if sampling:
        SamplingConfig(**sampling)
    if args.attention_plot:
        from nlpdive.cli.common import check_output

        check_output(args.attention_plot, "--attention-plot", example="attention.png")
    model = nlpdive.load(args.model)
    fn = model.verb("translate", where=args.model)
    texts = args.texts or _lines(args.data, args.encoding)
    if not texts:
        raise InputError("the file has no sentences", path=args.data, hint="one source sentence per line")
    results = fn(texts, batch_size=args.batch_size, sampling=sampling, **beam)
    for text, r in zip(texts, results):
        record = {"source": text, **{k: v for k, v in r.items() if k != "tokens"}}
        if "n_best" in r:
            shown = "\n".join(f"{h['score']:.3f}\t{h['translation']}" for h in r["n_best"])
        elif "samples" in r:
            shown = "\n".join(r["samples"])
        else:
            shown = r["translation"]
        out.emit(record, shown)
    if args.attention_plot:  # the first translation printed above
        result = model.plot_attention(texts[0], args.attention_plot, result=results[0])
        if not args.json:
            print(f"attention map of {texts[0][:40]!r} -> {result['translation'][:40]!r}: {args.attention_plot}")


def _lines(path, encoding):
    from nlpdive.data.files import open_text

    with open_text(path, encoding) as f:
        return [line.rstrip("\r\n") for line in f]
