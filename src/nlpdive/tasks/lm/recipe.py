"""The language-model recipe, top to bottom (what `nlpdive train lm` runs):

1. tokens      char (the characters of the files) or a subword tokenizer           tasks/lm/tokens.py
2. stream      each file tokenised once into RUN/tokens/*.bin (memory-mapped); files are documents separated
               by an end token; without --valid the last 10% of the tokens validate (nanoGPT's split; at most
               VALID_MAX_TOKENS)
3. windows     block_size + 1 tokens; inputs window[:-1], targets window[1:]        data/stream.py
               random windows (stateless) or stateful ones for RNNs (truncated BPTT)
4. model       GPT (models/gpt.py) or CharRNN (models/charrnn.py) from the options given
5. loss        next-token cross-entropy over every position
6. training    the Trainer: Muon + AdamW (gpt), a time budget that plans the schedule, keep-best on validation
7. metrics     validation loss (nats per token), perplexity, bits per token and per character -> metrics.json
8. save        config.json + model.safetensors + tokenizer.json (+ loss.png, metrics.jsonl)
"""
import time
from dataclasses import dataclass
from pathlib import Path

from nlpdive.errors import InputError
from nlpdive.tasks.lm.config import VALID_MAX_TOKENS, VALID_SPLIT, LMConfig, model_options, train_defaults

TOKENS_DIR = "tokens"


@dataclass
class Start:
    """What fine-tuning starts from (tasks/finetune/lm.py): a model ready to train, its tokens, `key` naming them
    in the token cache, and `make(model)`, the task object of the result."""
    model: object
    model_class: str
    model_cfg: dict
    tokens: object
    key: str
    make: object


def train(data, *, valid=None, valid_split=VALID_SPLIT, settings=None, train_cfg=None, out_dir="runs/lm",
          resume=False, encoding="utf-8", start=None):
    """Train a language model on the text files `data` (validated on the file `valid`, or the last tokens of the
    data); saves it in `out_dir` and returns the LanguageModel. `start`: a Start, to train a pretrained model
    further (steps 1 and 4 are then its tokens and its model)."""
    from nlpdive.data.stream import Blocks, Windows, collate, random_windows, stateful_windows
    from nlpdive.metrics.language import lm_metrics
    from nlpdive.tasks.lm.model import LanguageModel, summed_loss
    from nlpdive.train import TrainConfig, Trainer, dist_info, select_device

    settings = settings or LMConfig()
    train_cfg = train_cfg or TrainConfig(**train_defaults(settings, select_device("auto").type))
    data = [data] if isinstance(data, (str, Path)) else list(data)
    began = time.perf_counter()
    tokens, streams, folder = tokenize(data, valid, settings, out_dir, encoding, valid_split,       # 1.-2.
                                       start=start)
    train_ids, valid_ids, valid_chars = streams
    if start is None:
        model_class, model_cfg, model = new_model(settings, tokens, train_cfg)                      # 4.
    else:
        model_class, model_cfg, model = start.model_class, start.model_cfg, start.model
    block = model.config.block_size
    for ids, what in ((train_ids, "the training text"), (valid_ids, "the validation text")):
        if len(ids) < block + 2:
            raise InputError(f"{what} has {len(ids)} tokens; --block-size {block} needs at least {block + 2}",
                             path=data[0] if what.startswith("the training") else valid,
                             hint="give more text or lower --block-size")
    stateful = settings.family == "rnn" and settings.windows == "stateful"                         # 3.
    sampler = stateful_windows if stateful else random_windows
    trainer = Trainer(model, train_cfg, out_dir=out_dir, resume=resume)
    loss = NextTokenLoss(stateful)                                                                  # 5.
    chars_per_token = valid_chars / len(valid_ids) if valid_chars else None

    def evaluate(net, loader):                                                                      # 7.
        total, n = summed_loss(net, loader)
        m = lm_metrics(total, n, chars_per_token and n * chars_per_token)
        return {"valid_loss": m["loss"], **{k: v for k, v in m.items() if k not in ("loss", "tokens", "characters")}}

    result = trainer.fit(Windows(train_ids, block), collate, loss, valid_data=Blocks(valid_ids, block),  # 6.
                         evaluate_fn=evaluate, batch_sampler_fn=sampler, count_fn=lambda b: b[:, 1:].numel(),
                         count_unit="tokens")
    model.cpu().eval()
    lm = start.make(model) if start else LanguageModel(model, model_class, model_cfg, tokens, settings=settings)
    best = result.best or {}
    lm.metrics = {"data": "validation", "loss": best.get("valid_loss"), "perplexity": best.get("perplexity"),
                  "bits_per_token": best.get("bits_per_token"), "bits_per_char": best.get("bits_per_char"),
                  "valid_tokens": len(valid_ids), "train_tokens": len(train_ids), "steps": result.steps,
                  "best_step": best.get("step"), "out_of_time": result.out_of_time,
                  "train_seconds": round(time.perf_counter() - began, 2)}
    lm.train_result = result
    import shutil

    if dist_info().is_main and out_dir is not None:                                                 # 8.
        lm.save(out_dir)
        shutil.rmtree(Path(out_dir) / TOKENS_DIR, ignore_errors=True)  # a cache for resuming: done with
    elif out_dir is None:
        shutil.rmtree(folder, ignore_errors=True)  # a temporary folder
    return lm


