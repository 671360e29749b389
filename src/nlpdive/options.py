"""One source per option: a config dataclass field carries its default, help, choices and valid range; the CLI
flags are generated from the fields and the config validates itself, so the Python API and the command line give
the same clear errors.

    @dataclass
    class MyConfig:
        lr: float = option(1e-3, "peak learning rate", min=0, exclusive=True)
        schedule: str = option("constant", "learning-rate schedule", choices=("constant", "linear"))
        def __post_init__(self):
            check_options(self)

    add_options(parser_group, MyConfig)          # --lr, --schedule (unset flags stay None)
    MyConfig(**given_options(MyConfig, args))    # only what the user gave; the dataclass owns the defaults
"""
import argparse
import math
import types
import typing
from dataclasses import MISSING, field, fields

from nlpdive.errors import InputError


def option(default=None, help="", *, choices=None, min=None, max=None, exclusive=False, below=None, metavar=None,
           flag=None, aliases=(), cli=True, default_help=None, parse=None):
    """A dataclass field with CLI metadata. `min`/`max` bound numbers (`exclusive`: min itself is not allowed;
    `below`: values must be < below); `default_help` replaces "(default X)" in the help (e.g. "the model's");
    `cli=False` keeps the field out of the generated flags; `parse` overrides the annotation's type."""
    meta = dict(help=help, choices=choices, min=min, max=max, exclusive=exclusive, below=below, metavar=metavar,
                flag=flag, aliases=tuple(aliases), cli=cli, default_help=default_help, parse=parse)
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: default.copy(), metadata=meta)
    return field(default=default, metadata=meta)


def flag_name(f):
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")


def _base_type(f):
    """int | float | str | bool | tuple of the field's annotation (Optional unwrapped)."""
    if f.metadata.get("parse") is not None:
        return f.metadata["parse"]
    tp = f.type
    if isinstance(tp, str):
        tp = {"int": int, "float": float, "str": str, "bool": bool}.get(tp.split("|")[0].strip(), str)
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        tp = next(a for a in typing.get_args(tp) if a is not type(None))
    return typing.get_origin(tp) or tp


def check_options(obj):
    """Validate every option field of a config dataclass instance (types, choices, ranges); InputError naming the
    flag. Call it from __post_init__."""
    for f in fields(obj):
        if "help" not in f.metadata:
            continue
        value, flag, meta = getattr(obj, f.name), flag_name(f), f.metadata
        if value is None:
            continue
        kind = _base_type(f)
        if kind is bool:
            if not isinstance(value, bool):
                raise InputError(f"{flag} takes true or false, got {value!r}")
            continue
        if kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
                raise InputError(f"{flag} takes {'a whole number' if kind is int else 'a number'}, got {value!r}")
            if not math.isfinite(value):
                raise InputError(f"{flag} must be a finite number, got {value}")
            _check_range(flag, value, meta)
        if meta["choices"] is not None and value not in meta["choices"]:
            raise InputError(f"{flag} {value!r} is not one of {', '.join(map(str, meta['choices']))}")


def _check_range(flag, value, meta):
    low, high, below = meta["min"], meta["max"], meta["below"]
    if low is not None and (value <= low if meta["exclusive"] else value < low):
        raise InputError(f"{flag} must be {'>' if meta['exclusive'] else '>='} {low}, got {value}")
    if high is not None and value > high:
        raise InputError(f"{flag} must be <= {high}, got {value}")
    if below is not None and value >= below:
        raise InputError(f"{flag} must be < {below}, got {value}")


def help_text(f, defaults=None):
    """The field's help with its default: `defaults` (name -> shown value) overrides the dataclass default."""
    meta = f.metadata
    if meta.get("default_help"):
        shown = meta["default_help"]
    elif defaults and f.name in defaults:
        shown = defaults[f.name]
    else:
        shown = f.default if f.default is not MISSING else None
        shown = {True: "on", False: "off", None: None}.get(shown, shown) if isinstance(shown, (bool, type(None))) \
            else shown
    return meta["help"] + (f" (default {shown})" if shown is not None else "")


def add_options(parser, cls, only=None, skip=(), defaults=None):
    """One flag per option field of `cls` (in field order; `only`/`skip`: names). Every flag defaults to None
    (= not given), so the config's own default applies; booleans get --flag / --no-flag."""
    for f in fields(cls):
        meta = f.metadata
        if "help" not in meta or not meta["cli"] or f.name in skip or (only is not None and f.name not in only):
            continue
        names = [flag_name(f), *meta["aliases"]]
        kind = _base_type(f)
        kw = dict(dest=f.name, default=None, help=help_text(f, defaults))
        if kind is bool:
            parser.add_argument(*names, action=argparse.BooleanOptionalAction, **kw)
            continue
        if meta["choices"] is not None:
            kw["choices"] = meta["choices"]
        else:
            kw["metavar"] = meta["metavar"] or f.name.split("_")[-1][:1].upper()
        if kind in (int, float):
            kw["type"] = _number(kind, names[0])
        parser.add_argument(*names, **kw)


def _number(kind, flag):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole number' if kind is int else 'a number'}")
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def given_options(cls, args):
    """{field: value} for the option fields of `cls` that the user gave (not None) in an argparse namespace."""
    return {f.name: getattr(args, f.name) for f in fields(cls)
            if "help" in f.metadata and getattr(args, f.name, None) is not None}


def option_of(cls, name):
    """A new field with the default, help, choices and range of option `name` of the config dataclass `cls`: two
    commands that share an option (e.g. --threshold) define it once."""
    f = next(f for f in fields(cls) if f.name == name)
    if f.default_factory is not MISSING:
        return field(default_factory=f.default_factory, metadata=f.metadata)
    return field(default=f.default, metadata=f.metadata)
