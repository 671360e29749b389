"""word2vec's options (Word2VecSettings): each is also a `nlpdive train embeddings` flag. Light on imports, so the
CLI can read the options without loading numpy or torch."""
from dataclasses import dataclass

from nlpdive.options import check_options, option

LR = {"skip-gram": 0.025, "cbow": 0.05}        # word2vec.c's start learning rates
BATCH = {"skip-gram": 2048, "cbow": 512}       # pairs (skip-gram) or centre words (CBOW) per SGD step


@dataclass
class Word2VecSettings:
    """word2vec's options; each is also a `nlpdive train embeddings` flag (generated: nlpdive.options)."""
    dim: int = option(100, "vector size", min=1, max=65_536, metavar="D")
    window: int = option(5, "max distance between a word and its context", min=1, metavar="N")
    negative: int = option(5, "negative samples per pair", min=1, metavar="N")
    min_count: int = option(5, "ignore words rarer than this", min=1, metavar="N")
    sample: float = option(1e-3, "frequent-word subsampling threshold (0: off)", min=0, metavar="T")
    epochs: int = option(5, "passes over the corpus", min=1, cli=False)
    lr: float | None = option(None, "start learning rate, decaying linearly", min=0, exclusive=True, cli=False,
                              default_help=f"{LR['skip-gram']}; CBOW: {LR['cbow']}, as word2vec.c")
    min_lr_fraction: float = 1e-4  # the rate decays linearly to lr * this
    batch_size: int | None = option(None, "on a GPU: pairs (skip-gram) or centre words (CBOW) per SGD step; a word's "
                                    "updates in a step are summed, up to Word2Vec.sgd_step's max_rate (the CPU "
                                    "core updates pair by pair, as word2vec.c)", min=1, cli=False,
                                    default_help=f"{BATCH['skip-gram']} pairs; CBOW: {BATCH['cbow']} centre words")
    group: int = 16  # on a GPU, consecutive pairs sharing one draw of negatives (CPU: a centre word's pairs)
    cbow: bool = option(False, "CBOW instead of skip-gram")
    seed: int = option(0, "random seed", min=0, cli=False)
    threads: int | None = option(None, "CPU worker threads (always one for a vocabulary under 1,000 words: Hogwild "
                                 "updates collide on a tiny vocabulary)", min=1, metavar="N", default_help="all cores")

    def __post_init__(self):
        check_options(self)

    @property
    def start_lr(self):
        return self.lr or LR["cbow" if self.cbow else "skip-gram"]

    @property
    def step_size(self):
        return self.batch_size or BATCH["cbow" if self.cbow else "skip-gram"]
