"""The talk's character-level RNN language model (notebook 4): embedding -> RNN/LSTM/GRU layers -> next-token
logits. The state it returns carries over to the next window (truncated BPTT) or the next sampled token.

    model = CharRNN(CharRNNConfig(vocab_size=65, cell="gru"))
    logits, state = model(idx)           # idx [B, T] -> logits [B, T, V]
    logits, state = model(next_ids, state)
"""
from dataclasses import dataclass

from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@dataclass
class CharRNNConfig:
    vocab_size: int
    cell: str = "gru"           # rnn | lstm | gru
    n_embd: int = 128           # embedding size
    hidden: int = 256           # 2 x 256 samples > 2,000 characters/s on 2 CPU cores (2 x 512: ~1,000)
    n_layer: int = 2
    dropout: float = 0.0        # between layers and before the output layer
    tie_weights: bool = True    # the output layer shares the embedding (through a projection when sizes differ)
    block_size: int = 128       # training window length (an RNN itself has no context limit)

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, not {self.cell!r}")


class CharRNN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.rnn = CELLS[cfg.cell](cfg.n_embd, cfg.hidden, num_layers=cfg.n_layer, batch_first=True,
                                   dropout=cfg.dropout if cfg.n_layer > 1 else 0.0)
        self.drop = nn.Dropout(cfg.dropout)
        tied = cfg.tie_weights
        self.down = nn.Linear(cfg.hidden, cfg.n_embd, bias=False) if tied and cfg.hidden != cfg.n_embd else None
        self.head = nn.Linear(cfg.n_embd if tied else cfg.hidden, cfg.vocab_size)
        if tied:
            self.head.weight = self.tok.weight

    def forward(self, idx, state=None):
        """idx [B, T] -> logits [B, T, V], state (h [L, B, H], or (h, c) for an LSTM)."""
        y, state = self.rnn(self.tok(idx), state)  # y [B, T, H]
        if self.config.dropout:
            y = self.drop(y)
        if self.down is not None:
            y = self.down(y)
        return self.head(y), state

    def param_groups(self, weight_decay):
        decay = [p for n, p in self.named_parameters() if p.dim() >= 2 and not n.startswith("tok")]
        rest = [p for n, p in self.named_parameters() if not (p.dim() >= 2 and not n.startswith("tok"))]
        return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]
