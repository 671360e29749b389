"""Decoding for every generating task: SamplingConfig (config.py), the logit filters (sampling.py), and
generate(), which samples from any model through a step function (generation.py, whose docstring describes the
interface). Imported lazily: the CLI's help needs SamplingConfig without torch."""
_EXPORTS = {
    "SamplingConfig": "nlpdive.decode.config",
    "generate": "nlpdive.decode.generation",
    "next_tokens": "nlpdive.decode.sampling",
    "process_logits": "nlpdive.decode.sampling",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(_EXPORTS[name]), name)