def new_model(settings, tokens, train_cfg):
    """(class name, config, model) of a new model from the options given, sized for the device."""
    import torch

    from nlpdive.models.registry import build_model, config_class
    from nlpdive.train import dist_info, select_device

    device = select_device(train_cfg.device, dist_info().local_rank).type
    model_class, model_cfg = model_options(settings, tokens.vocab_size, device)
    torch.manual_seed(train_cfg.seed)
    try:
        config_class(model_class)(**model_cfg)  # the options' own checks, named by flag (not config.json)
    except ValueError as e:
        raise InputError(f"--n-embd/--heads: {e}", hint="give an --n-embd that --heads divides (an even head "
                         "size for rotary positions)") from None
    return model_class, model_cfg, build_model(model_class, model_cfg)


class NextTokenLoss:
    """Cross-entropy of every next token. Stateful: the RNN's state carries from one batch to the next
    (detached: truncated back-propagation through time)."""

    def __init__(self, stateful=False):
        self.stateful, self.state = stateful, None

    def __call__(self, net, batch):
        from torch.nn import functional as F

        state = self.state if self.stateful else None
        logits, state = net(batch[:, :-1], state)  # [B, T, V]
        if self.stateful:
            self.state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        return F.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten())


def tokenize(data, valid, settings, out_dir, encoding="utf-8", valid_split=VALID_SPLIT, start=None):
    """(tokens, (train ids, valid ids, valid characters), folder): each file tokenised once into
    out_dir/tokens/*.bin (a resumed run reads them again; without out_dir a temporary folder), memory-mapped.
    `start`: fine-tuning's Start, whose tokens are used."""
    from nlpdive.atomic import write_json
    from nlpdive.data.stream import open_stream
    from nlpdive.tasks.lm.tokens import build_tokens, save_tokens, tokenize_files

    for path in [*data, *([valid] if valid else [])]:
        if Path(path).is_file() and Path(path).stat().st_size == 0:
            raise InputError("the file is empty", path=path, hint="give a text file with the text to learn")
    from nlpdive.train import dist_info

    dist = dist_info()
    folder = None
    if out_dir is not None:  # under torchrun each process tokenises into its own folder: no races
        folder = Path(out_dir) / TOKENS_DIR / ("" if dist.is_main else f"rank-{dist.rank}")
    manifest = _manifest(data, valid, start.key if start else settings.tokenizer, encoding)
    cached = _read_cache(folder, manifest)
    if cached is not None:
        tokens, info = cached
        tokens = start.tokens if start else tokens
    else:
        tokens = start.tokens if start else build_tokens(settings.tokenizer, data + ([valid] if valid else []),
                                                         encoding, documents=len(data))
        if folder is None:
            import tempfile

            folder = Path(tempfile.mkdtemp(prefix="nlpdive-lm-"))
        folder.mkdir(parents=True, exist_ok=True)
        info = {}
        for name, paths in (("train", data), ("valid", [valid] if valid else [])):
            if paths:
                count, dtype, chars = tokenize_files(tokens, paths, folder / f"{name}.bin", encoding,
                                                     progress=_progress(paths, name))
                info[name] = {"tokens": count, "dtype": dtype, "characters": chars}
        save_tokens(tokens, folder / "tokenizer.json")
        write_json(folder / "manifest.json", {**manifest, "streams": info})
    train_ids = open_stream(folder / "train.bin", info["train"]["dtype"])
    if "valid" in info:
        valid_ids = open_stream(folder / "valid.bin", info["valid"]["dtype"])
        valid_chars = info["valid"]["characters"]
    else:  # the last share of the tokens
        cut = len(train_ids) - min(int(len(train_ids) * valid_split), VALID_MAX_TOKENS)
        train_ids, valid_ids = train_ids[:cut], train_ids[cut:]
        valid_chars = info["train"]["characters"] * len(valid_ids) / max(1, info["train"]["tokens"])
    return tokens, (train_ids, valid_ids, valid_chars), folder


def _manifest(data, valid, tokenizer, encoding):
    files = [{"path": str(Path(p).resolve()), "size": Path(p).stat().st_size, "mtime": Path(p).stat().st_mtime}
             for p in [*data, *([valid] if valid else [])] if Path(p).is_file()]
    return {"files": files, "valid": bool(valid), "tokenizer": tokenizer, "encoding": encoding}


def _read_cache(folder, manifest):
    import json

    from nlpdive.tasks.lm.tokens import load_tokens

    if folder is None or not (folder / "manifest.json").is_file():
        return None
    try:
        saved = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        streams = saved.pop("streams")
        if saved != manifest or not (folder / "train.bin").is_file():
            return None
        return load_tokens(folder / "tokenizer.json"), streams
    except (ValueError, KeyError, OSError, InputError):
        return None


def _progress(paths, name):
    """A tqdm bar over characters (shown on a terminal), with the rate."""
    import sys

    from tqdm.auto import tqdm

    if not sys.stderr.isatty():
        return None
    total = sum(Path(p).stat().st_size for p in paths)
    bar = tqdm(total=total, desc=f"tokenising {name}", unit="B", unit_scale=True, dynamic_ncols=True)
    return bar.update
