"""The tour report: one section per act of the talk (report/<section>.py), rendered to one self-contained
report.html. Sections call the tasks' public API; no task knows about the tour.

A section is a function `tour_section(ctx) -> Section` in its own module, listed in SECTIONS (in talk order).
Use `ctx.figure(fig)` for matplotlib figures (embedded as base64 PNG), `ctx.table(header, rows)` for tables,
`ctx.code(text)` for monospace blocks; `ctx.quick` asks for a fast, small version; `ctx.out` is the
output directory (for extra files such as plots users may open on their own); `ctx.progress(msg)` logs a step.
"""
import base64
import html
import io
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from nlpdive.atomic import write_text

# "module:function", in the order of the talk
SECTIONS = [
    "nlpdive.report.preprocess:tour_section",
    "nlpdive.report.classify:tour_section",
    "nlpdive.report.embeddings:tour_section",
    "nlpdive.report.generate:tour_section",
    "nlpdive.report.translate:tour_section",
    "nlpdive.report.transfer:tour_section",
]


@dataclass
class Section:
    title: str
    body: str  # HTML
    summary: dict = field(default_factory=dict)  # numbers for --json output and tests


@dataclass
class TourContext:
    out: Path
    quick: bool = True
    seed: int = 0
    log: callable = print

    def progress(self, msg):
        self.log(msg)

    @staticmethod
    def esc(text):
        return html.escape(str(text))

    @staticmethod
    def figure(fig, alt="figure"):
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        return TourContext.png(buf.getvalue(), alt)

    @staticmethod
    def png(data, alt="figure"):
        """An <img> embedding PNG bytes (or the PNG file at a path; nothing when it is missing)."""
        if isinstance(data, (str, Path)):
            data = Path(data).read_bytes() if Path(data).exists() else None
        if data is None:
            return ""
        encoded = base64.b64encode(data).decode("ascii")
        return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'

    @staticmethod
    def table(header, rows, caption=None):
        e = html.escape
        cap = f"<caption>{e(caption)}</caption>" if caption else ""
        head = "".join(f"<th>{e(str(h))}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    @staticmethod
    def code(text):
        return f"<pre>{html.escape(str(text))}</pre>"


CSS = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{border-bottom:2px solid #c33}h2{margin-top:2.2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f4f4f4}caption{text-align:left;font-weight:600;padding:.3em 0}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto}img{max-width:100%}
.err{color:#a00}.meta{color:#777;font-size:.85em}
"""


def run_sections(ctx, names=None):
    """Run each section (all of SECTIONS when `names` is None). A failing section is reported in the page and
    returned in `errors` as (spec, exception), so the rest of the tour still runs."""
    sections, errors = [], []
    for spec in SECTIONS if names is None else names:
        module, func = spec.split(":")
        t0 = time.perf_counter()
        try:
            try:
                fn = getattr(import_module(module), func)
            except ModuleNotFoundError as e:
                if e.name == module:
                    continue  # the section's own module is not written yet
                raise  # something the section imports is missing: a failure to report
            section = fn(ctx)
        except Exception as e:  # keep the rest of the tour; report the failure
            errors.append((spec, e))
            section = Section(spec, f'<p class="err">This section failed: {html.escape(repr(e))}</p>')
        section.summary.setdefault("seconds", round(time.perf_counter() - t0, 2))
        sections.append(section)
    return sections, errors


def render(sections, path, title="nlpdive tour — A Deep Dive into NLP with PyTorch"):
    from nlpdive import __version__

    toc = "".join(f'<li><a href="#s{i}">{html.escape(s.title)}</a></li>' for i, s in enumerate(sections))
    parts = [f'<h2 id="s{i}">{html.escape(s.title)}</h2>\n{s.body}\n'
             f'<p class="meta">{s.summary.get("seconds", "?")} s</p>' for i, s in enumerate(sections)]
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class='meta'>nlpdive {__version__} · {time.strftime('%Y-%m-%d %H:%M')}</p><ol>{toc}</ol>"
            + "".join(parts) + "</body></html>")
    return write_text(path, page)
