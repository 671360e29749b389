"""Decoding for every generating task: SamplingConfig (config.py), the logit filters (sampling.py), generate(),
which samples from any model through a step function (generation.py, whose docstring describes the interface),
and batched beam search on the same interface (beam.py: BeamConfig, beam_search). Imported lazily: the CLI's help
needs SamplingConfig and BeamConfig without torch."""
_EXPORTS = {
    "SamplingConfig": "nlpdive.decode.config",
    "beam_search": "nlpdive.decode.beam",
    "BeamConfig": "nlpdive.decode.beam",
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
