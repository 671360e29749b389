"""The comparison's report: DIR/compare.json (the numbers), DIR/pareto.png (accuracy against latency, point area
= size on disk) and DIR/compare.html (self-contained: the table, the plot embedded as a base64 PNG, the
recommendation, the skipped rungs and why). Written after every rung, so a killed comparison still has one."""
import html
import io
import time
from pathlib import Path

from nlpdive.atomic import atomic_file, write_json, write_text

KEYS = ("name", "accuracy", "macro_f1", "train_seconds", "latency_ms_p50", "latency_ms_p99", "sentences_per_second",
        "size_bytes", "parameters", "dir")  # one row of compare.json's "models", in this order
TOLERANCE = 0.01  # accuracy within this of the best counts as "as good": then the fastest of those is recommended
METRICS = {False: ("accuracy", "accuracy"), True: ("micro_f1", "micro-F1")}  # multi_label -> (key, words)
NOTES = {False: "accuracy: the share of rows whose label is predicted", True: "multi-label: `accuracy` holds "
         "micro-F1 (the headline metric), macro_f1 the mean of the per-label F1"}


def recommend(rows, tolerance=TOLERANCE):
    """(name, one-line reason): the lowest-latency model within `tolerance` of the best accuracy, else the best.
    (None, reason) without rows."""
    if not rows:
        return None, "no model was trained"
    best = max(rows, key=lambda r: (r["accuracy"], -r["latency_ms_p50"]))
    close = [r for r in rows if r["accuracy"] >= best["accuracy"] - tolerance]
    pick = min(close, key=lambda r: (r["latency_ms_p50"], -r["accuracy"]))
    if pick is best:
        others = [r for r in rows if r is not best]
        if not others:
            return best["name"], f"{best['name']}: the only model trained"
        fastest = min(rows, key=lambda r: r["latency_ms_p50"]) is best
        return best["name"], (f"{best['name']}: the most accurate ({_pct(best['accuracy'])})"
                              + (" and the fastest" if fastest else f", and no model within {tolerance * 100:g} "
                                 "point of it is faster"))
    gap = (best["accuracy"] - pick["accuracy"]) * 100
    return pick["name"], (f"{pick['name']}: within {gap:.1f} points of the best ({best['name']}, "
                          f"{_pct(best['accuracy'])}) at {_fraction(pick['latency_ms_p50'], best['latency_ms_p50'])} "
                          "of its latency")


def _fraction(small, large):
    """"1/300" (or "45%" when the ratio is under 2) of small / large."""
    ratio = large / max(small, 1e-9)
    return f"1/{ratio:.0f}" if ratio >= 2 else f"{small / large:.0%}"


def _pct(x):
    return f"{100 * x:.2f}%"


def result(rows, skipped, about, multi_label, extra=None):
    """compare.json's content: the rows (KEYS, in ladder order), the recommendation, the skipped rungs."""
    name, reason = recommend(rows)
    key = METRICS[multi_label][0]
    return {"models": [{k: r[k] for k in KEYS} for r in rows], "recommended": name, "recommendation": reason,
            "metric": key, "metric_note": NOTES[multi_label],
            "skipped": list(skipped), "data": about, **(extra or {})}


def write(out, res):
    """DIR/compare.json, DIR/pareto.png and DIR/compare.html; returns the html path."""
    out = Path(out)
    write_json(out / "compare.json", res)
    png = None
    if res["models"]:
        fig = plot_pareto(res["models"], res["recommended"], METRICS[res["metric"] != "accuracy"][1])
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        png = buf.getvalue()
        with atomic_file(out / "pareto.png") as tmp:
            tmp.write_bytes(png)
    return write_text(out / "compare.html", render(res, png))


def pareto_front(rows):
    """The rows no other row beats on both accuracy and latency, fastest first."""
    front, best = [], -1.0
    for r in sorted(rows, key=lambda r: (r["latency_ms_p50"], -r["accuracy"])):
        if r["accuracy"] > best:
            front.append(r)
            best = r["accuracy"]
    return front


