"""Flags shared by commands: reader flags, training flags, --config files (same keys as flags; flags win)."""
import argparse
import json
import os
from contextlib import contextmanager
from pathlib import Path

from nlpdive.errors import InputError


def add_reader_args(p, data_required=True, nargs=None):
    """--data and the reader flags every data-taking command shares."""
    p.add_argument("--data", required=data_required, nargs=nargs, metavar="FILE",
                   help="CSV, TSV, JSONL or text file (.gz works)")
    p.add_argument("--text-column", metavar="C", help="column name or 0-based index holding the text")
    p.add_argument("--label-column", metavar="C", help="column name or 0-based index holding the label")
    p.add_argument("--encoding", default=None, metavar="E", help="file encoding (default utf-8; e.g. latin-1)")
    p.add_argument("--format", choices=("csv", "tsv", "jsonl", "txt"), help="the file's format (default: from its "
                   "extension and contents; a .txt of TEXT<TAB>LABEL lines reads as TSV)")
    p.add_argument("--skip-empty", action="store_true", help="training: skip rows whose text is empty even when "
                   "most are (default: a few are skipped with a warning; evaluate and predict score them)")


def add_multilabel_args(p, train=False):
    """Multi-label reader flags (train classify, evaluate) and --threshold; `train` adds --multi-label."""
    g = p.add_argument_group("multi-label (any number of labels per text)")
    if train:
        from nlpdive.options import add_options
        from nlpdive.tasks.classify.config import ClassifyConfig

        add_options(g, ClassifyConfig, only=("multi_label",))
    g.add_argument("--label-columns", "--label-cols", nargs="+", metavar="C",
                   help="several 0/1 columns, one per label (names or 0-based indices, spaces or commas between); "
                        "a row of zeros has no label" + ("; implies --multi-label" if train else ""))
    g.add_argument("--label-sep", metavar="S", help="the separator between the labels of a --label-column cell "
                   "(default |)" + ("; implies --multi-label" if train else ""))
    g.add_argument("--allow-empty-labels", action="store_true", default=None,
                   help="a --label-column cell may list no label (default: an error)")
    add_threshold_arg(g)


def add_threshold_arg(p):
    """--threshold, from ClassifyConfig's field (at evaluate/predict time it defaults to the model's)."""
    from dataclasses import fields

    from nlpdive.options import add_options
    from nlpdive.tasks.classify.config import ClassifyConfig

    default = next(f.default for f in fields(ClassifyConfig) if f.name == "threshold")
    add_options(p, ClassifyConfig, only=("threshold",), defaults={"threshold": f"{default}, or the model's"})


def multilabel_reader(args):
    """The multi-label reader options given on the command line (nlpdive.data.read_multilabel's keywords)."""
    reader = {k: getattr(args, k) for k in ("label_sep", "allow_empty_labels") if getattr(args, k, None)}
    columns = getattr(args, "label_columns", None)
    if columns:  # a list from the command line; a config file may give "a,b"
        columns = [columns] if isinstance(columns, str) else columns
        reader["label_columns"] = [c.strip() for value in columns for c in value.split(",") if c.strip()]
    return reader


def classify_reader(args):
    """The reader options of a labelled-file command (train classify, finetune classify, compare) from its flags;
    --label-columns / --label-sep imply --multi-label."""
    reader = {k: getattr(args, k) for k in ("text_column", "label_column", "encoding", "format", "skip_empty")
              if getattr(args, k, None) not in (None, False)}
    reader.update(multilabel_reader(args))
    if reader.keys() & {"label_columns", "label_sep"}:
        args.multi_label = True
    return reader


COMMON_TRAIN_OPTIONS = ("epochs", "batch_size", "lr", "seed", "device", "precision")  # every train command's


def add_train_args(p, trainer_options=True, defaults=None):
    """The flags every `train` command takes (see CLI.md), generated from nlpdive.train.TrainConfig's fields;
    `trainer_options=False` leaves out the Trainer's own options, for a command that trains with its own loop.
    `defaults`: {option: shown default} where the task's recipe sets its own."""
    from nlpdive.options import add_options
    from nlpdive.train import TrainConfig

    p.add_argument("--out", required=False, metavar="DIR", help="run/model directory (default runs/<task>)")
    add_options(p, TrainConfig, only=COMMON_TRAIN_OPTIONS, defaults=defaults)
    p.add_argument("--config", metavar="FILE", help="YAML or JSON file with the same keys as the flags; flags win")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    p.add_argument("--overwrite", action="store_true", help="replace the model saved in --out, once the new one is "
                   "complete (default: a directory holding a model is refused)")
    p.add_argument("--valid", metavar="FILE", help="validation file (same format as --data)")
    p.add_argument("--valid-split", type=float, metavar="F", help="hold out this fraction of --data for validation")
    if trainer_options:
        add_options(p.add_argument_group("training options"), TrainConfig, skip=COMMON_TRAIN_OPTIONS,
                    defaults=defaults)
    p.set_defaults(_parser=p)


