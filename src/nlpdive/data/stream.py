"""One long token stream for language models: tokenised once into a compact integer array on disk (memory-mapped,
so a corpus larger than memory trains in a fixed footprint) and cut into training windows.

    ids = open_stream("runs/lm/tokens/train.bin", "uint16")  # np.memmap [N] (StreamWriter wrote it)
    windows = Windows(ids, block_size=128)                     # items: offsets; a batch is [B, block + 1] int64
    sampler = random_windows | stateful_windows                # Trainer batch samplers (see each)
    valid = Blocks(ids, block_size=128)                        # validation: every window in order

Inputs are window[:, :-1], targets window[:, 1:]: the talk's "quick brown fox" -> "uick brown fox ".
"""
import numpy as np


def id_dtype(vocab_size):
    """The smallest unsigned integer type that holds every id."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if vocab_size <= np.iinfo(dtype).max + 1:
            return dtype
    raise ValueError(f"vocabulary of {vocab_size} ids is too large")


class StreamWriter:
    """Append id arrays to a .bin file (raw little-endian integers); `close()` returns the count."""

    def __init__(self, path, dtype):
        self.path, self.dtype, self.count = path, np.dtype(dtype), 0
        self._f = open(path, "wb")

    def write(self, ids):
        ids = np.asarray(ids)
        if ids.size:
            self._f.write(ids.astype(self.dtype, copy=False).tobytes())
            self.count += int(ids.size)

    def close(self):
        self._f.close()
        return self.count


def open_stream(path, dtype):
    """The ids of a .bin file, memory-mapped read-only."""
    return np.memmap(path, dtype=np.dtype(dtype), mode="r")


class Windows:
    """Windows of `block_size + 1` consecutive ids; an item is a start offset. `__getitems__` gathers a whole batch
    in one numpy call (the DataLoader calls it with a batch of offsets)."""

    def __init__(self, ids, block_size):
        self.ids, self.block_size = ids, block_size
        self.span = len(ids) - block_size  # offsets 0 .. span - 1 fit a whole window

    def __len__(self):  # non-overlapping windows: an epoch sees every id about once (one when only one fits)
        return max(0, self.span) // self.block_size or int(self.span > 0)

    def __getitem__(self, offset):
        return self.__getitems__([offset])[0]

    def __getitems__(self, offsets):
        import torch

        starts = np.asarray(offsets, dtype=np.int64)[:, None] + np.arange(self.block_size + 1)
        return torch.from_numpy(self.ids[starts].astype(np.int64))  # [B, block + 1]


def collate(batch):
    """Windows.__getitems__ already returns the batch tensor."""
    return batch


def random_windows(windows, batch_size, epoch_seed, rank, world):
    """Stateless random windows: each epoch shifts the grid of non-overlapping windows by a random offset and
    shuffles it, so every id is seen once per epoch, in fresh contexts. Ranks take interleaved batches."""
    rng = np.random.default_rng(epoch_seed)
    n = len(windows)
    # the grid's last offset, shift + (n - 1) * block, must stay below span: any shift under a block (or span) fits
    shift = int(rng.integers(0, max(1, min(windows.block_size, windows.span - (n - 1) * windows.block_size))))
    offsets = shift + windows.block_size * rng.permutation(n)
    per_step = batch_size * world
    return [offsets[i + rank * batch_size: i + (rank + 1) * batch_size]
            for i in range(0, n - per_step + 1, per_step)] or [offsets[:batch_size]]


def stateful_windows(windows, batch_size, epoch_seed, rank, world):
    """Truncated BPTT: the stream split into batch_size * world rows read side by side; batch k holds each row's
    k-th window, so an RNN carries its hidden state from one batch to the next. Each epoch starts the rows at a
    fresh random shift."""
    rows = batch_size * world
    T = windows.block_size
    row_len = windows.span // rows
    chunks = row_len // T
    if chunks < 1:
        return random_windows(windows, batch_size, epoch_seed, rank, world)
    shift = int(np.random.default_rng(epoch_seed).integers(0, row_len - chunks * T + 1))
    starts = shift + row_len * np.arange(rank * batch_size, (rank + 1) * batch_size)
    return [starts + k * T for k in range(chunks)]


class Blocks(Windows):
    """The non-overlapping windows in order, item i at offset i * block_size: validation data, whose loss then
    covers the whole split (all but its last partial window)."""

    def __len__(self):  # every window that fits, at offsets 0, block, 2 * block, ...
        return max(0, self.span + self.block_size - 1) // self.block_size

    def __getitems__(self, indices):
        return super().__getitems__(np.asarray(indices, dtype=np.int64) * self.block_size)
