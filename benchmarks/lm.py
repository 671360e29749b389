"""Language models on Tiny Shakespeare against nanoGPT, measured in the same run on the same cores.

    python benchmarks/lm.py                       # nanoGPT's CPU run, its shape through our Trainer, our default
    python benchmarks/lm.py --budget 110 --sampling --scale

Data: nanoGPT's split (first 90% of characters train, last 10% validate), 65 characters. Every loss is nats per
character over the whole validation split (non-overlapping windows of each model's block size), computed the
same way for nanoGPT's checkpoint and ours.

Rows:
  nanogpt           the peer: benchmarks/peers/nanogpt/train.py with its README's CPU command (4 layers, 4 heads,
                    128 dims, block 64, batch 12, 2000 iterations, lr 1e-3 cosine to 1e-4, dropout 0, no compile;
                    evaluations at 0 and 2000 with 200 batches), in a fresh process
  nlpdive-nanoshape the same model, schedule and optimizer through nlpdive's Trainer (`nlpdive train lm` flags)
  nlpdive-default   `nlpdive train lm --data train.txt --valid val.txt --time-budget B` (no other flag), B =
                    --budget, default: nanoGPT's wall time minus nlpdive's start-up and save (measured in the
                    nanoshape row), so that both wall times match
  --sampling        characters/s of a char-GRU and tokens/s of the GPT with and without its KV cache (batch 1)
  --scale           a 200 MB file (WikiText-2 repeated): tokenising MB/s and peak memory of a short training
"""
import argparse
import json
import math
import os
import pickle
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT / "benchmarks" / "peers" / "nanogpt"
SHARED = ROOT.parent / "shared" / "data"
NLPDIVE = [sys.executable, "-m", "nlpdive"]
NANO_CPU = ["--device=cpu", "--compile=False", "--eval_iters=200", "--eval_interval=2000", "--log_interval=1",
            "--block_size=64", "--batch_size=12", "--n_layer=4", "--n_head=4", "--n_embd=128", "--max_iters=2000",
            "--lr_decay_iters=2000", "--dropout=0.0"]
NANO_SHAPE = ["--model", "gpt", "--layers", "4", "--heads", "4", "--n-embd", "128", "--block-size", "64",
              "--positions", "learned", "--batch-size", "12", "--optimizer", "adamw", "--lr", "1e-3",
              "--final-lr", "0.1", "--beta2", "0.99", "--weight-decay", "0.1", "--schedule", "cosine",
              "--warmup", "100", "--clip", "1.0", "--max-steps", "2000", "--epochs", "100"]


def prepare(text_path, out):
    text = Path(text_path).read_text(encoding="utf-8")
    n = int(0.9 * len(text))
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "train.txt").write_text(text[:n], encoding="utf-8")
    (data / "val.txt").write_text(text[n:], encoding="utf-8")
    chars = sorted(set(text))  # nanoGPT's data/shakespeare_char/prepare.py, without the download
    stoi = {c: i for i, c in enumerate(chars)}
    nano = out / "nanogpt"
    shutil.rmtree(nano, ignore_errors=True)
    shutil.copytree(PEER, nano)
    bins = nano / "data" / "shakespeare_char"
    bins.mkdir(parents=True)
    np.array([stoi[c] for c in text[:n]], dtype=np.uint16).tofile(bins / "train.bin")
    np.array([stoi[c] for c in text[n:]], dtype=np.uint16).tofile(bins / "val.bin")
    with open(bins / "meta.pkl", "wb") as f:
        pickle.dump({"vocab_size": len(chars), "itos": dict(enumerate(chars)), "stoi": stoi}, f)
    return data / "train.txt", data / "val.txt", nano, stoi


def timed(cmd, cwd=None, log=None):
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wall = time.perf_counter() - start
    if log:
        Path(log).write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr[-3000:]}")
    return wall, proc.stdout


def run_nanogpt(nano, val_ids, threads):
    wall, out = timed([sys.executable, "train.py", "config/train_shakespeare_char.py", *NANO_CPU,
                       "--out_dir=out"], cwd=nano, log=nano / "train.log")
    times = [float(t) for i, t in re.findall(r"iter (\d+): loss [\d.]+, time ([\d.]+)ms", out) if int(i) % 2000]
    estimate = re.findall(r"step 2000: train loss [\d.]+, val loss ([\d.]+)", out)
    import torch

    torch.set_num_threads(threads)
    sys.path.insert(0, str(nano))
    from model import GPT, GPTConfig  # nanoGPT's own model.py (the copy in the work directory)

    ckpt = torch.load(nano / "out" / "ckpt.pt", map_location="cpu")
    model = GPT(GPTConfig(**ckpt["model_args"]))
    model.load_state_dict({k.removeprefix("_orig_mod."): v for k, v in ckpt["model"].items()})
    model.eval()
    loss = full_split_loss(lambda x, y: model(x, y)[0], val_ids, ckpt["model_args"]["block_size"])
    return {"name": "nanogpt", "wall_s": wall, "steps": 2000, "iters_per_s": 1000 / np.mean(times),
            "valid_loss": loss, "nanogpt_estimate": float(estimate[0]) if estimate else None}


