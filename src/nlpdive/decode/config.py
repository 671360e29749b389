"""SamplingConfig: how generate() picks tokens; each field is also a flag of `nlpdive generate` (nlpdive.options).
No torch here: building the CLI's help imports this module."""
from dataclasses import dataclass

from nlpdive.errors import InputError
from nlpdive.options import check_options, option


@dataclass
class SamplingConfig:
    max_tokens: int = option(200, "most new tokens per sample", min=1, metavar="N")
    temperature: float = option(0.8, "sampling temperature: lower is safer, higher more varied (0: greedy, always "
                                "the likeliest token)", min=0, metavar="T")
    top_k: int | None = option(None, "sample only from the K likeliest tokens", min=1, metavar="K",
                               default_help="all tokens")
    top_p: float = option(1.0, "sample only from the likeliest tokens that together have probability P (nucleus)",
                          min=0, exclusive=True, max=1, metavar="P")
    min_p: float = option(0.0, "drop tokens less likely than P times the likeliest one", min=0, below=1,
                          metavar="P")
    repetition_penalty: float = option(1.0, "make tokens already in the prompt or the output less likely (1: off, "
                                       "1.2: a common choice)", min=0, exclusive=True, metavar="R")
    # option() has no repeatable (append) flags, so --stop is left to the CLI: add it by hand with
    # action="append", dest="stop" (given_options then picks it up); the help text lives here.
    stop: tuple[str, ...] = option((), "stop when the text contains S (repeatable; on the command line \\n is a "
                                  "newline, \\t a tab)", cli=False, metavar="S", default_help="none")
    num_samples: int = option(1, "samples to generate (together, in one batch)", min=1, metavar="N")
    seed: int | None = option(None, "random seed: the same seed gives the same samples", min=0,
                              default_help="a random one")

    def __post_init__(self):
        check_options(self)
        stop = (self.stop,) if isinstance(self.stop, str) else tuple(self.stop or ())
        for s in stop:
            if not isinstance(s, str) or not s:
                raise InputError(f"--stop takes a non-empty text, got {s!r}")
        self.stop = stop
