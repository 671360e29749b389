"""TextPipeline: normaliser -> tokenizer -> filters (stop words, lemmas) -> Vocab, saved as ONE JSON file.

    pipe = TextPipeline(tokenizer="word", stopwords=True, lemmatize=True, min_freq=2).fit(texts)
    pipe.encode("the sneaky fox jumped", add_eos=True)   # [ids...]
    pipe.save("pipeline.json"); TextPipeline.load("pipeline.json")

With a subword tokenizer (a SubwordTokenizer or a path to tokenizer.json / a GPT-2 folder) the vocabulary is the
tokenizer's own, `fit` has nothing to learn, and `encode_batch` runs in Hugging Face's Rust batch encoder.
Stop words and lemmas apply to whole words, so they need tokenizer="word".
"""
from pathlib import Path

from nlpdive.errors import InputError, NlpdiveError
from nlpdive.text.normalize import Normalizer
from nlpdive.text.stopwords import STOPWORDS, lemmatize as _lemmatize, load_stopwords
from nlpdive.text.tokenizer import SubwordTokenizer, WordTokenizer, get_tokenizer, tokenizer_from_dict
from nlpdive.text.vocab import Vocab

FORMAT = "nlpdive.TextPipeline/1"


class TextPipeline:
    def __init__(self, lower=True, tokenizer="word", stopwords=False, lemmatize=False, min_freq=1, max_size=None,
                 *, normalizer=None, vocab=None):
        self.normalizer = normalizer or Normalizer(lower=lower)
        self.tokenizer = get_tokenizer(tokenizer)
        self.stopwords = _stopword_set(stopwords)
        self.lemmatize = bool(lemmatize)
        self.min_freq, self.max_size = min_freq, max_size
        if (self.stopwords or self.lemmatize) and not isinstance(self.tokenizer, WordTokenizer):
            raise InputError("stop words and lemmatisation work on whole words",
                             hint="use tokenizer='word' (--tokenizer word) with --stopwords/--lemmatize")
        if self.subword:
            vocab = Vocab(self.tokenizer.itos(), self.tokenizer.specials)
        self.vocab = vocab

    @property
    def subword(self):
        return isinstance(self.tokenizer, SubwordTokenizer)

    # ---- text -> tokens -> ids
    def tokenize(self, text):
        tokens = self.tokenizer.tokenize(self.normalizer(text))
        if self.stopwords:  # matched case-insensitively: "The" is a stop word with or without lower-casing
            tokens = [t for t in tokens if t.lower() not in self.stopwords]
        return _lemmatize(tokens) if self.lemmatize else tokens

    def fit(self, texts):
        """Build the vocabulary from an iterable of texts (a no-op for subword tokenizers)."""
        if not self.subword:
            from tqdm.auto import tqdm

            texts = tqdm(texts, desc="vocabulary", unit=" texts", disable=None)  # quiet off a terminal
            self.vocab = Vocab.build(map(self.tokenize, texts), min_freq=self.min_freq, max_size=self.max_size)
        return self

    def fit_encode_batch(self, texts):
        """fit(texts) then encode_batch(texts), tokenizing each text once."""
        if self.subword:
            return self.encode_batch(texts)
        token_lists = [self.tokenize(t) for t in texts]
        self.vocab = Vocab.build(token_lists, min_freq=self.min_freq, max_size=self.max_size)
        return [self.vocab.encode(tokens) for tokens in token_lists]

    def encode(self, text, add_sos=False, add_eos=False):
        if self.subword:
            ids = self.tokenizer.encode(self.normalizer(text))
        else:
            ids = self._fitted_vocab().encode(self.tokenize(text))
        return self._wrap(ids, add_sos, add_eos)

    def encode_batch(self, texts, add_sos=False, add_eos=False):
        if self.subword:
            batch = self.tokenizer.encode_batch([self.normalizer(t) for t in texts])
        else:
            encode = self._fitted_vocab().encode
            batch = [encode(self.tokenize(t)) for t in texts]
        return [self._wrap(ids, add_sos, add_eos) for ids in batch] if add_sos or add_eos else batch

    def decode(self, ids):
        if self.subword:
            return self.tokenizer.decode(list(ids))
        return self.tokenizer.decode(self._fitted_vocab().decode(ids))

    def _wrap(self, ids, add_sos, add_eos):
        return [self.sos_id] * add_sos + ids + [self.eos_id] * add_eos

    def _fitted_vocab(self):
        if self.vocab is None:
            raise NlpdiveError("this TextPipeline has no vocabulary yet: call pipe.fit(texts) first")
        return self.vocab

    # ---- vocabulary shortcuts
    @property
    def vocab_size(self):
        return len(self._fitted_vocab())

    @property
    def pad_id(self):
        return self._fitted_vocab().pad_id

    @property
    def unk_id(self):
        return self._fitted_vocab().unk_id

    @property
    def sos_id(self):
        return self._fitted_vocab().sos_id

    @property
    def eos_id(self):
        return self._fitted_vocab().eos_id

    # ---- JSON
    def to_dict(self):
        return {
            "format": FORMAT,
            "normalizer": self.normalizer.to_dict(),
            "tokenizer": self.tokenizer.to_dict(),
            "stopwords": sorted(self.stopwords) if self.stopwords else None,
            "lemmatize": self.lemmatize,
            "min_freq": self.min_freq,
            "max_size": self.max_size,
            "vocab": None if self.subword or self.vocab is None else self.vocab.to_dict(),
        }

    @classmethod
    def from_dict(cls, d):
        if d.get("format") != FORMAT:
            raise InputError(f"not a TextPipeline JSON (format {d.get('format')!r})", hint=f"expected {FORMAT}")
        return cls(tokenizer=tokenizer_from_dict(d["tokenizer"]), stopwords=d["stopwords"] or False,
                   lemmatize=d["lemmatize"], min_freq=d["min_freq"], max_size=d["max_size"],
                   normalizer=Normalizer.from_dict(d["normalizer"]),
                   vocab=Vocab.from_dict(d["vocab"]) if d["vocab"] else None)

    def save(self, path):
        from nlpdive.atomic import write_json

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, self.to_dict())
        return path

    @classmethod
    def load(cls, path):
        from nlpdive.artifacts import read_json

        return cls.from_dict(read_json(path, missing_hint="check the path of the pipeline JSON"))


def _stopword_set(stopwords):
    """False/None: no filtering; True: the bundled list; a path: a file; else an iterable of words."""
    if not stopwords:
        return None
    if stopwords is True:
        return STOPWORDS
    if isinstance(stopwords, (str, Path)):
        return load_stopwords(stopwords)
    return frozenset(w.lower() for w in stopwords)
