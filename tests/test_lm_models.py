"""The language models' networks: GPT (shapes, the KV cache against full forward passes, its block_size limit,
weight tying), CharRNN (shapes, the state continues a sequence exactly) and the Muon optimizer on a tiny GPT."""
import copy

import pytest

torch = pytest.importorskip("torch")

from nlpdive.models.charrnn import CharRNN, CharRNNConfig  # noqa: E402
from nlpdive.models.gpt import GPT, GPTConfig  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

V = 11


def tiny_gpt(positions="rotary", **kw):
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=V, block_size=16, n_layer=2, n_head=2, n_embd=16, positions=positions, **kw)).eval()


def ids(batch, length, seed=1):
    return torch.randint(0, V, (batch, length), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("positions", ["rotary", "learned"])
def test_gpt_forward_shapes(positions):
    model = tiny_gpt(positions)
    logits, cache = model(ids(3, 7))
    assert logits.shape == (3, 7, V)
    assert cache is None  # no cache asked for, none made
    logits, cache = model(ids(3, 16), cache=model.new_cache(3))  # a whole block fits
    assert logits.shape == (3, 16, V) and cache.length == 16


@pytest.mark.parametrize("positions", ["rotary", "learned"])
@pytest.mark.parametrize("prefill", [1, 5])
def test_kv_cache_gives_the_logits_of_a_full_forward_pass(positions, prefill):
    model = tiny_gpt(positions)
    x = ids(2, 16)
    with torch.no_grad():
        full, _ = model(x)                                                   # [2, 16, V]
        cache = model.new_cache(2)
        first, cache = model(x[:, :prefill], cache=cache)
        torch.testing.assert_close(first, full[:, :prefill], atol=1e-5, rtol=0)
        for t in range(prefill, 16):
            step, cache = model(x[:, t:t + 1], cache=cache)
            assert cache.length == t + 1
            torch.testing.assert_close(step[:, 0], full[:, t], atol=1e-5, rtol=0, msg=f"position {t}")


def test_positions_matter():
    """Both kinds of positions make the order of the context matter (attention alone is a bag of tokens), else the
    cache test above would prove little about positions."""
    for positions in ("rotary", "learned"):
        model = tiny_gpt(positions)
        with torch.no_grad():
            ab, _ = model(torch.tensor([[2, 7, 4, 9]]))
            ba, _ = model(torch.tensor([[7, 2, 4, 9]]))  # the same tokens in another order
        assert not torch.allclose(ab[0, 3], ba[0, 3], atol=1e-4), positions


@pytest.mark.parametrize("positions", ["rotary", "learned"])
def test_cache_cannot_exceed_block_size(positions):
    model = tiny_gpt(positions)
    with torch.no_grad():
        with pytest.raises(ValueError, match="exceed block_size 16"):
            model(ids(1, 17))
        cache = model.new_cache(1)
        model(ids(1, 16), cache=cache)
        with pytest.raises(ValueError, match="17 positions exceed block_size 16"):
            model(ids(1, 1), cache=cache)
        cache = model.new_cache(1)
        model(ids(1, 10), cache=cache)
        with pytest.raises(ValueError, match="exceed block_size"):
            model(ids(1, 7), cache=cache)


def test_gpt_ties_weights_unless_asked_not_to():
    tied = tiny_gpt()
    assert tied.head.weight is tied.tok.weight
    assert sum(p.numel() for p in tied.parameters()) < sum(p.numel() for p in tiny_gpt(tie_weights=False).parameters())
    untied = tiny_gpt(tie_weights=False)
    assert untied.head.weight is not untied.tok.weight


def test_gpt_config_checks():
    with pytest.raises(ValueError, match="divisible"):
        GPTConfig(vocab_size=V, n_embd=10, n_head=3)
    with pytest.raises(ValueError, match="positions"):
        GPTConfig(vocab_size=V, positions="absolute")
    with pytest.raises(ValueError, match="even head size"):
        GPTConfig(vocab_size=V, n_embd=6, n_head=2)


def tiny_rnn(cell, **kw):
    torch.manual_seed(0)
    return CharRNN(CharRNNConfig(vocab_size=V, cell=cell, n_embd=8, hidden=12, n_layer=2, **kw)).eval()


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_charrnn_shapes_and_the_state_continues_the_sequence(cell):
    model = tiny_rnn(cell)
    x = ids(3, 10)
    with torch.no_grad():
        whole, state = model(x)
        assert whole.shape == (3, 10, V)
        hs = state if cell == "lstm" else (state,)
        assert len(hs) == (2 if cell == "lstm" else 1)
        assert all(h.shape == (2, 3, 12) for h in hs)
        a, mid = model(x[:, :4])
        b, end = model(x[:, 4:], mid)
        torch.testing.assert_close(torch.cat([a, b], dim=1), whole, atol=1e-6, rtol=0)
        for h, h_end in zip(hs, end if cell == "lstm" else (end,)):
            torch.testing.assert_close(h, h_end, atol=1e-6, rtol=0)
        fresh, _ = model(x[:, 4:])  # without the state the second half differs
    assert not torch.allclose(fresh, b, atol=1e-4)


def test_charrnn_ties_weights():
    same = tiny_rnn("gru", tie_weights=True)
    assert same.head.weight is same.tok.weight and same.down is not None  # hidden 12 != embedding 8: a projection
    untied = tiny_rnn("gru", tie_weights=False)
    assert untied.head.weight is not untied.tok.weight and untied.head.in_features == 12
    with pytest.raises(ValueError, match="cell"):
        CharRNNConfig(vocab_size=V, cell="transformer")


# -- Muon ----------------------------------------------------------------------------------------------------
TEXT = "the quick brown fox jumps over the lazy dog. " * 8


def text_batch():
    chars = sorted(set(TEXT))
    data = torch.tensor([chars.index(c) for c in TEXT])
    windows = torch.stack([data[i:i + 17] for i in range(0, len(data) - 17, 9)])   # [N, 17]
    return windows, len(chars)


def lm_loss(model, batch):
    logits, _ = model(batch[:, :-1])
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten())


