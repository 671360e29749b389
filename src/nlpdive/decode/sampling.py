"""How the next token is chosen: SamplingConfig (each field is also a CLI flag, nlpdive.options), the logit
filters (repetition penalty, temperature, top-k, top-p, min-p) and the greedy-or-sample pick."""
import torch

from nlpdive.decode.config import SamplingConfig  # noqa: F401  (re-exported)


def process_logits(logits, history, cfg):
    """logits [B, V] -> filtered logits [B, V] (float; removed tokens are -inf). history [B, T] long (prompt and
    generated ids, for the repetition penalty) or None. The input tensor is not modified."""
    logits = logits.float()
    if cfg.repetition_penalty != 1 and history is not None and history.numel():
        seen = logits.gather(1, history)                                          # [B, T]
        seen = torch.where(seen > 0, seen / cfg.repetition_penalty, seen * cfg.repetition_penalty)
        logits = logits.scatter(1, history, seen)  # repeated ids write the same value: penalised once
    if cfg.temperature > 0:
        logits = logits / cfg.temperature
    if cfg.top_k is not None and cfg.top_k < logits.shape[-1]:
        kth = logits.topk(cfg.top_k, dim=-1).values[:, -1:]                      # [B, 1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if cfg.top_p < 1:
        sorted_logits, order = logits.sort(dim=-1, descending=True)               # [B, V]
        probs = sorted_logits.softmax(-1)
        before = probs.cumsum(-1) - probs  # probability of the likelier tokens: 0 for the first, which stays
        drop = before >= cfg.top_p
        logits = logits.masked_fill(drop.scatter(1, order, drop), float("-inf"))
    if cfg.min_p > 0:
        probs = logits.softmax(-1)                                                # [B, V]
        keep = probs >= cfg.min_p * probs.max(-1, keepdim=True).values
        logits = logits.masked_fill(~keep, float("-inf"))
    return logits


def next_tokens(logits, history, cfg, generator=None):
    """logits [B, V] -> next ids [B]: the argmax when cfg.temperature == 0, else a draw from the filtered
    distribution with `generator` (a torch.Generator on the logits' device; same seed, same draws)."""
    logits = process_logits(logits, history, cfg)
    if cfg.temperature == 0:
        return logits.argmax(-1)
    return torch.multinomial(logits.softmax(-1), 1, generator=generator).squeeze(1)
