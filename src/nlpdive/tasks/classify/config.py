"""What `nlpdive train classify` builds: ClassifyConfig (features, model choice, the options users give to the
model, loss, labels) and the training recipe's defaults per model family. Each field is also a flag (generated:
nlpdive.options). Model options default to None: only what the user gave reaches the model's config, which owns
every default (nlpdive.models)."""
from dataclasses import dataclass

from nlpdive.errors import InputError
from nlpdive.options import check_options, option

MODELS = ("bow", "rnn", "lstm", "gru", "cnn", "transformer")
RNN_CELLS = ("rnn", "lstm", "gru")
POOLINGS = ("last", "max", "mean", "attention")
MODEL_DEFAULT = "the model's"
VALID_SPLIT = 0.1     # the recipe's hold-out when no --valid file is given
REFIT_BELOW = 20_000  # training rows under which the recipe refits on every row by default (recipe.py, step 7)

# The recipe's TrainConfig defaults per model family (a flag or --config value wins): the settings that won
# benchmarks/classify.py (docs/benchmarks.md). Early stopping and keep-best watch validation accuracy: the
# validation loss starts rising (over-confidence) while accuracy still improves.
_WATCH = dict(monitor="accuracy", mode="max")
TRAIN_DEFAULTS = {
    # bow: one torch thread: its sparse EmbeddingBag steps are tiny; a second thread only adds synchronisation,
    # and on cores other jobs share it made IMDB training 4-12x slower (4.7 s vs 18.6-59.6 s). Always 2 epochs:
    # letting the hold-out choose between 1 and 2 follows the noise of a small validation set (MR, seeds 0-2:
    # 79.04 with the choice, 79.57 without; docs/benchmarks.md), so its hold-out only measures
    "bow": dict(epochs=2, batch_size=256, lr=5e-2, weight_decay=0.0, clip=None, patience=None, keep_best=False,
                threads=1, **_WATCH),
    "rnn": dict(epochs=4, batch_size=64, lr=2e-3, weight_decay=0.0, patience=2, **_WATCH),
    "cnn": dict(epochs=6, batch_size=64, lr=1e-3, weight_decay=0.0, patience=2, **_WATCH),
    "transformer": dict(epochs=6, batch_size=64, lr=5e-4, schedule="linear", warmup=0.1, patience=2, **_WATCH),
}