def full_split_loss(logits_fn, ids, block, batch=64):
    """Mean next-token loss over the non-overlapping windows of `ids` (the windows `nlpdive evaluate` scores);
    logits_fn(x, y) -> logits [B, T, V]."""
    import torch
    from torch.nn import functional as F

    ids = torch.as_tensor(np.asarray(ids, dtype=np.int64))
    n = (len(ids) - block) // block
    total, count = 0.0, 0
    with torch.no_grad():
        for s in range(0, n, batch):
            starts = torch.arange(s, min(n, s + batch)) * block
            w = ids[starts[:, None] + torch.arange(block + 1)]
            x, y = w[:, :-1], w[:, 1:].contiguous()
            total += F.cross_entropy(logits_fn(x, y).flatten(0, 1), y.flatten(), reduction="sum").item()
            count += y.numel()
    return total / count


def run_nlpdive(name, train, val, out, extra):
    run = out / name
    shutil.rmtree(run, ignore_errors=True)
    wall, _ = timed([*NLPDIVE, "train", "lm", "--data", train, "--valid", val, "--out", run, *extra])
    metrics = json.loads((run / "metrics.json").read_text())
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    rates = [r["tokens_per_s"] for r in records if r.get("kind") == "train" and r["step"] > 50]
    config = json.loads((run / "config.json").read_text())["model"]["config"]
    block = config["block_size"]
    _, ev = timed([*NLPDIVE, "evaluate", run, "--data", val, "--json"])
    loss = json.loads(ev.splitlines()[-1])["loss"]
    return {"name": name, "wall_s": wall, "steps": metrics["steps"], "valid_loss": loss, "dir": str(run),
            "iters_per_s": float(np.mean(rates)) / (block * _batch(run)) if rates else None,
            "fit_s": metrics["train_seconds"]}


def _batch(run):
    return json.loads((run / "run_config.json").read_text())["batch_size"]


def sampling(run_dir, new_tokens=512):
    """Batch-1 sampling speed: the trained default GPT (block 64: its cache refills every 32 tokens), the same shape
    with a 512-token context (the KV cache against recomputing the context, at 512 new tokens), a char-GRU of the
    default size. Speed does not depend on the weights, so the last two are untrained."""
    import nlpdive
    from nlpdive.models.charrnn import CharRNN, CharRNNConfig
    from nlpdive.models.gpt import GPT, GPTConfig
    from nlpdive.tasks.lm.model import LanguageModel

    lm = nlpdive.load(run_dir)
    vocab = lm.tokens.vocab_size
    long = LanguageModel(GPT(GPTConfig(vocab_size=vocab, block_size=new_tokens + 1, positions="learned")), "GPT", {},
                         lm.tokens)
    gru = LanguageModel(CharRNN(CharRNNConfig(vocab_size=vocab)), "CharRNN", {}, lm.tokens)

    def rate(model, tokens, **kw):
        model.generate("\n", max_tokens=16, seed=0, **kw)  # warm-up
        start = time.perf_counter()
        s = model.generate("\n", max_tokens=tokens, temperature=1.0, seed=0, **kw)[0]
        return s["tokens"] / (time.perf_counter() - start)

    return {"gpt_cache": rate(lm, new_tokens), "gpt_no_cache": rate(lm, new_tokens, cache=False),
            "gpt512_cache": rate(long, new_tokens), "gpt512_no_cache": rate(long, new_tokens, cache=False),
            "char_gru_chars": rate(gru, 2000)}


