"""The fine-tuning recipe for classification, top to bottom (what `nlpdive finetune classify` runs): the
classification recipe (tasks/classify/recipe.py) with a pretrained encoder in place of a model trained from
scratch.

1. reader      a labelled file -> examples, as `train classify` reads it (single- or multi-label)
2. validation  a --valid file, or a stratified hold-out of 10% of the rows (at most VALID_MAX_ROWS)
3. features    the base's own tokenizer: ids with its special tokens, cut to --max-length (counted, with a
               warning); batches of similar lengths (length buckets), padded to their longest (dynamic padding)
4. model       the base (transformers' AutoModelForSequenceClassification: a new head for the labels) pooled by
               mean or [CLS] (models/hf.py)
5. loss        cross-entropy (optionally class-weighted); multi-label: BCE per label
6. training    the Trainer: AdamW, linear warm-up and decay, layer-wise learning rates (--layer-decay), frozen
               lower layers (--train-layers), clipping; keep-best on validation accuracy; a time budget
7. metrics     validation accuracy, macro-F1, per class, confusion matrix (the classify task's own code)
8. save        a transformers model directory that is also an nlpdive one (tasks/finetune/encoder.py)
"""
from nlpdive.tasks.finetune.config import VALID_MAX_ROWS, VALID_SPLIT, FinetuneClassifyConfig, classify_train_defaults
from nlpdive.tasks.finetune.encoder import EncoderClassifier


def train(data, *, settings=None, train_cfg=None, valid=None, valid_split=VALID_SPLIT, out_dir="runs/finetune-classify",
          resume=False, reader=None, log=None):
    """Fine-tune on the labelled file `data` (validated on `valid`, or a hold-out of `valid_split`), save the model
    in `out_dir`; returns the EncoderClassifier."""
    from nlpdive.tasks.classify import recipe
    from nlpdive.train import TrainConfig

    settings = settings or FinetuneClassifyConfig()
    train_cfg = train_cfg or TrainConfig(**classify_train_defaults(settings))
    return recipe.train(data, settings=settings, train_cfg=train_cfg, valid=valid, valid_split=valid_split,
                        refit=False, out_dir=out_dir, resume=resume, reader=reader, log=log,
                        task_class=EncoderClassifier, valid_max=VALID_MAX_ROWS)
