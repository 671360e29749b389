"""What `nlpdive train lm` builds: LMConfig (tokens, model choice, the options users give to the model, windows)
and the recipe's training defaults. Each field is also a flag (nlpdive.options). Model options default to None:
what the user gave reaches the model's config, the rest comes from the size the recipe picks for the budget
(GPT_SIZES, by device), then from the model's own defaults (nlpdive.models.gpt, nlpdive.models.charrnn)."""
from dataclasses import dataclass

from nlpdive.errors import InputError
from nlpdive.options import check_options, option

MODELS = ("auto", "gpt", "char-gru", "char-lstm", "char-rnn")
CELLS = {"char-gru": "gru", "char-lstm": "lstm", "char-rnn": "rnn"}
VALID_SPLIT = 0.1  # without --valid: the last 10% of the tokens (nanoGPT's split of Tiny Shakespeare) ...
VALID_MAX_TOKENS = 1_000_000  # ... at most this many: every evaluation scores the whole split (a 200 MB corpus's
                              # 10% would take ~10 minutes per evaluation on 2 CPU cores)
DEFAULT_BUDGET = 120.0  # seconds, when neither --time-budget nor --epochs is given

# The recipe's TrainConfig defaults (a flag or --config value wins): what won benchmarks/lm.py
# (docs/benchmarks.md, the language-model round). Muon for the hidden matrices reached nanoGPT's tuned loss in
# half the steps; small batches take more steps in a CPU budget (12 x 64 tokens beat 24 x 64 and 32 x 128).
TRAIN_DEFAULTS = {
    "gpt": dict(epochs=1000, batch_size=12, optimizer="muon", lr=3e-3, muon_lr=0.02, weight_decay=0.0,
                schedule="cosine", warmup=100, clip=1.0),
    "rnn": dict(epochs=1000, batch_size=32, lr=3e-3, weight_decay=0.0, schedule="cosine", warmup=50, clip=1.0),
}
# The GPT's size when no size flag is given, by device: on CPUs the one benchmarks/lm.py measured best for a
# two-minute budget; on a GPU nanoGPT's "baby GPT" (its A100 recipe for Tiny Shakespeare), with bf16 and batch 64.
GPT_SIZES = {"cpu": dict(n_layer=4, n_head=4, n_embd=128, block_size=64, positions="learned"),
             "cuda": dict(n_layer=6, n_head=6, n_embd=384, block_size=256, dropout=0.2, positions="learned")}
GPU_TRAIN = {"gpt": dict(batch_size=64, precision="bf16"), "rnn": dict(batch_size=128, precision="bf16")}


# options for one family only (gpt: the Transformer, rnn: char-gru/char-lstm/char-rnn); --windows random is for both
APPLIES = {"heads": "gpt", "positions": "gpt", "hidden": "rnn"}


@dataclass
class LMConfig:
    """What to build; every field is also a `nlpdive train lm` flag (dashes for underscores)."""
    model: str = option("auto", "gpt: a small Transformer decoder; char-gru/char-lstm/char-rnn: the talk's "
                        "recurrent generators; auto: the best for the time budget (a gpt)", choices=MODELS)
    tokenizer: str = option("char", "char (the training text's characters), a tokenizer.json from `nlpdive text "
                            "train-tokenizer`, or a GPT-2 tokenizer folder (encoder.json + vocab.bpe)",
                            metavar="char|PATH")
    block_size: int | None = option(None, "tokens of context (the training window length)", min=2, max=65_536,
                                    metavar="N", default_help="gpt: 64 (256 on a GPU); rnns: 128")
    windows: str | None = option(None, "training windows: random (stateless, as in the talk) or stateful "
                                 "(rnns: consecutive windows carry the hidden state, truncated BPTT)",
                                 choices=("random", "stateful"), default_help="random")
    # the model's options: None = the size the recipe picks, then the model's default
    layers: int | None = option(None, "stacked layers", min=1, max=64, metavar="L", default_help="by model")
    n_embd: int | None = option(None, "embedding size (gpt: the model width)", min=1, max=65_536, metavar="D",
                                default_help="by model")
    heads: int | None = option(None, "gpt: attention heads", min=1, max=256, metavar="H", default_help="4")
    hidden: int | None = option(None, "rnns: hidden state size", min=1, max=65_536, metavar="H",
                                default_help="256")
    dropout: float | None = option(None, "dropout probability", min=0, below=1, metavar="P", default_help="0")
    positions: str | None = option(None, "gpt: learned or rotary position embeddings",
                                   choices=("learned", "rotary"), default_help="learned")

    def __post_init__(self):
        check_options(self)
        for name, family in APPLIES.items():
            if getattr(self, name) is not None and family != self.family:
                flag = "--" + name.replace("_", "-")
                raise InputError(f"{flag} does not apply to --model {self.model}",
                                 hint=f"it is for the {'gpt' if family == 'gpt' else 'char-rnn models'}; drop it")
        if self.windows == "stateful" and self.family != "rnn":
            raise InputError(f"--windows stateful does not apply to --model {self.model}",
                             hint="stateful windows carry an RNN's state: use --model char-gru, or drop it")

    @property
    def family(self):
        return "rnn" if self.model in CELLS else "gpt"


def train_defaults(settings, device="cpu"):
    """The recipe's TrainConfig values for the model family on `device` ("cpu", "cuda", "mps")."""
    return {**TRAIN_DEFAULTS[settings.family], **(GPU_TRAIN[settings.family] if device == "cuda" else {})}


def model_options(settings, vocab_size, device="cpu"):
    """(class name, config dict) of the model to build: the user's options over the recipe's size for the
    device."""
    if settings.family == "rnn":
        given = dict(cell=CELLS[settings.model], n_layer=settings.layers, n_embd=settings.n_embd,
                     hidden=settings.hidden, dropout=settings.dropout, block_size=settings.block_size or 128)
        return "CharRNN", {"vocab_size": vocab_size, **{k: v for k, v in given.items() if v is not None}}
    given = dict(n_layer=settings.layers, n_embd=settings.n_embd, n_head=settings.heads, dropout=settings.dropout,
                 positions=settings.positions, block_size=settings.block_size)
    size = GPT_SIZES["cuda" if device == "cuda" else "cpu"]
    return "GPT", {"vocab_size": vocab_size, **size, **{k: v for k, v in given.items() if v is not None}}
