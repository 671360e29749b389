"""A GPT-style decoder in the manner of nanoGPT's model.py: pre-LayerNorm blocks, causal
F.scaled_dot_product_attention, rotary or learned positions, tied input/output embeddings, and a KV cache so
sampling costs one token's work per step.

    model = GPT(GPTConfig(vocab_size=65))
    logits, cache = model(idx)                       # idx [B, T] -> logits [B, T, V]; cache for T tokens
    logits, cache = model(next_ids, cache=cache)     # next_ids [B, 1]: attends to the cached keys and values
"""
import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class GPTConfig:
    vocab_size: int
    block_size: int = 128       # longest context, in tokens
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False          # biases in Linear and LayerNorm layers
    positions: str = "rotary"   # "rotary" (RoPE on queries and keys) or "learned" (an embedding per position)
    tie_weights: bool = True    # the output layer shares the token embedding

    def __post_init__(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd {self.n_embd} is not divisible by n_head {self.n_head}")
        if self.positions not in ("rotary", "learned"):
            raise ValueError(f"positions must be 'rotary' or 'learned', not {self.positions!r}")
        if self.positions == "rotary" and (self.n_embd // self.n_head) % 2:
            raise ValueError("rotary positions need an even head size")


class KVCache:
    """Keys and values of the tokens seen so far, per layer, preallocated for `block_size` positions."""

    def __init__(self, cfg, batch, device, dtype):
        shape = (batch, cfg.n_head, cfg.block_size, cfg.n_embd // cfg.n_head)
        self.k = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(cfg.n_layer)]
        self.v = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(cfg.n_layer)]
        self.length = 0  # positions filled

    def update(self, layer, k, v):
        """Store k, v [B, h, T, d] after the filled positions; returns all keys and values so far."""
        start, end = self.length, self.length + k.size(2)
        self.k[layer][:, :, start:end] = k
        self.v[layer][:, :, start:end] = v
        return self.k[layer][:, :, :end], self.v[layer][:, :, :end]


def rotary_tables(head_size, length, base=10000.0):
    """cos, sin [length, head_size / 2] for rotary position embeddings."""
    inv = 1.0 / base ** (torch.arange(0, head_size, 2).float() / head_size)
    angles = torch.outer(torch.arange(length).float(), inv)
    return angles.cos(), angles.sin()


def rotate(x, cos, sin):
    """x [B, h, T, d] rotated by position: cos, sin [T, d / 2]."""
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head, self.dropout = cfg.n_head, cfg.dropout
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, rope=None, cache=None, layer=0):
        """x [B, T, C] -> [B, T, C]; rope = (cos, sin) [T, d / 2] for these positions."""
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.n_head, C // self.n_head).permute(2, 0, 3, 1, 4)  # [B, h, T, d]
        if rope is not None:
            q, k = rotate(q, *rope), rotate(k, *rope)
        causal = True
        if cache is not None:
            past = cache.length
            k, v = cache.update(layer, k, v)  # [B, h, past + T, d]
            if past:  # new queries see every cached key; a single query needs no mask
                causal = False
                assert T == 1, "after the prompt, feed the cache one token at a time"
        y = F.scaled_dot_product_attention(q, k, v, is_causal=causal,
                                           dropout_p=self.dropout if self.training else 0.0)
        y = self.proj(y.transpose(1, 2).reshape(B, T, C))
        return self.drop(y) if self.dropout else y  # (no module call at all when there is no dropout: sampling
                                                    # one token costs a few dozen calls, each one counts)


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias)
        self.proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x):
        y = self.proj(F.gelu(self.fc(x)))
        return self.drop(y) if self.drop.p else y


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.mlp = MLP(cfg)

    def forward(self, x, rope=None, cache=None, layer=0):
        x = x + self.attn(self.ln1(x), rope, cache, layer)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.pos = nn.Embedding(cfg.block_size, cfg.n_embd) if cfg.positions == "learned" else None
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        if cfg.tie_weights:
            self.head.weight = self.tok.weight
        if cfg.positions == "rotary":
            cos, sin = rotary_tables(cfg.n_embd // cfg.n_head, cfg.block_size)
            self.register_buffer("rope_cos", cos, persistent=False)
            self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2's scaled init of the residual projections
            if name.endswith("proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def new_cache(self, batch):
        p = self.tok.weight
        return KVCache(self.config, batch, p.device, p.dtype)

    def forward(self, idx, cache=None):
        """idx [B, T] token ids (after the `cache.length` cached ones) -> logits [B, T, V], cache."""
        B, T = idx.shape
        start = cache.length if cache is not None else 0
        if start + T > self.config.block_size:
            raise ValueError(f"{start + T} positions exceed block_size {self.config.block_size}")
        x = self.tok(idx)  # [B, T, C]
        rope = None
        if self.pos is not None:
            x = x + self.pos(torch.arange(start, start + T, device=idx.device))
        else:
            rope = self.rope_cos[start:start + T], self.rope_sin[start:start + T]
        if self.config.dropout:
            x = self.drop(x)
        for i, block in enumerate(self.blocks):
            x = block(x, rope, cache, i)
        if cache is not None:
            cache.length += T
        return self.head(self.ln_f(x)), cache  # [B, T, V]

    def param_groups(self, weight_decay):
        """AdamW groups: weight matrices decay; biases, norms and embeddings do not."""
        decay = [p for n, p in self.named_parameters() if p.dim() >= 2 and not n.startswith(("tok", "pos"))]
        rest = [p for n, p in self.named_parameters() if not (p.dim() >= 2 and not n.startswith(("tok", "pos")))]
        return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]
