"""The translation recipe, top to bottom (what `nlpdive train translate` runs):

1. pairs       a headerless SOURCE<TAB>TARGET file (Tatoeba's 3rd column ignored) or two aligned files
               (data/readers.py: read_parallel); without --valid 5% of the pairs (at most 1,000) validate
2. tokens      bpe (byte-level BPE learnt from the training pairs), word or char; joint (one vocabulary and
               one embedding for both sides) or one per side                      tasks/translate/vocab.py
3. filter      pairs with a side longer than --max-length tokens are dropped (and counted)
4. batches     sentences of similar lengths together (data/batching.py: BucketSampler), padded with masks
5. model       Transformer encoder-decoder or GRU encoder-decoder with attention, from the options given
6. loss        label-smoothed cross-entropy of every target token (teacher forcing)
7. training    the Trainer: Muon for the hidden matrices + AdamW, a cosine schedule that a time budget plans;
               keep-best on validation BLEU (greedy decoding unless --valid-beam)
8. averaging   --average-last N: the mean of the last N checkpoints' weights (one every 200 steps unless
               --eval-every), kept when it scores higher
9. metrics     BLEU and chrF (sacreBLEU) of beam-5 translations of the validation pairs -> metrics.json
10. save       config.json + model.safetensors + vocab.json (+ loss.png, metrics.jsonl)
"""
import time
import warnings

from nlpdive.errors import InputError
from nlpdive.tasks.translate.config import (VALID_MAX_PAIRS, VALID_SPLIT, TranslateConfig, model_options,
                                            train_defaults)

FINAL_BEAM = 5  # the beam of the saved model's validation metrics (translate's default)
AVERAGE_EVERY = 200  # --average-last without --eval-every: evaluate and checkpoint every this many steps


def train(data=None, *, source=None, target=None, valid=None, valid_split=VALID_SPLIT, settings=None,
          train_cfg=None, out_dir="runs/translate", resume=False, encoding=None):
    """Train a translator on a pairs file `data` (or aligned `source`/`target` files); saves it in `out_dir` and
    returns the Translator."""
    import torch

    from nlpdive.data import read_parallel
    from nlpdive.metrics.translation import require_sacrebleu, translation_metrics
    from nlpdive.models.registry import build_model, config_class
    from nlpdive.tasks.translate.model import Translator
    from nlpdive.train import TrainConfig, Trainer, select_device

    require_sacrebleu()  # validation scores BLEU: fail before training, not after it
    settings = settings or TranslateConfig()
    train_cfg = train_cfg or TrainConfig(**train_defaults(settings, select_device("auto").type))
    if settings.average_last:  # evaluations (and a checkpoint at each) every AVERAGE_EVERY steps, the last N kept
        from dataclasses import replace

        every = train_cfg.eval_every or AVERAGE_EVERY
        train_cfg = replace(train_cfg, eval_every=every, checkpoint_every=train_cfg.checkpoint_every or every,
                            keep_checkpoints=max(train_cfg.keep_checkpoints, settings.average_last))
    start = time.perf_counter()
    where = data or source
    pairs = read_parallel(data, source=source, target=target, encoding=encoding)                       # 1.
    valid_pairs = read_parallel(valid, encoding=encoding) if valid else None
    pairs, valid_pairs = split_pairs(pairs, valid_pairs, valid_split, train_cfg.seed, where=where)
    src, tgt = sides(pairs, settings, out_dir, resume)                                                 # 2.
    model_class, model_cfg = model_options(settings, src.vocab_size, tgt.vocab_size, src.pad_id)      # 5.
    try:
        built = config_class(model_class)(**model_cfg)  # the options' own checks, named by flag (not config.json)
    except ValueError as e:
        raise InputError(f"model options: {e}", hint="check the model size flags (--d-model, --heads, --hidden, "
                         "--layers)") from None
    longest = getattr(built, "max_len", None)  # the Transformer's positions
    limit = min(settings.max_length, longest or settings.max_length)
    examples = encode_pairs(src, tgt, pairs, limit, where=where)                                      # 3.
    valid_examples = encode_pairs(src, tgt, valid_pairs, longest, drop=False)  # cut (the loss only; BLEU reads all)
    torch.manual_seed(train_cfg.seed)
    model = build_model(model_class, model_cfg)
    trainer = Trainer(model, train_cfg, out_dir=out_dir, resume=resume)
    evaluate = Validation(src, tgt, valid_pairs, settings.valid_beam)
    result = trainer.fit(examples, Collate(tgt.pad_id, tgt.sos_id, tgt.eos_id), Seq2SeqLoss(                # 6.-7.
                         settings.label_smoothing, tgt.pad_id), valid_data=valid_examples, evaluate_fn=evaluate,
                         batch_sampler_fn=bucket_batches(examples), count_fn=lambda b: b["tokens"],
                         count_unit="tokens")
    model.eval()
    averaged = None
    if settings.average_last and out_dir is not None:                                                 # 8.
        averaged = average_last(model, out_dir, settings.average_last, evaluate, (result.best or {}).get("bleu"))
    translator = Translator(model, model_class, model_cfg, src, tgt, settings=settings,
                            reader={"encoding": encoding} if encoding else {})
    final = translator.translate([s for s, _ in valid_pairs], beam=FINAL_BEAM)                       # 9.
    scores = translation_metrics([r["translation"] for r in final], [t for _, t in valid_pairs])
    best = result.best or {}
    translator.metrics = {"data": "validation", **scores, "beam": FINAL_BEAM, "valid_pairs": len(valid_pairs),
                          "train_pairs": len(examples), "steps": result.steps, "best_step": best.get("step"),
                          "valid_beam": settings.valid_beam, "valid_beam_bleu": best.get("bleu"),
                          "averaged": averaged, "out_of_time": result.out_of_time,
                          "train_seconds": round(time.perf_counter() - start, 2)}
    translator.train_result = result
    model.cpu()
    from nlpdive.train import dist_info

    if dist_info().is_main and out_dir is not None:                                                   # 10.
        translator.save(out_dir)
    return translator


