"""Recurrent classifier (the talk's GRU sentiment model, grown up): RNN, LSTM or GRU, stacked, optionally
bidirectional, over packed sequences so padding never reaches the cell; the sequence is summarised by the final
hidden state ("last") or by pooling the outputs over time ("max", "mean", "attention").

`Pool` (masked pooling over time) is shared with the CNN and Transformer classifiers.
"""
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class Pool(nn.Module):
    """Masked pooling over time: h [B, T, D], mask [B, T] (True = real token) -> [B, D]."""

    def __init__(self, how, dim):
        super().__init__()
        if how not in ("max", "mean", "attention"):
            raise ValueError(f"unknown pooling {how!r}")
        self.how = how
        self.score = nn.Linear(dim, 1) if how == "attention" else None

    def forward(self, h, mask):
        m = mask.unsqueeze(-1)  # [B, T, 1]
        if self.how == "max":
            return h.masked_fill(~m, float("-inf")).max(dim=1).values
        if self.how == "mean":
            return (h * m).sum(1) / m.sum(1).clamp(min=1)
        scores = self.score(h).masked_fill(~m, float("-inf"))  # [B, T, 1]
        return (scores.softmax(dim=1) * h).sum(1)


@dataclass
class RNNConfig:
    vocab_size: int
    n_classes: int = 2
    cell: str = "gru"  # rnn | lstm | gru
    embed_dim: int = 128
    hidden: int = 128
    layers: int = 1
    bidirectional: bool = True  # bi-GRU + max pooling: the best of benchmarks/classify.py (docs/benchmarks.md)
    pooling: str = "max"  # last | max | mean | attention
    dropout: float = 0.0
    pad_id: int = 0
    freeze_embeddings: bool = False


class RNNClassifier(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.cell not in CELLS:
            raise ValueError(f"unknown cell {config.cell!r}; choose from {', '.join(CELLS)}")
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.embed_dim, padding_idx=config.pad_id)
        self.embed.weight.requires_grad_(not config.freeze_embeddings)
        self.rnn = CELLS[config.cell](config.embed_dim, config.hidden, num_layers=config.layers, batch_first=True,
                                      bidirectional=config.bidirectional,
                                      dropout=config.dropout if config.layers > 1 else 0.0)
        width = config.hidden * (2 if config.bidirectional else 1)
        self.pool = None if config.pooling == "last" else Pool(config.pooling, width)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(width, config.n_classes)

    def forward(self, ids, lengths):
        """ids [B, T] token ids (padded), lengths [B] -> logits [B, C]."""
        x = self.drop(self.embed(ids))  # [B, T, E]
        packed = pack_padded_sequence(x, lengths.cpu().clamp(min=1), batch_first=True, enforce_sorted=False)
        out, h = self.rnn(packed)
        if self.pool is None:
            h = h[0] if isinstance(h, tuple) else h  # LSTM returns (h, c); h [layers * dirs, B, H]
            dirs = 2 if self.config.bidirectional else 1
            summary = torch.cat(list(h[-dirs:]), dim=-1)  # last layer, both directions: [B, dirs * H]
        else:
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.size(1))  # [B, T, dirs * H]
            mask = torch.arange(ids.size(1), device=ids.device) < lengths.to(ids.device).unsqueeze(1)  # [B, T]
            summary = self.pool(out, mask)
        return self.head(self.drop(summary))
