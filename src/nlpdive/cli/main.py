"""`nlpdive` command line: argument parsing only. Every command calls the functions the Python API exposes.

Each module in COMMANDS has `register(cli)`, where `cli` gives the top-level subparsers (`cli.sub`) and the
`train`, `finetune` and `text` groups (`cli.train`, `cli.finetune`, `cli.text`, `cli.vectors`). A command sets
`func=callable(args, out)`; `out.emit(record, text)` prints text, or JSON lines with --json.
"""
import argparse
import json
import os
import sys
import warnings
from importlib import import_module

from nlpdive.errors import NlpdiveError

COMMANDS = [
    "nlpdive.cli.tour",
    "nlpdive.cli.text",
    "nlpdive.cli.classify",
    "nlpdive.cli.embeddings",
    "nlpdive.cli.lm",
    "nlpdive.cli.translate",
    "nlpdive.cli.finetune",
    "nlpdive.cli.vectors",
    "nlpdive.cli.use",
    "nlpdive.cli.serve",
    "nlpdive.cli.compare",
]


_python_show_warning = warnings.showwarning


class Output:
    """Human-readable text by default; one JSON object per line with --json."""

    def __init__(self, json_mode=False, stream=None):
        self.json_mode = json_mode
        self.stream = stream or sys.stdout
        self.silent = os.environ.get("RANK", "0") != "0"  # under torchrun only rank 0 prints

    def emit(self, record, text=None):
        if self.silent:
            return
        if self.json_mode:
            print(json.dumps(record, ensure_ascii=False, default=_jsonable), file=self.stream, flush=True)
        else:
            print(text if text is not None else _human(record), file=self.stream, flush=True)


def _jsonable(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "__fspath__"):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _human(record):
    if isinstance(record, dict):
        return "\n".join(f"{k}: {v}" for k, v in record.items())
    return str(record)


class _Groups:
    def __init__(self, sub, parents):
        self.sub = sub
        self.parents = parents  # [common parser with --json]
        self._groups = {}

    def group(self, name, help):
        if name not in self._groups:
            p = self.sub.add_parser(name, help=help)
            self._groups[name] = p.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)
        return self._groups[name]

    def add(self, sub, name, **kw):
        """Add a command parser that knows --json."""
        return sub.add_parser(name, parents=self.parents, **kw)

    @property
    def train(self):
        return self.group("train", "train a model on your files")

    @property
    def finetune(self):
        return self.group("finetune", "fine-tune a pretrained GPT-2/BERT-style model")

    @property
    def text(self):
        return self.group("text", "tokenize, train tokenizers, vectorize")

    @property
    def vectors(self):
        return self.group("vectors", "word vectors: similar, analogy, evaluate, plot, convert")


class Parser(argparse.ArgumentParser):
    """argparse with its usage errors as one line naming the command and where its flags are listed."""

    def error(self, message):
        print(f"nlpdive: error: {self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)


def build_parser():
    from nlpdive import __version__

    common = Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON object per line")
    parser = Parser(
        prog="nlpdive", description="Deep NLP with PyTorch, on your own text.",
        epilog="Start with `nlpdive tour --quick`, then `nlpdive COMMAND --help`.")
    parser.add_argument("--version", action="version", version=f"nlpdive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    cli = _Groups(sub, [common])
    for name in COMMANDS:
        try:
            module = import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:  # command module not written yet
                continue
            raise
        module.register(cli)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings for users (nlpdive's own, about their input) as one line on stderr; others as Python shows them."""
    if issubclass(category, UserWarning) and not os.environ.get("NLPDIVE_DEBUG"):
        print(f"nlpdive: warning: {message}", file=sys.stderr, flush=True)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


def main(argv=None):
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version (0) or a usage error (2, already printed)
        return e.code if isinstance(e.code, int) else 2
    with warnings.catch_warnings():  # our warnings about the user's input: each shown, as one line
        warnings.simplefilter("always", UserWarning)
        warnings.showwarning = _show_warning
        return _run(args, argv)


def _run(args, argv):
    out = Output(json_mode=getattr(args, "json", False))
    try:
        if hasattr(args, "_parser"):
            from nlpdive.cli.common import apply_config

            apply_config(args, argv)
        result = args.func(args, out)
    except NlpdiveError as e:
        print(f"nlpdive: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        resume = ""
        if getattr(args, "_resumable", False) and not getattr(args, "overwrite", False):  # checkpoints are kept
            resume = f"; continue from the last checkpoint with --resume --out {getattr(args, 'out', None) or 'DIR'}"
        print(f"nlpdive: interrupted{resume}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `nlpdive text tokenize ... | head`
        return 0
    except OSError as e:  # a path the user gave cannot be written or read (permissions, a full disk, ...)
        if e.filename is None:
            return _internal_error(e)
        print(f"nlpdive: error: {e.filename}: {e.strerror} (check the path, its permissions and free space)",
              file=sys.stderr)
        return 2
    except Exception as e:  # a bug of ours: one line, the traceback on request
        return _internal_error(e)
    return result if isinstance(result, int) else 0


def _internal_error(e):
    if os.environ.get("NLPDIVE_DEBUG"):
        raise e
    reason = " ".join(str(e).split())[:300]
    print(f"nlpdive: internal error: {type(e).__name__}: {reason}; run with NLPDIVE_DEBUG=1 for the traceback",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
