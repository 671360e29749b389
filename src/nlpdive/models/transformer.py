"""A small Transformer encoder (nanoGPT-style pre-LayerNorm blocks with F.scaled_dot_product_attention) and a
classifier on top of it. `Attention` also does cross-attention (pass `kv`) and causal masking, so a seq2seq
Transformer can build its decoder from the same parts.

Masks are boolean with True = a real token; padded keys are never attended to.
"""
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from nlpdive.models.rnn import Pool


@dataclass
class TransformerConfig:
    vocab_size: int
    max_len: int = 512
    d_model: int = 128
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 512
    dropout: float = 0.1
    pad_id: int = 0
    freeze_embeddings: bool = False


class Attention(nn.Module):
    def __init__(self, d_model, n_heads, dropout):
        super().__init__()
        assert d_model % n_heads == 0, "d_model must be divisible by n_heads"
        self.n_heads, self.dropout = n_heads, dropout
        self.q = nn.Linear(d_model, d_model)
        self.kv = nn.Linear(d_model, 2 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x, kv=None, key_mask=None, causal=False):
        """x [B, T, D] queries; kv [B, S, D] keys/values (default x); key_mask [B, S] -> [B, T, D]."""
        kv = x if kv is None else kv
        B, T, D = x.shape
        heads = lambda t: t.view(B, t.size(1), self.n_heads, D // self.n_heads).transpose(1, 2)  # noqa: E731
        q = heads(self.q(x))  # [B, h, T, d]
        k, v = (heads(t) for t in self.kv(kv).chunk(2, dim=-1))  # [B, h, S, d] each
        mask = None if key_mask is None else key_mask[:, None, None, :]  # [B, 1, 1, S]
        if causal and mask is not None:
            mask = mask & torch.ones(T, kv.size(1), dtype=torch.bool, device=x.device).tril()
            causal = False
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal,
                                           dropout_p=self.dropout if self.training else 0.0)  # [B, h, T, d]
        return self.proj(y.transpose(1, 2).reshape(B, T, D))


class MLP(nn.Module):
    def __init__(self, d_model, d_ff, dropout):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model), nn.Dropout(dropout))

    def forward(self, x):
        return self.net(x)


class Block(nn.Module):
    """Pre-LN encoder block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config):
        super().__init__()
        self.ln1 = nn.LayerNorm(config.d_model)
        self.attn = Attention(config.d_model, config.n_heads, config.dropout)
        self.ln2 = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config.d_model, config.d_ff, config.dropout)
        self.drop = nn.Dropout(config.dropout)

    def forward(self, x, mask=None, causal=False):
        x = x + self.drop(self.attn(self.ln1(x), key_mask=mask, causal=causal))  # [B, T, D]
        return x + self.mlp(self.ln2(x))


class TransformerEncoder(nn.Module):
    """Token + learned position embeddings, n_layers blocks, final LayerNorm: ids [B, T], mask [B, T] -> [B, T, D]."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.d_model, padding_idx=config.pad_id)
        self.embed.weight.requires_grad_(not config.freeze_embeddings)
        self.pos = nn.Embedding(config.max_len, config.d_model)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.ln = nn.LayerNorm(config.d_model)

    def forward(self, ids, mask=None):
        pos = torch.arange(ids.size(1), device=ids.device)  # [T]
        x = self.drop(self.embed(ids) + self.pos(pos))  # [B, T, D]
        for block in self.blocks:
            x = block(x, mask)
        return self.ln(x)


@dataclass
class TransformerClassifierConfig(TransformerConfig):
    n_classes: int = 2
    pooling: str = "mean"  # max | mean | attention


class TransformerClassifier(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.encoder = TransformerEncoder(config)
        self.pool = Pool(config.pooling, config.d_model)
        self.head = nn.Linear(config.d_model, config.n_classes)

    @property
    def embed(self):  # the same attribute as the other classifiers' (pretrained vectors go here)
        return self.encoder.embed

    def forward(self, ids, lengths):
        """ids [B, T] token ids (padded, T <= max_len), lengths [B] -> logits [B, C]."""
        mask = torch.arange(ids.size(1), device=ids.device) < lengths.to(ids.device).clamp(min=1).unsqueeze(1)
        return self.head(self.pool(self.encoder(ids, mask), mask))  # [B, C]
