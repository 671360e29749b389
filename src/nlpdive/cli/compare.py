"""`nlpdive compare`: the talk's ladder (bow, CNN, GRU, a fine-tuned encoder) on your labelled file, within one
time budget, with one report. Parsing and printing only: the flags come from CompareConfig (nlpdive.options)
and the reader flags of `train classify`; the work is nlpdive.compare.compare."""
from nlpdive.cli.common import add_multilabel_args, add_reader_args, classify_reader


def register(cli):
    from nlpdive.compare.config import LADDER, ORDER, CompareConfig
    from nlpdive.options import add_options

    p = cli.add(cli.sub, "compare", help="train the ladder (bow, CNN, GRU, fine-tuned encoder) on your data and "
                "compare accuracy, latency and size", description="Train the talk's ladder on a labelled file "
                "within one time budget: bag of words, CNN and GRU (`train classify`), and a fine-tuned BERT-type "
                "encoder (`finetune classify`: --base, else the installed all-MiniLM-L6-v2). The rows are split "
                "once, so every model validates on the same rows and is scored on --test (else the validation "
                "rows). Writes DIR/compare.html (self-contained), DIR/compare.json and DIR/pareto.png, each model "
                "in DIR/models/NAME (ready for `nlpdive predict` and `nlpdive serve`), and recommends one. Exit "
                "code 1 when a rung failed (the report is still written).")
    add_reader_args(p)
    p.add_argument("--valid", metavar="FILE", help="validation file (same format as --data)")
    p.add_argument("--valid-split", type=float, metavar="F", help="without --valid: hold out this fraction of "
                   "--data once for every model (default 0.1, at most 2,000 rows)")
    p.add_argument("--test", metavar="FILE", help="score every model on this file (default: the validation rows)")
    p.add_argument("--models", nargs="+", metavar="NAME", default=None,
                   help=f"the rungs, any of {', '.join(ORDER)} (default: {' '.join(LADDER)})")
    p.add_argument("--out", default="runs/compare", metavar="DIR", help="where the report and the models go "
                   "(default runs/compare)")
    p.add_argument("--resume", action="store_true", help="continue a killed comparison in --out: finished "
                   "models are reused, the rest train")
    add_options(p, CompareConfig, skip=("multi_label", "threshold"))
    add_multilabel_args(p, train=True)
    p.set_defaults(func=run, _resumable=True, overwrite=False)


def run(args, out):
    """Compare, print one line per model and the recommendation; exit code 1 when a rung failed."""
    import sys

    from nlpdive.compare import CompareConfig, compare
    from nlpdive.options import given_options

    reader = classify_reader(args)
    cfg = CompareConfig(**given_options(CompareConfig, args))  # --models too (a field without a generated flag)
    res = compare(args.data, args.out, valid=args.valid, valid_split=args.valid_split, test=args.test,
                  reader=reader, config=cfg, resume=args.resume, log=lambda msg: out.emit({"message": msg}, msg))
    out.emit(res, _text(res))
    if res["failed"]:
        print(f"nlpdive: error: {', '.join(res['failed'])} failed (see {res['report']})", file=sys.stderr)
        return 1
    return 0


def _text(res):
    """The table, the skipped rungs and the recommendation, for the terminal."""
    from nlpdive.compare.report import header, table_rows

    head = header(res)[:-1]
    rows = [r[:-1] for r in table_rows(res)]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in [head, *rows]]
    lines += [f"skipped {s['name']}: {s['reason']}" for s in res["skipped"]]
    lines.append(f"recommended: {res['recommendation']}")
    lines.append(f"report: {res['report']}")
    return "\n".join(lines)
