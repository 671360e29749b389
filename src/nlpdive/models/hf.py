"""Hugging Face models in nlpdive's shapes: pure nn.Modules around a transformers model object the task built (no
I/O here; tasks/finetune/ loads and saves them).

    EncoderClassifier(hf_model, pooling)  a sequence-classification model (any AutoModelForSequenceClassification)
                                          (input_ids, attention_mask) [B, T] -> logits [B, C]
    CausalLM(hf_model, block_size)        a causal LM (any AutoModelForCausalLM, with or without LoRA adapters) in
                                          the interface of models/gpt.py: (idx [B, T], cache) -> (logits, cache),
                                          .config.block_size and new_cache(batch), so the language-model recipe,
                                          its evaluation and decode/ use it unchanged
"""
import inspect
from dataclasses import dataclass

from torch import nn

POOLINGS = ("mean", "cls")


class EncoderClassifier(nn.Module):
    """pooling "cls": the model's own head on the first token (what AutoModelForSequenceClassification computes,
    exactly); "mean": the mean of the encoder's last hidden states over the real tokens, through the same
    dropout and linear classifier (BERT-type heads: `classifier` is one nn.Linear). Sentence encoders such as
    all-MiniLM-L6-v2 were trained for mean pooling."""

    def __init__(self, hf_model, pooling="mean"):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if pooling == "mean" and not isinstance(getattr(hf_model, "classifier", None), nn.Linear):
            raise ValueError(f"mean pooling needs a BERT-type head (one linear `classifier`); "
                             f"{type(hf_model).__name__} has another")
        self.hf, self.pooling = hf_model, pooling
        self.dropout = getattr(hf_model, "dropout", None) or nn.Dropout(0.1)

    def forward(self, input_ids, attention_mask):
        if self.pooling == "cls":
            return self.hf(input_ids=input_ids, attention_mask=attention_mask).logits  # [B, C]
        h = self.hf.base_model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # [B, T, D]
        mask = attention_mask.unsqueeze(-1).to(h.dtype)                                              # [B, T, 1]
        pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)                                      # [B, D]
        return self.hf.classifier(self.dropout(pooled))                                              # [B, C]

    def layer_groups(self):
        """Parameter groups bottom to top for layer-wise learning rates and freezing: [embeddings, layer 1, ...,
        layer L, head]; the layers are the encoder's largest ModuleList (BERT, RoBERTa, DistilBERT, ...)."""
        return parameter_layers(self.hf)


def parameter_layers(hf_model):
    """[[embedding params], [layer 1 params], ..., [layer L params], [everything else: pooler, head]]."""
    base = hf_model.base_model
    lists = [m for m in base.modules() if isinstance(m, nn.ModuleList)]
    layers = max(lists, key=len) if lists else nn.ModuleList()
    in_layers = {id(p) for p in layers.parameters()}
    embeddings = [p for name, p in base.named_parameters() if id(p) not in in_layers and "embed" in name]
    taken = in_layers | {id(p) for p in embeddings}
    rest = [p for p in hf_model.parameters() if id(p) not in taken]
    return [embeddings, *[list(layer.parameters()) for layer in layers], rest]


@dataclass
class CausalLMConfig:
    block_size: int  # tokens of context the model is trained and sampled with (<= its position table)


class CausalLM(nn.Module):
    def __init__(self, hf_model, block_size):
        super().__init__()
        self.hf = hf_model
        self.config = CausalLMConfig(block_size)
        # transformers 5 names the KV cache `cache`; earlier versions `past_key_values`
        model = hf_model.get_base_model() if hasattr(hf_model, "get_base_model") else hf_model
        self._cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"

    def new_cache(self, batch):
        from transformers import DynamicCache

        return DynamicCache()

    def forward(self, idx, cache=None):
        out = self.hf(input_ids=idx, use_cache=cache is not None, **{self._cache_arg: cache})  # logits [B, T, V]
        if cache is None:
            return out.logits, None
        return out.logits, getattr(out, "cache", None) or out.past_key_values
