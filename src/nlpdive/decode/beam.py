"""Batched beam search over the step-function interface of generate() (see generation.py's docstring):

    step(ids, cache) -> (logits [rows, V] of the last position, cache)
    reorder(cache, index) -> cache    # index: LongTensor [rows] of row numbers; keep those rows, in that order

The model provides both and beam search never looks inside the cache. N inputs with K = cfg.beam hypotheses
each form one batch of N * K rows: row i * K + b is beam b of input i, and reorder moves a row only within its
input's block, except that the rows of inputs that are done leave the batch (index is then shorter than the
batch: the rows of the inputs still searched, blocks in their order), so a reorder must also drop those rows of
anything else it keeps per row (e.g. an encoder's memory). Scores are sums of log-softmax values; the ranking divides them by the GNMT length penalty

    score = log_prob / ((5 + length) / 6) ** cfg.length_penalty

where `length` counts the scored tokens: len(tokens) + 1 for a hypothesis that ended with end_id (the end token
is scored but not returned), len(tokens) for one cut at the maximum length. Beam 1 is exactly greedy decoding.
torch is imported inside beam_search: the CLI's help builds flags from BeamConfig without it.
"""
import math
from dataclasses import dataclass

from nlpdive.errors import InputError
from nlpdive.options import check_options, option


@dataclass
class BeamConfig:
    beam: int = option(5, "beam width; 1 is greedy", min=1, metavar="K")
    n_best: int = option(1, "hypotheses to return per input, best first (at most --beam)", min=1, metavar="N")
    length_penalty: float = option(1.0, "GNMT-style: scores are divided by ((5 + length) / 6) ** A; 0 ranks by "
                                   "probability alone (favours short outputs), higher favours longer ones",
                                   min=0, metavar="A")
    max_len_ratio: float = option(1.5, "at most ceil(R * source length) + 5 new tokens (capped by --max-tokens)",
                                  min=0, exclusive=True, metavar="R")
    max_tokens: int = option(256, "most new tokens per output", min=1, metavar="N")

    def __post_init__(self):
        check_options(self)
        if self.n_best > self.beam:
            raise InputError(f"--n-best must be <= --beam ({self.beam}), got {self.n_best}",
                             hint="raise --beam or lower --n-best")


def length_penalty(length, alpha):
    """The divisor of a hypothesis' summed log-probability: ((5 + length) / 6) ** alpha (1 when alpha is 0)."""
    return ((5 + length) / 6) ** alpha


def _max_lengths(cfg, n, source_lengths):
    """Most new tokens per input: ceil(ratio * source length) + 5 capped by max_tokens, or max_tokens."""
    if source_lengths is None:
        return [cfg.max_tokens] * n
    lengths = source_lengths.tolist() if hasattr(source_lengths, "tolist") else list(source_lengths)
    if len(lengths) != n:
        raise ValueError(f"source_lengths has {len(lengths)} entries for {n} inputs")
    return [min(cfg.max_tokens, math.ceil(cfg.max_len_ratio * int(s)) + 5) for s in lengths]


class _Hypotheses:
    """The best K finished hypotheses of one input, best first: (score, log_prob, tokens)."""

    def __init__(self, k, alpha):
        self.k, self.alpha, self.items = k, alpha, []

    def add(self, log_prob, tokens, length):
        self.items.append((log_prob / length_penalty(length, self.alpha), log_prob, tokens))
        self.items.sort(key=lambda item: -item[0])  # stable: ties keep the first found
        del self.items[self.k:]

    def full(self):
        return len(self.items) == self.k

    def worst(self):
        return self.items[-1][0]


