"""word2vec (Mikolov et al. 2013): skip-gram or CBOW with negative sampling.

Two embedding tables: `inp` (the word vectors users keep) and `out` (the "context" vectors the
logistic classifier scores against). For a pair (input word a, output word p) and negatives n_1..n_K:

    loss = -log sigmoid(inp[a] . out[p]) - sum_k log sigmoid(-inp[a] . out[n_k])

`forward` computes that loss (autograd-friendly, for teaching and tests). `sgd_step` is the fast path the
trainer uses: the same gradient written out by hand and applied sparsely with `index_add_`, word2vec-style
(plain SGD, gradients of repeated words in a batch summed, so batches stay modest: ~2k pairs). Negatives are
shared by groups of consecutive pairs, so scoring them is one batched matmul instead of a gather per pair.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Word2VecConfig:
    vocab_size: int
    dim: int = 100
    cbow: bool = False


class Word2Vec(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.inp = nn.Embedding(config.vocab_size + 1, config.dim, padding_idx=config.vocab_size)  # last row: CBOW pad
        self.out = nn.Embedding(config.vocab_size, config.dim)
        with torch.no_grad():  # word2vec's initialisation
            self.inp.weight.uniform_(-0.5 / config.dim, 0.5 / config.dim)
            self.inp.weight[config.vocab_size].zero_()
            self.out.weight.zero_()

    @property
    def vectors(self):
        return self.inp.weight[:-1]  # [V, D]

    def hidden(self, inputs):
        """inputs: [B] word ids (skip-gram) or [B, C] context ids padded with vocab_size (CBOW) -> [B, D]."""
        if inputs.dim() == 1:
            return self.inp(inputs)
        count = (inputs != self.config.vocab_size).sum(1, keepdim=True).clamp(min=1)  # [B, 1]
        return self.inp(inputs).sum(1) / count

    def forward(self, inputs, outputs, negatives):
        """inputs [B] or [B, C], outputs [B], negatives [B/group, K] -> mean loss (scalar)."""
        h = self.hidden(inputs)  # [B, D]
        pos = (h * self.out(outputs)).sum(-1)  # [B]
        groups, _ = negatives.shape
        neg = torch.bmm(h.view(groups, -1, h.shape[-1]), self.out(negatives).transpose(1, 2))  # [G, B/G, K]
        return -(F.logsigmoid(pos).sum() + F.logsigmoid(-neg).sum()) / len(outputs)

    @torch.no_grad()
    def sgd_step(self, inputs, outputs, negatives, lr):
        """One plain-SGD step on the loss above, summed over the batch; returns the batch loss (mean)."""
        W_in, W_out = self.inp.weight, self.out.weight
        groups, k = negatives.shape
        h = self.hidden(inputs)  # [B, D]
        o = W_out[outputs]  # [B, D]
        n = W_out[negatives.view(-1)].view(groups, k, -1)  # [G, K, D]
        hg = h.view(groups, -1, h.shape[-1])  # [G, B/G, D]
        pos = (h * o).sum(-1)  # [B]
        neg = torch.bmm(hg, n.transpose(1, 2))  # [G, B/G, K]
        g_pos = torch.sigmoid(pos).neg_().add_(1).mul_(lr)  # [B]  lr * d log-likelihood / d score
        g_neg = torch.sigmoid(neg).mul_(-lr)  # [G, B/G, K]
        grad_h = torch.baddbmm(g_pos.view(groups, -1, 1) * o.view_as(hg), g_neg, n).view_as(h)  # [B, D]
        W_out.index_add_(0, outputs, g_pos[:, None] * h)
        W_out.index_add_(0, negatives.view(-1), torch.bmm(g_neg.transpose(1, 2), hg).view(groups * k, -1))
        if inputs.dim() == 1:
            W_in.index_add_(0, inputs, grad_h)
        else:  # CBOW: every context word gets the hidden-layer gradient (word2vec.c's cbow_mean)
            mask = inputs != self.config.vocab_size  # [B, C]
            W_in.index_add_(0, inputs[mask], grad_h.unsqueeze(1).expand(*inputs.shape, -1)[mask])
        loss = F.softplus(-pos).sum() + F.softplus(neg).sum()
        return loss.item() / len(outputs)
