"""Text classification: nlpdive's classifiers beside scikit-learn peers, same data, same run.

Peers: tf-idf (1-2)-grams + LogisticRegression (C=10, sublinear tf), and NBSVM (Wang & Manning 2012: binary
(1-2)-grams scaled by the Naive-Bayes log-count ratio, then liblinear logistic regression, C=1), written here.
Each peer's time covers vectorizing + fitting, as nlpdive's covers tokenizing + vectorizing + training.

    python benchmarks/classify.py                                   # MR fixed split, SST-2, IMDB: bow + gru
    python benchmarks/classify.py --datasets mr --models bow bow3 gru cnn
    python benchmarks/classify.py --datasets mr-cv --models bow     # 10-fold CV on the full MR set
    python benchmarks/classify.py --datasets sst2 --throughput      # + prediction sentences/s
    python benchmarks/classify.py --datasets mr --models bow-vec    # + our word2vec vectors (--vectors DIR)
    python benchmarks/classify.py --datasets toxic                  # multi-label smoke test vs OneVsRest LR

Data: ../shared/data (or $NLPDIVE_SHARED_DATA). Accuracy ratios are nlpdive / best peer; time ratios are
NBSVM's seconds / nlpdive's (> 1: nlpdive is faster).

Models with pretrained vectors (`-vec`) use --vectors DIR; when DIR does not exist, the script first trains
nlpdive word2vec there (skip-gram, 100-d, 10 epochs, min count 3) on unlabelled text from other sources than the
test sets: the IMDB train reviews + WikiText-2 train, tokenized like the classifiers (~9M tokens, ~4 min on 2 cores).
"""
import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("NLPDIVE_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
TOKENS = r"(?u)\b\w+\b|[^\w\s]"  # words and punctuation (the peers see "!" and "?" too)

# name -> (ClassifyConfig fields, TrainConfig overrides). The plain rows (PLAIN) run `nlpdive train classify`'s
# whole recipe with its defaults: a 10% hold-out picks the epoch, then a refit on every training row. The others
# train with Classifier.fit on the whole training split for the recipe's epochs plus the overrides.
PLAIN = ("bow", "gru", "lstm", "cnn", "transformer")
MODELS = {
    "bow": ({}, {}),
    "bow3": ({"ngrams": 3}, {}),
    "bow-tfidf": ({"features": "tfidf"}, {}),
    "gru": ({"model": "gru"}, {}),
    "gru-fixed": ({"model": "gru"}, {"epochs": 3, "lr": 2e-3}),  # round 1's gru row: 3 epochs, no hold-out
    "gru-drop": ({"model": "gru", "dropout": 0.3}, {"epochs": 4}),
    "gru-long": ({"model": "gru", "bidirectional": False, "max_len": 256}, {"epochs": 2}),  # reviews: IMDB
    "gru-long4": ({"model": "gru", "bidirectional": False}, {"epochs": 4}),  # 400 tokens, 4 epochs
    "lstm": ({"model": "lstm"}, {}),
    "bow-vec": ({"embeddings": "$VECTORS"}, {}),  # + the mean of the words' pretrained vectors
    "bow-tfidf-vec": ({"features": "tfidf", "embeddings": "$VECTORS"}, {"epochs": 1}),
    "cnn": ({"model": "cnn"}, {}),
    "transformer": ({"model": "transformer"}, {}),
    # sequence models starting from the pretrained vectors (fine-tuned)
    "gru-vec": ({"model": "gru", "embeddings": "$VECTORS"},
                {"epochs": 3, "lr": 2e-3, "schedule": "linear"}),  # linear decay: SST-2 dev accuracy swings less
    "gru-long-vec": ({"model": "gru", "bidirectional": False, "embeddings": "$VECTORS"},  # IMDB: 400 tokens
                     {"epochs": 2, "schedule": "constant"}),
    "cnn-vec": ({"model": "cnn", "embeddings": "$VECTORS"}, {"epochs": 4}),
}


VECTORS = os.environ.get("NLPDIVE_VECTORS", "runs/bench/w2v-imdb-wiki")  # --vectors


def ensure_vectors(out):
    """Train the `-vec` models' word2vec vectors into `out` unless they are there already."""
    if (Path(out) / "vectors.npy").exists():
        return
    from nlpdive.data import read_texts
    from nlpdive.tasks.embeddings import Word2VecSettings, train_word2vec
    from nlpdive.text import TextPipeline
    from nlpdive.vectors import Vectors
    from nlpdive.vectors.corpus import Corpus

    pipeline = TextPipeline(lower=True, tokenizer="word")
    files = [DATA / "imdb/train.csv.gz", DATA / "wikitext2/wiki.train.tokens.gz"]
    texts = [t for t in read_texts(files, text_column="text") if not t.startswith(" =")]  # no wiki headings
    lines = (" ".join(pipeline.tokenize(t)) for t in texts)
    print(f"training word2vec on {len(texts):,} texts -> {out}", file=sys.stderr, flush=True)
    corpus = Corpus.build(lines, min_count=3)
    model, _ = train_word2vec(corpus, Word2VecSettings(dim=100, epochs=10), progress=False)
    Vectors(corpus.words, model.vectors.detach().numpy()).save(out)


# ---- data ------------------------------------------------------------------------------------------------
def examples(path, **kw):
    from nlpdive.data import read_examples

    rows = read_examples(path, skip_empty=True, **kw)
    return [r["text"] for r in rows], [r["label"] for r in rows]


def load(name):
    """(train_texts, train_labels), (test_texts, test_labels) for a dataset name."""
    if name == "mr":
        return examples(DATA / "mr/train.tsv"), examples(DATA / "mr/test.tsv")
    if name == "sst2":
        return examples(DATA / "sst2/train.tsv"), examples(DATA / "sst2/dev.tsv")
    if name == "imdb":
        return examples(DATA / "imdb/train.csv.gz"), examples(DATA / "imdb/test.csv.gz")
    if name == "mr-cv":  # the original 10,662 sentences (Latin-1)
        texts, labels = [], []
        for label in ("pos", "neg"):
            # split on "\n" only: Latin-1 decodes byte 0x85 to U+0085, which str.splitlines() would split on
            lines = (DATA / f"mr/rt-polarity.{label}").read_text(encoding="latin-1").split("\n")
            texts += [t for t in lines if t.strip()]
            labels += [label] * sum(1 for t in lines if t.strip())
        return (texts, labels), None
    raise SystemExit(f"unknown dataset {name!r}")


# ---- peers -------------------------------------------------------------------------------------------------
class TfidfLR:
    name = "sklearn tf-idf(1-2) + LogisticRegression"

    def fit(self, texts, labels):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self.pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                                  LogisticRegression(C=10, max_iter=1000))
        self.pipe.fit(texts, labels)
        return self

    def predict(self, texts):
        return self.pipe.predict(texts)


