"""word2vec's options (Word2VecSettings): each is also a `nlpdive train embeddings` flag. Light on imports, so the
CLI can read the options without loading numpy or torch."""
from dataclasses import dataclass

from nlpdive.options import check_options, option


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
                              default_help="0.025; CBOW: 0.05, as word2vec.c")
    min_lr_fraction: float = 1e-4  # the rate decays linearly to lr * this
    batch_size: int | None = option(None, "pairs (skip-gram) or centre words (CBOW) per SGD step; a word's updates "
                                    "in a step are summed, up to Word2Vec.sgd_step's max_rate", min=1, cli=False,
                                    default_help="2048 pairs; CBOW: 512 centre words")
    group: int = 16  # consecutive pairs sharing one draw of negatives
    cbow: bool = option(False, "CBOW instead of skip-gram")
    seed: int = option(0, "random seed", min=0, cli=False)
    threads: int | None = option(None, "CPU worker threads (always one for a vocabulary under 1,000 words: Hogwild "
                                 "updates collide on a tiny vocabulary)", min=1, metavar="N", default_help="all cores")

    def __post_init__(self):
        check_options(self)

    @property
    def start_lr(self):
        return self.lr or (0.05 if self.cbow else 0.025)

    @property
    def step_size(self):
        return self.batch_size or (512 if self.cbow else 2048)
