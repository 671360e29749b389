"""Transfer learning: fine-tune pretrained Hugging Face models (and nlpdive's own language models).

    train_classifier(FILE, settings=FinetuneClassifyConfig(base=DIR))   a BERT-type encoder + head (classify.py)
    train_lm(FILES, settings=FinetuneLMConfig(base="gpt2"))             a causal LM, LoRA optional (lm.py)

Names are imported on first use, so that `nlpdive --help` (which reads config.py) imports no torch or numpy.
"""
from importlib import import_module

_NAMES = {
    "train_classifier": ("nlpdive.tasks.finetune.classify", "train"),
    "train_lm": ("nlpdive.tasks.finetune.lm", "train"),
    "FinetuneClassifyConfig": ("nlpdive.tasks.finetune.config", "FinetuneClassifyConfig"),
    "FinetuneLMConfig": ("nlpdive.tasks.finetune.config", "FinetuneLMConfig"),
    "EncoderClassifier": ("nlpdive.tasks.finetune.encoder", "EncoderClassifier"),
    "HFLanguageModel": ("nlpdive.tasks.finetune.causal", "HFLanguageModel"),
}
__all__ = list(_NAMES)


def __getattr__(name):
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _NAMES[name]
    return getattr(import_module(module), attr)
