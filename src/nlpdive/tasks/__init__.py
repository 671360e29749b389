"""Tasks wire data, pipeline, model, loss, metrics and decoding. `load(DIR)` rebuilds the task object of a
saved model directory from its config.json "task" key."""
from importlib import import_module

from nlpdive.errors import InputError

# task name -> "module:Class"; each Class has a classmethod `load(path)`.
TASKS = {
    "classify": "nlpdive.tasks.classify:Classifier",
    "embeddings": "nlpdive.tasks.embeddings:WordEmbeddings",
    "lm": "nlpdive.tasks.lm:LanguageModel",
    "translate": "nlpdive.tasks.translate:Translator",
    "finetune-lm": "nlpdive.tasks.finetune:FinetunedLM",
    "finetune-classify": "nlpdive.tasks.finetune:FinetunedClassifier",
}


def task_class(name):
    if name not in TASKS:
        raise InputError(f"unknown task {name!r} in config.json", hint=f"known tasks: {', '.join(TASKS)}")
    module, cls = TASKS[name].split(":")
    return getattr(import_module(module), cls)


def load(path):
    from nlpdive.artifacts import read_config

    config = read_config(path)
    return task_class(config["task"]).load(path)
