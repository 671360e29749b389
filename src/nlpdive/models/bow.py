"""The talk's bag-of-words classifier: an MLP on a count / binary / tf-idf vector of words and n-grams.

The first layer is an `nn.EmbeddingBag(mode="sum")`: the same maths as `nn.Linear` applied to the sparse vector
(sum over present features of value * weight row), but it only touches the rows of the features a text contains,
so it stays fast with millions of n-gram features (the fastText / NBSVM regime). `forward` also takes a dense
[B, F] matrix, the form the talk feeds its `nn.Linear` MLP.

`feature_weight` (a buffer, saved with the weights) scales every feature value: ones, idf, or the
Naive-Bayes log-count ratio of Wang & Manning (2012) that turns logistic regression into NBSVM. With
`normalize`, each text's scaled vector is then divided by its L2 norm (as tf-idf does), so long and short texts
give logits on one scale; that is what lets plain Adam match a tuned NBSVM on IMDB.

With `embed_dim` > 0 the model also reads pretrained word vectors (fastText's `-pretrainedVectors`, or Wang &
Manning's features plus a dense view): the mean of the vectors of the text's words (its unigram features that
have a vector, `word_of_feature` maps feature id -> vector row) goes through its own linear layer and is added to
the n-gram part. Sparse n-grams catch rare, exact cues; the vectors generalise over words the labels rarely show.
"""
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class BagOfWordsConfig:
    n_features: int
    n_classes: int = 2
    hidden: int = 0  # 0: a linear model (logistic regression on the features); > 0: one hidden ReLU layer
    dropout: float = 0.0
    normalize: bool = False  # L2-normalise each text's (scaled) feature vector
    embed_dim: int = 0  # > 0: add the mean of the text's word vectors (a table of n_words rows)
    n_words: int = 0
    freeze_embeddings: bool = True


class BagOfWordsClassifier(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        width = config.hidden or config.n_classes
        self.bag = nn.EmbeddingBag(config.n_features, width, mode="sum")  # weight [F, width]
        nn.init.normal_(self.bag.weight, std=0.01)
        self.bias = nn.Parameter(torch.zeros(width))
        self.register_buffer("feature_weight", torch.ones(config.n_features))
        self.head = nn.Identity()
        if config.hidden:
            self.head = nn.Sequential(nn.ReLU(), nn.Dropout(config.dropout), nn.Linear(config.hidden, config.n_classes))
        if config.embed_dim:
            # row n_words is the zero row of features without a vector (n-grams, unknown words)
            self.register_buffer("word_of_feature", torch.full((config.n_features,), config.n_words))
            self.words = nn.Embedding(config.n_words + 1, config.embed_dim, padding_idx=config.n_words)
            self.words.weight.requires_grad_(not config.freeze_embeddings)
            self.word_proj = nn.Linear(config.embed_dim, width, bias=False)

    def forward(self, ids, offsets=None, values=None):
        """Sparse: ids [N] feature ids of all texts, offsets [B] start of each text, values [N] -> logits [B, C].
        Dense: ids is a [B, F] feature matrix -> logits [B, C]."""
        if offsets is None:
            x = ids * self.feature_weight  # [B, F]
            h, sq = x @ self.bag.weight, (x ** 2).sum(1)  # [B, width], [B]
            if self.config.embed_dim:
                has = (ids != 0) & (self.word_of_feature < self.config.n_words)  # [B, F] words with a vector
                v = has.float() @ self.words(self.word_of_feature) / has.sum(1, keepdim=True).clamp(min=1)  # [B, E]
        else:
            values = values * self.feature_weight[ids]  # [N]
            h = self.bag(ids, offsets, per_sample_weights=values)  # [B, width]
            lengths = torch.diff(offsets, append=offsets.new_tensor([values.numel()]))  # [B]
            sq = torch.segment_reduce(values ** 2, "sum", lengths=lengths)  # [B]
            if self.config.embed_dim:
                rows = self.word_of_feature[ids]  # [N]
                n = torch.segment_reduce((rows < self.config.n_words).float(), "sum", lengths=lengths)  # [B]
                v = nn.functional.embedding_bag(rows, self.words.weight, offsets, mode="sum",
                                                padding_idx=self.config.n_words) / n.clamp(min=1).unsqueeze(1)
        if self.config.normalize:  # the bag is linear: dividing its output = dividing the values by their norm
            h = h / sq.sqrt().clamp(min=1e-12).unsqueeze(1)
        if self.config.embed_dim:
            h = h + self.word_proj(nn.functional.normalize(v, dim=1))  # v [B, E]: the mean vector of the text's words
        return self.head(h + self.bias)
