"""The talk's GRU encoder-decoder with attention (Bahdanau et al. 2015, in the manner of bentrevett/pytorch-seq2seq
notebook 3), with Luong et al. 2015's "dot" and "general" attention as options.

The encoder is a packed (bi)GRU: padding never reaches the cell. Bidirectional encoders use hidden // 2 units per
direction, so the encoder's outputs are always `hidden` wide (what Luong's dot score needs). The decoder starts
from tanh(Linear([final forward; final backward])) of the encoder's top layer.

    memory = model.encode(src, src_lengths)                     # src [B, S], src_lengths [B]
    logits, state, _ = model.decode(tgt_in, memory)             # the whole target prefix [B, T] at once
    logits, state, _ = model.decode(next_ids, memory, state)    # next_ids [B, 1]: continues from `state`

`memory` is a dict of batch-first tensors (beam search may repeat_interleave each along dim 0): "enc" [B, S, H]
the encoder's outputs, "keys" [B, S, K] what queries are scored against (W_k enc for bahdanau, W_a enc for
general, enc itself for dot), "mask" [B, S] True on real tokens and "init" [B, dec_layers, H] the decoder's
first hidden state. The decoder state is the GRU's hidden state, a tensor [dec_layers, B, H] (batch is dim 1).

Bahdanau attends with the previous decoder state, so it steps through the target one token at a time (one nn.GRU
call per step, the output layer once over all steps). Luong attends with the current GRU output and feeds no
attentional vector back, so the GRU runs over the whole target in one call.
"""
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ATTENTIONS = ("bahdanau", "dot", "general")


@dataclass
class GRUSeq2SeqConfig:
    src_vocab: int
    tgt_vocab: int
    emb: int = 256
    hidden: int = 512               # decoder size; a bidirectional encoder has hidden // 2 per direction
    enc_layers: int = 1
    dec_layers: int = 1
    bidirectional: bool = True
    attention: str = "bahdanau"     # bahdanau (additive, previous state) | dot | general (Luong, current output)
    dropout: float = 0.3            # on embeddings, between stacked GRU layers and before the output layer
    share_embeddings: bool = False  # one embedding for source and target (needs src_vocab == tgt_vocab)
    tie_output: bool = False        # the output layer shares the target embedding (through a projection to emb)
    pad_id: int = 0

    def __post_init__(self):
        for name in ("src_vocab", "tgt_vocab", "emb", "hidden", "enc_layers", "dec_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        if self.attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {', '.join(ATTENTIONS)}, not {self.attention!r}")
        if self.bidirectional and self.hidden % 2:
            raise ValueError(f"a bidirectional encoder needs an even hidden size (hidden // 2 per direction), "
                             f"not {self.hidden}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout!r}")
        if self.share_embeddings and self.src_vocab != self.tgt_vocab:
            raise ValueError(f"share_embeddings needs src_vocab == tgt_vocab, not {self.src_vocab} and "
                             f"{self.tgt_vocab}")
        if not 0 <= self.pad_id < min(self.src_vocab, self.tgt_vocab):
            raise ValueError(f"pad_id {self.pad_id} is outside the vocabularies")


