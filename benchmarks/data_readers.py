"""Data readers and batching against what one writes by hand, in the same run on the same files.

    .venv/bin/python benchmarks/data_readers.py [--data ../shared/data] [--repeat 3]

Readers: nlpdive.data.read_examples / read_parallel vs plain gzip + csv.DictReader / str.split (no checks, no
column guessing): ratio = peer time / nlpdive time (> 1: nlpdive faster).
Batching: padded tokens per epoch of IMDB (whitespace tokens) with BucketSampler vs torch's random BatchSampler:
ratio = random / bucketed (> 1: nlpdive pads less).
"""
import argparse
import csv
import gzip
import time
from pathlib import Path

import torch

from nlpdive.data import BucketSampler, read_examples, read_parallel

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def best_times(ours, peer, repeat):
    """Min wall time of each function over `repeat` interleaved runs (fairer on a busy machine), and results."""
    times, results = {ours: [], peer: []}, {}
    for _ in range(repeat):
        for fn in (ours, peer):
            start = time.perf_counter()
            results[fn] = fn()
            times[fn].append(time.perf_counter() - start)
    return min(times[ours]), min(times[peer]), results[ours], results[peer]


def plain_csv(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return [{"text": row["text"], "label": row["label"]} for row in csv.DictReader(f)]


def plain_pairs(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [tuple(line.rstrip("\n").split("\t")[:2]) for line in f if line.strip()]


def padded_tokens(batches, lengths):
    return sum(len(b) * max(lengths[i] for i in b) for b in batches)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    imdb, tatoeba = args.data / "imdb" / "train.csv.gz", args.data / "tatoeba-en-fr" / "fra.txt.gz"

    rows = []
    ours, peer, examples, peer_examples = best_times(lambda: read_examples(imdb), lambda: plain_csv(imdb), args.repeat)
    assert [e["text"] for e in examples] == [e["text"] for e in peer_examples]
    rows.append(("IMDB train.csv.gz, 25k reviews (s)", ours, "csv.DictReader", peer, peer / ours))
    ours, peer, pairs, peer_pairs = best_times(lambda: read_parallel(tatoeba), lambda: plain_pairs(tatoeba),
                                               args.repeat)
    assert pairs == peer_pairs
    rows.append(("Tatoeba fra.txt.gz, 167k pairs (s)", ours, "str.split", peer, peer / ours))

    lengths = [len(e["text"].split()) for e in examples]
    bucketed = padded_tokens(list(BucketSampler(lengths, args.batch_size, seed=0)), lengths)
    sampler = torch.utils.data.RandomSampler(lengths, generator=torch.Generator().manual_seed(0))
    random_batches = list(torch.utils.data.BatchSampler(sampler, args.batch_size, drop_last=False))
    baseline = padded_tokens(random_batches, lengths)
    rows.append((f"IMDB padded tokens/epoch, batch {args.batch_size} (M)", bucketed / 1e6, "random BatchSampler",
                 baseline / 1e6, baseline / bucketed))
    print(f"real tokens/epoch: {sum(lengths) / 1e6:.2f} M")

    print("| measure | nlpdive | peer | peer value | ratio |\n|---|---|---|---|---|")
    for name, ours, peer_name, peer, ratio in rows:
        print(f"| {name} | {ours:.3f} | {peer_name} | {peer:.3f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