class NBSVM:
    """Wang & Manning (2012) NB-weighted logistic regression (their NBLR), binary (1-2)-grams."""
    name = "NBSVM-bigram (NB log-count ratio + liblinear LR)"

    def fit(self, texts, labels):
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vec = CountVectorizer(ngram_range=(1, 2), binary=True, token_pattern=TOKENS, dtype=np.float32)
        X = self.vec.fit_transform(texts)
        self.classes = np.array(sorted(set(labels)))
        y = (np.asarray(labels) == self.classes[1]).astype(int)
        p = 1 + np.asarray(X[y == 1].sum(0)).ravel()
        q = 1 + np.asarray(X[y == 0].sum(0)).ravel()
        self.r = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        self.lr = LogisticRegression(C=1.0, solver="liblinear", dual=True, max_iter=1000).fit(X.multiply(self.r), y)
        return self

    def predict(self, texts):
        return self.classes[self.lr.predict(self.vec.transform(texts).multiply(self.r).tocsr())]


class Nlpdive:
    def __init__(self, key, seed=0):
        self.key, self.seed = key, seed
        self.name = f"nlpdive {key}"

    def fit(self, texts, labels):
        """Plain rows: the command's recipe and defaults (hold-out, then refit on all rows). Others: like the
        peers, the whole training split, the recipe's epochs plus the row's overrides, no hold-out."""
        from nlpdive.tasks.classify import Classifier, fit

        if self.key in PLAIN:
            self.clf = fit(texts, labels, *configs(self.key, self.seed))
        else:
            self.clf = Classifier.fit(texts, labels, *configs(self.key, self.seed))
        return self

    def predict(self, texts):
        return [p["label"] for p in self.clf.predict(texts, batch_size=1024)]