def muon_setup():
    from nlpdive.train import TrainConfig
    from nlpdive.train.muon import MuonAdamW
    from nlpdive.train.optim import build_optimizer

    batch, vocab = text_batch()
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=vocab, block_size=16, n_layer=1, n_head=2, n_embd=32))
    opt = build_optimizer(model, TrainConfig(optimizer="muon", lr=3e-3, muon_lr=0.02, weight_decay=0.0))
    assert isinstance(opt, MuonAdamW)
    return model, opt, batch


def test_muon_takes_the_hidden_matrices_and_lowers_the_loss():
    model, opt, batch = muon_setup()
    muon = [g for g in opt.param_groups if g["muon"]]
    adam = [g for g in opt.param_groups if not g["muon"]]
    hidden = {id(p) for g in muon for p in g["params"]}
    assert id(model.blocks[0].attn.qkv.weight) in hidden and id(model.blocks[0].mlp.fc.weight) in hidden
    assert id(model.tok.weight) not in hidden  # the (tied) embedding takes AdamW
    assert muon[0]["lr"] == 0.02 and adam[0]["lr"] == 3e-3
    with torch.no_grad():
        before = lm_loss(model, batch).item()
    for _ in range(30):
        loss = lm_loss(model, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = lm_loss(model, batch).item()
    assert after < 0.6 * before, (before, after)


def test_muon_state_dict_round_trips():
    from nlpdive.train import TrainConfig
    from nlpdive.train.optim import build_optimizer

    model, opt, batch = muon_setup()
    for _ in range(3):
        opt.zero_grad()
        lm_loss(model, batch).backward()
        opt.step()
    saved = copy.deepcopy(opt.state_dict())
    twin = copy.deepcopy(model)
    fresh = build_optimizer(twin, TrainConfig(optimizer="muon", lr=3e-3, muon_lr=0.02, weight_decay=0.0))
    fresh.load_state_dict(saved)
    states = list(fresh.state.values())
    assert any("momentum_buffer" in s for s in states) and any("exp_avg" in s for s in states)
    for m, o in ((model, opt), (twin, fresh)):
        o.zero_grad()
        lm_loss(m, batch).backward()
        o.step()
    for (name, a), b in zip(model.named_parameters(), twin.parameters()):
        torch.testing.assert_close(a, b, atol=0, rtol=0, msg=name)
    # and the step was not a no-op: a fresh optimizer (no momentum) would have moved the weights elsewhere
    other = copy.deepcopy(twin)
    plain = build_optimizer(other, TrainConfig(optimizer="muon", lr=3e-3, muon_lr=0.02, weight_decay=0.0))
    plain.zero_grad()
    lm_loss(other, batch).backward()
    plain.step()
    assert not torch.allclose(other.blocks[0].mlp.fc.weight, twin.blocks[0].mlp.fc.weight)
