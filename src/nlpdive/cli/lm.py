"""`nlpdive train lm` and `nlpdive generate`: train a text generator on your files, sample from it (streamed).
Parsing and printing only: the flags come from LMConfig, TrainConfig and decode.SamplingConfig."""
import sys

from nlpdive.cli.common import add_train_args, budget_defaults, effective_config
from nlpdive.errors import InputError


def register(cli):
    from nlpdive.options import add_options
    from nlpdive.tasks.lm.config import DEFAULT_BUDGET, TRAIN_DEFAULTS, VALID_MAX_TOKENS, VALID_SPLIT, LMConfig

    p = cli.add(cli.train, "lm", help="a text generator (char-RNN or a small GPT) from your text files",
                description="Train a language model on text files (each file a document). Without --valid the "
                            f"last {VALID_SPLIT:.0%} of the text (at most {VALID_MAX_TOKENS:,} tokens) validates. "
                            f"Without --time-budget or --epochs it trains for {DEFAULT_BUDGET:.0f} seconds, its "
                            "learning-rate schedule planned to end there; the best validated weights are saved in "
                            "--out (default runs/lm). Then: nlpdive generate DIR --prompt TEXT.")
    p.add_argument("--data", required=True, nargs="+", metavar="FILE", help="text files (.gz works)")
    p.add_argument("--encoding", metavar="E", help="file encoding (default utf-8)")
    add_options(p, LMConfig, only=("model", "tokenizer", "block_size"))
    per_model = {name for defaults in TRAIN_DEFAULTS.values() for name in defaults}
    add_train_args(p, defaults={**{name: "per model" for name in per_model},
                                "time_budget": f"{DEFAULT_BUDGET:.0f} unless --epochs is given"})
    add_options(p.add_argument_group("model size and shape (unset: picked by the recipe)"), LMConfig,
                skip=("model", "tokenizer", "block_size"))
    p.set_defaults(func=train, _resumable=True, out="runs/lm")

    p = cli.add(cli.sub, "generate", help="sample text from a saved language model (streams to the terminal)")
    p.add_argument("model", metavar="DIR")
    p.add_argument("--prompt", default="", help="the text to continue (default: a new document)")
    sampling_args(p)
    p.set_defaults(func=generate)


def sampling_args(p):
    """The decoding flags, from decode.SamplingConfig (generate here; translate and the server share them)."""
    from dataclasses import fields

    from nlpdive.decode.config import SamplingConfig
    from nlpdive.options import add_options, help_text

    add_options(p, SamplingConfig)
    stop = next(f for f in fields(SamplingConfig) if f.name == "stop")
    p.add_argument("--stop", action="append", metavar="S", help=help_text(stop))


def train_settings(args):
    """(LMConfig, TrainConfig) from the flags: the recipe's defaults for the model, then what was given."""
    from nlpdive.options import given_options
    from nlpdive.tasks.lm.config import DEFAULT_BUDGET, LMConfig, train_defaults
    from nlpdive.train import TrainConfig, select_device

    settings = LMConfig(**given_options(LMConfig, args))
    defaults = budget_defaults(args, train_defaults(settings, select_device(args.device or "auto").type),
                               DEFAULT_BUDGET)
    return settings, TrainConfig.from_args(args, **defaults)


def train(args, out):
    from nlpdive.train.rundir import RunDir

    if args.valid_split is not None and args.valid:
        raise InputError("give --valid or --valid-split, not both", hint="drop one")
    settings, train_cfg = train_settings(args)
    with RunDir(args.out, resume=args.resume, overwrite=args.overwrite) as out_dir:
        from nlpdive.tasks.lm import train as train_lm
        from nlpdive.tasks.lm.config import VALID_SPLIT
        from nlpdive.train import write_run_config

        lm = train_lm(args.data, valid=args.valid, valid_split=args.valid_split or VALID_SPLIT, settings=settings,
                      train_cfg=train_cfg, out_dir=str(out_dir), resume=args.resume,
                      encoding=args.encoding or "utf-8")
        write_run_config(out_dir, effective_config(args, train_cfg, settings))
    m = lm.metrics
    bpc = f", {m['bits_per_char']:.3f} bits/char" if m.get("bits_per_char") else ""
    why = " (time budget)" if m["out_of_time"] else ""
    text = (f"saved {lm.model_class} ({sum(p.numel() for p in lm.model.parameters()):,} parameters, "
            f"{lm.tokens.vocab_size} tokens) to {args.out} after {m['steps']} steps{why} in {m['train_seconds']} s\n"
            f"validation: loss {m['loss']:.4f}, perplexity {m['perplexity']:.2f}{bpc}\n"
            f"try: nlpdive generate {args.out} --max-tokens 300   (--prompt TEXT to continue a text)")
    out.emit({"out": args.out, "model": lm.model_class, "model_config": lm.model_cfg, **m}, text)


def generate(args, out):
    import nlpdive
    from nlpdive.decode.config import SamplingConfig
    from nlpdive.options import given_options

    options = given_options(SamplingConfig, args)
    if args.stop:
        options["stop"] = tuple(_unescape(s) for s in args.stop)
    SamplingConfig(**options)  # bad flags fail before the model loads
    model = nlpdive.load(args.model)
    fn = model.verb("generate", where=args.model)
    many = options.get("num_samples", 1) > 1
    model.prompt_ids(args.prompt)  # a prompt the model cannot read fails before anything is printed
    if not args.json and not many:  # one sample: streamed as it comes
        sys.stdout.write(args.prompt)
        fn(args.prompt, on_text=lambda i, piece: (sys.stdout.write(piece), sys.stdout.flush()), **options)
        sys.stdout.write("\n")
        return
    samples = fn(args.prompt, **options)
    for i, s in enumerate(samples):
        out.emit({"prompt": args.prompt, "sample": i, **s},
                 (f"--- sample {i + 1}\n" if many else "") + args.prompt + s["text"])


def _unescape(text):
    """--stop "\\n\\n" as typed in a shell: \\n, \\t and \\\\ become a newline, a tab and a backslash."""
    import re

    return re.sub(r"\\([nt\\])", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m.group(1)], text)
