import random

import pytest
import torch

from nlpdive.data import BucketSampler, pad_batch

_RNG = random.Random(0)
LENGTHS = [_RNG.randint(1, 200) for _ in range(1000)]


def padded_tokens(batches, lengths):
    return sum(len(b) * max(lengths[i] for i in b) for b in batches)


def test_every_index_once_per_epoch_and_len():
    sampler = BucketSampler(LENGTHS, 32, seed=1)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 32  # ceil(1000 / 32)
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert all(len(b) == 32 for b in batches if len(b) != 1000 % 32)


def test_drop_last_gives_full_batches_only():
    sampler = BucketSampler(LENGTHS, 32, drop_last=True)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 31 and all(len(b) == 32 for b in batches)


def test_less_padding_than_random_batches():
    bucketed = list(BucketSampler(LENGTHS, 32, seed=0, chunk_batches=10))
    order = torch.randperm(len(LENGTHS), generator=torch.Generator().manual_seed(0)).tolist()
    random_batches = [order[i:i + 32] for i in range(0, len(order), 32)]
    assert padded_tokens(bucketed, LENGTHS) < 0.7 * padded_tokens(random_batches, LENGTHS)


def test_deterministic_per_seed_and_epoch():
    a, b = BucketSampler(LENGTHS, 16, seed=5), BucketSampler(LENGTHS, 16, seed=5)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first and list(a) == list(a)
    assert list(BucketSampler(LENGTHS, 16, seed=6)) != first
    unshuffled = list(BucketSampler(LENGTHS, 16, shuffle=False))
    assert unshuffled == list(BucketSampler(LENGTHS, 16, shuffle=False, seed=9))


@pytest.mark.parametrize("drop_last", [False, True])
def test_ddp_ranks_get_equal_shares_of_one_epoch(drop_last):
    lengths = LENGTHS[:100]  # 13 batches of 8 (the last has 4), over 3 ranks
    ranks = [BucketSampler(lengths, 8, seed=2, drop_last=drop_last, num_replicas=3, rank=r) for r in range(3)]
    for sampler in ranks:
        sampler.set_epoch(4)
    shards = [list(sampler) for sampler in ranks]
    assert [len(s) for s in shards] == [len(r) for r in ranks] == [4 if drop_last else 5] * 3
    seen = [i for shard in shards for b in shard for i in b]
    if drop_last:
        assert len(seen) == len(set(seen)) == 96  # 12 full batches, each once
    else:
        assert set(seen) == set(range(100))  # topped up by repeating 2 batches
    with pytest.raises(ValueError, match="rank 3"):
        BucketSampler(lengths, 8, num_replicas=3, rank=3)


def test_works_as_a_dataloader_batch_sampler():
    seqs = [list(range(1, n + 1)) for n in LENGTHS[:50]]
    loader = torch.utils.data.DataLoader(seqs, batch_sampler=BucketSampler([len(s) for s in seqs], 8),
                                         collate_fn=pad_batch)
    batches = list(loader)
    assert len(batches) == 7 and sum(ids.size(0) for ids, _, _ in batches) == 50


def test_pad_batch_shapes_and_mask():
    ids, lengths, mask = pad_batch([[5, 6, 7], [8], []], pad_id=1)
    assert ids.tolist() == [[5, 6, 7], [8, 1, 1], [1, 1, 1]] and ids.dtype == torch.long
    assert lengths.tolist() == [3, 1, 0]
    assert mask.dtype == torch.bool and mask.tolist() == [[True] * 3, [True, False, False], [False] * 3]


def test_pad_batch_cuts_to_max_len_and_takes_tensors():
    ids, lengths, mask = pad_batch([torch.tensor([1, 2, 3, 4]), torch.tensor([5, 6])], max_len=3)
    assert ids.shape == (2, 3) and lengths.tolist() == [3, 2] and mask.sum().item() == 5
    with pytest.raises(ValueError):
        pad_batch([])