def budget_defaults(args, defaults, budget):
    """A recipe's TrainConfig defaults under the time-budget rule of the generating tasks: with neither --time-budget
    nor --epochs a run takes `budget` seconds; --epochs alone trains those epochs (the recipe's epoch cap goes)."""
    defaults = dict(defaults)
    if args.epochs is None and args.time_budget is None:
        defaults["time_budget"] = budget
    elif args.epochs is not None and args.time_budget is None:
        defaults.pop("epochs", None)
    return defaults


def load_config_file(path):
    path = Path(path)
    if not path.exists():
        raise InputError("config file not found", path=path, hint="check --config")
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            data = json.loads(text)
    except Exception as e:  # JSON, YAML and UTF-8 decoding errors all mean the same to users
        reason = " ".join(str(e).split())  # YAML's messages span lines
        raise InputError(f"cannot parse config ({reason})", path=path,
                         hint="use YAML (.yaml) or JSON (.json)") from None
    if not isinstance(data, dict):
        raise InputError("config must be a mapping of flag names to values", path=path)
    return data


def apply_config(args, argv):
    """Fill args from --config for every flag not given on the command line. Keys use the flag names
    with '-' or '_' (e.g. batch-size or batch_size); values are converted and checked like the flags' own."""
    if not getattr(args, "config", None):
        return args
    parser = args._parser
    data = load_config_file(args.config)
    given = _given_dests(parser, argv)
    by_dest = {a.dest: a for a in parser._actions if a.option_strings and a.dest != "help"}
    for key, value in data.items():
        dest = key.replace("-", "_")
        if dest not in by_dest:
            raise InputError(f"unknown key {key!r}", path=args.config,
                             hint=f"keys are the command's flags: {', '.join(sorted(by_dest))}")
        if dest not in given:
            setattr(args, dest, _config_value(by_dest[dest], key, value, args.config))
    return args


def _config_value(action, key, value, path):
    """A config file's value for a flag, converted by the flag's type and checked against its choices."""
    flag = action.option_strings[0]
    if isinstance(value, list) and action.nargs in (None, "?", 0):
        raise InputError(f"key {key!r} takes one value, not a list", path=path,
                         hint=f"see {flag} in the command's --help")
    values = value if isinstance(value, list) else [value]
    try:
        if action.type is not None:
            values = [v if v is None else action.type(v) for v in values]
    except (TypeError, ValueError, argparse.ArgumentTypeError):
        raise InputError(f"key {key!r}: {value!r} is not a valid {flag} value", path=path,
                         hint=f"see {flag} in the command's --help") from None
    for v in values:
        if action.choices is not None and v is not None and v not in action.choices:
            raise InputError(f"key {key!r}: {v!r} is not one of {', '.join(map(str, action.choices))}", path=path)
    return values if isinstance(value, list) else values[0]


def _given_dests(parser, argv):
    """The flags on the command line: written in full, as --flag=value, or abbreviated (argparse accepts
    --batch for --batch-size)."""
    options = parser._option_string_actions
    given = set()
    for token in argv or []:
        name = token.split("=", 1)[0]
        if not name.startswith("--"):
            continue
        exact = options.get(name)
        dests = {exact.dest} if exact else {a.dest for opt, a in options.items() if opt.startswith(name)}
        if len(dests) == 1:
            given |= dests
    return given


def effective_config(args, *resolved):
    """The run's settings as a plain dict (written to the run directory so a run can be repeated; --resume is
    left out: repeating a run starts it afresh). A flag left unset (None) takes its value from the first of
    `resolved` (objects such as the run's TrainConfig) that has an attribute of that name."""
    skip = {"func", "_parser", "json", "config", "resume", "command"}
    config = {k: v for k, v in vars(args).items() if k not in skip and not k.endswith("_command")}
    for key, value in config.items():
        if value is None:
            config[key] = next((getattr(r, key) for r in resolved if hasattr(r, key)), None)
    return config


def check_output(path, flag, kind="file", example="out"):
    """Fail before any work when `path` (given by `flag`) cannot be written: a directory where a file is wanted
    (kind="file"), a file where a directory is (kind="dir"), a parent that is a file, or no write permission.
    Missing parent directories are fine: the atomic writers create them."""
    path = Path(path)
    if kind == "file" and path.is_dir():
        raise InputError("is a directory", path=path, hint=f"give {flag} a file name, e.g. {flag} {path / example}")
    if kind == "dir" and path.exists() and not path.is_dir():
        raise InputError("exists and is not a directory", path=path,
                         hint=f"give {flag} a new directory, or remove the file")
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"cannot be created: {parent} is a file, not a directory", path=path,
                         hint=f"choose another {flag}")
    for place in (parent, path) if kind == "dir" and path.is_dir() else (parent,):
        if not os.access(place, os.W_OK | os.X_OK):
            raise InputError(f"no permission to write in {place}", path=path, hint=f"choose another {flag}")


@contextmanager
def output_errors(path, flag):
    """An OSError while writing `path` (a full disk, a permission) becomes one line naming `path` and `flag`,
    never the temporary file the atomic writers use."""
    try:
        yield
    except OSError as e:
        raise InputError(f"cannot write ({e.strerror or e})", path=path,
                         hint=f"check {flag}: its directory, permissions and free space") from None
