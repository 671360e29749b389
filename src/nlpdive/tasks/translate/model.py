"""The Translator task object: a sequence-to-sequence model (models/seq2seq_transformer.py or models/seq2seq_gru.py)
+ the tokens of both sides, on the task contract (tasks/base.py). It serves `translate` (decode/: batched beam search
on the model's step function; beam 1 is greedy; or sampling), draws attention maps, and evaluates BLEU and chrF
(sacreBLEU) on a pairs file.

A source is its tokens + <eos>; a target starts from <sos> and ends at <eos>."""
from dataclasses import asdict
from pathlib import Path

from nlpdive.errors import InputError
from nlpdive.tasks.base import Task
from nlpdive.tasks.translate.vocab import VOCAB_FILE, load_sides, save_sides


class Translator(Task):
    task = "translate"
    verbs = ("translate",)

    def __init__(self, model, model_class, model_cfg, src, tgt, settings=None, metrics=None, reader=None):
        self.model, self.model_class, self.model_cfg = model.eval().requires_grad_(False), model_class, model_cfg
        self.src, self.tgt, self.settings, self.metrics = src, tgt, settings, metrics
        self.reader = reader or {}
        self.max_len = getattr(model.config, "max_len", None)  # the Transformer's positions (None: no limit)
        self.train_result = None

    @classmethod
    def fit(cls, *args, **kwargs):
        """Train on pairs: nlpdive.tasks.translate.train (the recipe)."""
        from nlpdive.tasks.translate.recipe import train

        return train(*args, **kwargs)

    # -- translation
    def translate(self, texts, beam=5, n_best=1, length_penalty=1.0, max_len_ratio=1.5, max_tokens=256,
                  batch_size=64, attention=False, sampling=None):
        """Translations of `texts`, in order: [{"translation", "score", "log_prob"} (+ "n_best": the K best as the
        same dicts, with n_best > 1; + "attention": {"weights" [T][S], "source_tokens", "target_tokens"})].
        beam 1 is greedy decoding. `sampling`: a dict of nlpdive.decode.SamplingConfig fields (temperature,
        top_k, top_p, min_p, seed, num_samples...) samples instead of searching."""
        from nlpdive.decode import BeamConfig

        cfg = BeamConfig(beam=beam, n_best=n_best, length_penalty=length_penalty, max_len_ratio=max_len_ratio,
                         max_tokens=max_tokens)
        texts = [texts] if isinstance(texts, str) else list(texts)
        if sampling is not None:
            return [self._sample(text, sampling, max_tokens) for text in texts]
        results = translate_texts(self.model, self.src, self.tgt, texts, cfg, batch_size)
        if attention:
            for result, text in zip(results, texts):
                result["attention"] = self.attention(text, result["tokens"])
        return results

    def attention(self, text, target_ids):
        """{"weights" [T][S], "source_tokens", "target_tokens"}: where the model looks while it writes `target_ids`
        (and the final <eos>) for `text`; each row sums to 1 over the source tokens."""
        import torch

        src_ids = source_ids(self.src, [text], self.max_len)[0]
        device = next(self.model.parameters()).device
        src = torch.tensor([src_ids], device=device)
        tgt_in = torch.tensor([[self.tgt.sos_id, *target_ids]], device=device)
        with torch.inference_mode():
            memory = self.model.encode(src, torch.tensor([len(src_ids)], device=device))
            _, _, weights = self.model.decode(tgt_in, memory, need_attention=True)
        return {"weights": weights[0].float().cpu().tolist(), "source_tokens": self.src.tokens(src_ids),
                "target_tokens": [*self.tgt.tokens(target_ids), "</s>"]}

    def plot_attention(self, text, path, result=None, **options):
        """Save the attention heat map of `text`'s translation to `path` (PNG, SVG or PDF): of `result` (one of
        translate's results for it), else of translating it now with `options`; returns the result."""
        from nlpdive.metrics.plots import plot_attention

        result = result or self.translate([text], **options)[0]
        a = self.attention(text, result["tokens"])
        plot_attention(a["weights"], a["source_tokens"], a["target_tokens"], path,
                       title=f"{text[:60]} -> {result['translation'][:60]}")
        return result

    def _sample(self, text, options, max_tokens):
        import torch

        from nlpdive.decode import SamplingConfig, generate

        cfg = SamplingConfig(**{"max_tokens": max_tokens, **options})
        if self.max_len is not None and cfg.max_tokens >= self.max_len:
            cfg.max_tokens = self.max_len - 1  # the positions the model has
        src_ids = source_ids(self.src, [text], self.max_len)[0]
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            src = torch.tensor([src_ids], device=device).repeat(cfg.num_samples, 1)
            memory = self.model.encode(src, torch.tensor([len(src_ids)] * cfg.num_samples, device=device))
            samples = generate(Seq2SeqStep(self.model, memory, (self.tgt.pad_id, self.tgt.sos_id)), [self.tgt.sos_id], cfg, self.tgt.decode,
                               end_id=self.tgt.eos_id, device=device)
        return {"translation": samples[0]["text"], "samples": [s["text"] for s in samples],
                "tokens": samples[0]["tokens"]}

    # -- evaluation
    def evaluate(self, path, out_dir=None, beam=5, per_sentence=False, batch_size=64, encoding=None, **_reader):
        """BLEU and chrF (sacreBLEU, with signatures) of the translations of a pairs file's sources against its
        targets (+ "per_sentence" scores and the translations when asked)."""
        from nlpdive.data import read_parallel
        from nlpdive.metrics.translation import require_sacrebleu, translation_metrics

        require_sacrebleu()
        pairs = read_parallel(path, encoding=encoding or self.reader.get("encoding"))
        hyps = [r["translation"] for r in self.translate([s for s, _ in pairs], beam=beam, batch_size=batch_size)]
        metrics = {"data": str(path), "beam": beam,
                   **translation_metrics(hyps, [t for _, t in pairs], per_sentence=per_sentence)}
        if per_sentence:
            for row, (source, ref), hyp in zip(metrics["per_sentence"], pairs, hyps):
                row.update(source=source, reference=ref, translation=hyp)
        if out_dir is not None:
            from nlpdive.artifacts import write_metrics

            write_metrics(out_dir, metrics)
        return metrics

    # -- the saved model directory
    def save(self, path):
        from nlpdive.artifacts import save_model_dir

        json_files = {"metrics.json": self.metrics} if self.metrics is not None else {}
        extra = {"reader": self.reader, **({"translate": asdict(self.settings)} if self.settings else {})}
        out = save_model_dir(path, task=self.task, model_config={"class": self.model_class, "config": self.model_cfg},
                             state_dict=self.model.state_dict(), json_files=json_files, extra_config=extra)
        save_sides(self.src, self.tgt, Path(out) / VOCAB_FILE)
        return out

    @classmethod
    def load(cls, path):
        from nlpdive.artifacts import read_config, read_json, reading
        from nlpdive.models.registry import load_saved_model

        path = Path(path)
        config = read_config(path)
        model_class, model_cfg, model = load_saved_model(path, config)
        src, tgt = load_sides(path / VOCAB_FILE)
        for side, key in ((src, "src_vocab"), (tgt, "tgt_vocab")):
            if side.vocab_size != model_cfg.get(key):
                raise InputError(f"{side.vocab_size} tokens but the model in config.json has {model_cfg.get(key)}",
                                 path=path / VOCAB_FILE, hint="the vocabulary and the model come from different "
                                 "runs: copy the whole model directory")
        metrics = read_json(path / "metrics.json") if (path / "metrics.json").exists() else None
        settings = None
        if isinstance(config.get("translate"), dict):
            from nlpdive.tasks.translate.config import TranslateConfig

            with reading(path / "config.json"):
                settings = TranslateConfig(**config["translate"])
        return cls(model, model_class, model_cfg, src, tgt, settings=settings, metrics=metrics,
                   reader=config.get("reader"))


