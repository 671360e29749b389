"""Tokenizers with one small interface: `.tokenize(text) -> list[str]`, `.decode(tokens or ids) -> str`,
`.to_dict()` / `.from_dict(d)` (JSON; `tokenizer_from_dict(d)` picks the class). Subword tokenizers also
`.encode(text)` / `.encode_batch(texts)` to ids (word and char tokens get ids from a Vocab).

- WordTokenizer: a regex in the Penn Treebank spirit. Contractions split like PTB ("don't" -> "do", "n't";
  "it's" -> "it", "'s"), punctuation and symbols are tokens of their own ("100%" -> "100", "%"; "!!" -> "!", "!"),
  numbers keep their separators ("3.14", "1,000"), hyphenated words and names stay whole ("state-of-the-art",
  "O'Neill"), URLs and e-mail addresses are one token, "..." is one token.
- CharTokenizer: one token per character.
- SubwordTokenizer: a Hugging Face `tokenizers.Tokenizer` (BPE, WordPiece, Unigram, GPT-2's byte-level BPE),
  saved as a plain tokenizer.json that HF loads as is.
"""
import json
import re
import sys
from pathlib import Path

from nlpdive.errors import InputError
from nlpdive.text.vocab import SPECIALS, default_specials

GPT2_EOT = "<|endoftext|>"

_WORD = re.compile(r"""
    (?:https?://|www\.)\S+?(?=[.,;:!?)\]'"]*(?:\s|$))   # URL, without trailing punctuation
  | [\w.+-]+@\w+(?:\.\w+)+                             # e-mail address
  | \d+(?:[.,:]\d+)+                                   # 3.14  1,000  10:30
  | \w+(?=n['’]t\b)                                    # do|n't  ca|n't
  | n['’]t\b
  | ['’](?:s|re|ve|ll|d|m)\b                           # it|'s  we|'re
  | \w+(?:-\w+|['’](?!(?:s|re|ve|ll|d|m)\b)\w+)*       # words, numbers, state-of-the-art, O'Neill
  | \.\.\.
  | [^\w\s]                                            # any other symbol, one at a time
""", re.VERBOSE | re.IGNORECASE)
_NO_SPACE_BEFORE = re.compile(r" (?=[.,;:!?%)\]}]|n['’]t\b|['’](?:s|re|ve|ll|d|m)\b)", re.IGNORECASE)
_NO_SPACE_AFTER = re.compile(r"(?<=[(\[{$]) ")


class _OptionFree:
    """JSON for tokenizers without options: {"type": kind}."""

    def to_dict(self):
        return {"type": self.kind}

    @classmethod
    def from_dict(cls, d):
        return cls()


class WordTokenizer(_OptionFree):
    kind = "word"

    def tokenize(self, text):
        return _WORD.findall(text)

    def decode(self, tokens):
        """Join tokens into readable text (no space before punctuation and clitics)."""
        return _NO_SPACE_AFTER.sub("", _NO_SPACE_BEFORE.sub("", " ".join(tokens)))


class CharTokenizer(_OptionFree):
    kind = "char"

    def tokenize(self, text):
        return list(text)

    def decode(self, tokens):
        return "".join(tokens)


class SubwordTokenizer:
    """A Hugging Face tokenizer. `specials` maps the roles pad/unk/sos/eos to the tokens that play them
    (inferred from the vocabulary: <pad> <unk> <sos> <eos>, or GPT-2's <|endoftext|> for sos/eos/pad)."""
    kind = "subword"

    def __init__(self, hf_tokenizer):
        self.hf = hf_tokenizer
        self.specials = _special_roles(hf_tokenizer.get_vocab(with_added_tokens=True))

    def tokenize(self, text):
        return self.hf.encode(text, add_special_tokens=False).tokens

    def encode(self, text):
        return self.hf.encode(text, add_special_tokens=False).ids

    def encode_batch(self, texts):
        return [e.ids for e in self.hf.encode_batch_fast(list(texts), add_special_tokens=False)]

    def decode(self, ids):
        return self.hf.decode(ids, skip_special_tokens=True)

    def itos(self):
        """Tokens in id order."""
        vocab = self.hf.get_vocab(with_added_tokens=True)
        itos = [None] * (max(vocab.values()) + 1)
        for token, i in vocab.items():
            itos[i] = token
        return itos

    def to_dict(self):
        return {"type": self.kind, "tokenizer": json.loads(self.hf.to_str())}

    @classmethod
    def from_dict(cls, d):
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_str(json.dumps(d["tokenizer"])))

    def save(self, path):
        """Write a tokenizer.json that Hugging Face `tokenizers.Tokenizer.from_file` also reads (atomically:
        an interrupted save leaves no half-written file)."""
        from nlpdive.atomic import write_json

        path = Path(path)
        write_json(path, json.loads(self.hf.to_str()))  # atomic_file: creates the parent, cleans up on failure
        return path

    @classmethod
    def load(cls, path):
        from tokenizers import Tokenizer

        path = Path(path)
        if not path.is_file():
            raise InputError("tokenizer file not found", path=path,
                             hint="pass word, char, a tokenizer.json or a GPT-2 folder (encoder.json + vocab.bpe)")
        try:
            return cls(Tokenizer.from_file(str(path)))
        except Exception as e:  # HF raises a generic Exception for malformed files
            raise InputError(f"not a Hugging Face tokenizer.json ({e})", path=path,
                             hint="train one with `nlpdive text train-tokenizer`") from None


