"""Batching: length-bucketed batches (less padding), DDP sharding, and padding to tensors with masks."""
import math

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Sampler


class BucketSampler(Sampler):
    """Yields batches (lists of indices) of examples with similar lengths, in a shuffled order.

    Each epoch: shuffle the indices (seed + epoch), cut them into chunks of `batch_size * chunk_batches`, sort
    each chunk by length, cut it into batches and shuffle the order of the batches. Use it as a DataLoader's
    `batch_sampler`; call set_epoch(e) before each epoch for a new, reproducible order.

    num_replicas / rank (DDP; default: from torch.distributed when it is initialised, else 1 / 0): every rank
    sees the same batch list and takes every num_replicas-th batch, so all ranks get len(self) batches; the list
    is topped up with its first batches (or, with drop_last, trimmed) to a multiple of num_replicas.
    """

    def __init__(self, lengths, batch_size, *, shuffle=True, seed=0, drop_last=False, chunk_batches=50,
                 num_replicas=None, rank=None):
        if batch_size < 1 or chunk_batches < 1:
            raise ValueError("batch_size and chunk_batches must be at least 1")
        self.lengths = torch.as_tensor(lengths, dtype=torch.long, device="cpu")
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.drop_last, self.chunk_batches = drop_last, chunk_batches
        self.num_replicas, self.rank = _replicas(num_replicas, rank)
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        n, size, replicas = len(self.lengths), self.batch_size, self.num_replicas
        if self.drop_last:
            return n // size // replicas
        return math.ceil(math.ceil(n / size) / replicas)

    def __iter__(self):
        batches = self._batches()
        wanted = len(self) * self.num_replicas
        while batches and len(batches) < wanted:
            batches += batches[: wanted - len(batches)]
        for batch in batches[self.rank:wanted:self.num_replicas]:
            yield batch.tolist()

    def _batches(self):
        """The epoch's batches for all ranks: tensors of indices."""
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        n = len(self.lengths)
        order = torch.randperm(n, generator=generator) if self.shuffle else torch.arange(n)
        batches = []
        for chunk in order.split(self.batch_size * self.chunk_batches):
            chunk = chunk[torch.argsort(self.lengths[chunk], stable=True)]
            batches.extend(chunk.split(self.batch_size))
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
        return batches


def _replicas(num_replicas, rank):
    distributed = torch.distributed.is_available() and torch.distributed.is_initialized()
    if num_replicas is None:
        num_replicas = torch.distributed.get_world_size() if distributed else 1
    if rank is None:
        rank = torch.distributed.get_rank() if distributed else 0
    if not 0 <= rank < num_replicas:
        raise ValueError(f"rank {rank} is not in 0..{num_replicas - 1}")
    return num_replicas, rank


def pad_batch(seqs, pad_id=0, max_len=None):
    """Right-pad token-id sequences (lists or 1-D tensors), each first cut to `max_len` tokens when given.

    Returns ids LongTensor [B, T], lengths LongTensor [B] and mask BoolTensor [B, T] (True on real tokens),
    where T is the longest (cut) sequence.
    """
    if len(seqs) == 0:
        raise ValueError("pad_batch needs at least one sequence")
    tensors = [torch.as_tensor(s[:max_len], dtype=torch.long) for s in seqs]
    ids = pad_sequence(tensors, batch_first=True, padding_value=pad_id)  # [B, T]
    lengths = torch.tensor([len(t) for t in tensors], dtype=torch.long)  # [B]
    mask = torch.arange(ids.size(1)) < lengths[:, None]  # [B, T]
    return ids, lengths, mask
