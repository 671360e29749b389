"""The LanguageModel task object: a GPT or CharRNN + its tokens, on the task contract (tasks/base.py). It serves
`generate` (decode/: sampling with the model's KV cache or recurrent state) and evaluates loss, perplexity and
bits per character on a text file."""
from dataclasses import asdict
from pathlib import Path

from nlpdive.errors import InputError
from nlpdive.metrics.language import lm_metrics
from nlpdive.tasks.base import Task
from nlpdive.tasks.lm.tokens import load_tokens, save_tokens

TOKENS_FILE = "tokenizer.json"


class LanguageModel(Task):
    task = "lm"
    verbs = ("generate",)

    def __init__(self, model, model_class, model_cfg, tokens, metrics=None, settings=None):
        # for sampling and scoring only: parameters without gradients skip autograd's bookkeeping on every op
        self.model, self.model_class, self.model_cfg = model.eval().requires_grad_(False), model_class, model_cfg
        self.tokens, self.metrics, self.settings = tokens, metrics, settings
        self.train_result = None

    @classmethod
    def fit(cls, *args, **kwargs):
        """Train on files: nlpdive.tasks.lm.train (the recipe)."""
        from nlpdive.tasks.lm.recipe import train

        return train(*args, **kwargs)

    @property
    def block_size(self):
        return self.model.config.block_size

    # -- generation
    def generate(self, prompt="", on_text=None, cache=True, **options):
        """Samples continuing `prompt`: [{"text", "tokens", "finish_reason"}] (one per --num-samples).
        `options`: the fields of nlpdive.decode.SamplingConfig (max_tokens, temperature, top_k, top_p, min_p,
        repetition_penalty, stop, num_samples, seed); `on_text(sample, piece)` streams the text as it comes;
        `cache=False` recomputes the whole context at every step (the KV cache's reference)."""
        import torch

        from nlpdive.decode import SamplingConfig, generate

        cfg = SamplingConfig(**options)
        ids = self.prompt_ids(prompt)
        device = next(self.model.parameters()).device
        step = RNNStep(self.model) if self.model_class == "CharRNN" else GPTStep(self.model, cache)
        with torch.inference_mode():
            return generate(step, ids, cfg, self.tokens.decode, end_id=self.tokens.end_id, on_text=on_text,
                            device=device)

    def prompt_ids(self, prompt):
        """The prompt's ids; an empty prompt starts after an end token (or a newline, for char models)."""
        unknown = self.tokens.unknown(prompt)
        if unknown:
            shown = ", ".join(repr(c) for c in unknown[:10])
            raise InputError(f"--prompt: characters the model never saw: {shown}",
                             hint="use only characters of its training text, or train with a BPE --tokenizer")
        ids = [int(i) for i in self.tokens.encode(prompt)] if prompt else []
        if not ids:
            start = self.tokens.end_id
            if start is None:
                start = int(self.tokens.encode("\n")[0]) if not self.tokens.unknown("\n") else 0
            ids = [start]
        return ids

    # -- evaluation
    def score_ids(self, ids, chars=None, batch_size=64, where=None):
        """Loss (nats per token) over the non-overlapping windows of `ids` (every token predicted from the ones
        before it in its window), perplexity, bits per token and, given the text's length, bits per character."""
        import torch

        from nlpdive.data.stream import Blocks

        blocks = Blocks(ids, self.block_size)
        if len(blocks) == 0:
            raise InputError(f"the text has {len(ids)} tokens; evaluating needs at least {self.block_size + 1}",
                             path=where, hint="give a longer file")
        device = next(self.model.parameters()).device
        batches = (blocks.__getitems__(range(i, min(len(blocks), i + batch_size))).to(device)
                   for i in range(0, len(blocks), batch_size))
        with torch.inference_mode():
            total, n = summed_loss(self.model, batches)
        return lm_metrics(total, n, None if chars is None else chars * n / len(ids))

    def evaluate(self, path, out_dir=None, encoding="utf-8", **_reader):
        """loss, perplexity, bits_per_token, bits_per_char on a text file (tokenised like the training data)."""
        from nlpdive.tasks.lm.tokens import encode_file

        ids, chars = encode_file(self.tokens, path, encoding)
        metrics = {"data": str(path), **self.score_ids(ids, chars, where=path)}
        if out_dir is not None:
            from nlpdive.artifacts import write_metrics

            write_metrics(out_dir, metrics)
        return metrics

    # -- the saved model directory
    def save(self, path):
        from nlpdive.artifacts import save_model_dir

        json_files = {}
        if self.metrics is not None:
            json_files["metrics.json"] = self.metrics
        out = save_model_dir(path, task=self.task, model_config={"class": self.model_class, "config": self.model_cfg},
                             state_dict=self.model.state_dict(), json_files=json_files,
                             extra_config={"lm": asdict(self.settings)} if self.settings else None)
        save_tokens(self.tokens, Path(out) / TOKENS_FILE)
        return out

    @classmethod
    def load(cls, path):
        from nlpdive.artifacts import read_config, read_json, reading
        from nlpdive.models.registry import load_saved_model

        path = Path(path)
        model_class, model_cfg, model = load_saved_model(path, read_config(path))
        with reading(path / TOKENS_FILE):
            tokens = load_tokens(path / TOKENS_FILE)
            if tokens.vocab_size != model_cfg["vocab_size"]:
                raise ValueError(f"{tokens.vocab_size} tokens but the model in config.json has "
                                 f"{model_cfg['vocab_size']}")
        metrics = read_json(path / "metrics.json") if (path / "metrics.json").exists() else None
        return cls(model, model_class, model_cfg, tokens, metrics)


def summed_loss(model, batches):
    """(total nats, predicted tokens) of next-token prediction over batches of windows [B, T + 1]."""
    from torch.nn import functional as F

    total, n = 0.0, 0
    for w in batches:
        logits, _ = model(w[:, :-1])  # [B, T, V]
        total += F.cross_entropy(logits.flatten(0, 1).float(), w[:, 1:].flatten(), reduction="sum").item()
        n += w[:, 1:].numel()
    return total, n


class GPTStep:
    """decode/'s step function for a GPT: the KV cache, refilled with the last half block when the context is
    full. With cache=False the same context (the tokens since the last refill) is recomputed each step: the
    cache's reference, token for token."""

    def __init__(self, model, cache=True):
        self.model, self.use_cache, self.block = model, cache, model.config.block_size

    def __call__(self, ids, state):
        import torch

        if state is None:
            state = {"ids": ids, "kv": None, "start": max(0, ids.size(1) - self.block)}
        else:
            state["ids"] = torch.cat([state["ids"], ids], dim=1)
        context = state["ids"]
        refill = context.size(1) - state["start"] > self.block
        if refill:  # the context is full: keep its last half block
            state["start"] = context.size(1) - self.block // 2
        kv = state["kv"]
        if not self.use_cache:
            logits, _ = self.model(context[:, state["start"]:])
        elif kv is None or refill:  # (re)fill the cache from the context
            kv = self.model.new_cache(context.size(0))
            logits, kv = self.model(context[:, state["start"]:], kv)
        else:
            logits, kv = self.model(ids, kv)
        state["kv"] = kv
        return logits[:, -1].float(), state


class RNNStep:
    """decode/'s step function for a CharRNN: the recurrent state is the cache."""

    def __init__(self, model):
        self.model = model

    def __call__(self, ids, state):
        logits, state = self.model(ids, state)
        return logits[:, -1].float(), state

