"""Tasks: each a short recipe (reader -> features -> model -> loss -> metrics -> decoding) and its task object on
the contract of tasks/base.py. `load(DIR)` rebuilds the task object of a saved model directory from its
config.json "task" key."""
from importlib import import_module
from pathlib import Path

from nlpdive.errors import InputError

# task name (config.json "task") -> "module:Class" of its task object
TASKS = {
    "classify": "nlpdive.tasks.classify:Classifier",
    "embeddings": "nlpdive.tasks.embeddings:WordEmbeddings",
    "lm": "nlpdive.tasks.lm:LanguageModel",
    "translate": "nlpdive.tasks.translate:Translator",
    "finetune-classify": "nlpdive.tasks.finetune:EncoderClassifier",
    "finetune-lm": "nlpdive.tasks.finetune:HFLanguageModel",
}


def task_class(name, where=None, saved_by=None):
    """The task object class of config.json's "task"; `saved_by`: the nlpdive version that saved it (a newer one
    may have tasks this one lacks)."""
    if name not in TASKS and _newer(saved_by):
        raise InputError(f"this model was saved by nlpdive {saved_by} with the {name!r} task, which this nlpdive "
                         "version does not have", path=where, hint="upgrade nlpdive (pip install -U nlpdive)")
    if name not in TASKS:
        raise InputError(f"unknown task {name!r} in config.json", path=where,
                         hint=f"known tasks: {', '.join(TASKS)}")
    module, cls = TASKS[name].split(":")
    return getattr(import_module(module), cls)


def load(path):
    """The task object saved in directory `path`."""
    from nlpdive.artifacts import read_config

    config = read_config(path)
    if not isinstance(config.get("task"), str):
        raise InputError("config.json: 'task' must be a task name", path=Path(path) / "config.json",
                         hint=f"known tasks: {', '.join(TASKS)}")
    return task_class(config["task"], Path(path) / "config.json", config.get("nlpdive_version")).load(path)


def _newer(version):
    """Whether the version string `version` is newer than this nlpdive's."""
    from nlpdive import __version__

    def parts(v):
        return tuple(int(p) if p.isdigit() else 0 for p in str(v).split(".")[:3])

    return isinstance(version, str) and parts(version) > parts(__version__)
