"""word2vec (Mikolov et al. 2013): skip-gram or CBOW with negative sampling.

Two embedding tables: `inp` (the word vectors users keep) and `out` (the "context" vectors the
logistic classifier scores against). For a pair (input word a, output word p) and negatives n_1..n_K:

    loss = -log sigmoid(inp[a] . out[p]) - sum_k log sigmoid(-inp[a] . out[n_k])

`forward` computes that loss (autograd-friendly, for teaching and tests). `sgd_step` is the fast path the
trainer uses: the same gradient written out by hand and applied sparsely with `index_add_`, word2vec-style
(plain SGD). A word repeated n times in a batch gets its n updates summed, all computed from the same stale
vectors: word2vec.c applies them one by one, each seeing the last. On a big vocabulary n is small; on a tiny one
(or with huge batches) n runs into the hundreds and the sum overshoots to inf/NaN. So a row's summed learning rate
lr * n is capped at `max_rate`: its summed update is scaled by min(1, max_rate / (lr * n)). On a big corpus this
touches only the few most frequent words ("the", ",") and only while lr is high. Negatives are
shared by groups of consecutive pairs, so scoring them is one batched matmul instead of a gather per pair.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


MAX_RATE = 0.5  # the summed learning rate one row may take in one step (see the module docstring)


def repeat_scale(ids, max_repeats):
    """[N] row ids -> [N] factors min(1, max_repeats / n), n = how often each id occurs in `ids`."""
    counts = torch.bincount(ids).index_select(0, ids)  # [N]
    return (max_repeats / counts).clamp_(max=1)


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
    def sgd_step(self, inputs, outputs, negatives, lr, max_rate=MAX_RATE):
        """One plain-SGD step on the loss above, summed over the batch (a row repeated n > max_rate / lr times
        moves by max_rate / lr times its mean update); returns the batch loss (mean)."""
        W_in, W_out = self.inp.weight, self.out.weight
        max_repeats = max_rate / lr
        skipgram = inputs.dim() == 1
        groups, k = negatives.shape
        h = self.hidden(inputs)  # [B, D]
        o = W_out.index_select(0, outputs)  # [B, D]  (index_select: ~4x faster than W_out[outputs] on CPU)
        n = W_out.index_select(0, negatives.view(-1)).view(groups, k, -1)  # [G, K, D]
        hg = h.view(groups, -1, h.shape[-1])  # [G, B/G, D]
        pos = (h * o).sum(-1)  # [B]
        neg = torch.bmm(hg, n.transpose(1, 2))  # [G, B/G, K]
        g_pos = torch.sigmoid(pos).neg_().add_(1).mul_(lr)  # [B]  lr * d log-likelihood / d score
        g_neg = torch.sigmoid(neg).mul_(-lr)  # [G, B/G, K]
        # the row scales multiply the small per-pair factors, not the [rows, D] updates
        s_out = repeat_scale(torch.cat([outputs, negatives.view(-1)]), max_repeats)  # [B + G*K]
        W_out.index_add_(0, outputs, (g_pos * s_out[:len(outputs)])[:, None] * h)
        g_neg_out = g_neg * s_out[len(outputs):].view(groups, 1, k)  # [G, B/G, K]
        W_out.index_add_(0, negatives.view(-1), torch.bmm(g_neg_out.transpose(1, 2), hg).view(groups * k, -1))
        # skip-gram: h's rows are W_in's rows, so their scales go in here; CBOW scales each context word below
        s_h = repeat_scale(inputs, max_repeats).view(groups, -1, 1) if skipgram else 1.0  # [G, B/G, 1]
        grad_h = torch.baddbmm(g_pos.view(groups, -1, 1) * s_h * o.view_as(hg), g_neg * s_h, n).view_as(h)  # [B, D]
        if skipgram:
            W_in.index_add_(0, inputs, grad_h)
        else:  # CBOW: every context word gets the hidden-layer gradient (word2vec.c's cbow_mean)
            where = (inputs != self.config.vocab_size).reshape(-1).nonzero().squeeze(1)  # [N] non-padding slots
            ids = inputs.reshape(-1).index_select(0, where)  # [N] context words
            grad = grad_h.index_select(0, where // inputs.shape[1])  # [N, D] their centre's gradient
            W_in.index_add_(0, ids, grad * repeat_scale(ids, max_repeats)[:, None])
        loss = F.softplus(-pos).sum() + F.softplus(neg).sum()
        return loss.item() / len(outputs)