def _special_roles(vocab):
    if GPT2_EOT in vocab and "<pad>" not in vocab:
        return {"pad": GPT2_EOT, "sos": GPT2_EOT, "eos": GPT2_EOT}
    return default_specials(vocab)


def tokenizer_from_dict(d):
    classes = {cls.kind: cls for cls in (WordTokenizer, CharTokenizer, SubwordTokenizer)}
    if d.get("type") not in classes:
        raise InputError(f"unknown tokenizer type {d.get('type')!r}", hint="expected word, char or subword")
    return classes[d["type"]].from_dict(d)


def get_tokenizer(name):
    """"word", "char", a tokenizer.json, or a folder holding GPT-2's encoder.json + vocab.bpe
    (or vocab.json + merges.txt, or tokenizer.json)."""
    if isinstance(name, (WordTokenizer, CharTokenizer, SubwordTokenizer)):
        return name
    if name == "word":
        return WordTokenizer()
    if name == "char":
        return CharTokenizer()
    path = Path(name)
    if path.is_dir():
        if (path / "tokenizer.json").is_file():
            return SubwordTokenizer.load(path / "tokenizer.json")
        return load_gpt2_tokenizer(path)
    return SubwordTokenizer.load(path)


def load_gpt2_tokenizer(path):
    """GPT-2's byte-level BPE from a folder with encoder.json + vocab.bpe (OpenAI's names) or vocab.json +
    merges.txt (Hugging Face's names), or from a tokenizer.json."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    path = Path(path)
    if path.is_file():
        return SubwordTokenizer.load(path)
    for vocab, merges in (("encoder.json", "vocab.bpe"), ("vocab.json", "merges.txt")):
        if (path / vocab).is_file() and (path / merges).is_file():
            break
    else:
        raise InputError("no GPT-2 tokenizer files here", path=path,
                         hint="the folder needs encoder.json + vocab.bpe (or vocab.json + merges.txt)")
    hf = Tokenizer(models.BPE.from_file(str(path / vocab), str(path / merges)))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.post_processor = processors.ByteLevel(trim_offsets=False)
    hf.decoder = decoders.ByteLevel()
    hf.add_special_tokens([GPT2_EOT])
    return SubwordTokenizer(hf)


def train_tokenizer(texts, kind="bpe", vocab_size=8000, special_tokens=SPECIALS, min_frequency=2, length=None,
                    show_progress=None):
    """Train a subword tokenizer on an iterable of texts (e.g. `nlpdive.data.read_texts(path)`).

    kind: "bpe" (byte-level, like GPT-2: never an unknown token), "wordpiece" (BERT-style, "##" continuations)
    or "unigram" (SentencePiece-style, "▁" marks a word start). Special tokens get the first ids, in order.
    The progress bar (Hugging Face's) shows only when stderr is a terminal."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    special_tokens = list(special_tokens)
    unk = "<unk>" if "<unk>" in special_tokens else None
    progress = sys.stderr.isatty() if show_progress is None else show_progress
    common = dict(vocab_size=vocab_size, special_tokens=special_tokens, show_progress=progress)
    if kind == "bpe":
        hf = Tokenizer(models.BPE())
        hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        hf.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(min_frequency=min_frequency,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), **common)
    elif kind == "wordpiece":
        hf = Tokenizer(models.WordPiece(unk_token=unk or "[UNK]"))
        hf.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        hf.decoder = decoders.WordPiece()
        trainer = trainers.WordPieceTrainer(min_frequency=min_frequency, **common)
    elif kind == "unigram":
        hf = Tokenizer(models.Unigram())
        hf.pre_tokenizer = pre_tokenizers.Metaspace()
        hf.decoder = decoders.Metaspace()
        trainer = trainers.UnigramTrainer(unk_token=unk, **common)
    else:
        raise InputError(f"unknown tokenizer kind {kind!r}", hint="use bpe, wordpiece or unigram")
    hf.train_from_iterator(texts, trainer=trainer, length=length)
    return SubwordTokenizer(hf)