def sides(pairs, settings, out_dir, resume):
    """The vocabularies: learnt from the training pairs and written to out_dir/vocab.json before training, so that
    --resume reads the very ids its checkpoints were trained with."""
    from pathlib import Path

    from nlpdive.tasks.translate.vocab import VOCAB_FILE, build_sides, load_sides, save_sides

    path = Path(out_dir) / VOCAB_FILE if out_dir is not None else None
    if resume and path is not None and path.is_file():
        return load_sides(path)
    src, tgt = build_sides(pairs, settings.vocab, settings.vocab_size, settings.joint)
    from nlpdive.train import dist_info

    if path is not None and dist_info().is_main:
        save_sides(src, tgt, path)
    return src, tgt


def split_pairs(pairs, valid_pairs, valid_split, seed, where=None):
    """(train pairs, validation pairs): the given validation pairs, or a seeded random share of `pairs`."""
    if valid_pairs is not None:
        return pairs, valid_pairs
    import random

    if not 0 < valid_split < 1:
        raise InputError(f"--valid-split must be between 0 and 1, got {valid_split}", hint="e.g. --valid-split 0.05")
    n_valid = min(VALID_MAX_PAIRS, int(len(pairs) * valid_split))
    if n_valid < 1 or len(pairs) - n_valid < 1:
        raise InputError(f"{len(pairs)} pairs are too few to hold out {valid_split:.0%} for validation", path=where,
                         hint="give more pairs, a larger --valid-split, or a --valid FILE")
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    held = set(order[:n_valid])
    return [p for i, p in enumerate(pairs) if i not in held], [p for i, p in enumerate(pairs) if i in held]


def encode_pairs(src, tgt, pairs, limit, where=None, drop=True):
    """[(source ids + <eos>, target ids)] of the pairs; with `limit`, pairs with a side longer than `limit` tokens
    are dropped, with a warning that says how many (drop=False: both sides are cut to fit instead)."""
    from nlpdive.tasks.translate.model import source_ids

    sources = source_ids(src, [s for s, _ in pairs], None if drop else limit)
    targets = tgt.encode_batch([t for _, t in pairs])
    if limit is None:
        return list(zip(sources, targets))
    if not drop:
        return [(s, t[:limit - 1]) for s, t in zip(sources, targets)]
    examples = list(zip(sources, targets))
    kept = [(s, t) for s, t in examples if len(s) <= limit and len(t) + 1 <= limit]
    if not kept:
        raise InputError(f"every pair has a side longer than --max-length {limit} tokens", path=where,
                         hint="raise --max-length")
    if len(kept) < len(examples):
        from nlpdive.data.readers import InputWarning

        warnings.warn(f"{where}: dropped {len(examples) - len(kept)} of {len(examples)} training pairs with a side "
                      f"longer than {limit} tokens (--max-length)", InputWarning, stacklevel=2)
    return kept


