"""Every saved model class by name, and building one from a saved config: config.json's "model" entry is
{"class": NAME, "config": {field: value}}; unknown classes, unknown or missing fields and weights that do not fit
the model are InputErrors naming the file (loading never executes code from it)."""
from dataclasses import fields
from importlib import import_module

from nlpdive.errors import InputError

# class name -> (module, config dataclass name)
MODEL_CLASSES = {
    "BagOfWordsClassifier": ("nlpdive.models.bow", "BagOfWordsConfig"),
    "RNNClassifier": ("nlpdive.models.rnn", "RNNConfig"),
    "CNNClassifier": ("nlpdive.models.cnn", "CNNConfig"),
    "TransformerClassifier": ("nlpdive.models.transformer", "TransformerClassifierConfig"),
    "GPT": ("nlpdive.models.gpt", "GPTConfig"),
    "CharRNN": ("nlpdive.models.charrnn", "CharRNNConfig"),
    "TransformerSeq2Seq": ("nlpdive.models.seq2seq_transformer", "TransformerSeq2SeqConfig"),
    "GRUSeq2Seq": ("nlpdive.models.seq2seq_gru", "GRUSeq2SeqConfig"),
}


def config_class(class_name, where=None):
    if not isinstance(class_name, str) or class_name not in MODEL_CLASSES:
        raise InputError(f"unknown model class {class_name!r} in config.json", path=where,
                         hint=f"known classes: {', '.join(MODEL_CLASSES)}; re-train the model")
    module, config_name = MODEL_CLASSES[class_name]
    return getattr(import_module(module), config_name)


def build_model(class_name, config, where=None):
    """The model of class `class_name` with hyper-parameters `config` (a dict)."""
    cls = config_class(class_name, where)
    if not isinstance(config, dict):
        raise InputError("config.json: model 'config' must be a JSON object", path=where, hint="re-train the model")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(config) - names)
    if unknown:
        raise InputError(f"config.json: {class_name} has no option {unknown[0]!r}", path=where,
                         hint="remove it, or re-train the model")
    try:
        model_config = cls(**config)
        module = import_module(MODEL_CLASSES[class_name][0])
        return getattr(module, class_name)(model_config)
    except (TypeError, ValueError, AssertionError, RuntimeError, OverflowError) as e:
        raise InputError(f"config.json: bad {class_name} settings ({str(e).splitlines()[0]})", path=where,
                         hint="fix the value, or re-train the model") from None


def load_weights_into(model, weights, where=None):
    """load_state_dict with an InputError naming the weights file when they do not fit."""
    try:
        model.load_state_dict(weights)
    except RuntimeError as e:
        raise InputError(f"weights do not fit the model in config.json ({str(e).splitlines()[0]})", path=where,
                         hint="re-save or re-train the model") from None
    return model


def load_saved_model(path, config):
    """(class name, config dict, model with its weights) of the saved model directory `path`, whose config.json
    holds `config`; errors name config.json or model.safetensors."""
    from pathlib import Path

    from nlpdive.artifacts import load_weights, reading

    path = Path(path)
    with reading(path / "config.json"):
        model_class, model_cfg = config["model"]["class"], config["model"]["config"]
    model = build_model(model_class, model_cfg, where=path / "config.json")
    return model_class, model_cfg, load_weights_into(model, load_weights(path), where=path / "model.safetensors")
