"""Tokenization throughput: nlpdive's TextPipeline vs its peers, in one run, on the IMDB train reviews.

    .venv/bin/python benchmarks/tokenization.py [--data ../shared/data/imdb/train.csv.gz] [--limit N] [--repeats 3]

Rows (each ratio = nlpdive speed / peer speed; >= 1 means nlpdive is as fast or faster):
  subword: TextPipeline(tokenizer=GPT-2 BPE, lower=False).encode_batch(raw texts) — NFKC + <br /> clean-up in
           Python, then Hugging Face's Rust batch encoder — vs the same HF `tokenizers.Tokenizer.encode_batch`
           called directly on the raw texts (and vs `encode_batch_fast`, HF's no-offsets variant).
  word:    TextPipeline(tokenizer="word").tokenize (lower-case + our regex) vs scikit-learn's
           CountVectorizer().build_analyzer() (lower-case + its regex): both pure-Python word tokenizers.
  n-grams: Vectorizer("binary", (1, 2)).fit_transform (our tokens -> numpy n-gram counting, the bag-of-words
           classifier's features) vs NBSVM's CountVectorizer(ngram_range=(1, 2), binary=True).fit_transform (its
           regex, n-gram strings counted in a dict); "tokens/s" counts the matrix's non-zeros there.
(This file is not called tokenize.py: a script of that name shadows the standard library's `tokenize` module
for every script in this folder.)
"""
import argparse
import csv
import gzip
import itertools
import os
import platform
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def read_imdb(path, limit):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return [row["text"] for row in itertools.islice(csv.DictReader(f), limit)]


def best_times(runs, repeats):
    """name -> (best seconds, tokens produced). The runs take turns (round robin), so other jobs on the
    machine slow every run alike, and the best of `repeats` is the least disturbed."""
    best = {name: (float("inf"), 0) for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            out = fn()
            best[name] = min(best[name], (time.perf_counter() - start, count(out)))
    return best


def count(batch):
    return batch.nnz if hasattr(batch, "nnz") else sum(map(len, batch))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=SHARED / "imdb" / "train.csv.gz")
    ap.add_argument("--gpt2", default=SHARED / "gpt2-tokenizer", help="folder with encoder.json + vocab.bpe")
    ap.add_argument("--limit", type=int, default=None, help="first N reviews (default: all 25,000)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from sklearn.feature_extraction.text import CountVectorizer

    from nlpdive.text import TextPipeline, Vectorizer, load_gpt2_tokenizer

    texts = read_imdb(args.data, args.limit)
    gpt2 = load_gpt2_tokenizer(args.gpt2)
    pipe = TextPipeline(lower=False, tokenizer=gpt2)
    hf = gpt2.hf  # the very same Hugging Face tokenizers.Tokenizer
    sample = texts[:200]
    assert pipe.encode_batch(sample) == [e.ids for e in hf.encode_batch([pipe.normalizer(t) for t in sample],
                                                                         add_special_tokens=False)]
    word_pipe, sk_analyzer = TextPipeline(tokenizer="word"), CountVectorizer().build_analyzer()
    nbsvm_counts = CountVectorizer(ngram_range=(1, 2), binary=True, token_pattern=r"(?u)\b\w+\b|[^\w\s]")

    runs = {
        "nlpdive TextPipeline.encode_batch (GPT-2)": lambda: pipe.encode_batch(texts),
        "HF Tokenizer.encode_batch (GPT-2)": lambda: [e.ids for e in hf.encode_batch(texts)],
        "HF Tokenizer.encode_batch_fast (GPT-2)": lambda: [e.ids for e in hf.encode_batch_fast(texts)],
        "nlpdive TextPipeline.tokenize (word)": lambda: [word_pipe.tokenize(t) for t in texts],
        "sklearn CountVectorizer analyzer (word)": lambda: [sk_analyzer(t) for t in texts],
        "nlpdive Vectorizer fit_transform (1-2-grams)": lambda: Vectorizer("binary", (1, 2)).fit_transform(texts),
        "sklearn CountVectorizer fit_transform (1-2)": lambda: nbsvm_counts.fit_transform(texts),
    }
    results = best_times(runs, args.repeats)

    def speed(name):
        return len(texts) / results[name][0]

    print(f"{len(texts):,} IMDB train reviews, best of {args.repeats} (round robin); "
          f"{platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"{'run':<45} {'seconds':>8} {'texts/s':>10} {'tokens/s':>12}")
    for name, (seconds, n_tokens) in results.items():
        print(f"{name:<45} {seconds:8.2f} {len(texts) / seconds:10,.0f} {n_tokens / seconds:12,.0f}")
    ours = "nlpdive TextPipeline.encode_batch (GPT-2)"
    print()
    for peer in ("HF Tokenizer.encode_batch (GPT-2)", "HF Tokenizer.encode_batch_fast (GPT-2)"):
        print(f"ratio subword: nlpdive / {peer:<40} {speed(ours) / speed(peer):.2f}")
    ratio = speed("nlpdive TextPipeline.tokenize (word)") / speed("sklearn CountVectorizer analyzer (word)")
    print(f"ratio word:    nlpdive / {'sklearn CountVectorizer analyzer (word)':<40} {ratio:.2f}")
    ratio = (speed("nlpdive Vectorizer fit_transform (1-2-grams)")
             / speed("sklearn CountVectorizer fit_transform (1-2)"))
    print(f"ratio n-grams: nlpdive / {'sklearn CountVectorizer fit_transform':<40} {ratio:.2f}")


if __name__ == "__main__":
    main()
