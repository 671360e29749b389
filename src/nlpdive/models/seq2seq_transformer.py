"""A pre-LayerNorm Transformer encoder-decoder for translation, built from transformer.py's parts: the encoder is
its `Block`s, each decoder block is causal self-attention (with a key/value cache), cross-attention to the
encoder output, and an `MLP`.

    model = TransformerSeq2Seq(TransformerSeq2SeqConfig(src_vocab=8000, tgt_vocab=8000))
    logits = model(src, src_lengths, tgt_in)                  # teacher forcing: [B, T, V]
    memory = model.encode(src, src_lengths)                   # {"enc": [B, S, D], "mask": [B, S]}
    logits, state, _ = model.decode(bos_ids, memory)          # the whole prefix [B, T0]; returns the cache
    state = model.reorder(state, index)                       # beam search: keep rows `index`, in that order
    logits, state, attn = model.decode(next_ids, memory, state, need_attention=True)  # new tokens [B, 1]

The state is a dict: "k", "v" (lists, per decoder layer, of the self-attention keys/values [B, h, t, d] of the t
target positions so far), "ck", "cv" (lists, per layer, of the cross-attention keys/values [B, h, S, d] of the
memory, computed once on the first decode call), "mask" [B, S] (the source mask) and "group" [B] (rows with
identical memory, such as beam search's repeat_interleave'd copies, share a number). Every tensor in it has the
batch first and `reorder` index_selects them, so a reordered state is exactly the state of the reordered inputs;
when every row receives a row of its own group (beam search) the memory's part is left as it is, which saves
copying it at every step. Once there is a state, decode uses its own copy of the memory and ignores `memory`.
Masks are boolean with True = a real token. Target padding needs no mask: it comes after the real tokens, which
causal attention never lets see it.
"""
import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from nlpdive.models.transformer import MLP, Attention, Block


