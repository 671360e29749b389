"""Word embeddings: nlpdive vs gensim in the same run, on the same corpus and settings.

    .venv/bin/python benchmarks/embeddings.py                 # training (both) + vector store
    .venv/bin/python benchmarks/embeddings.py --skip-train    # only the vector-store timings
    .venv/bin/python benchmarks/embeddings.py --max-lines 5000 --epochs 1   # a quick smoke run

Training corpus: WikiText-2 train + the IMDB train reviews, lower-cased, `<br />` dropped, whitespace-split
(7.8M tokens). Both train skip-gram, dim 100, window 5, negative 5, min_count 5, sample 1e-3, on 2 workers;
words/s = corpus tokens x epochs / training seconds (vocabulary building excluded for both). Quality is
measured with nlpdive's evaluation for both models (the tests check it equals gensim's own numbers):
Google analogies (3CosAdd, restrict_vocab 30000) and Spearman on WordSim-353 / SimLex-999 / MEN.

Vector store: a generated 400,000 x 100 word2vec text file; gensim's KeyedVectors.load_word2vec_format vs
nlpdive's text reader, then our converted directory opened in a fresh process (open + first most_similar),
then the mean time of one most_similar over 200 queries.
"""
import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SIMILARITY = {"WS-353": "wordsim353.tsv", "SimLex-999": "simlex999.txt", "MEN": "MEN_dataset_natural_form_full"}


def corpus_lines(max_lines=None):
    from itertools import islice

    from nlpdive.data import read_texts

    files = [DATA / "wikitext2" / "wiki.train.tokens.gz", DATA / "imdb" / "train.csv.gz"]
    return list(islice(read_texts(files, text_column="text"), max_lines))


def quality(vecs):
    wordsim = DATA / "wordsim"
    result = {"analogy": vecs.evaluate_analogies(wordsim / "questions-words.txt", restrict_vocab=30000)["accuracy"]}
    for name, file in SIMILARITY.items():
        result[name] = vecs.evaluate_similarity(wordsim / file)["spearman"]
    return result


def train_gensim(lines, epochs, workers):
    from gensim.models import Word2Vec

    from nlpdive.vectors import Vectors
    from nlpdive.vectors.corpus import tokenize

    sentences = [tokenize(line) for line in lines]
    model = Word2Vec(sg=1, vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=epochs,
                     workers=workers, seed=0)
    model.build_vocab(sentences)
    t0 = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=epochs)
    seconds = time.perf_counter() - t0
    tokens = sum(map(len, sentences))
    return Vectors(model.wv.index_to_key, model.wv.vectors), {"seconds": seconds, "words_per_second": tokens * epochs / seconds}


def train_nlpdive(lines, epochs, workers):
    from nlpdive.tasks.embeddings import Word2VecSettings, train_word2vec
    from nlpdive.vectors import Vectors
    from nlpdive.vectors.corpus import Corpus

    corpus = Corpus.build(lines, min_count=5)
    settings = Word2VecSettings(epochs=epochs, threads=workers)
    model, stats = train_word2vec(corpus, settings, progress=False)
    return Vectors(corpus.words, model.vectors.detach().numpy()), stats


def bench_training(args):
    lines = corpus_lines(args.max_lines)
    print(f"corpus: {len(lines):,} lines", flush=True)
    rows = {}
    order = (("gensim", train_gensim), ("nlpdive", train_nlpdive))
    for name, fn in order[::-1] if args.nlpdive_first else order:  # swap to check the machine's load was fair
        vecs, stats = fn(lines, args.epochs, args.workers)
        rows[name] = {"seconds": stats["seconds"], "words_per_second": stats["words_per_second"], **quality(vecs)}
        print(name, json.dumps({k: round(v, 4) for k, v in rows[name].items()}), flush=True)
    g, n = rows["gensim"], rows["nlpdive"]
    print(f"\n| metric | gensim | nlpdive | nlpdive / gensim |\n|---|---|---|---|")
    print(f"| training words/s | {g['words_per_second']:,.0f} | {n['words_per_second']:,.0f} | "
          f"{n['words_per_second'] / g['words_per_second']:.2f}x |")
    for key in ("analogy", *SIMILARITY):
        print(f"| {key} | {g[key]:.4f} | {n[key]:.4f} | {n[key] - g[key]:+.4f} (difference) |")
    return rows


OPEN_AND_QUERY = """
import sys, time, json
t0 = time.perf_counter()
import numpy as np
from nlpdive.vectors import load_vectors
imported = time.perf_counter()
vecs = load_vectors(sys.argv[1])
first = vecs.most_similar("w123", topn=10)
opened = time.perf_counter() - imported
queries = ["w%d" % i for i in np.random.default_rng(0).integers(0, len(vecs), 200)]
t1 = time.perf_counter()
for q in queries:
    vecs.most_similar(q, topn=10)
print(json.dumps({"imports": imported - t0, "open_and_first_query": opened,
                  "per_query": (time.perf_counter() - t1) / len(queries)}))
"""


def bench_store(args):
    from gensim.models import KeyedVectors

    from nlpdive.vectors import Vectors, load_vectors

    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "vectors.txt"
        rng = np.random.default_rng(0)
        Vectors([f"w{i}" for i in range(args.store_words)],
                rng.standard_normal((args.store_words, 100)).astype(np.float32)).save_text(text)
        t0 = time.perf_counter()
        KeyedVectors.load_word2vec_format(str(text))
        gensim_text = time.perf_counter() - t0
        t0 = time.perf_counter()
        vecs = load_vectors(text, progress=False)
        ours_text = time.perf_counter() - t0
        vecs.save(Path(tmp) / "store")
        # a fresh Python process opens the directory, as a user would (page cache warm, as after a convert)
        result = json.loads(subprocess.run([sys.executable, "-c", OPEN_AND_QUERY, str(Path(tmp) / "store")],
                                           check=True, capture_output=True, text=True).stdout)
    print(f"\n| vector store ({args.store_words:,} x 100) | seconds | vs gensim load_word2vec_format |\n|---|---|---|")
    print(f"| gensim KeyedVectors.load_word2vec_format (text) | {gensim_text:.2f} | 1.00x |")
    print(f"| nlpdive load_vectors (same text) | {ours_text:.2f} | {gensim_text / ours_text:.1f}x faster |")
    print(f"| nlpdive open converted dir + first most_similar (fresh process) | "
          f"{result['open_and_first_query']:.3f} | {gensim_text / result['open_and_first_query']:.0f}x faster |")
    print(f"| nlpdive most_similar, mean of 200 | {result['per_query'] * 1000:.1f} ms | |")
    print(f"(importing numpy + nlpdive.vectors in that process, not included above: {result['imports']:.3f} s)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--max-lines", type=int, help="use only the first N lines of the corpus (smoke runs)")
    p.add_argument("--store-words", type=int, default=400_000)
    p.add_argument("--nlpdive-first", action="store_true", help="train nlpdive before gensim")
    p.add_argument("--skip-train", action="store_true")
    p.add_argument("--skip-store", action="store_true")
    args = p.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.processor() or platform.machine()}, "
          f"{__import__('os').cpu_count()} CPUs, python {platform.python_version()}", flush=True)
    if not args.skip_train:
        bench_training(args)
    if not args.skip_store:
        bench_store(args)


if __name__ == "__main__":
    main()
