"""Word embeddings: nlpdive vs gensim, each trained in its own fresh process, on the same corpus file and settings.

    .venv/bin/python benchmarks/embeddings.py                 # training (3 runs each) + vector store
    .venv/bin/python benchmarks/embeddings.py --skip-train    # only the vector-store timings
    .venv/bin/python benchmarks/embeddings.py --max-lines 5000 --epochs 1 --repeats 1 --skip-store   # a smoke run
    .venv/bin/python benchmarks/embeddings.py --device cuda   # nlpdive on the GPU (PyTorch path), gensim on CPU

Training corpus: WikiText-2 train + the IMDB train reviews, lower-cased, `<br />` dropped (7.8M tokens), written
once to a temporary text file that both systems read. Both train skip-gram, dim 100, window 5, negative 5,
min_count 5, sample 1e-3, on 2 workers. Each run is a fresh process (`--worker gensim|nlpdive`), the systems
alternating which goes first, --repeats runs each:
  gensim   read the file + tokenize (nlpdive's tokenize) + build_vocab + train + save the KeyedVectors
  nlpdive  the real CLI, `nlpdive train embeddings --data FILE --out DIR --json`, in its own process
Training words/s = corpus tokens x epochs / training seconds (vocabulary building excluded; nlpdive: the CLI's JSON).
End-to-end = wall seconds from launching the run's process to the saved model (Python start-up and imports
included). CPU share = user + sys seconds of the run's processes / that wall, as /usr/bin/time prints it.
Quality, of each system's last run, with nlpdive's evaluation for both (the tests check it equals gensim's own
numbers): Google analogies (3CosAdd, restrict_vocab 30000) and Spearman on WordSim-353 / SimLex-999 / MEN.

Vector store: a generated 400,000 x 100 word2vec text file; gensim's KeyedVectors.load_word2vec_format vs
nlpdive's text reader, then our converted directory opened in a fresh process (open + first most_similar),
then the mean time of one most_similar over 200 queries.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SIMILARITY = {"WS-353": "wordsim353.tsv", "SimLex-999": "simlex999.txt", "MEN": "MEN_dataset_natural_form_full"}
SYSTEMS = ("gensim", "nlpdive")


def corpus_lines(max_lines=None):
    from itertools import islice

    from nlpdive.data import read_texts

    files = [DATA / "wikitext2" / "wiki.train.tokens.gz", DATA / "imdb" / "train.csv.gz"]
    return list(islice(read_texts(files, text_column="text"), max_lines))


def write_corpus(path, max_lines=None):
    """The training corpus as one text file, a line per sentence/review, lower-cased, `<br />` dropped."""
    from nlpdive.vectors.corpus import tokenize

    tokens = 0
    with open(path, "w", encoding="utf-8") as f:
        for line in corpus_lines(max_lines):
            words = tokenize(line)
            if words:
                f.write(" ".join(words) + "\n")
                tokens += len(words)
    return tokens


def quality(vecs):
    wordsim = DATA / "wordsim"
    result = {"analogy": vecs.evaluate_analogies(wordsim / "questions-words.txt", restrict_vocab=30000)["accuracy"]}
    for name, file in SIMILARITY.items():
        result[name] = vecs.evaluate_similarity(wordsim / file)["spearman"]
    return result


def _cpu_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def worker_gensim(args, tmp):
    """One gensim run in this fresh process: (record, Vectors)."""
    from gensim.models import Word2Vec

    from nlpdive.vectors import Vectors
    from nlpdive.vectors.corpus import tokenize

    with open(args.corpus, encoding="utf-8") as f:
        sentences = [tokenize(line) for line in f]
    model = Word2Vec(sg=1, vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=args.epochs,
                     workers=args.workers, seed=0)
    model.build_vocab(sentences)
    t0 = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=args.epochs)
    seconds = time.perf_counter() - t0
    model.wv.save(str(Path(tmp) / "vectors.kv"))
    wall, cpu = time.time() - args.t0, _cpu_seconds()
    tokens = sum(map(len, sentences))
    record = {"train_seconds": seconds, "words_per_second": tokens * args.epochs / seconds, "wall": wall,
              "cpu_percent": 100 * cpu / wall, "vocab_size": len(model.wv)}
    return record, Vectors(model.wv.index_to_key, model.wv.vectors)


def worker_nlpdive(args, tmp):
    """`nlpdive train embeddings` (the CLI, in a child process): (record, Vectors)."""
    from nlpdive.vectors import load_vectors

    out = Path(tmp) / "run"
    cmd = [sys.executable, "-m", "nlpdive", "train", "embeddings", "--data", args.corpus, "--out", str(out),
           "--epochs", str(args.epochs), "--threads", str(args.workers), "--device", args.device, "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall, cpu = time.time() - args.t0, _cpu_seconds()
    if proc.returncode:
        sys.exit(f"nlpdive train embeddings failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    record = {"train_seconds": stats["seconds"], "words_per_second": stats["words_per_second"], "wall": wall,
              "cpu_percent": 100 * cpu / wall, "vocab_size": stats["vocab_size"], "workers": stats["workers"]}
    return record, (load_vectors(out) if args.quality else None)


def worker(args):
    """--worker mode: train once, print one JSON line (quality too with --quality)."""
    with tempfile.TemporaryDirectory() as tmp:
        record, vecs = (worker_gensim if args.worker == "gensim" else worker_nlpdive)(args, tmp)
        if args.quality:
            record["quality"] = quality(vecs)
    print(json.dumps({"system": args.worker, **record}), flush=True)


def run_one(system, corpus, args, with_quality):
    cmd = [sys.executable, __file__, "--worker", system, "--corpus", str(corpus), "--epochs", str(args.epochs),
           "--workers", str(args.workers), "--device", args.device, "--t0", repr(time.time())]
    proc = subprocess.run(cmd + (["--quality"] if with_quality else []), capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"{system} run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _spread(runs, key, fmt):
    """'median (min–max)' of one figure over the runs."""
    values = [r[key] for r in runs]
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def bench_training(args):
    runs = {name: [] for name in SYSTEMS}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        tokens = write_corpus(corpus, args.max_lines)
        print(f"corpus: {tokens:,} tokens in {corpus.stat().st_size / 1e6:.0f} MB; nlpdive on {args.device}, "
              f"gensim on CPU; {args.workers} workers; {args.repeats} runs each, a fresh process per run", flush=True)
        for r in range(args.repeats):
            order = SYSTEMS[::-1] if (r % 2 == 1) != args.nlpdive_first else SYSTEMS  # alternate who goes first
            for name in order:
                record = run_one(name, corpus, args, with_quality=r == args.repeats - 1 and not args.skip_quality)
                runs[name].append(record)
                print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()}),
                      flush=True)
    print_table(runs, args)
    return runs


def print_table(runs, args):
    g, n = runs["gensim"], runs["nlpdive"]
    print(f"\n| median (min–max) of {args.repeats} | gensim (CPU) | nlpdive ({args.device}) | nlpdive / gensim |")
    print("|---|---|---|---|")
    for label, key, fmt in (("training words/s", "words_per_second", "{:,.0f}"),
                            ("end-to-end seconds (read + vocab + train + save)", "wall", "{:.1f}"),
                            ("CPU share", "cpu_percent", "{:.0f}%")):
        ratio = statistics.median(r[key] for r in n) / statistics.median(r[key] for r in g)
        print(f"| {label} | {_spread(g, key, fmt)} | {_spread(n, key, fmt)} | {ratio:.2f}x |")
    if "quality" in g[-1] and "quality" in n[-1]:
        for key in ("analogy", *SIMILARITY):
            a, b = g[-1]["quality"][key], n[-1]["quality"][key]
            print(f"| {key} (last run) | {a:.4f} | {b:.4f} | {b - a:+.4f} (difference) |")
    print("(words/s: higher is faster; seconds: lower is faster)")


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
    p.add_argument("--repeats", type=int, default=3, help="runs of each system (default 3)")
    p.add_argument("--device", default="cpu", help="nlpdive's --device (cuda: the PyTorch path; gensim stays on CPU)")
    p.add_argument("--max-lines", type=int, help="use only the first N lines of the corpus (smoke runs)")
    p.add_argument("--store-words", type=int, default=400_000)
    p.add_argument("--nlpdive-first", action="store_true", help="nlpdive goes first in the first round")
    p.add_argument("--skip-quality", action="store_true", help="no analogy/similarity evaluation")
    p.add_argument("--skip-train", action="store_true")
    p.add_argument("--skip-store", action="store_true")
    p.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)  # one run in this process (internal)
    p.add_argument("--corpus", help=argparse.SUPPRESS)
    p.add_argument("--t0", type=float, help=argparse.SUPPRESS)  # when the parent launched this process
    p.add_argument("--quality", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, python {platform.python_version()}", flush=True)
    if not args.skip_train:
        bench_training(args)
    if not args.skip_store:
        bench_store(args)


if __name__ == "__main__":
    main()