class GRUSeq2Seq(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        H, E, bahdanau = cfg.hidden, cfg.emb, cfg.attention == "bahdanau"
        self.src_embed = nn.Embedding(cfg.src_vocab, E, padding_idx=cfg.pad_id)
        self.tgt_embed = self.src_embed if cfg.share_embeddings else nn.Embedding(cfg.tgt_vocab, E,
                                                                                  padding_idx=cfg.pad_id)
        self.drop = nn.Dropout(cfg.dropout)
        dirs = 2 if cfg.bidirectional else 1
        self.encoder = nn.GRU(E, H // dirs, num_layers=cfg.enc_layers, batch_first=True,
                              bidirectional=cfg.bidirectional, dropout=cfg.dropout if cfg.enc_layers > 1 else 0.0)
        self.bridge = nn.Linear(H, cfg.dec_layers * H)  # [final fwd; final bwd] -> the decoder's first hidden state
        self.decoder = nn.GRU(E + H if bahdanau else E, H, num_layers=cfg.dec_layers, batch_first=True,
                              dropout=cfg.dropout if cfg.dec_layers > 1 else 0.0)
        if bahdanau:  # score = v . tanh(W_q s + W_k enc)
            self.key = nn.Linear(H, H, bias=False)
            self.query = nn.Linear(H, H)
            self.v = nn.Linear(H, 1, bias=False)
            features = H + H + E  # [gru_out; context; emb]
        else:
            self.key = nn.Linear(H, H, bias=False) if cfg.attention == "general" else None  # score = h . W_a enc
            self.combine = nn.Linear(2 * H, H, bias=False)  # h~ = tanh(W_c [context; h])
            features = H
        self.pre = nn.Linear(features, E) if cfg.tie_output and features != E else None
        self.out = nn.Linear(E if cfg.tie_output else features, cfg.tgt_vocab)
        if cfg.tie_output:
            self.out.weight = self.tgt_embed.weight

    def encode(self, src, src_lengths):
        """src [B, S] (padded with pad_id), src_lengths [B] (>= 1) -> memory, a dict of batch-first tensors."""
        B, S = src.shape
        x = self.drop(self.src_embed(src))  # [B, S, E]
        packed = pack_padded_sequence(x, src_lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h = self.encoder(packed)  # h [enc_layers * dirs, B, H // dirs]
        enc, _ = pad_packed_sequence(out, batch_first=True, total_length=S)  # [B, S, H]
        dirs = 2 if self.config.bidirectional else 1
        final = torch.cat(list(h[-dirs:]), dim=-1)  # the top layer, both directions: [B, H]
        init = torch.tanh(self.bridge(final)).view(B, self.config.dec_layers, self.config.hidden)
        mask = torch.arange(S, device=src.device) < src_lengths.to(src.device).unsqueeze(1)  # [B, S]
        keys = enc if self.key is None else self.key(enc)  # [B, S, H]
        return {"enc": enc, "keys": keys, "mask": mask, "init": init}

    def decode(self, tgt_in, memory, state=None, need_attention=False):
        """tgt_in [B, T] (the new tokens after `state`, or the whole prefix from the start token when state is
        None) -> logits [B, T, V], state [dec_layers, B, H], attention [B, T, S] or None."""
        if state is None:
            state = memory["init"].transpose(0, 1).contiguous()  # [L, B, H]
        emb = self.drop(self.tgt_embed(tgt_in))  # [B, T, E]
        if self.config.attention == "bahdanau":
            features, state, attn = self._bahdanau(emb, memory, state)
        else:
            features, state, attn = self._luong(emb, memory, state)
        features = self.drop(features)
        if self.pre is not None:
            features = self.pre(features)
        return self.out(features), state, (attn if need_attention else None)

    def _attend(self, scores, memory):
        """scores [B, T, S] -> weights [B, T, S] (exactly 0 on padding), context [B, T, H]."""
        weights = scores.masked_fill(~memory["mask"].unsqueeze(1), float("-inf")).softmax(dim=-1)
        return weights, weights @ memory["enc"]

    def _bahdanau(self, emb, memory, state):
        keys = memory["keys"]  # [B, S, H], W_k enc computed once per source
        outs, contexts, weights = [], [], []
        for t in range(emb.size(1)):
            scores = self.v(torch.tanh(self.query(state[-1]).unsqueeze(1) + keys)).transpose(1, 2)  # [B, 1, S]
            a, context = self._attend(scores, memory)  # [B, 1, S], [B, 1, H]
            out, state = self.decoder(torch.cat((emb[:, t:t + 1], context), dim=-1), state)  # out [B, 1, H]
            outs.append(out)
            contexts.append(context)
            weights.append(a)
        features = torch.cat((torch.cat(outs, 1), torch.cat(contexts, 1), emb), dim=-1)  # [B, T, 2H + E]
        return features, state, torch.cat(weights, 1)

    def _luong(self, emb, memory, state):
        out, state = self.decoder(emb, state)  # [B, T, H]: no input feeding, so one call for the whole target
        a, context = self._attend(out @ memory["keys"].transpose(1, 2), memory)  # [B, T, S], [B, T, H]
        return torch.tanh(self.combine(torch.cat((context, out), dim=-1))), state, a  # h~ [B, T, H]

    def reorder(self, state, index):
        """Keep the rows `index` (LongTensor [rows]) of a decoder state, in that order; batch is dim 1."""
        return state.index_select(1, index.to(state.device))

    def forward(self, src, src_lengths, tgt_in):
        """Teacher forcing: src [B, S], src_lengths [B], tgt_in [B, T] (start token first) -> logits [B, T, V]."""
        return self.decode(tgt_in, self.encode(src, src_lengths))[0]