def beam_search(step, reorder, start_ids, cfg, end_id, source_lengths=None, device="cpu"):
    """Beam search for N inputs at once. start_ids: LongTensor [N, T0] (e.g. a start token per row); the model's
    step/cache knows each input's source. A hypothesis that emits `end_id` is finished (None: none ends). Each input
    gets at most ceil(cfg.max_len_ratio * source_lengths[i]) + 5 new tokens (cfg.max_tokens caps it and is the
    limit without source_lengths); at that length its live hypotheses count as finished. An input is done when it
    has K finished hypotheses and no live one can still beat the worst of them (best live sum divided by the
    penalty of the maximum length: exact, since sums only fall and, for length_penalty > 0, the divisor only
    grows); beam 1 is done at its first end token. Step calls stop when every input is done.

    Returns, per input, up to cfg.n_best hypotheses best first: {"tokens": [ids], "score": float (log_prob over
    the length penalty), "log_prob": float (summed log-softmax of the tokens and the end token)}."""
    import torch

    start_ids = torch.as_tensor(start_ids, dtype=torch.long, device=device)
    if start_ids.dim() != 2 or start_ids.shape[0] == 0 or start_ids.shape[1] == 0:
        raise ValueError(f"start_ids must be [N, T0] with N, T0 >= 1, got shape {tuple(start_ids.shape)}")
    n, k = start_ids.shape[0], cfg.beam
    limits = _max_lengths(cfg, n, source_lengths)
    hyps = [_Hypotheses(k, cfg.length_penalty) for _ in range(n)]
    done = [False] * n
    with torch.inference_mode():
        logits, cache = step(start_ids.repeat_interleave(k, dim=0), None)       # [N*K, V]
        live = list(range(n))  # the inputs still searched, in the order of their row blocks
        scores = torch.full((n, k), float("-inf"), device=device)               # [L, K] summed log-probs
        scores[:, 0] = 0  # only beam 0 is live at first, so the K beams do not start as copies
        tokens = start_ids.new_empty(n * k, 0)                                  # [L*K, t]
        for t in range(1, max(limits) + 1):  # t: scored tokens per hypothesis after this step
            m = len(live)
            block = torch.arange(m, device=device)[:, None] * k                 # [L, 1] first row per input
            logp = logits.float().log_softmax(-1)                                # [L*K, V]
            v = logp.shape[1]
            total = (scores.reshape(-1, 1) + logp).reshape(m, k * v)             # [L, K*V]
            top, flat = total.topk(min(2 * k, k * v), dim=1)                     # [L, C] best first
            src, tok = flat // v, flat % v                                       # [L, C] beam, token
            is_end = tok == end_id if end_id is not None else torch.zeros_like(tok, dtype=torch.bool)
            # an end among the K best candidates finishes a hypothesis (beam 1: only the argmax)
            rank = torch.arange(top.shape[1], device=device)                     # [C]
            ends = (is_end & (rank < k) & top.isfinite()).nonzero().tolist()
            if ends:
                top_l, src_l = top.tolist(), src.tolist()
                for j, c in ends:
                    hyps[live[j]].add(top_l[j][c], tokens[j * k + src_l[j][c]].tolist(), t)
            # the K best candidates that do not end stay live: a stable sort puts them first, still best first
            pick = is_end.to(torch.int8).sort(dim=1, stable=True).indices[:, :k]  # [L, K]
            scores = top.gather(1, pick)                                         # [L, K]
            index = (block + src.gather(1, pick)).reshape(-1)                    # [L*K] rows they extend
            new = tok.gather(1, pick).reshape(-1, 1)                             # [L*K, 1]
            tokens = torch.cat([tokens[index], new], dim=1)                      # [L*K, t]
            best_live = scores.max(1).values.tolist()                            # [L]
            for j, i in enumerate(live):
                if t >= limits[i]:  # maximum length: the live beams count as hypotheses
                    for b, s in enumerate(scores[j].tolist()):
                        if s > float("-inf"):
                            hyps[i].add(s, tokens[j * k + b].tolist(), t)
                    done[i] = True
                elif best_live[j] == float("-inf") or (hyps[i].full() and (k == 1 or hyps[i].worst() >= best_live[j]
                                                       / length_penalty(limits[i], cfg.length_penalty))):
                    done[i] = True
            keep = [j for j, i in enumerate(live) if not done[i]]
            if not keep:
                break
            if len(keep) < m:  # finished inputs leave the batch: their rows are no longer computed
                sel = torch.tensor(keep, device=device)
                index = index.view(m, k)[sel].reshape(-1)
                new = new.view(m, k, 1)[sel].reshape(-1, 1)
                tokens = tokens.view(m, k, -1)[sel].reshape(len(keep) * k, -1)
                scores = scores[sel]
                live = [live[j] for j in keep]
            cache = reorder(cache, index)
            logits, cache = step(new, cache)
    return [[{"tokens": toks, "score": float(score), "log_prob": float(lp)} for score, lp, toks in h.items[:cfg.n_best]]
            for h in hyps]
