"""The tokens of each side of a translator: a tokenizer (nlpdive.text.tokenizer) and, for word and char tokens, a
Vocab. Ids: <pad>=0, <unk>=1, <sos>=2, <eos>=3, then the learnt tokens. With --joint (the default) both sides share
one Side, learnt from the sources and targets together (one embedding table for both).

    src, tgt = build_sides(pairs, settings)
    src.encode("ein Hund") -> [ids]; tgt.decode(ids) -> "a dog"
    save_sides(src, tgt, DIR / "vocab.json"); src, tgt = load_sides(DIR / "vocab.json")
"""
from nlpdive.errors import InputError
from nlpdive.text.vocab import SPECIALS, Vocab

VOCAB_FILE = "vocab.json"


class Side:
    """Text <-> ids for one side. Byte-level BPE never meets an unknown character; word and char vocabularies map
    unseen tokens to <unk>."""

    def __init__(self, kind, tokenizer, vocab=None):
        self.kind, self.tokenizer, self.vocab = kind, tokenizer, vocab
        if vocab is None:  # subwords: the roles come from the tokenizer's own vocabulary
            stoi = tokenizer.hf.get_vocab(with_added_tokens=True)
            self.ids = {role: stoi[token] for role, token in tokenizer.specials.items()}
            self.vocab_size = tokenizer.hf.get_vocab_size(with_added_tokens=True)
        else:
            self.ids = {role: vocab.stoi[token] for role, token in vocab.specials.items()}
            self.vocab_size = len(vocab)
        missing = [role for role in ("pad", "unk", "sos", "eos") if role not in self.ids]
        if missing:
            raise ValueError(f"the vocabulary has no {', '.join(missing)} token")
        self.pad_id, self.unk_id, self.sos_id, self.eos_id = (self.ids[r] for r in ("pad", "unk", "sos", "eos"))

    @classmethod
    def build(cls, kind, texts, size):
        from nlpdive.text.tokenizer import CharTokenizer, WordTokenizer, train_tokenizer

        if kind == "bpe":
            return cls(kind, train_tokenizer(texts, "bpe", vocab_size=size, special_tokens=SPECIALS,
                                             show_progress=False))
        tokenizer = WordTokenizer() if kind == "word" else CharTokenizer()
        return cls(kind, tokenizer, Vocab.build((tokenizer.tokenize(t) for t in texts), max_size=size))

    def encode_batch(self, texts):
        """Token ids of each text (no <sos>/<eos>)."""
        if self.vocab is None:
            return self.tokenizer.encode_batch(texts)
        return [self.vocab.encode(self.tokenizer.tokenize(t)) for t in texts]

    def encode(self, text):
        return self.encode_batch([text])[0]

    def decode(self, ids):
        """The text of ids (specials dropped)."""
        ids = [int(i) for i in ids]
        if self.vocab is None:
            return self.tokenizer.decode(ids)
        return self.tokenizer.decode(self.vocab.decode(ids))

    def tokens(self, ids):
        """The tokens of ids, for attention maps' axes."""
        if self.vocab is None:  # each piece as text (byte-level BPE's "Ġ" shown as the space it is)
            hf = self.tokenizer.hf
            return [hf.decode([int(i)], skip_special_tokens=False) or hf.id_to_token(int(i)) or "?" for i in ids]
        return self.vocab.decode([int(i) for i in ids], skip_specials=False)

    def to_dict(self):
        return {"kind": self.kind, "tokenizer": self.tokenizer.to_dict(),
                **({"vocab": self.vocab.to_dict()} if self.vocab is not None else {})}

    @classmethod
    def from_dict(cls, d):
        from nlpdive.text.tokenizer import tokenizer_from_dict

        vocab = Vocab.from_dict(d["vocab"]) if "vocab" in d else None
        return cls(d["kind"], tokenizer_from_dict(d["tokenizer"]), vocab)


def build_sides(pairs, kind="bpe", size=8000, joint=True):
    """(source Side, target Side) learnt from the training pairs; one shared Side when `joint`."""
    if joint:
        side = Side.build(kind, [text for pair in pairs for text in pair], size)
        return side, side
    return Side.build(kind, [s for s, _ in pairs], size), Side.build(kind, [t for _, t in pairs], size)


def save_sides(src, tgt, path):
    from nlpdive.atomic import write_json

    joint = src is tgt
    write_json(path, {"joint": joint, "source": src.to_dict(), **({} if joint else {"target": tgt.to_dict()})})


def load_sides(path):
    """(source Side, target Side) of a saved translator; an InputError naming the file when it is missing or bad."""
    from nlpdive.artifacts import read_json

    d = read_json(path, missing_hint="a saved translator keeps its vocabularies here: copy the whole model "
                                     "directory, or re-train")
    try:
        src = Side.from_dict(d["source"])
        return src, (src if d["joint"] else Side.from_dict(d["target"]))
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"not a translator's vocabulary file ({e})", path=path,
                         hint="re-save or re-train the model") from None