@dataclass
class TransformerSeq2SeqConfig:
    src_vocab: int
    tgt_vocab: int
    d_model: int = 256
    n_heads: int = 4
    enc_layers: int = 3
    dec_layers: int = 3
    d_ff: int = 1024
    dropout: float = 0.1
    max_len: int = 512             # longest source or target (positions)
    positions: str = "sinusoidal"  # sinusoidal | learned
    share_embeddings: bool = True  # one embedding for source and target (needs src_vocab == tgt_vocab)
    tie_output: bool = True        # output projection = target embedding matrix
    pad_id: int = 0

    def __post_init__(self):
        for name in ("src_vocab", "tgt_vocab", "d_model", "n_heads", "enc_layers", "dec_layers", "d_ff", "max_len"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model {self.d_model} is not divisible by n_heads {self.n_heads}")
        if self.positions not in ("sinusoidal", "learned"):
            raise ValueError(f"positions must be 'sinusoidal' or 'learned', not {self.positions!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.share_embeddings and self.src_vocab != self.tgt_vocab:
            raise ValueError(f"share_embeddings needs one joint vocabulary, but src_vocab {self.src_vocab} != "
                             f"tgt_vocab {self.tgt_vocab}; set share_embeddings=False or use a joint vocabulary")
        if not 0 <= self.pad_id < min(self.src_vocab, self.tgt_vocab):
            raise ValueError(f"pad_id {self.pad_id} is outside the vocabulary")


def sinusoids(length, d_model):
    """The fixed position table [length, D] of Vaswani et al.: sin on even, cos on odd dimensions."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]                               # [L, 1]
    freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    table = torch.zeros(length, d_model)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)[:, :d_model // 2]
    return table


class DecoderBlock(nn.Module):
    """Pre-LN: x + self_attn(ln1(x)) (causal, cached), x + cross_attn(ln2(x), memory), x + mlp(ln3(x))."""

    def __init__(self, config):
        super().__init__()
        self.n_heads, self.p = config.n_heads, config.dropout
        self.ln1 = nn.LayerNorm(config.d_model)
        self.self_attn = Attention(config.d_model, config.n_heads, config.dropout)
        self.ln2 = nn.LayerNorm(config.d_model)
        self.cross_attn = Attention(config.d_model, config.n_heads, config.dropout)
        self.ln3 = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config.d_model, config.d_ff, config.dropout)
        self.drop = nn.Dropout(config.dropout)

    def heads(self, t):
        """[B, T, D] -> [B, h, T, d]"""
        B, T, D = t.shape
        return t.view(B, T, self.n_heads, D // self.n_heads).transpose(1, 2)

    def merge(self, y):
        """[B, h, T, d] -> [B, T, D]"""
        B, h, T, d = y.shape
        return y.transpose(1, 2).reshape(B, T, h * d)

    def memory_kv(self, enc):
        """The cross-attention keys and values of the encoder output enc [B, S, D]: [B, h, S, d] each."""
        return tuple(self.heads(t) for t in self.cross_attn.kv(enc).chunk(2, dim=-1))

    def forward(self, x, past_k, past_v, ck, cv, key_mask, need_attention=False):
        """x [B, T, D] new positions; past_k/v [B, h, t, d] or None; ck/cv [B, h, S, d]; key_mask [B, 1, 1, S].
        Returns x [B, T, D], all keys and values [B, h, t + T, d], and the cross-attention [B, h, T, S] or None."""
        p = self.p if self.training else 0.0
        h = self.ln1(x)
        q = self.heads(self.self_attn.q(h))                                                 # [B, h, T, d]
        k, v = (self.heads(t) for t in self.self_attn.kv(h).chunk(2, dim=-1))              # [B, h, T, d]
        past = 0 if past_k is None else past_k.size(2)
        if past:
            k, v = torch.cat([past_k, k], dim=2), torch.cat([past_v, v], dim=2)           # [B, h, t + T, d]
        T = x.size(1)
        if past == 0 or T == 1:  # the plain causal mask, or one new query that sees everything
            y = F.scaled_dot_product_attention(q, k, v, is_causal=past == 0 and T > 1, dropout_p=p)
        else:  # several new queries after a cache: query i sees keys 0 .. past + i
            mask = torch.arange(past + T, device=x.device) <= past + torch.arange(T, device=x.device)[:, None]
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)      # mask [T, t + T]
        x = x + self.drop(self.self_attn.proj(self.merge(y)))
        q = self.heads(self.cross_attn.q(self.ln2(x)))                                      # [B, h, T, d]
        weights = None
        if need_attention:  # explicit softmax over the source positions, padded ones exactly 0
            scores = (q @ ck.transpose(-2, -1)) / math.sqrt(q.size(-1))                     # [B, h, T, S]
            weights = scores.masked_fill(~key_mask, float("-inf")).softmax(dim=-1)
            y = F.dropout(weights, p, self.training) @ cv                                   # [B, h, T, d]
        else:
            y = F.scaled_dot_product_attention(q, ck, cv, attn_mask=key_mask, dropout_p=p)
        x = x + self.drop(self.cross_attn.proj(self.merge(y)))
        return x + self.mlp(self.ln3(x)), k, v, weights


class TransformerSeq2Seq(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = c = config
        self.tgt_embed = nn.Embedding(c.tgt_vocab, c.d_model, padding_idx=c.pad_id)
        self.src_embed = self.tgt_embed if c.share_embeddings else nn.Embedding(c.src_vocab, c.d_model,
                                                                                padding_idx=c.pad_id)
        if c.positions == "learned":
            self.pos = nn.Embedding(c.max_len, c.d_model)
        else:
            self.register_buffer("pos_table", sinusoids(c.max_len, c.d_model), persistent=False)
        self.drop = nn.Dropout(c.dropout)
        self.encoder = nn.ModuleList(Block(c) for _ in range(c.enc_layers))  # reads d_model, n_heads, d_ff, dropout
        self.enc_ln = nn.LayerNorm(c.d_model)
        self.decoder = nn.ModuleList(DecoderBlock(c) for _ in range(c.dec_layers))
        self.dec_ln = nn.LayerNorm(c.d_model)
        self.head = nn.Linear(c.d_model, c.tgt_vocab, bias=False)
        if c.tie_output:
            self.head.weight = self.tgt_embed.weight
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2's scaled init of the residual projections
            if name.endswith(("proj.weight", "net.2.weight")):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * (c.enc_layers + c.dec_layers)))
        with torch.no_grad():
            self.src_embed.weight[c.pad_id].zero_()
            self.tgt_embed.weight[c.pad_id].zero_()

    def _init(self, module):
        if isinstance(module, nn.Linear) and module.weight is not self.tgt_embed.weight:  # (not the tied head)
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            # std d**-0.75: the input token's own (tied) logit, about sqrt(d) |e|^2 / |x|, stays ~1 at any width
            # (fairseq's d**-0.5 makes it ~sqrt(d): 13 at d 256, which stalls training); scaled by sqrt(d) it is
            # d**-0.25 per dimension beside the sinusoids' ~0.7
            nn.init.normal_(module.weight, mean=0.0, std=self.config.d_model ** -0.75)

    def embed(self, table, ids, start=0):
        """ids [B, T] at positions start .. start + T - 1 -> [B, T, D]"""
        T = ids.size(1)
        if start + T > self.config.max_len:
            raise ValueError(f"{start + T} positions exceed max_len {self.config.max_len}")
        if self.config.positions == "learned":
            pos = self.pos(torch.arange(start, start + T, device=ids.device))              # [T, D]
        else:
            pos = self.pos_table[start:start + T]                                           # [T, D]
        return self.drop(table(ids) * math.sqrt(self.config.d_model) + pos)

    def encode(self, src, src_lengths):
        """src [B, S] padded ids, src_lengths [B] -> memory {"enc": [B, S, D], "mask": [B, S] True = real}."""
        lengths = src_lengths.to(src.device).clamp(min=1)  # an empty source attends to its first (pad) position
        mask = torch.arange(src.size(1), device=src.device) < lengths[:, None]             # [B, S]
        x = self.embed(self.src_embed, src)                                                 # [B, S, D]
        for block in self.encoder:
            x = block(x, mask)
        return {"enc": self.enc_ln(x), "mask": mask}

    def decode(self, tgt_in, memory, state=None, need_attention=False):
        """tgt_in [B, T]: the whole prefix (state None) or the new tokens after the state's positions.
        Returns logits [B, T, V], the new state, and (need_attention) the last layer's cross-attention averaged
        over heads [B, T, S], else None."""
        if state is None:
            enc, mask = memory["enc"], memory["mask"]
            kv = [block.memory_kv(enc) for block in self.decoder]
            copy = (enc[1:] == enc[:-1]).flatten(1).all(1) & (mask[1:] == mask[:-1]).all(1)  # [B-1] row i+1 == i
            group = torch.cat([copy.new_zeros(1), ~copy]).long().cumsum(0)  # [B] rows with one memory: one group
            state = {"k": [None] * len(self.decoder), "v": [None] * len(self.decoder),
                     "ck": [k for k, _ in kv], "cv": [v for _, v in kv], "mask": mask, "group": group}
        start = 0 if state["k"][0] is None else state["k"][0].size(2)
        key_mask = state["mask"][:, None, None, :]                                          # [B, 1, 1, S]
        x = self.embed(self.tgt_embed, tgt_in, start)                                       # [B, T, D]
        new = {**state, "k": [], "v": []}
        weights = None
        for i, block in enumerate(self.decoder):
            last = need_attention and i == len(self.decoder) - 1
            x, k, v, weights = block(x, state["k"][i], state["v"][i], state["ck"][i], state["cv"][i], key_mask, last)
            new["k"].append(k)
            new["v"].append(v)
        attention = weights.mean(dim=1) if need_attention else None                         # [B, T, S]
        return self.head(self.dec_ln(x)), new, attention                                    # [B, T, V]

    @staticmethod
    def reorder(state, index):
        """Keep rows `index` [rows] of every cached tensor, in that order. The memory's part (cross-attention
        keys/values, mask) is kept as it is when every row gets a row of the same memory group (beam search)."""
        index = index.to(state["group"].device)
        pick = lambda t: t.index_select(0, index)  # noqa: E731
        same = torch.equal(state["group"][index], state["group"])
        return {name: value if same and name in ("ck", "cv", "mask", "group") else
                [pick(t) for t in value] if isinstance(value, list) else pick(value) for name, value in state.items()}

    def forward(self, src, src_lengths, tgt_in):
        """Teacher forcing: src [B, S], src_lengths [B], tgt_in [B, T] -> logits [B, T, V]."""
        return self.decode(tgt_in, self.encode(src, src_lengths))[0]

