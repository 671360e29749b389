"""The tour report: one section per act of the talk (report/<section>.py), rendered to one self-contained
report.html. Sections call the tasks' public API; no task knows about the tour.

A section is a function `tour_section(ctx) -> Section` in its own module, listed in SECTIONS (in talk order).
Use `ctx.figure(fig, alt, caption)` for matplotlib figures (embedded as base64 PNG, with a caption that says what
to see; `ctx.png` for a PNG file), `ctx.table(header, rows)` for tables,
`ctx.code(text)` for monospace blocks; `ctx.quick` asks for a fast, small version; `ctx.out` is the
output directory (for extra files such as plots users may open on their own); `ctx.model_dir(name)` is where a
trained model is saved; `ctx.progress(msg)` logs a step.
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
    "nlpdive.report.bow:tour_section",
    "nlpdive.report.embeddings:tour_section",
    "nlpdive.report.rnn:tour_section",
    "nlpdive.report.generate:tour_section",
    "nlpdive.report.seq2seq:tour_section",
    "nlpdive.report.transformer:tour_section",
    "nlpdive.report.transfer:tour_section",
]


@dataclass
class Section:
    title: str
    body: str  # HTML
    summary: dict = field(default_factory=dict)  # numbers for --json output and tests
    checks: list = field(default_factory=list)  # the talk's examples: (what the talk shows, what we got, bool)


@dataclass
class TourContext:
    out: Path
    quick: bool = True
    seed: int = 0
    log: callable = print

    def progress(self, msg):
        self.log(msg)

    def model_dir(self, name):
        """DIR/models/<name>, emptied: where a section saves a model it trains (a re-run replaces the last one)."""
        import shutil

        path = self.out / "models" / name
        if path.exists():
            shutil.rmtree(path)
        return path

    @staticmethod
    def esc(text):
        return html.escape(str(text))

    @staticmethod
    def figure(fig, alt, caption):
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        return TourContext.png(buf.getvalue(), alt, caption)

    @staticmethod
    def png(data, alt, caption):
        """A <figure> embedding PNG bytes (or the PNG file at a path; nothing when it is missing), captioned."""
        if isinstance(data, (str, Path)):
            data = Path(data).read_bytes() if Path(data).exists() else None
        if data is None:
            return ""
        encoded = base64.b64encode(data).decode("ascii")
        return (f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    @staticmethod
    def table(header, rows, caption=None):
        e = html.escape
        cap = f"<caption>{e(caption)}</caption>" if caption else ""
        head = "".join(f"<th>{e(str(h))}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        return f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'

    @staticmethod
    def code(text):
        return f"<pre>{html.escape(str(text))}</pre>"


CSS = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{border-bottom:2px solid #c33;font-size:1.8em}h2{margin-top:2.2em;border-bottom:1px solid #ddd}
.scroll{overflow-x:auto}table{border-collapse:collapse;margin:1em 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}caption{text-align:left;font-weight:600;padding:.3em 0}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
figure{margin:1em 0}img{max-width:100%;height:auto}p,li{overflow-wrap:anywhere}figcaption{color:#555;font-size:.9em}
.err{color:#a00}.ok{color:#070}.meta{color:#777;font-size:.85em}nav li{margin:.15em 0}
@media (max-width:600px){body{margin:1em auto;font-size:15px}h1{font-size:1.4em}}
"""


def run_sections(ctx, names=None):
    """Run each section (all of SECTIONS when `names` is None). A failing section is reported in the page and
    returned in `errors` as (spec, exception), so the rest of the tour still runs."""
    sections, errors = [], []
    specs = SECTIONS if names is None else names
    for i, spec in enumerate(specs, 1):
        module, func = spec.split(":")
        ctx.progress(f"[{i}/{len(specs)}] {module.rsplit('.', 1)[-1]}")
        t0, failed = time.perf_counter(), False
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
            failed = True
            section = Section(spec, f'<p class="err">This section failed: {html.escape(repr(e))}</p>')
        section.summary.setdefault("seconds", round(time.perf_counter() - t0, 2))
        ctx.progress(f"[{i}/{len(specs)}] {'failed' if failed else 'done'} in {section.summary['seconds']:.0f} s")
        sections.append(section)
    return sections, errors


def render(sections, path, title="nlpdive tour — A Deep Dive into NLP with PyTorch"):
    from nlpdive import __version__

    checks = [(i, check) for i, s in enumerate(sections) for check in s.checks]
    rows = "".join(f'<tr><td><a href="#s{i}">{html.escape(what)}</a></td><td>{html.escape(str(got))}</td>'
                   f'<td class="{"ok" if ok else "err"}">{"yes" if ok else "no"}</td></tr>'
                   for i, (what, got, ok) in checks)
    summary = (f'<div class="scroll"><table><caption>The talk\'s examples, checked on this run: '
               f'{sum(ok for _, (_, _, ok) in checks)} of {len(checks)} right</caption><thead><tr><th>the talk shows'
               f'</th><th>this run</th><th>right</th></tr></thead><tbody>{rows}</tbody></table></div>'
               if checks else "")
    toc = "".join(f'<li><a href="#s{i}">{html.escape(s.title)}</a></li>' for i, s in enumerate(sections))
    parts = [f'<section id="s{i}"><h2>{html.escape(s.title)}</h2>\n{s.body}\n'
             f'<p class="meta">{s.summary.get("seconds", "?")} s</p></section>' for i, s in enumerate(sections)]
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class='meta'>nlpdive {__version__} · {time.strftime('%Y-%m-%d %H:%M')}</p>"
            f"<nav><b>Contents</b><ol>{toc}</ol></nav>{summary}"
            + "".join(parts) + "</body></html>")
    return write_text(path, page)
