"""TransformerSeq2Seq (nlpdive.models.seq2seq_transformer): shapes, padding, the incremental decoder against full
decoding, reorder, cross-attention weights, shared/tied parameters, saving, config errors, and a tiny model that
learns to reverse sequences."""
import pytest
import torch
from torch.nn import functional as F

from nlpdive.errors import InputError
from nlpdive.models.registry import build_model
from nlpdive.models.seq2seq_transformer import TransformerSeq2Seq, TransformerSeq2SeqConfig

PAD, BOS, EOS, V = 0, 1, 2, 13
TINY = dict(d_model=32, n_heads=2, enc_layers=2, dec_layers=2, d_ff=64, max_len=24)


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


def tiny(seed=0, **kw):
    torch.manual_seed(seed)
    return TransformerSeq2Seq(TransformerSeq2SeqConfig(V, kw.pop("tgt_vocab", V), **{**TINY, **kw})).eval()


def padded(lengths, pad_to=None, seed=0, low=3):
    """ids [B, T] (real ids low..V-1, then PAD), lengths [B]."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.full((len(lengths), pad_to or max(lengths)), PAD)
    for i, n in enumerate(lengths):
        ids[i, :n] = torch.randint(low, V, (n,), generator=g)
    return ids, torch.tensor(lengths)


def target(B, T, seed=1, high=V):
    return torch.cat([torch.full((B, 1), BOS), torch.randint(3, high, (B, T - 1),
                                                             generator=torch.Generator().manual_seed(seed))], 1)


def close(a, b):
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("positions", ["sinusoidal", "learned"])
def test_shapes_and_padding_invariance(positions):
    model = tiny(positions=positions)
    src, lengths = padded([5, 2, 7])
    tgt = target(3, 4)
    memory = model.encode(src, lengths)
    assert memory["enc"].shape == (3, 7, 32) and memory["mask"].tolist()[1] == [True] * 2 + [False] * 5
    logits = model(src, lengths, tgt)
    assert logits.shape == (3, 4, V) and torch.isfinite(logits).all()
    close(model(F.pad(src, (0, 6), value=PAD), lengths, tgt), logits)  # more padding
    for i, n in enumerate(lengths.tolist()):  # each sentence alone, unpadded
        close(model(src[i:i + 1, :n], lengths[i:i + 1], tgt[i:i + 1]), logits[i:i + 1])
    # tokens after a source's length are not looked at either
    close(model(torch.where(memory["mask"], src, 5), lengths, tgt), logits)


@pytest.mark.parametrize("positions", ["sinusoidal", "learned"])
def test_incremental_decoding_equals_full_decoding(positions):
    model = tiny(positions=positions)
    src, lengths = padded([6, 1, 4, 3])
    tgt = target(4, 7)
    memory = model.encode(src, lengths)
    full, state, attn = model.decode(tgt, memory, need_attention=True)
    assert [k.shape for k in state["k"]] == [(4, 2, 7, 16)] * 2 and state["ck"][0].shape == (4, 2, 6, 16)
    close(full, model(src, lengths, tgt))
    steps, state, attns = [], None, []
    for t in range(tgt.size(1)):  # one token at a time
        logits, state, a = model.decode(tgt[:, t:t + 1], memory, state, need_attention=True)
        steps.append(logits)
        attns.append(a)
    close(torch.cat(steps, 1), full)
    close(torch.cat(attns, 1), attn)
    # a prefix of 3, then 4 new tokens at once (the causal mask is offset by the cache)
    first, state, _ = model.decode(tgt[:, :3], memory)
    rest, state, _ = model.decode(tgt[:, 3:], memory, state)
    close(torch.cat([first, rest], 1), full)
    assert state["k"][1].shape[2] == 7


def test_reorder_keeps_the_chosen_rows():
    model = tiny()
    src, lengths = padded([5, 2, 4])
    tgt = target(3, 6)
    memory = model.encode(src, lengths)
    _, state, _ = model.decode(tgt[:, :4], memory)
    index = torch.tensor([2, 0, 0, 1])
    state = model.reorder(state, index)
    logits, state, attn = model.decode(tgt[index, 4:], None, state, need_attention=True)  # memory: the state's
    expect, _, expect_attn = model.decode(tgt[index], {k: v[index] for k, v in memory.items()}, need_attention=True)
    close(logits, expect[:, 4:])
    close(attn, expect_attn[:, 4:])
    # a permutation of the rows (same row count, across inputs)
    _, state, _ = model.decode(tgt[:, :4], memory)
    index = torch.tensor([2, 0, 1])
    logits, _, _ = model.decode(tgt[index, 4:], memory, model.reorder(state, index))
    close(logits, model.decode(tgt[index], {k: v[index] for k, v in memory.items()})[0][:, 4:])
    # as beam search uses it: K copies of each input, rows moved within their block
    K = 3
    rep = {k: v.repeat_interleave(K, 0) for k, v in memory.items()}
    _, state, _ = model.decode(tgt[:, :2].repeat_interleave(K, 0), rep)
    assert state["group"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    index = torch.tensor([1, 1, 0, 5, 3, 4, 6, 8, 8])
    moved = model.reorder(state, index)
    assert moved["ck"][0] is state["ck"][0]  # within groups: the memory's part is not copied
    state = moved
    new = torch.randint(3, V, (9, 1), generator=torch.Generator().manual_seed(5))
    logits, _, _ = model.decode(new, rep, state)
    expect = model.decode(torch.cat([tgt[:, :2].repeat_interleave(K, 0)[index], new], 1), rep)[0][:, -1:]
    close(logits, expect)


def test_attention_rows_sum_to_one_over_real_source_tokens():
    model = tiny()
    src, lengths = padded([6, 2, 4])
    logits, _, attn = model.decode(target(3, 5), model.encode(src, lengths), need_attention=True)
    assert attn.shape == (3, 5, 6)
    mask = torch.arange(6) < lengths[:, None]  # [B, S]
    close(attn.sum(-1), torch.ones(3, 5))
    assert (attn.masked_select(~mask[:, None, :].expand_as(attn)) == 0).all()
    assert (attn.masked_select(mask[:, None, :].expand_as(attn)) > 0).all()
    assert model.decode(target(3, 5), model.encode(src, lengths))[2] is None
    close(model.decode(target(3, 5), model.encode(src, lengths))[0], logits)


def test_shared_and_tied_parameters_and_state_dict_round_trip():
    model = tiny()
    assert model.src_embed.weight is model.tgt_embed.weight is model.head.weight
    assert model.tgt_embed.weight[PAD].abs().sum() == 0
    assert 0.5 < model.tgt_embed.weight[1:].std() / 32 ** -0.75 < 1.5  # the embedding's init, not the head's
    names = {id(p) for p in model.parameters()}
    assert len(names) == len(list(model.parameters()))  # one tensor, counted once
    assert not any("pos" in k for k in model.state_dict())  # sinusoids are not saved
    untied = tiny(share_embeddings=False, tie_output=False, tgt_vocab=11, positions="learned")
    weights = {untied.src_embed.weight, untied.tgt_embed.weight, untied.head.weight}
    assert len(weights) == 3 and untied.head.weight.shape == (11, 32) and "pos.weight" in untied.state_dict()
    tied = tiny(share_embeddings=False, tgt_vocab=11)
    assert tied.head.weight is tied.tgt_embed.weight and tied.src_embed.weight is not tied.tgt_embed.weight

    src, lengths = padded([4, 3])
    tgt = target(2, 3, high=11)
    for m, cfg in ((model, {}), (untied, dict(share_embeddings=False, tie_output=False, tgt_vocab=11,
                                              positions="learned"))):
        fresh = build_model("TransformerSeq2Seq", {"src_vocab": V, "tgt_vocab": V, **TINY, **cfg}).eval()
        assert isinstance(fresh, TransformerSeq2Seq)
        assert not torch.allclose(fresh(src, lengths, tgt), m(src, lengths, tgt))
        fresh.load_state_dict(m.state_dict())
        close(fresh(src, lengths, tgt), m(src, lengths, tgt))
        if m is model:
            assert fresh.src_embed.weight is fresh.head.weight


@pytest.mark.parametrize("kw", [{}, dict(share_embeddings=False, tie_output=False, positions="learned")])
def test_gradients_reach_every_parameter_in_training_mode(kw):
    model = tiny(dropout=0.1, **kw).train()
    src, lengths = padded([5, 3])
    logits, _, attn = model.decode(target(2, 4), model.encode(src, lengths), need_attention=True)
    (logits.sum() + attn.sum()).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not missing


@pytest.mark.parametrize("kw,words", [
    (dict(d_model=30, n_heads=4), "divisible"),
    (dict(positions="rotary"), "positions"),
    (dict(tgt_vocab=20), "share_embeddings"),
    (dict(pad_id=V), "pad_id"),
    (dict(dropout=1.0), "dropout"),
    (dict(enc_layers=0), "enc_layers"),
])
def test_config_errors(kw, words):
    with pytest.raises(ValueError, match=words):
        TransformerSeq2SeqConfig(**{"src_vocab": V, "tgt_vocab": V, **kw})
    with pytest.raises(InputError, match=words):
        build_model("TransformerSeq2Seq", {"src_vocab": V, "tgt_vocab": V, **kw})
    TransformerSeq2SeqConfig(V, 20, share_embeddings=False)  # separate vocabularies are fine unshared


def test_too_long_inputs_name_max_len():
    model = tiny(max_len=8)
    src, lengths = padded([9])
    with pytest.raises(ValueError, match="max_len"):
        model.encode(src, lengths)
    memory = model.encode(src[:, :8], torch.tensor([8]))
    _, state, _ = model.decode(target(1, 8), memory)
    with pytest.raises(ValueError, match="max_len"):
        model.decode(torch.tensor([[4]]), memory, state)
    with pytest.raises(ValueError, match="max_len"):
        model.decode(target(1, 9), memory)


def reversal_batch(n, g):
    """Sources of 3-6 random ids, targets BOS + the source reversed + EOS (then PAD)."""
    src, lengths = padded(torch.randint(3, 7, (n,), generator=g).tolist(), seed=int(torch.randint(1 << 30, (1,),
                                                                                               generator=g)))
    tgt = torch.full((n, src.size(1) + 2), PAD)
    tgt[:, 0] = BOS
    for i, k in enumerate(lengths.tolist()):
        tgt[i, 1:k + 1] = src[i, :k].flip(0)
        tgt[i, k + 1] = EOS
    return src, lengths, tgt


def test_a_tiny_model_learns_to_reverse_sequences():
    model = tiny(dropout=0.0).train()
    g = torch.Generator().manual_seed(1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(150):
        src, lengths, tgt = reversal_batch(32, g)
        logits = model(src, lengths, tgt[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, V), tgt[:, 1:].reshape(-1), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-10:]) / 10 < 0.4 * sum(losses[:10]) / 10, losses[::10]
    model.eval()
    src, lengths, tgt = reversal_batch(64, torch.Generator().manual_seed(99))
    with torch.no_grad():  # greedy, through the cache
        memory, ids, state, out = model.encode(src, lengths), tgt[:, :1], None, []
        for _ in range(tgt.size(1) - 1):
            logits, state, _ = model.decode(ids, memory, state)
            ids = logits[:, -1].argmax(-1, keepdim=True)
            out.append(ids)
    out, want = torch.cat(out, 1), tgt[:, 1:]
    real = want != PAD
    accuracy = ((out == want) & real).sum() / real.sum()
    assert accuracy > 0.8, accuracy