def scale(out, megabytes=200):
    from nlpdive.tasks.lm.tokens import CharTokens, tokenize_files

    import gzip

    src = SHARED / "wikitext2" / "wiki.train.tokens.gz"
    if not src.exists():
        return {"skipped": f"{src} not found"}
    big = out / "big.txt"
    piece = gzip.open(src, "rt", encoding="utf-8").read()
    with open(big, "w", encoding="utf-8") as f:
        for _ in range(math.ceil(megabytes * 1e6 / len(piece.encode()))):
            f.write(piece)
    size = big.stat().st_size
    start = time.perf_counter()
    tokens = CharTokens.build([big])
    count, _, _ = tokenize_files(tokens, [big], out / "big.bin")
    tok_s = time.perf_counter() - start
    run = out / "big-run"
    shutil.rmtree(run, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    wall, _ = timed([*NLPDIVE, "train", "lm", "--data", big, "--out", run, "--max-steps", "30", "--epochs", "1"])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    big.unlink()
    (out / "big.bin").unlink()
    return {"megabytes": size / 1e6, "tokenise_mb_per_s": size / 1e6 / tok_s, "tokens": count,
            "train_peak_rss_mb": max(peak, before) / 1024, "train_wall_s": wall}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=SHARED / "tinyshakespeare" / "input.txt", type=Path)
    ap.add_argument("--out", default=ROOT / "runs" / "bench" / "lm", type=Path)
    ap.add_argument("--budget", type=float, help="nlpdive-default's --time-budget (default: match nanoGPT's wall)")
    ap.add_argument("--skip-peer", action="store_true", help="no nanoGPT rows (needs --budget)")
    ap.add_argument("--sampling", action="store_true")
    ap.add_argument("--scale", action="store_true")
    args = ap.parse_args()
    if not args.data.exists():
        raise SystemExit(f"{args.data} not found: Tiny Shakespeare is in ../shared/data (see its SOURCE.md)")
    args.out.mkdir(parents=True, exist_ok=True)
    train, val, nano, stoi = prepare(args.data, args.out)
    val_ids = [stoi[c] for c in val.read_text(encoding="utf-8")]
    rows = []
    if not args.skip_peer:
        rows.append(run_nanogpt(nano, val_ids, threads=os.cpu_count()))
        rows.append(run_nlpdive("nlpdive-nanoshape", train, val, args.out, NANO_SHAPE))
    overhead = rows[1]["wall_s"] - rows[1]["fit_s"] + 2.0 if rows else 8.0  # start-up, tokenising, saving
    budget = args.budget or round(rows[0]["wall_s"] - overhead, 1)
    rows.append(run_nlpdive("nlpdive-default", train, val, args.out, ["--time-budget", str(budget)]))
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "budget": budget, "rows": rows}
    if args.sampling:
        result["sampling"] = sampling(rows[-1]["dir"])
    if args.scale:
        result["scale"] = scale(args.out)
    (args.out / "results.json").write_text(json.dumps(result, indent=2))
    print_table(result)


def print_table(result):
    rows = result["rows"]
    peer = next((r for r in rows if r["name"] == "nanogpt"), None)
    print(f"\nTiny Shakespeare, validation loss over the whole split (nats/char); {result['date']}")
    print(f"{'run':<20}{'wall s':>8}{'steps':>7}{'iters/s':>9}{'valid loss':>12}{'wall vs nanoGPT':>17}"
          f"{'iters/s vs':>12}")
    for r in rows:
        ratio = f"{r['wall_s'] / peer['wall_s']:.2f}x" if peer else "-"
        speed = f"{r['iters_per_s'] / peer['iters_per_s']:.2f}x" if peer and r.get("iters_per_s") else "-"
        print(f"{r['name']:<20}{r['wall_s']:>8.1f}{r['steps']:>7}{r.get('iters_per_s') or 0:>9.2f}"
              f"{r['valid_loss']:>12.4f}{ratio:>17}{speed:>12}")
    if peer and peer.get("nanogpt_estimate"):
        print(f"(nanoGPT's own estimate of its validation loss, 200 random batches: {peer['nanogpt_estimate']:.4f})")
    if "sampling" in result:
        s = result["sampling"]
        print(f"sampling, batch 1, {'512'} new tokens: default GPT (block 64) {s['gpt_cache']:,.0f} tokens/s with the "
              f"KV cache, {s['gpt_no_cache']:,.0f} without; same shape, block 513: {s['gpt512_cache']:,.0f} with, "
              f"{s['gpt512_no_cache']:,.0f} without ({s['gpt512_cache'] / s['gpt512_no_cache']:.1f}x); "
              f"char-GRU {s['char_gru_chars']:,.0f} chars/s")
    if "scale" in result and "skipped" not in result["scale"]:
        s = result["scale"]
        print(f"scale: {s['megabytes']:.0f} MB tokenised at {s['tokenise_mb_per_s']:.1f} MB/s; training peak "
              f"memory {s['train_peak_rss_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
