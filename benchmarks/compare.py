"""`nlpdive compare` (issue 15) on the real data: the ladder (bow, CNN, GRU, the installed all-MiniLM-L6-v2
fine-tuned) within a 30-minute budget, each model scored on the fixed test split, printed as a markdown table.

    python benchmarks/compare.py                    # both, one after the other (about an hour)
    python benchmarks/compare.py --datasets mr      # MR fixed split: train.tsv -> test.tsv
    python benchmarks/compare.py --datasets sst2    # SST-2 train -> dev
    python benchmarks/compare.py --datasets mr --budget 10m --models bow cnn gru -- --threads 1

Each run is `nlpdive compare --data TRAIN --test TEST --budget BUDGET --out WORK/DATASET --json` in a fresh process
(anything after `--` is passed on); the table comes from WORK/DATASET/compare.json, and the script also prints
that file's recommendation and the command's wall time. Data: ../shared/data (or $NLPDIVE_SHARED_DATA).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NLPDIVE_SHARED_DATA", ROOT.parent / "shared" / "data"))
SPLITS = {"mr": ("mr/train.tsv", "mr/test.tsv"), "sst2": ("sst2/train.tsv", "sst2/dev.tsv")}


def run_compare(train, test, out, budget, models, extra):
    """The command in a fresh process; returns (compare.json, wall seconds, exit code)."""
    cmd = [sys.executable, "-m", "nlpdive", "compare", "--data", str(train), "--test", str(test), "--budget", budget,
           "--out", str(out), "--json", *(["--models", *models] if models else []), *extra]
    print("$", " ".join(cmd[2:]), flush=True)
    start = time.perf_counter()
    done = subprocess.run(cmd, text=True, stdout=subprocess.PIPE)
    seconds = time.perf_counter() - start
    report = out / "compare.json"
    if not report.exists():
        sys.exit(f"failed ({done.returncode}) before writing {report}")
    return json.loads(report.read_text()), seconds, done.returncode


def table(res):
    """compare.json as a markdown table."""
    lines = [f"| model | {res['metric']} % | macro-F1 % | train s | p50 ms | p99 ms | sentences/s | size MB | "
             "parameters |", "|---|---|---|---|---|---|---|---|---|"]
    for r in res["models"]:
        lines.append(f"| {r['name']} | {100 * r['accuracy']:.2f} | {100 * r['macro_f1']:.2f} | "
                     f"{r['train_seconds']:.0f} | {r['latency_ms_p50']:.2f} | {r['latency_ms_p99']:.2f} | "
                     f"{r['sentences_per_second']:,.0f} | {r['size_bytes'] / 2 ** 20:.1f} | {r['parameters']:,} |")
    lines += [f"skipped {s['name']}: {s['reason']}" for s in res.get("skipped", [])]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--datasets", nargs="+", choices=SPLITS, default=list(SPLITS))
    p.add_argument("--budget", default="30m", help="nlpdive compare --budget, per dataset (default 30m)")
    p.add_argument("--models", nargs="+", help="nlpdive compare --models (default: its ladder)")
    p.add_argument("--work", default=str(ROOT / "runs" / "bench-compare"), help="where the runs go")
    p.add_argument("extra", nargs="*", help="after --: more `nlpdive compare` flags")
    args = p.parse_args(argv)
    worst = 0
    for name in args.datasets:
        train, test = (DATA / part for part in SPLITS[name])
        out = Path(args.work) / name
        if not train.exists():
            sys.exit(f"{train} not found (the real datasets live in ../shared/data)")
        if out.exists():
            sys.exit(f"{out} exists: remove it, or pass another --work")
        res, seconds, code = run_compare(train, test, out, args.budget, args.models, args.extra)
        print(f"\n{name}: {train.name} -> {test.name}, budget {args.budget}, "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, wall {seconds:.0f} s, exit {code}")
        print(table(res))
        print(f"recommended: {res['recommendation']}\nreport: {out / 'compare.html'}\n", flush=True)
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