def bucket_batches(examples):
    """The Trainer's batch sampler: sentences of similar lengths batched together, a new order each epoch."""
    lengths = [max(len(s), len(t)) for s, t in examples]

    def sampler(dataset, batch_size, epoch_seed, rank, world):
        from nlpdive.data.batching import BucketSampler

        return list(BucketSampler(lengths, batch_size, seed=epoch_seed, num_replicas=world, rank=rank))

    return sampler


class Collate:
    """(source ids, target ids) pairs -> {"src" [B,S], "src_lengths" [B], "tgt_in" [B,T] (<sos> + target),
    "tgt_out" [B,T] (target + <eos>), "tgt_lengths" [B], "tokens" (an int: the target tokens)} padded with pad_id
    (source and target pads share id 0: specials come first in every vocabulary)."""

    def __init__(self, pad_id, sos_id, eos_id):
        self.pad_id, self.sos_id, self.eos_id = pad_id, sos_id, eos_id

    def __call__(self, examples):
        from nlpdive.data.batching import pad_batch

        src, src_lengths, _ = pad_batch([s for s, _ in examples], self.pad_id)
        tgt_in, tgt_lengths, _ = pad_batch([[self.sos_id, *t] for _, t in examples], self.pad_id)
        tgt_out, _, _ = pad_batch([[*t, self.eos_id] for _, t in examples], self.pad_id)
        return {"src": src, "src_lengths": src_lengths, "tgt_in": tgt_in, "tgt_out": tgt_out,
                "tgt_lengths": tgt_lengths, "tokens": int(tgt_lengths.sum())}


class Seq2SeqLoss:
    """Label-smoothed cross-entropy over the real target tokens (padding ignored)."""

    def __init__(self, label_smoothing=0.0, pad_id=0):
        self.label_smoothing, self.pad_id = label_smoothing, pad_id

    def __call__(self, net, batch, reduction="mean"):
        from torch.nn import functional as F

        logits = net(batch["src"], batch["src_lengths"], batch["tgt_in"])  # [B, T, V]
        return F.cross_entropy(logits.flatten(0, 1).float(), batch["tgt_out"].flatten(), ignore_index=self.pad_id,
                               label_smoothing=self.label_smoothing, reduction=reduction)


class Validation:
    """The Trainer's evaluate_fn: the validation loss (teacher forcing, no smoothing) and BLEU/chrF of the
    validation sources translated with beam `beam` (1: greedy)."""

    def __init__(self, src, tgt, pairs, beam=1):
        self.src, self.tgt, self.pairs, self.beam = src, tgt, pairs, beam
        self.loss = Seq2SeqLoss(0.0, tgt.pad_id)

    def __call__(self, net, loader):
        from nlpdive.decode import BeamConfig
        from nlpdive.metrics.translation import translation_metrics
        from nlpdive.tasks.translate.model import translate_texts

        total, tokens = 0.0, 0
        for batch in loader:
            total += self.loss(net, batch, reduction="sum").item()
            tokens += batch["tokens"]
        found = translate_texts(net, self.src, self.tgt, [s for s, _ in self.pairs], BeamConfig(beam=self.beam))
        scores = translation_metrics([r["translation"] for r in found], [t for _, t in self.pairs])
        return {"valid_loss": total / max(1, tokens), "bleu": scores["bleu"], "chrf": scores["chrf"]}


def average_last(model, out_dir, n, evaluate, best_bleu):
    """Load into `model` the mean of the weights of the last `n` checkpoints in out_dir/checkpoints when it scores
    a higher validation BLEU than `best_bleu` (the kept weights'); returns {"checkpoints", "bleu", "kept"}."""
    from pathlib import Path

    from nlpdive.train.checkpoint import average_weights

    found = sorted((Path(out_dir) / "checkpoints").glob("step-*"))[-n:]
    if len(found) < 2:
        from nlpdive.data.readers import InputWarning

        warnings.warn(f"--average-last {n}: the run wrote {len(found)} checkpoint(s), nothing to average (lower "
                      "--eval-every for more)", InputWarning, stacklevel=2)
        return None
    kept = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(average_weights(found))
    bleu = evaluate(model, []).get("bleu")
    keep = best_bleu is None or bleu > best_bleu
    if not keep:
        model.load_state_dict(kept)
    return {"checkpoints": [p.name for p in found], "bleu": bleu, "kept": keep}
