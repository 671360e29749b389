"""Vocab: tokens <-> ids, with special tokens first and rare words mapped to <unk>.

Order (deterministic): the specials in the order given (<pad>=0, <unk>=1, <sos>=2, <eos>=3 by default), then
tokens by frequency, most frequent first; ties keep the order in which the tokens were first seen.
`max_size` caps the whole vocabulary, specials included (so it is the embedding table's size).
"""
from collections import Counter

SPECIALS = ("<pad>", "<unk>", "<sos>", "<eos>")


def default_specials(tokens):
    """role -> token for whichever of <pad> <unk> <sos> <eos> are among `tokens`."""
    return {tok[1:-1]: tok for tok in SPECIALS if tok in tokens}


class Vocab:
    def __init__(self, itos, specials=None):
        """itos: tokens in id order; specials: role -> token (default: whichever of <pad> <unk> <sos> <eos>
        are in itos)."""
        self.itos = list(itos)
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.specials = dict(default_specials(self.stoi) if specials is None else specials)
        self._skip_ids = {self.stoi[t] for role, t in self.specials.items() if role != "unk"}

    @classmethod
    def build(cls, token_lists, min_freq=1, max_size=None, specials=SPECIALS):
        counts = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        specials = tuple(specials)
        ranked = sorted((t for t, c in counts.items() if c >= min_freq and t not in specials),
                        key=lambda t: -counts[t])  # stable: first-seen order breaks ties
        if max_size is not None:
            ranked = ranked[:max(0, max_size - len(specials))]
        return cls(specials + tuple(ranked))

    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def _id(self, role):
        token = self.specials.get(role)
        return None if token is None else self.stoi[token]

    @property
    def pad_id(self):
        return self._id("pad")

    @property
    def unk_id(self):
        return self._id("unk")

    @property
    def sos_id(self):
        return self._id("sos")

    @property
    def eos_id(self):
        return self._id("eos")

    def encode(self, tokens):
        """Ids of tokens; unknown tokens get unk_id (a KeyError when the vocab has no <unk>)."""
        unk, stoi = self.unk_id, self.stoi
        if unk is None:
            return [stoi[t] for t in tokens]
        return [stoi.get(t, unk) for t in tokens]

    def decode(self, ids, skip_specials=True):
        """Tokens of ids; skip_specials drops <pad>, <sos> and <eos> (<unk> stays visible)."""
        if skip_specials:
            return [self.itos[i] for i in ids if i not in self._skip_ids]
        return [self.itos[i] for i in ids]

    def to_dict(self):
        return {"itos": self.itos, "specials": self.specials}

    @classmethod
    def from_dict(cls, d):
        return cls(d["itos"], d.get("specials"))
