"""nlpdive tour: the talk end to end on bundled data -> DIR/report.html."""
import sys
from pathlib import Path

from nlpdive.errors import InputError


def register(cli):
    p = cli.add(cli.sub, "tour", help="the talk end to end on bundled data -> DIR/report.html")
    p.add_argument("--out", default="runs/tour", help="output directory (default: runs/tour)")
    p.add_argument("--quick", action="store_true",
                   help="small, fast versions of every step (about 4 minutes on 2 cores; the full tour about 20)")
    p.add_argument("--seed", type=int, default=0, help="random seed of every step (default 0)")
    p.add_argument("--only", nargs="+", metavar="SECTION",
                   help="run only these sections (preprocess, bow, embeddings, rnn, generate, seq2seq, transformer, "
                        "transfer; a part of the name works)")
    p.set_defaults(func=run)


def run(args, out):
    from nlpdive.report import SECTIONS, TourContext, render, run_sections

    names = _selected(SECTIONS, args.only)
    log = (lambda m: None) if args.json else (lambda m: print(m, file=sys.stderr))
    ctx = TourContext(out=Path(args.out), quick=args.quick, seed=args.seed, log=log)
    ctx.out.mkdir(parents=True, exist_ok=True)
    sections, errors = run_sections(ctx, names)
    path = render(sections, ctx.out / "report.html")
    for s in sections:
        out.emit({"section": s.title, **s.summary}, f"  {s.title}: {_brief(s.summary)}")
    checks = [check for s in sections for check in s.checks]
    wrong = [what for what, _, ok in checks if not ok]
    out.emit({"talk_examples": len(checks), "right": len(checks) - len(wrong), "wrong": wrong},
             f"the talk's examples: {len(checks) - len(wrong)} of {len(checks)} right"
             + "".join(f"\n  not this time: {what}" for what in wrong))
    out.emit({"report": str(path)}, f"report written: {path}")
    for spec, e in errors:
        print(f"nlpdive: section {spec} failed: {e!r}", file=sys.stderr)
    return 1 if errors else 0


def _selected(sections, only):
    if not only:
        return sections
    short = {s: s.split(":")[0].rsplit(".", 1)[-1] for s in sections}  # "nlpdive.tasks.classify:f" -> classify
    names = [s for s in sections if any(o in short[s] for o in only)]
    if not names:
        raise InputError(f"--only {' '.join(only)}: no such section",
                         hint=f"the sections are: {', '.join(short.values())}")
    return names


def _brief(summary):
    """The summary's plain numbers and strings, for people (--json prints it all)."""
    return ", ".join(f"{k} {v}" for k, v in summary.items() if isinstance(v, (int, float, str))) or "done"
