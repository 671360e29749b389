"""Language-model tokens: characters (the vocabulary is the training text's characters) or subwords (a
tokenizer.json from `nlpdive text train-tokenizer`, or GPT-2's BPE folder). Files are tokenised once, in chunks,
into a .bin id stream (data/stream.py); each --data file is a document, documents are separated by an end token.
"""
import json
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError

END = "<|endoftext|>"
CHUNK_CHARS = 1 << 24  # characters read and tokenised at a time: memory stays flat on large files


def read_chunks(path, encoding="utf-8"):
    """The text of `path` in pieces of about CHUNK_CHARS characters, cut after a newline when there is one."""
    from nlpdive.data.files import open_text

    with open_text(path, encoding=encoding) as f:
        carry = ""
        while True:
            block = f.read(CHUNK_CHARS)
            if not block:
                break
            text = carry + block
            cut = text.rfind("\n") + 1 or len(text)
            carry, text = text[cut:], text[:cut]
            if text:
                yield text
        if carry:
            yield carry


class CharTokens:
    """Every distinct character of the training text is a token; the end token is added when there are several
    documents. Encoding is a table lookup over the characters' code points."""
    kind = "char"

    def __init__(self, itos, end_id=None):
        self.itos, self.end_id = list(itos), end_id
        self.stoi = {c: i for i, c in enumerate(self.itos)}
        chars = [c for c in self.itos if len(c) == 1]
        self._table = np.full(max(map(ord, chars), default=0) + 1, -1, dtype=np.int64)
        for c in chars:
            self._table[ord(c)] = self.stoi[c]

    @classmethod
    def build(cls, paths, encoding="utf-8", documents=None):
        """The characters of `paths`; an end token when the training text has several `documents` (default: one
        per path)."""
        counts = np.zeros(0x110000, dtype=np.int64)
        for path in paths:
            for text in read_chunks(path, encoding):
                counts += np.bincount(_codepoints(text), minlength=0x110000)
        itos = [chr(c) for c in np.flatnonzero(counts)]
        end_id = None
        if (len(paths) if documents is None else documents) > 1:
            end_id = len(itos)
            itos.append(END)
        return cls(itos, end_id)

    @property
    def vocab_size(self):
        return len(self.itos)

    def encode(self, text):
        cps = _codepoints(text)
        ids = self._table[np.minimum(cps, len(self._table) - 1)]
        bad = (ids < 0) | (cps >= len(self._table))
        if bad.any():
            raise UnknownCharacters(sorted({chr(c) for c in cps[bad]}))
        return ids

    def unknown(self, text):
        return sorted({c for c in text if c not in self.stoi})

    def decode(self, ids):
        return "".join(self.itos[i] for i in ids if i != self.end_id)

    def to_dict(self):
        return {"type": "char", "itos": self.itos, "end_id": self.end_id}


class SubwordTokens:
    """A Hugging Face tokenizer (trained BPE/WordPiece/Unigram or GPT-2's); its end-of-text token separates
    documents (<|endoftext|> or <eos>)."""
    kind = "subword"

    def __init__(self, tokenizer):
        self.tok = tokenizer  # nlpdive.text.tokenizer.SubwordTokenizer
        vocab = tokenizer.hf.get_vocab(with_added_tokens=True)
        self.end_id = vocab.get(END, vocab.get(tokenizer.specials.get("eos"), None))
        self.vocab_size = tokenizer.hf.get_vocab_size(with_added_tokens=True)

    @classmethod
    def build(cls, name):
        from nlpdive.text.tokenizer import get_tokenizer

        tok = get_tokenizer(name)
        if tok.kind != "subword":
            raise InputError(f"--tokenizer {name}: a language model takes char or a subword tokenizer",
                             hint="use char, a tokenizer.json or a GPT-2 tokenizer folder")
        return cls(tok)

    def encode(self, text):
        lines = text.splitlines(keepends=True)
        ids = self.tok.encode_batch(lines)
        return np.concatenate([np.asarray(line, dtype=np.int64) for line in ids]) if ids else np.zeros(0, np.int64)

    def unknown(self, text):
        return []  # byte-level BPE has no unknown characters; others map them to their unknown token

    def decode(self, ids):
        return self.tok.decode([i for i in ids if i != self.end_id])

    def to_dict(self):
        return {"type": "subword", "end_id": self.end_id, **self.tok.to_dict()}


class UnknownCharacters(ValueError):
    def __init__(self, chars):
        super().__init__(", ".join(map(repr, chars[:10])))
        self.chars = chars


def _codepoints(text):
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


def tokens_from_dict(d, where=None):
    if d.get("type") == "char":
        return CharTokens(d["itos"], d.get("end_id"))
    if d.get("type") == "subword":
        from nlpdive.text.tokenizer import SubwordTokenizer

        return SubwordTokens(SubwordTokenizer.from_dict({"tokenizer": d["tokenizer"]}))
    raise InputError(f"unknown language-model tokenizer type {d.get('type')!r}", path=where,
                     hint="re-train the model")


def build_tokens(name, paths, encoding="utf-8", documents=None):
    """The tokens of `--tokenizer NAME` ("char", a tokenizer.json, a GPT-2 folder) for the files `paths` (of which
    `documents` are training documents; default: all)."""
    if name == "char":
        return CharTokens.build(paths, encoding, documents)
    return SubwordTokens.build(name)


def tokenize_files(tokens, paths, out, encoding="utf-8", progress=None):
    """Write the id stream of `paths` (end token between documents) to the .bin file `out`; returns
    (tokens, dtype name, characters). Characters outside a char vocabulary are an InputError naming the file and
    line."""
    from nlpdive.data.stream import StreamWriter, id_dtype

    dtype = id_dtype(tokens.vocab_size)
    writer = StreamWriter(out, dtype)
    chars = 0
    try:
        for n, path in enumerate(paths):
            if n and tokens.end_id is not None:
                writer.write([tokens.end_id])
            line = 1
            for text in read_chunks(path, encoding):
                try:
                    writer.write(tokens.encode(text))
                except UnknownCharacters as e:
                    raise _unknown_error(e, text, path, line) from None
                line += text.count("\n")
                chars += len(text)
                if progress:
                    progress(len(text))
    finally:
        count = writer.close()
    return count, np.dtype(dtype).name, chars


def encode_file(tokens, path, encoding="utf-8"):
    """(ids [N] int64, characters) of one text file, in memory (evaluation files)."""
    parts, chars, line = [], 0, 1
    for text in read_chunks(path, encoding):
        try:
            parts.append(tokens.encode(text))
        except UnknownCharacters as e:
            raise _unknown_error(e, text, path, line) from None
        chars += len(text)
        line += text.count("\n")
    if not chars:
        raise InputError("the file is empty", path=path, hint="give a text file")
    return np.concatenate(parts), chars


def _unknown_error(e, text, path, line):
    at = line + min(text.count("\n", 0, text.find(ch)) for ch in e.chars)
    return InputError(f"characters the model's vocabulary lacks: {e}", path=path, line=at,
                      hint="train on files that contain them, or use a BPE --tokenizer")


def save_tokens(tokens, path):
    from nlpdive.atomic import write_json

    write_json(Path(path), tokens.to_dict())


def load_tokens(path):
    return tokens_from_dict(json.loads(Path(path).read_text(encoding="utf-8")), where=path)