@dataclass
class ClassifyConfig:
    """What to build; every field is also a `nlpdive train classify` flag (dashes for underscores)."""
    model: str = option("bow", "bow: bag of n-grams, fast and strong; rnn/lstm/gru: recurrent; cnn: Kim 2014; "
                        "transformer: a small encoder", choices=MODELS)
    # bag of words: the features
    ngrams: int = option(2, "bow: word n-grams 1..N", min=1, metavar="N")
    features: str = option("auto", "bow: nb (binary x Naive-Bayes log-count ratio, two classes) | binary | count | "
                           "tfidf; auto: nb for two classes, else (and for multi-label) tfidf",
                           choices=("auto", "nb", "binary", "count", "tfidf"))
    min_df: int = option(1, "bow: drop n-grams seen in fewer training texts", min=1, metavar="N")
    # sequence models: the token ids
    max_len: int = option(400, "tokens kept per text (sequence models)", min=1, max=100_000, metavar="T")
    min_freq: int = option(1, "vocabulary: rarer tokens become <unk> (sequence models)", min=1, metavar="N")
    embeddings: str | None = option(None, "pretrained word vectors: a GloVe/word2vec file or an nlpdive vectors "
                                    "directory. Sequence models start their embedding layer from them (fine-tuned "
                                    "unless --freeze-embeddings); bow adds the mean vector of each text's words "
                                    "(kept fixed)", metavar="VECTORS")
    # the model's options: None = the model's default
    embed_dim: int | None = option(None, "embedding size (rnn, cnn)", min=1, max=65_536, metavar="D",
                                   default_help=f"{MODEL_DEFAULT}, or the size of --embeddings")
    hidden: int | None = option(None, "hidden units: the rnn/lstm/gru state size, or bow's hidden ReLU layer "
                                "(0: linear)", min=0, max=65_536, metavar="H", default_help=MODEL_DEFAULT)
    channels: int | None = option(None, "cnn: filters per window width", min=1, max=65_536, metavar="K",
                                  default_help=MODEL_DEFAULT)
    d_model: int | None = option(None, "transformer: model width", min=1, max=65_536, metavar="D",
                                 default_help=f"{MODEL_DEFAULT}, or the size of --embeddings")
    layers: int | None = option(None, "stacked layers (rnn/lstm/gru, transformer)", min=1, max=64, metavar="L",
                                default_help=MODEL_DEFAULT)
    bidirectional: bool | None = option(None, "rnn/lstm/gru: read both directions", default_help=MODEL_DEFAULT)
    pooling: str | None = option(None, "how a sequence becomes one vector (last: the final state, rnns only)",
                                 choices=POOLINGS, default_help=MODEL_DEFAULT)
    dropout: float | None = option(None, "dropout probability", min=0, below=1, metavar="P",
                                   default_help=MODEL_DEFAULT)
    freeze_embeddings: bool | None = option(None, "keep --embeddings fixed (sequence models)",
                                            default_help="off; bow: always fixed")
    # loss
    class_weights: bool = option(False, "weight the loss by inverse class frequency (imbalanced data); "
                                 "multi-label: each label's positives by negatives / positives")
    # multi-label: one sigmoid per label; a label is predicted when its probability reaches the threshold
    multi_label: bool = option(False, "several labels per text: each --label-column cell lists a text's labels, "
                               "split on --label-sep")
    threshold: float = option(0.5, "multi-label: predict a label when its probability reaches P", min=0,
                              exclusive=True, below=1, metavar="P")

    def __post_init__(self):
        check_options(self)
        family = self.family
        if self.pooling == "last" and family != "rnn":
            raise InputError(f"--pooling last needs a recurrent model, not {self.model}",
                             hint="use max, mean or attention")
        for name, families in APPLIES.items():
            if getattr(self, name) is not None and family not in families:
                flag = "--" + name.replace("_", "-")
                raise InputError(f"{flag} does not apply to --model {self.model}",
                                 hint=f"it is for {', '.join(families)}" + _instead(name, family))
        if family == "rnn" and self.hidden == 0:
            raise InputError("--hidden 0 is for the bag of words (a linear model)", hint="give the rnn a state "
                             "size >= 1, or leave --hidden out")
        if self.freeze_embeddings and not self.embeddings:
            raise InputError("--freeze-embeddings needs --embeddings VECTORS", hint="give pretrained vectors, or "
                             "drop the flag")
        if self.multi_label and self.features == "nb":
            raise InputError("--features nb needs two classes, not multi-label data", hint="use --features tfidf")
        if self.multi_label and self.features == "auto":
            self.features = "tfidf"

    @classmethod
    def from_saved(cls, saved):
        """The settings of a saved model's config.json: options that do not apply to its model are dropped
        (models saved before options defaulted to None hold e.g. layers=1 for a bag of words)."""
        if not isinstance(saved, dict):
            raise TypeError("'classify' must be an object")
        family = "rnn" if saved.get("model") in RNN_CELLS else saved.get("model")
        kept = {k: v for k, v in saved.items() if k not in APPLIES or family in APPLIES[k]}
        return cls(**kept)

    @property
    def family(self):
        return "rnn" if self.model in RNN_CELLS else self.model


# the model options and the model families they apply to
APPLIES = {"hidden": ("rnn", "bow"), "channels": ("cnn",), "d_model": ("transformer",), "layers": ("rnn", "transformer"),
           "bidirectional": ("rnn",), "pooling": ("rnn", "transformer"), "embed_dim": ("rnn", "cnn", "bow")}


def _instead(name, family):
    """The option that means the same for another family, where there is one."""
    same = {("hidden", "cnn"): "--channels", ("hidden", "transformer"): "--d-model",
            ("embed_dim", "transformer"): "--d-model"}
    return f"; use {same[name, family]}" if (name, family) in same else ""


def train_defaults(settings):
    """TRAIN_DEFAULTS of the settings' model family; multi-label runs watch validation micro-F1 instead, with a
    patience of at least 2 (F1 at a threshold moves in steps and often ties early on), keeping the best weights."""
    defaults = TRAIN_DEFAULTS[settings.family]
    if settings.embeddings and settings.family == "rnn":  # linear decay steadies RNNs on pretrained vectors
        defaults = {**defaults, "schedule": "linear"}  # (SST-2 dev: 78-84 from check to check -> 86-88)
    if not settings.multi_label:
        return defaults
    return {**defaults, "monitor": "micro_f1", "patience": max(2, defaults["patience"] or 0), "keep_best": True}
