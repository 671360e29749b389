"""nlpdive tour: the talk end to end on bundled data -> DIR/report.html."""
import sys
from pathlib import Path


def register(cli):
    p = cli.add(cli.sub, "tour", help="the talk end to end on bundled data -> DIR/report.html")
    p.add_argument("--out", default="runs/tour", help="output directory (default: runs/tour)")
    p.add_argument("--quick", action="store_true", help="small, fast versions of every step (about a minute)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", nargs="*", metavar="SECTION", help="run only sections whose module name contains these")
    p.set_defaults(func=run)


def run(args, out):
    from nlpdive.report import SECTIONS, TourContext, render, run_sections

    names = SECTIONS
    if args.only:
        names = [s for s in SECTIONS if any(o in s for o in args.only)]
    log = (lambda m: print(m, file=sys.stderr)) if not args.json else (lambda m: None)
    ctx = TourContext(out=Path(args.out), quick=args.quick, seed=args.seed, log=log)
    ctx.out.mkdir(parents=True, exist_ok=True)
    sections, errors = run_sections(ctx, names)
    path = render(sections, ctx.out / "report.html")
    for s in sections:
        out.emit({"section": s.title, **s.summary}, f"  {s.title}: {s.summary}")
    out.emit({"report": str(path)}, f"report written: {path}")
    if errors:
        for spec, e in errors:
            print(f"nlpdive: section {spec} failed: {e!r}", file=sys.stderr)
        return 1
    return 0