def plot_pareto(rows, recommended, metric_words="accuracy"):
    """Accuracy (%) against batch-1 latency p50 (ms, log scale); point area = size on disk; the Pareto front
    dashed, the recommended model ringed. A matplotlib Figure."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    largest = max(r["size_bytes"] for r in rows) or 1
    slowest = max(r["latency_ms_p50"] for r in rows)
    for r in rows:
        x, y = r["latency_ms_p50"], 100 * r["accuracy"]
        area = 60 + 1400 * (r["size_bytes"] / largest) ** 0.5  # points^2: the marker is sqrt(area) points wide
        ax.scatter([x], [y], s=area, alpha=0.55, edgecolors="k", linewidths=0.6, zorder=3)
        if r["name"] == recommended:
            ax.scatter([x], [y], s=area * 1.6, facecolors="none", edgecolors="#c33", linewidths=2, zorder=4)
        right = x < slowest or len(rows) == 1  # the slowest model's label goes on its left, inside the axes
        ax.annotate(f"{r['name']} ({_size(r['size_bytes'])})", (x, y), textcoords="offset points",
                    xytext=((1 if right else -1) * (0.65 * area ** 0.5 + 4), 0), va="center",
                    ha="left" if right else "right", fontsize=9)
    front = pareto_front(rows)
    if len(front) > 1:
        ax.plot([r["latency_ms_p50"] for r in front], [100 * r["accuracy"] for r in front], "--", color="#888",
                zorder=2, label="Pareto front")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:.1e}"[0] in "25" else ""))
    ax.set_xlabel("latency p50, one text per call (ms, log scale)")
    ax.set_ylabel(f"{metric_words} (%)")
    ax.set_title(f"{metric_words} vs latency (point area: size on disk; ringed: recommended)", fontsize=10)
    ax.margins(x=0.35, y=0.2)
    ax.grid(True, alpha=0.3)
    if len(front) > 1:
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def _size(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def table_rows(res):
    """The table's rows (strings), one per model."""
    return [[r["name"], f"{100 * r['accuracy']:.2f}", f"{100 * r['macro_f1']:.2f}", f"{r['train_seconds']:.1f}",
             f"{r['latency_ms_p50']:.2f}", f"{r['latency_ms_p99']:.2f}", f"{r['sentences_per_second']:,.0f}",
             _size(r["size_bytes"]), f"{r['parameters']:,}", r["dir"]] for r in res["models"]]


def header(res):
    words = METRICS[res["metric"] != "accuracy"][1]
    return ["model", f"{words} %", "macro-F1 %", "train s", "p50 ms", "p99 ms", "sentences/s", "size",
            "parameters", "directory"]


def render(res, png=None):
    """compare.html: everything inline (no file or network needed to view it)."""
    from nlpdive import __version__
    from nlpdive.report import CSS, TourContext

    e, about = html.escape, res.get("data", {})
    held = about.get("held", "validation")
    parts = [f"<h1>nlpdive compare</h1><p class='meta'>nlpdive {__version__} · {time.strftime('%Y-%m-%d %H:%M')}"
             f" · budget {res.get('budget_seconds', 0):.0f} s, used {res.get('total_seconds', 0):.0f} s</p>"]
    if res["recommended"]:
        parts.append(f"<p><b>Recommended: {e(res['recommendation'])}</b></p>")
    else:
        parts.append(f"<p class='err'>{e(res['recommendation'])}</p>")
    parts.append(f"<p>Data: {e(about.get('data', '?'))}, {about.get('train_rows', '?')} training rows; validation: "
                 f"{e(about.get('valid', '?'))}; every model scored and timed on the same {about.get('held_rows', '?')}"
                 f" {e(held)} rows. {e(res['metric_note'])}.</p>")
    if held == "validation":
        parts.append("<p class='meta'>The validation rows also chose each model's epoch (early stopping, "
                     "keep-best): pass --test FILE for scores on rows no model has seen.</p>")
    parts.append(TourContext.table(header(res), table_rows(res)))
    parts.append(TourContext.png(png, "accuracy against latency",
                                 "Each model's held-out score against its median latency for one text (log "
                                 "scale): up and to the left is better. The recommendation is the fastest model "
                                 "within a point of the best score.")
                 if png else "")
    if res["skipped"]:
        items = "".join(f"<li><b>{e(s['name'])}</b>: {e(s['reason'])}</li>" for s in res["skipped"])
        parts.append(f"<h2>Skipped</h2><ul>{items}</ul>")
    if res["models"]:
        first = res["models"][0]["dir"]
        parts.append("<h2>Use a model</h2>" + TourContext.code(
            f'nlpdive predict {first} "that movie sucked!"\nnlpdive evaluate {first} --data TEST_FILE\n'
            "nlpdive serve " + " ".join(r["dir"] for r in res["models"])))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>nlpdive compare</title><style>{CSS}</style>"
            f"</head><body>{''.join(parts)}</body></html>")
