"""Stop words and lemmatisation.

STOPWORDS: the bundled English list (resources/stopwords_en.txt: scikit-learn's ENGLISH_STOP_WORDS, BSD-3-Clause,
minus negations and the prepositions over/under/above/below/up/down, plus the clitics our word tokenizer
splits off; the file's header lists every change).
`lemmatize` uses simplemma's English data shipped inside the package (no download at run time), non-greedy.
"""
from functools import lru_cache
from pathlib import Path

from nlpdive.errors import InputError

RESOURCES = Path(__file__).resolve().parent / "resources"


def load_stopwords(path=None):
    """A frozenset of lower-cased stop words from a file (one per line, '#' starts a comment line); None: the
    bundled list."""
    path = Path(path) if path is not None else RESOURCES / "stopwords_en.txt"
    if not path.is_file():
        raise InputError("stop-word file not found", path=path,
                         hint="check the path (--stopwords-file); the file lists one word per line")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError("stop-word file is not UTF-8", path=path, hint="save it as UTF-8") from None
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


STOPWORDS = load_stopwords()


@lru_cache(maxsize=200_000)
def _lemma(token, lang):
    import simplemma

    return simplemma.lemmatize(token, lang=lang, greedy=False)


def lemmatize(tokens, lang="en"):
    """Lemmas of a list of tokens: ["the", "fox", "jumped"] -> ["the", "fox", "jump"]."""
    return [_lemma(t, lang) for t in tokens]