def source_ids(side, texts, limit=None):
    """Each text's ids + <eos>, cut to `limit` tokens (a model's longest source) when given."""
    ids = [[*row, side.eos_id] for row in side.encode_batch(texts)]
    return [row if limit is None or len(row) <= limit else [*row[:limit - 1], side.eos_id] for row in ids]


class Seq2SeqStep:
    """decode/'s step function over an encoded source (memory rows matching the decoding rows). <pad> and <sos>
    are never written (label smoothing gives them some probability; they would decode to nothing)."""

    def __init__(self, model, memory, never=(0, 2)):
        self.model, self.memory, self.never = model, memory, list(never)

    def __call__(self, ids, state):
        logits, state, _ = self.model.decode(ids, self.memory, state)
        logits = logits[:, -1].float()                                   # [rows, V]
        logits[:, self.never] = float("-inf")
        return logits, state

    def reorder(self, state, index):
        """Beam search's reorder: the model's state, and the memory when finished inputs leave the batch."""
        rows = next(iter(self.memory.values())).shape[0]
        if len(index) != rows:
            self.memory = {name: t.index_select(0, index.to(t.device)) for name, t in self.memory.items()}
        return self.model.reorder(state, index)


def translate_texts(model, src, tgt, texts, cfg, batch_size=64):
    """Beam search (decode.beam_search, cfg a BeamConfig) over `texts` in batches of similar lengths; results in
    the order of `texts`: {"translation", "tokens", "score", "log_prob"} (+ "n_best" when cfg.n_best > 1)."""
    import torch

    from nlpdive.data.batching import pad_batch
    from nlpdive.decode import beam_search

    from dataclasses import replace

    limit = getattr(model.config, "max_len", None)
    if limit is not None and cfg.max_tokens >= limit:
        cfg = replace(cfg, max_tokens=limit - 1)  # the positions the model has
    ids = source_ids(src, texts, limit)
    device = next(model.parameters()).device
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    results = [None] * len(ids)
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            batch, lengths, _ = pad_batch([ids[i] for i in chosen], pad_id=src.pad_id)
            batch, lengths = batch.to(device), lengths.to(device)
            memory = {k: v.repeat_interleave(cfg.beam, 0) for k, v in model.encode(batch, lengths).items()}
            start_ids = torch.full((len(chosen), 1), tgt.sos_id, dtype=torch.long, device=device)
            step = Seq2SeqStep(model, memory, never=(tgt.pad_id, tgt.sos_id))
            found = beam_search(step, step.reorder, start_ids, cfg, tgt.eos_id,
                                source_lengths=lengths.cpu(), device=device)
            for i, hyps in zip(chosen, found):
                best = [{"translation": tgt.decode(h["tokens"]), **h} for h in hyps]
                results[i] = {**best[0], **({"n_best": best} if cfg.n_best > 1 else {})}
    model.train(was_training)
    return results
