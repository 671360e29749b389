"""generate(): sample continuations of one prompt from any model, with stop strings and streaming.

The model is seen only through a step function:

    step(ids, cache) -> (logits, cache)
        ids:    LongTensor [B, T_new]. The first call gets the whole prompt (replicated to B rows) and
                cache=None; each later call gets the B new tokens [B, 1] and the cache it returned before.
        logits: [B, V], the next-token logits of the last position.
        cache:  anything the model wants to keep (e.g. key/value tensors). A model without a cache keeps the
                ids seen so far in it and recomputes; generate() never looks inside.

Rows that have finished keep being stepped (so the batch stays rectangular) and are ignored. `decode_fn(ids)
-> str` must be prefix-consistent: the text of ids[:k] is a start of the text of ids, except for trailing U+FFFD
while a multi-byte character is incomplete (true for char, word, byte-BPE and SentencePiece decoders).
"""
import torch

from nlpdive.decode.sampling import next_tokens
from nlpdive.errors import InputError

REPLACEMENT = "\ufffd"


class _Sample:
    """One row's generated ids and text; emits the text that can no longer change or turn into a stop string."""

    def __init__(self, index, stops, decode_fn, on_text):
        self.index, self.stops, self.decode_fn, self.on_text = index, stops, decode_fn, on_text
        self.ids, self.lengths = [], [0]  # lengths[k]: characters in the text of ids[:k]
        self.full, self.emitted = "", 0
        self.finish_reason = None

    def add(self, token, end_id):
        if token == end_id:
            return self._finish("end", self.full, len(self.ids))
        self.ids.append(token)
        self.full = self.decode_fn(self.ids)
        self.lengths.append(len(self.full))
        cut = min((i for i in (self.full.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            # tokens: those needed to produce the text before the stop string
            tokens = next(k for k, n in enumerate(self.lengths) if n >= cut)
            return self._finish("stop", self.full[:cut], tokens)
        self._emit(self.full[:len(self.full) - self._held_back()])

    def finish_length(self):
        self._finish("length", self.full, len(self.ids))

    def _held_back(self):
        """Characters at the end of the text that may still change or begin a stop string."""
        text = self.full.rstrip(REPLACEMENT)
        hold = len(self.full) - len(text)
        tail = 0
        for s in self.stops:
            for n in range(min(len(s) - 1, len(text)), tail, -1):
                if text.endswith(s[:n]):
                    tail = n
                    break
        return hold + tail

    def _emit(self, safe):
        if len(safe) > self.emitted:
            if self.on_text is not None:
                self.on_text(self.index, safe[self.emitted:])
            self.emitted = len(safe)

    def _finish(self, reason, text, tokens):
        self._emit(text)
        self.finish_reason, self.text, self.tokens = reason, text, tokens

    def result(self):
        return {"text": self.text, "tokens": self.tokens, "finish_reason": self.finish_reason}


def generate(step, prompt_ids, cfg, decode_fn, end_id=None, on_text=None, device="cpu"):
    """Sample cfg.num_samples continuations of `prompt_ids` together (B = num_samples), up to cfg.max_tokens new
    tokens each. A sample ends at `end_id` ("end"; not in the text), when its text contains one of cfg.stop ("stop";
    the text is cut just before it) or after max_tokens ("length"). `on_text(sample_index, piece)` streams the text:
    a sample's pieces add up to exactly its final text. Returns [{"text", "tokens", "finish_reason"}] per sample."""
    if len(prompt_ids) == 0:
        raise InputError("the prompt has no tokens", hint="give some text, or start it with the model's start token")
    generator = torch.Generator(device)
    if cfg.seed is not None:
        generator.manual_seed(cfg.seed)
    else:
        generator.seed()
    samples = [_Sample(i, cfg.stop, decode_fn, on_text) for i in range(cfg.num_samples)]
    with torch.inference_mode():
        history = torch.tensor(list(prompt_ids), dtype=torch.long, device=device)
        history = history.unsqueeze(0).repeat(cfg.num_samples, 1)                # [B, T]
        logits, cache = step(history, None)                                       # [B, V]
        for n in range(cfg.max_tokens):
            new = next_tokens(logits, history, cfg, generator)                    # [B]
            for sample, token in zip(samples, new.tolist()):
                if sample.finish_reason is None:
                    sample.add(token, end_id)
            if n == cfg.max_tokens - 1 or all(s.finish_reason is not None for s in samples):
                break
            history = torch.cat([history, new[:, None]], dim=1)                  # [B, T + 1]
            logits, cache = step(new[:, None], cache)
    for sample in samples:
        if sample.finish_reason is None:
            sample.finish_length()
    return [s.result() for s in samples]
