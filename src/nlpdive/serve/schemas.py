"""Request bodies of the HTTP API: pydantic models built from ServeConfig's limits. The decoding fields are made
from decode.SamplingConfig and decode.BeamConfig (and the classifier's threshold from ClassifyConfig): their help,
ranges and choices, so the server checks what the command line checks, from one source. Every field left out (None)
takes the task's own default. Strict types: "5" is not a number and "text" is not a list of texts."""
import math
from dataclasses import fields
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from nlpdive.options import _base_type, help_text

STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
STREAM = "answer as server-sent events (text/event-stream): one `data:` JSON object per piece, then `event: done`"


def option_fields(cls, only=None, skip=(), caps=None):
    """{name: (type, Field)} for the option fields of dataclass `cls`; `caps`: {name: largest value allowed}."""
    out = {}
    for f in fields(cls):
        meta = f.metadata
        if "help" not in meta or f.name in skip or (only is not None and f.name not in only):
            continue
        kind = _base_type(f)
        if meta["choices"] is not None:
            kind = Literal[tuple(meta["choices"])]
        out[f.name] = (Optional[kind], Field(None, description=help_text(f), **_bounds(meta, (caps or {}).get(f.name))))
    return out


def _bounds(meta, cap):
    bounds = {}
    if meta["min"] is not None:
        bounds["gt" if meta["exclusive"] else "ge"] = meta["min"]
    high = min(x for x in (meta["max"], cap, math.inf) if x is not None)
    if high != math.inf:
        bounds["le"] = high
    if meta["below"] is not None:
        bounds["lt"] = meta["below"]
    return bounds


def request_models(cfg):
    """{verb: pydantic model of its request body} under the limits of ServeConfig `cfg`."""
    from nlpdive.decode.beam import BeamConfig
    from nlpdive.decode.config import SamplingConfig
    from nlpdive.tasks.classify.config import ClassifyConfig

    text = Annotated[str, StringConstraints(max_length=cfg.max_text_chars)]
    word = Annotated[str, StringConstraints(min_length=1, max_length=min(cfg.max_text_chars, 1000))]
    texts = Field(min_length=1, max_length=cfg.max_texts, description=f"1 to {cfg.max_texts} texts")
    topn = Annotated[int, Field(ge=1, le=1000, description="how many words to return")]

    def model(name, doc, **fields_):
        return create_model(name, __config__=STRICT, __doc__=doc, **fields_)

    return {
        "predict": model("PredictRequest", "Texts to classify.", texts=(list[text], texts),
                         **option_fields(ClassifyConfig, only=("threshold",))),
        "generate": model(
            "GenerateRequest", "A prompt to continue, and how to sample.",
            prompt=(text, Field("", description="the text to continue (empty: a new document)")),
            stream=(bool, Field(False, description=STREAM)),
            stop=(Optional[list[word]], Field(None, max_length=8, description="stop when the text contains one")),
            **option_fields(SamplingConfig, skip=("stop",),
                            caps={"max_tokens": cfg.max_tokens, "num_samples": cfg.max_samples})),
        "translate": model(
            "TranslateRequest", "Texts to translate, and how to search.", texts=(list[text], texts),
            stream=(bool, Field(False, description=STREAM + " (one per text)")),
            attention=(bool, Field(False, description="also each translation's attention weights")),
            **option_fields(BeamConfig, caps={"max_tokens": cfg.max_tokens, "beam": cfg.max_samples,
                                              "n_best": cfg.max_samples})),
        "similar": model("SimilarRequest", "A word's nearest words.", word=(word, ...), topn=(topn, 10)),
        "analogy": model("AnalogyRequest", "a is to b as c is to ?  (king - man + woman: a=man, b=king, c=woman)",
                         a=(word, ...), b=(word, ...), c=(word, ...), topn=(topn, 1)),
        "embed": model("EmbedRequest", "Texts to embed.", texts=(list[text], texts)),
        "evaluate": model(
            "EvaluateRequest", "Labelled rows to score the model on (see the route's description for their keys).",
            rows=(list[dict[str, text | list[text]]],
                  Field(min_length=1, max_length=cfg.max_rows, description=f"1 to {cfg.max_rows} rows")),
            **option_fields(ClassifyConfig, only=("threshold",)),
            **option_fields(BeamConfig, only=("beam",), caps={"beam": cfg.max_samples})),
    }


class ModelInfo(BaseModel):
    name: str
    task: str
    verbs: list[str]


class ModelList(BaseModel):
    models: list[ModelInfo]
