"""Bundled demo data and models (small samples of public datasets, and models nlpdive trained on them; SOURCES.md
has each one's source, license and the command that rebuilds it)."""
from pathlib import Path

HERE = Path(__file__).resolve().parent

FILES = {
    "mr": "mr_sample.tsv",                  # 3,000 MR sentences, columns text,label (positive/negative)
    "sst2_train": "sst2_train.tsv.gz",      # SST-2 train: 67,349 phrases and sentences, text,label
    "sst2_dev": "sst2_dev.tsv",             # SST-2 dev: 872 sentences, text,label
    "shakespeare": "shakespeare.txt",       # first ~200 kB of Tiny Shakespeare
    "tatoeba": "tatoeba_en_fr.tsv",         # 6,000 English<TAB>French pairs
    "wikitext": "wikitext2_excerpt.txt.gz",  # first ~700k tokens of WikiText-2 train
    "vectors": "vectors",                   # word2vec vectors nlpdive trained on 10.6M words (a vector store)
    "en-fr": "en-fr",                       # an English -> French Transformer nlpdive trained on Tatoeba
}


def path(name):
    """Path of a bundled file by short name (a key of FILES) or file name."""
    return HERE / FILES.get(name, name)
