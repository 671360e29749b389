"""Word embeddings, the recipe: text files -> Corpus (vocabulary + ids) -> Word2Vec -> plain SGD with linear
learning-rate decay (on CPU the compiled core, compiled.py; on a GPU PyTorch batches of skip-gram/CBOW pairs,
hogwild.py) -> saved directory that is also a vector store.

    emb = WordEmbeddings.fit(["corpus.txt"], Word2VecSettings(dim=100), out="runs/w2v")
    emb.stats                      # seconds, words/s, vocabulary size, workers, final loss, settings
    emb.similar("war")             # [(word, cosine), ...]
    emb.analogy("king", "man", "woman")
"""
from dataclasses import asdict

from nlpdive.tasks.base import Task
from nlpdive.tasks.embeddings.config import Word2VecSettings
from nlpdive.tasks.embeddings.hogwild import hogwild_sgd
from nlpdive.vectors.corpus import Corpus, pair_batches
from nlpdive.vectors.store import Vectors


# 1. text files -> Corpus
def build_corpus(paths, min_count=5, encoding=None, text_column=None):
    """Text files (one sentence or document per line; CSV/TSV/JSONL: the text column) -> Corpus."""
    from nlpdive.data import read_texts

    return Corpus.build(read_texts(paths, encoding=encoding, text_column=text_column), min_count=min_count)


# 2. Corpus -> pairs -> Word2Vec, trained by the SGD loop
def train_word2vec(corpus, settings, device="cpu", progress=True):
    """Train on a Corpus; returns (model, stats)."""
    import torch

    from nlpdive.models.word2vec import Word2Vec, Word2VecConfig

    s = settings
    torch.manual_seed(s.seed)
    model = Word2Vec(Word2VecConfig(len(corpus.words), s.dim, s.cbow)).to(device)

    if torch.device(device).type == "cpu":  # the compiled core (compiled.py); accelerators: PyTorch (hogwild.py)
        from nlpdive.tasks.embeddings.compiled import compiled_sgd

        stats = compiled_sgd(model, corpus, s, progress=progress)
        return model, {**stats, "settings": asdict(s)}

    def pairs(rng):  # one epoch of (word, context) pairs (skip-gram) or (contexts, centre) (CBOW) + negatives
        return pair_batches(corpus, window=s.window, negative=s.negative, sample=s.sample, batch_size=s.step_size,
                            group=s.group, cbow=s.cbow, rng=rng)

    stats = hogwild_sgd(model, pairs, corpus, s, device=device, progress=progress)
    return model, {**stats, "settings": asdict(s)}


# 3. -> saved directory
def save_trained(out, model, vectors, stats):
    """The run directory is also a vector store: config.json + vocab.json + vectors.npy/norms.npy (`vectors`, the
    model's input table, memory-mapped on load) + model.safetensors (the output/context table) + metrics.json.
    Returns the Vectors."""
    from nlpdive.artifacts import save_model_dir

    vectors.save(out)
    save_model_dir(out, task="embeddings", model_config={"class": "Word2Vec", **asdict(model.config)},
                   state_dict={"out.weight": model.out.weight}, json_files={"metrics.json": stats},
                   extra_config={"vectors": {"count": len(vectors), "dim": vectors.dim},
                                 "settings": stats["settings"]})
    return vectors


class WordEmbeddings(Task):
    """What `nlpdive.load(DIR)` returns for an embeddings directory: the vector store plus the task verbs.
    `stats` (also `metrics`): the training run's numbers, from fit or the directory's metrics.json."""

    task = "embeddings"
    verbs = ("similar", "analogy")

    def __init__(self, vectors, config=None, stats=None, model=None):
        self.vectors = vectors
        self.config = config or {}
        self.stats = stats
        self.model = model  # the trained Word2Vec (after fit): save() then writes its output table too

    @property
    def metrics(self):
        return self.stats

    @classmethod
    def fit(cls, paths, settings=None, out=None, device="cpu", encoding=None, text_column=None, progress=True):
        """Train word2vec on text files; saves to `out` when given. Returns the WordEmbeddings (stats in .stats)."""
        settings = settings or Word2VecSettings()
        corpus = build_corpus(paths, settings.min_count, encoding, text_column)
        model, stats = train_word2vec(corpus, settings, device=device, progress=progress)
        emb = cls(Vectors(corpus.words, model.vectors.detach().cpu().numpy()), stats=stats, model=model)
        if out is not None:
            emb.save(out)
        return emb

    def save(self, out):
        """A trained model: the full run directory (see save_trained). Otherwise the vectors as our memory-mapped
        directory (+ metrics.json when stats are known)."""
        if self.model is not None:
            save_trained(out, self.model, self.vectors, self.stats)
        else:
            self.vectors.save(out)
            if self.stats is not None:
                from nlpdive.artifacts import write_metrics

                write_metrics(out, self.stats)
        return out

    @classmethod
    def load(cls, path):
        from pathlib import Path

        from nlpdive.artifacts import read_config, read_json

        metrics = Path(path) / "metrics.json"
        return cls(Vectors.open(path), read_config(path), stats=read_json(metrics) if metrics.is_file() else None)

    def similar(self, word, topn=10):
        return self.vectors.most_similar(word, topn=topn)

    def analogy(self, a, b, c, topn=1, method="3cosadd"):
        return self.vectors.analogy(a, b, c, topn=topn, method=method)

    def evaluate(self, path, out_dir=None, **_reader):
        """An analogy file (`: section` lines) or a word-pair similarity file -> metrics dict
        (also written to out_dir/metrics.json when out_dir is given)."""
        metrics = evaluate_file(self.vectors, path)
        if out_dir is not None:
            from nlpdive.artifacts import write_metrics

            write_metrics(out_dir, metrics)
        return metrics


def evaluate_file(vectors, path):
    from nlpdive.vectors.evaluate import is_analogy_file

    if is_analogy_file(path):
        return {"file": str(path), **vectors.evaluate_analogies(path)}
    return {"file": str(path), **vectors.evaluate_similarity(path)}
