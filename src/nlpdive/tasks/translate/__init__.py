"""Translation, and any sequence-to-sequence mapping (dates, names, spelling): sentence pairs -> a saved model that
translates with beam search, scored with BLEU and chrF.

    from nlpdive.tasks.translate import Translator, TranslateConfig, train
    tr = train("pairs.tsv", settings=TranslateConfig(model="transformer"), out_dir="runs/en-fr")  # the recipe
    tr.translate(["je suis étudiant"], beam=5)    # [{"translation": "i am a student", "score", "log_prob", ...}]
    tr.evaluate("test.tsv")                        # bleu, chrf and their sacreBLEU signatures
    tr.plot_attention("je suis étudiant", "attention.png")
    tr.save("runs/en-fr"); nlpdive.load("runs/en-fr")

Where each part lives: recipe.py (the steps, top to bottom), config.py (options and the recipe's defaults),
vocab.py (the tokens of each side), model.py (the task object, batched beam search over the model), and the
models in nlpdive/models/seq2seq_transformer.py and seq2seq_gru.py.
"""
from importlib import import_module

_NAMES = {"Translator": "model", "translate_texts": "model", "TranslateConfig": "config", "MODELS": "config",
          "TRAIN_DEFAULTS": "config", "train_defaults": "config", "train": "recipe"}


def __getattr__(name):  # PEP 562: lazy attributes (the CLI reads TranslateConfig without torch)
    if name in _NAMES:
        return getattr(import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_NAMES)
