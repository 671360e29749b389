"""What `nlpdive train translate` builds: TranslateConfig (vocabularies, model choice, the options users give to the
model, length filter, label smoothing, validation decoding, checkpoint averaging) and the recipe's training
defaults. Each field is also a flag (nlpdive.options). Model options default to None: what the user gave reaches
the model's config, the rest comes from the size the recipe picks (SIZES), then the model's own defaults
(nlpdive.models.seq2seq_transformer, nlpdive.models.seq2seq_gru)."""
from dataclasses import dataclass

from nlpdive.errors import InputError
from nlpdive.options import check_options, option

MODELS = ("transformer", "gru-attention")
MODEL_CLASSES = {"transformer": "TransformerSeq2Seq", "gru-attention": "GRUSeq2Seq"}
VALID_SPLIT = 0.05        # without --valid: this share of the pairs validates ...
VALID_MAX_PAIRS = 1000    # ... at most this many (every evaluation translates them all)
DEFAULT_BUDGET = 300.0    # seconds, when neither --time-budget nor --epochs is given

# The recipe's TrainConfig defaults (a flag or --config value wins): what won benchmarks/translate.py
# (docs/benchmarks.md, the translation round): on Multi30k in 300 s, AdamW with warm-up 300 + inverse-sqrt (the
# Transformer's classic recipe, JoeyNMT's) reached BLEU 2.9; Muon for the hidden matrices + cosine 24.4 at batch
# 128 and 28.6 at batch 64. Validation BLEU (greedy) picks the kept weights.
TRAIN_DEFAULTS = {
    "transformer": dict(epochs=1000, batch_size=64, optimizer="muon", lr=3e-3, muon_lr=0.02, weight_decay=0.0,
                        beta2=0.98, schedule="cosine", warmup=50, clip=1.0, monitor="bleu", mode="max"),
    "gru-attention": dict(epochs=1000, batch_size=64, optimizer="adamw", lr=1e-3, weight_decay=0.0,
                          schedule="constant", warmup=50, clip=1.0, monitor="bleu", mode="max"),
}
GPU_TRAIN = {"transformer": dict(batch_size=256, precision="bf16"), "gru-attention": dict(batch_size=128)}
# the model's size when no size flag is given (CPU-sized: benchmarks/translate.py's 30-minute budget)
SIZES = {"transformer": dict(d_model=256, n_heads=4, enc_layers=3, dec_layers=3, d_ff=1024, dropout=0.1),
         "gru-attention": dict(emb=256, hidden=512, enc_layers=1, dec_layers=1, dropout=0.3)}
# options for one model only
APPLIES = {"heads": "transformer", "d_ff": "transformer", "positions": "transformer", "hidden": "gru-attention",
           "attention": "gru-attention", "bidirectional": "gru-attention"}


@dataclass
class TranslateConfig:
    """What to build; every field is also a `nlpdive train translate` flag (dashes for underscores)."""
    model: str = option("transformer", "transformer: encoder-decoder Transformer (Vaswani et al.); gru-attention: "
                        "the talk's GRU encoder-decoder with attention (Bahdanau et al.)", choices=MODELS)
    vocab: str = option("bpe", "tokens: bpe (subwords learnt from the training pairs), word or char (a "
                        "character-level model, e.g. for dates or names)", choices=("bpe", "word", "char"))
    vocab_size: int = option(8000, "most tokens per vocabulary (bpe: the merges' target size)", min=8,
                             max=1_000_000, metavar="N")
    joint: bool = option(True, "one vocabulary for both sides, with shared source/target/output embeddings "
                         "(--no-joint: one per side)")
    max_length: int = option(100, "drop training pairs with a side longer than N tokens (counted and reported)",
                             min=1, max=100_000, metavar="N")
    label_smoothing: float = option(0.1, "share of the target probability spread over the vocabulary", min=0,
                                    below=1, metavar="F")
    valid_beam: int = option(1, "beam width of the validation BLEU during training (1: greedy, the fastest)",
                             min=1, max=64, metavar="K")
    average_last: int | None = option(None, "average the weights of the last N checkpoints (an evaluation and a "
                                      "checkpoint every 200 steps, or every --eval-every); the average is kept when "
                                      "it scores a higher validation BLEU than the best single checkpoint",
                                      min=2, max=100, metavar="N", default_help="off")
    # the model's options: None = the size the recipe picks, then the model's default
    layers: int | None = option(None, "encoder and decoder layers", min=1, max=64, metavar="L",
                                default_help="transformer 3, gru-attention 1")
    d_model: int | None = option(None, "transformer: model width; gru-attention: embedding size", min=2,
                                 max=65_536, metavar="D", default_help="256")
    heads: int | None = option(None, "transformer: attention heads", min=1, max=256, metavar="H",
                               default_help="4")
    d_ff: int | None = option(None, "transformer: feed-forward width", min=1, max=262_144, metavar="F",
                              default_help="4 x --d-model")
    hidden: int | None = option(None, "gru-attention: decoder hidden size", min=1, max=65_536, metavar="H",
                                default_help="512")
    attention: str | None = option(None, "gru-attention: bahdanau (additive) or Luong's dot or general",
                                   choices=("bahdanau", "dot", "general"), default_help="bahdanau")
    bidirectional: bool | None = option(None, "gru-attention: a bidirectional encoder", default_help="on")
    positions: str | None = option(None, "transformer: sinusoidal or learned position embeddings",
                                   choices=("sinusoidal", "learned"), default_help="sinusoidal")
    dropout: float | None = option(None, "dropout probability", min=0, below=1, metavar="P",
                                   default_help="transformer 0.1, gru-attention 0.3")

    def __post_init__(self):
        check_options(self)
        for name, model in APPLIES.items():
            if getattr(self, name) is not None and model != self.model:
                flag = "--" + name.replace("_", "-")
                raise InputError(f"{flag} does not apply to --model {self.model}",
                                 hint=f"it is for --model {model}; drop it")


def train_defaults(settings, device="cpu"):
    """The recipe's TrainConfig values for the model on `device` ("cpu", "cuda", "mps")."""
    return {**TRAIN_DEFAULTS[settings.model], **(GPU_TRAIN[settings.model] if device == "cuda" else {})}


def model_options(settings, src_vocab, tgt_vocab, pad_id):
    """(class name, config dict) of the model to build: the user's options over the recipe's size."""
    shared = settings.joint
    if settings.model == "transformer":
        given = dict(d_model=settings.d_model, n_heads=settings.heads, d_ff=settings.d_ff, dropout=settings.dropout,
                     positions=settings.positions, enc_layers=settings.layers, dec_layers=settings.layers)
        size = dict(SIZES["transformer"])
        if settings.d_model is not None and settings.d_ff is None:
            size["d_ff"] = 4 * settings.d_model
        extra = dict(share_embeddings=shared, tie_output=True)
    else:
        given = dict(emb=settings.d_model, hidden=settings.hidden, attention=settings.attention,
                     bidirectional=settings.bidirectional, dropout=settings.dropout, enc_layers=settings.layers,
                     dec_layers=settings.layers)
        size = dict(SIZES["gru-attention"])
        extra = dict(share_embeddings=shared)
    config = {"src_vocab": src_vocab, "tgt_vocab": tgt_vocab, "pad_id": pad_id, **size, **extra,
              **{k: v for k, v in given.items() if v is not None}}
    return MODEL_CLASSES[settings.model], config
