"""Kim (2014) convolutional sentence classifier: parallel 1-D convolutions of widths 3, 4, 5 over the word
embeddings, ReLU, max over time, dropout, linear. Windows that would run into padding are masked out, so a
sentence gets the same logits however much padding its batch adds."""
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class CNNConfig:
    vocab_size: int
    n_classes: int = 2
    embed_dim: int = 128
    kernel_sizes: tuple = (3, 4, 5)
    channels: int = 100
    dropout: float = 0.5
    pad_id: int = 0
    freeze_embeddings: bool = False


class CNNClassifier(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.embed_dim, padding_idx=config.pad_id)
        self.embed.weight.requires_grad_(not config.freeze_embeddings)
        self.convs = nn.ModuleList(nn.Conv1d(config.embed_dim, config.channels, k) for k in config.kernel_sizes)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.channels * len(config.kernel_sizes), config.n_classes)

    def forward(self, ids, lengths):
        """ids [B, T] token ids (padded), lengths [B] -> logits [B, C]."""
        x = self.embed(ids).transpose(1, 2)  # [B, E, T]
        x = F.pad(x, (0, max(0, max(self.config.kernel_sizes) - x.size(2))))  # at least one window per width
        lengths = lengths.to(ids.device).unsqueeze(1)  # [B, 1]
        feats = []
        for conv, k in zip(self.convs, self.config.kernel_sizes):
            c = F.relu(conv(x))  # [B, K, T - k + 1]
            start = torch.arange(c.size(2), device=ids.device)
            inside = start < (lengths - k + 1).clamp(min=1)  # [B, T - k + 1]: window ends inside the text
            feats.append(c.masked_fill(~inside.unsqueeze(1), float("-inf")).max(dim=2).values)  # [B, K]
        return self.head(self.drop(torch.cat(feats, dim=1)))