def configs(key, seed=0):
    """(ClassifyConfig, TrainConfig with this seed) of a MODELS entry."""
    from nlpdive.tasks.classify import ClassifyConfig, train_defaults
    from nlpdive.train import TrainConfig

    fields, overrides = MODELS[key]
    fields = {k: VECTORS if v == "$VECTORS" else v for k, v in fields.items()}
    settings = ClassifyConfig(**fields)
    return settings, TrainConfig(**{**train_defaults(settings), **overrides, "seed": seed})


# ---- measuring ---------------------------------------------------------------------------------------------
def measure(system, train, test):
    start = time.perf_counter()
    system.fit(*train)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(np.asarray(system.predict(test[0])) == np.asarray(test[1])))
    return accuracy, seconds


def throughput(system, texts, n=20000):
    """Sentences per second predicting n sentences (the test texts repeated), after one warm-up batch."""
    batch = (texts * (n // len(texts) + 1))[:n]
    system.predict(batch[:1024])
    start = time.perf_counter()
    system.predict(batch)
    return n / (time.perf_counter() - start)


def run_split(name, models, want_throughput, seed):
    train, test = load(name)
    print(f"\n## {name}: {len(train[0])} train, {len(test[0])} test", flush=True)
    peers = [TfidfLR(), NBSVM()]
    results = []
    for system in peers + [Nlpdive(m, seed) for m in models]:
        accuracy, seconds = measure(system, train, test)
        rate = throughput(system, test[0]) if want_throughput else None
        results.append((system, accuracy, seconds, rate))
        print(f"  done: {system.name}: {accuracy:.4f} in {seconds:.1f} s", file=sys.stderr, flush=True)
    best_peer = max(acc for s, acc, _, _ in results[:2])
    nbsvm_s, nbsvm_rate = results[1][2], results[1][3]
    header = "| system | accuracy | acc / best peer | train s | NBSVM s / s |" + (" sent/s | / NBSVM |" if
                                                                               want_throughput else "")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for system, acc, sec, rate in results:
        row = f"| {system.name} | {100 * acc:.2f} | {acc / best_peer:.3f} | {sec:.1f} | {nbsvm_s / sec:.2f} |"
        if want_throughput:
            row += f" {rate:,.0f} | {rate / nbsvm_rate:.2f} |"
        print(row, flush=True)


def run_cv(models, seed, k=10):
    from sklearn.model_selection import StratifiedKFold

    from nlpdive.tasks.classify import cross_validate

    (texts, labels), _ = load("mr-cv")
    print(f"\n## MR {k}-fold cross-validation: {len(texts)} sentences", flush=True)
    print("| system | accuracy mean ± std | seconds |\n|---|---|---|")
    X, y = np.array(texts, dtype=object), np.array(labels)
    for peer in (TfidfLR(), NBSVM()):
        start, accs = time.perf_counter(), []
        for tr, te in StratifiedKFold(k, shuffle=True, random_state=0).split(X, y):
            accs.append(np.mean(peer.fit(list(X[tr]), list(y[tr])).predict(list(X[te])) == y[te]))
        print(f"| {peer.name} | {100 * np.mean(accs):.2f} ± {100 * np.std(accs):.2f} | "
              f"{time.perf_counter() - start:.0f} |", flush=True)
    for key in models:
        settings, cfg = configs(key, seed)
        start = time.perf_counter()
        result = cross_validate(texts, labels, k, settings=settings, train_cfg=cfg, seed=0)
        print(f"| nlpdive {key} | {100 * result['accuracy_mean']:.2f} ± {100 * result['accuracy_std']:.2f} | "
              f"{time.perf_counter() - start:.0f} |", flush=True)


def run_multilabel(seed, splits=5):
    """Multi-label on the Jigsaw toxic-comments sample (300 comments, 6 labels; a smoke comparison, far too small
    for a benchmark): nlpdive bow beside scikit-learn OneVsRest(LogisticRegression) on tf-idf (1-2)-grams, both
    class-weighted, micro- and macro-F1 on held-out 30% over `splits` seeded random splits."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    from nlpdive.data import read_multilabel, train_valid_split
    from nlpdive.tasks.classify import Classifier, ClassifyConfig, label_scheme
    from nlpdive.train import TrainConfig

    labels = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
    examples, names = read_multilabel(DATA / "toxic-comments/train_sample.csv", label_columns=labels)
    settings = ClassifyConfig(multi_label=True, class_weights=True)
    cfg = dict(epochs=20, batch_size=32, lr=5e-2, weight_decay=0.0, clip=None, patience=None, seed=seed)
    scores = {"peer": [], "nlpdive": []}  # (micro-F1, macro-F1, train seconds) per split
    for split in range(splits):
        train, test = train_valid_split(examples, 0.3, seed=split)
        texts, y = [ex["text"] for ex in train], [ex["labels"] for ex in train]
        test_texts = [ex["text"] for ex in test]
        start = time.perf_counter()
        peer = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), OneVsRestClassifier(
            LogisticRegression(C=10, class_weight="balanced", max_iter=1000)))
        peer.fit(texts, [[lab in labs for lab in names] for labs in y])
        predictions = {"peer": (peer.predict(test_texts), time.perf_counter() - start)}
        start = time.perf_counter()
        clf = Classifier.fit(texts, y, settings, TrainConfig(**cfg), label_names=names)
        predictions["nlpdive"] = (clf.predict_proba(test_texts) >= 0.5, time.perf_counter() - start)
        gold = label_scheme(settings).encode(clf.labels, [ex["labels"] for ex in test])
        for key, (pred, seconds) in predictions.items():
            scores[key].append([f1_score(gold, pred, average=avg, zero_division=0) for avg in ("micro", "macro")]
                               + [seconds])
    peer, ours = np.mean(scores["peer"], axis=0), np.mean(scores["nlpdive"], axis=0)
    print(f"\n## toxic (multi-label smoke test): 300 comments, 6 labels, 210 train / 90 test, mean of {splits} "
          "random splits")
    print("| system | micro-F1 | macro-F1 | micro / peer | macro / peer | train s |\n|---|---|---|---|---|---|")
    for name, (micro, macro, seconds) in (("sklearn OneVsRest(LogisticRegression) tf-idf(1-2)", peer),
                                          ("nlpdive bow --multi-label --class-weights", ours)):
        print(f"| {name} | {micro:.3f} | {macro:.3f} | {micro / peer[0]:.2f} | {macro / peer[1]:.2f} | {seconds:.2f} |")


def main():
    global VECTORS
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", default=["mr", "sst2", "imdb"],
                   choices=["mr", "sst2", "imdb", "mr-cv", "toxic"])
    p.add_argument("--models", nargs="+", default=["bow", "gru"], choices=list(MODELS))
    p.add_argument("--throughput", action="store_true", help="also measure prediction sentences/s (batched)")
    p.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    p.add_argument("--seed", type=int, default=0, help="nlpdive models' TrainConfig seed (init and shuffling)")
    p.add_argument("--vectors", default=VECTORS, help="word vectors of the -vec models (trained here if missing)")
    args = p.parse_args()
    VECTORS = args.vectors
    if any(MODELS[m][0].get("embeddings") == "$VECTORS" for m in args.models):
        ensure_vectors(VECTORS)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for name in args.datasets:
        if name == "mr-cv":
            run_cv(args.models, args.seed)
        elif name == "toxic":
            run_multilabel(args.seed)
        else:
            run_split(name, args.models, args.throughput, args.seed)


if __name__ == "__main__":
    main()
