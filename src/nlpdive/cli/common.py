"""Flags shared by commands: reader flags, training flags, --config files (same keys as flags; flags win)."""
import argparse
import json
from pathlib import Path

from nlpdive.errors import InputError


def add_reader_args(p, data_required=True, nargs=None):
    """--data and the reader flags every data-taking command shares."""
    p.add_argument("--data", required=data_required, nargs=nargs, metavar="FILE",
                   help="CSV, TSV, JSONL or text file (.gz works)")
    p.add_argument("--text-column", metavar="C", help="column name or 0-based index holding the text")
    p.add_argument("--label-column", metavar="C", help="column name or 0-based index holding the label")
    p.add_argument("--encoding", default=None, metavar="E", help="file encoding (default utf-8; e.g. latin-1)")
    p.add_argument("--skip-empty", action="store_true", help="drop rows whose text is empty (default: an error)")


def add_train_args(p, trainer_options=True):
    """The flags every `train` command takes (see CLI.md); `trainer_options=False` leaves out the
    nlpdive.train.Trainer's own options, for a command that trains with its own loop."""
    p.add_argument("--out", required=False, metavar="DIR", help="run/model directory (default runs/<task>)")
    p.add_argument("--epochs", type=int, help="passes over the training data")
    p.add_argument("--batch-size", type=int, help="examples per optimizer step (global, across processes)")
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"], help="default: auto")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"], help="default: fp32")
    p.add_argument("--config", metavar="FILE", help="YAML or JSON file with the same keys as the flags; flags win")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    p.add_argument("--valid", metavar="FILE", help="validation file (same format as --data)")
    p.add_argument("--valid-split", type=float, metavar="F", help="hold out this fraction of --data for validation")
    if trainer_options:
        _add_trainer_args(p.add_argument_group("training options (unset: the task's defaults)"))
    p.set_defaults(_parser=p)


def _add_trainer_args(g):
    """The rest of nlpdive.train.TrainConfig, one flag per field (None = the task's default). --patience is the
    task's own flag (its help names the task's default)."""
    g.add_argument("--optimizer", choices=["adamw", "sgd"], help="default adamw")
    g.add_argument("--weight-decay", type=float, metavar="F", help="AdamW/SGD weight decay on weight matrices")
    g.add_argument("--momentum", type=float, metavar="F", help="SGD momentum")
    g.add_argument("--schedule", choices=["constant", "linear", "cosine"], help="learning-rate schedule after warm-up")
    g.add_argument("--warmup", type=float, metavar="W", help="warm-up: a fraction of all steps (< 1) or a step count")
    g.add_argument("--clip", type=float, metavar="NORM", help="clip the gradient norm (0: no clipping)")
    g.add_argument("--accum", type=int, metavar="N", help="accumulate gradients over N micro-batches per step")
    g.add_argument("--eval-every", type=int, metavar="N", help="also evaluate every N optimizer steps")
    g.add_argument("--monitor", metavar="METRIC", help="validation metric for early stopping and keep-best")
    g.add_argument("--mode", choices=["min", "max"], help="whether --monitor should go down (min) or up (max)")
    g.add_argument("--keep-best", action=argparse.BooleanOptionalAction, default=None,
                   help="end with the best evaluated weights (default) or the last ones")
    g.add_argument("--checkpoint-every", type=int, metavar="N", help="also checkpoint every N steps")
    g.add_argument("--log-every", type=int, metavar="N", help="steps between train-loss records in metrics.jsonl")
    g.add_argument("--num-workers", type=int, metavar="N", help="data-loading worker processes (default 0)")


def load_config_file(path):
    path = Path(path)
    if not path.exists():
        raise InputError("config file not found", path=path, hint="check --config")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            data = json.loads(text)
    except Exception as e:
        raise InputError(f"cannot parse config ({e})", path=path, hint="use YAML (.yaml) or JSON (.json)") from None
    if not isinstance(data, dict):
        raise InputError("config must be a mapping of flag names to values", path=path)
    return data


def apply_config(args, argv):
    """Fill args from --config for every flag not given on the command line. Keys use the flag names
    with '-' or '_' (e.g. batch-size or batch_size)."""
    if not getattr(args, "config", None):
        return args
    parser = args._parser
    data = load_config_file(args.config)
    given = _given_dests(parser, argv)
    by_dest = {a.dest: a for a in parser._actions if a.option_strings}
    for key, value in data.items():
        dest = key.replace("-", "_")
        if dest not in by_dest:
            raise InputError(f"unknown key {key!r}", path=args.config,
                             hint=f"keys are the command's flags: {', '.join(sorted(by_dest))}")
        if dest not in given:
            action = by_dest[dest]
            if action.type is not None and value is not None and not isinstance(value, list):
                value = action.type(value)
            setattr(args, dest, value)
    return args


def _given_dests(parser, argv):
    argv = argv or []
    given = set()
    for a in parser._actions:
        for opt in a.option_strings:
            if any(tok == opt or tok.startswith(opt + "=") for tok in argv):
                given.add(a.dest)
    return given


def effective_config(args):
    """The run's settings as a plain dict (written to the run directory so a run can be repeated; --resume is
    left out: repeating a run starts it afresh)."""
    skip = {"func", "_parser", "_argv", "json", "config", "resume"}
    return {k: v for k, v in vars(args).items() if k not in skip and not k.endswith("_command") and k != "command"}
