"""Bundled demo data (small samples of public datasets; see SOURCES.md for source, citation and license)."""
from pathlib import Path

HERE = Path(__file__).resolve().parent

FILES = {
    "mr": "mr_sample.tsv",                  # 3,000 MR sentences, columns text,label (positive/negative)
    "shakespeare": "shakespeare.txt",       # first ~200 kB of Tiny Shakespeare
    "tatoeba": "tatoeba_en_fr.tsv",         # 6,000 English<TAB>French pairs
    "wikitext": "wikitext2_excerpt.txt.gz",  # first ~700k tokens of WikiText-2 train
}


def path(name):
    """Path of a bundled file by short name (mr, shakespeare, tatoeba, wikitext) or file name."""
    return HERE / FILES.get(name, name)
