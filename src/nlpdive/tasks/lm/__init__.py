"""Language models: the recipe (tasks/lm/recipe.py), the LanguageModel task object (model.py), tokens
(tokens.py) and the options (config.py). Imported lazily: `nlpdive train lm --help` needs no torch."""
_EXPORTS = {
    "train": "nlpdive.tasks.lm.recipe",
    "LanguageModel": "nlpdive.tasks.lm.model",
    "LMConfig": "nlpdive.tasks.lm.config",
    "train_defaults": "nlpdive.tasks.lm.config",
}


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(_EXPORTS[name]), name)
