"""Tiny saved models of every task for the server's tests (tests/test_serve*.py), trained once per test session
through the Python API in a few seconds: quality does not matter here, only that each directory loads with
nlpdive.load and serves its verbs."""
import random

GOOD, BAD = ["great", "superb", "lovely", "fun"], ["awful", "dull", "boring", "bad"]
FILLER = ["the", "movie", "was", "a", "plot", "and", "film", "actors", "it", "story"]
_BUILT = {}


def sentiment(n, seed):
    """Texts of filler words with a class word or two: pos or neg."""
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        label, words = rng.choice((("pos", GOOD), ("neg", BAD)))
        tokens = rng.choices(FILLER, k=rng.randint(3, 8)) + rng.choices(words, k=rng.randint(1, 2))
        rng.shuffle(tokens)
        texts.append(" ".join(tokens))
        labels.append(label)
    return texts, labels


def build(root):
    """{name: saved model directory} under `root`: bow and gru classifiers, a char-GRU language model, a
    GRU-attention date normaliser and word2vec vectors. Trained once per session (cached by process)."""
    if "dirs" in _BUILT:
        return _BUILT["dirs"]
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        dirs = {"sentiment": _classifier(root, "bow"), "gru": _classifier(root, "gru"), "chars": _lm(root),
                "dates": _translator(root), "vectors": _vectors(root)}
    finally:
        torch.set_num_threads(threads)
    _BUILT["dirs"] = dirs
    return dirs


def _classifier(root, model):
    from nlpdive.tasks.classify import Classifier, ClassifyConfig
    from nlpdive.train import TrainConfig

    settings = ClassifyConfig(model=model, embed_dim=8, hidden=8) if model != "bow" else ClassifyConfig()
    clf = Classifier.fit(*sentiment(300, 0), settings,
                         TrainConfig(epochs=4, batch_size=32, lr=5e-3, weight_decay=0.0, threads=1))
    return clf.save(root / model)


def _lm(root):
    from nlpdive.tasks.lm import LMConfig, train
    from nlpdive.train import TrainConfig

    from test_lm_task import make_text  # the lm tests' learnable sentences

    (root / "lm.txt").write_text(make_text(3000, 1))
    cfg = TrainConfig(epochs=2, batch_size=8, threads=1, lr=1e-2, warmup=0, weight_decay=0.0, log_every=50)
    train(root / "lm.txt", settings=LMConfig(model="char-gru", layers=1, hidden=32, n_embd=16, block_size=32),
          train_cfg=cfg, out_dir=root / "chars")
    return root / "chars"


def _translator(root):
    from nlpdive.data.dates import write_date_pairs
    from nlpdive.tasks.translate import TranslateConfig, train
    from nlpdive.train import TrainConfig

    write_date_pairs(root / "dates.tsv", 300, seed=1)
    cfg = TrainConfig(epochs=1, batch_size=32, lr=3e-3, threads=1, weight_decay=0.0, log_every=50)
    train(root / "dates.tsv", settings=TranslateConfig(model="gru-attention", vocab="char", d_model=16, hidden=16,
                                                      dropout=0.0), train_cfg=cfg, out_dir=root / "dates")
    return root / "dates"


def _vectors(root):
    from nlpdive.tasks.embeddings import WordEmbeddings, Word2VecSettings

    rng = random.Random(0)
    groups = (["cat", "dog", "horse", "cow", "sheep"], ["chair", "table", "lamp", "sofa", "desk"])
    (root / "w2v.txt").write_text("\n".join(" ".join(rng.choices(groups[i % 2], k=8)) for i in range(200)) + "\n")
    WordEmbeddings.fit([root / "w2v.txt"], Word2VecSettings(dim=8, window=3, min_count=1, sample=0, epochs=2),
                       out=root / "vectors", progress=False)
    return root / "vectors"


class LiveServer:
    """A real uvicorn server for `app` in a thread on a free loopback port: `with LiveServer(app) as url: ...`.
    Leaving the block asks it to shut down gracefully (in-flight requests finish) and waits for it."""

    def __init__(self, app, **config):
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, **config))

    def __enter__(self):
        import socket
        import threading
        import time

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = self.sock.getsockname()  # uvicorn closes the socket when it shuts down
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.server.started, "the server did not start"
        return f"http://127.0.0.1:{self.address[1]}"

    def stop(self):
        self.server.should_exit = True

    def __exit__(self, *exc):
        self.stop()
        self.thread.join(30)
        self.sock.close()
