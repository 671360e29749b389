"""The GRU encoder-decoder with attention, for each attention kind: shapes, padding never matters, stepwise
decoding equals whole-prefix decoding, reorder keeps the right rows, attention weights, shared and tied
embeddings, the registry round trip, config validation, and a tiny model that learns to reverse sequences."""
import pytest

torch = pytest.importorskip("torch")

from nlpdive.errors import InputError  # noqa: E402
from nlpdive.models.registry import build_model  # noqa: E402
from nlpdive.models.seq2seq_gru import GRUSeq2Seq, GRUSeq2SeqConfig  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KINDS = ["bahdanau", "dot", "general"]
SV, TV, PAD, BOS, EOS = 13, 11, 0, 1, 2
SETTINGS = dict(src_vocab=SV, tgt_vocab=TV, emb=16, hidden=32, dropout=0.0, pad_id=PAD)


def tiny(attention, **kw):
    torch.manual_seed(0)
    return GRUSeq2Seq(GRUSeq2SeqConfig(**{**SETTINGS, "attention": attention, **kw})).eval()


def batch(lengths=(5, 2, 7), tgt_len=6, seed=1):
    """Sources of different lengths, padded with PAD, and target prefixes starting with BOS."""
    g = torch.Generator().manual_seed(seed)
    S = max(lengths)
    src = torch.randint(3, SV, (len(lengths), S), generator=g)
    src_lengths = torch.tensor(lengths)
    src[torch.arange(S) >= src_lengths.unsqueeze(1)] = PAD
    tgt = torch.randint(3, TV, (len(lengths), tgt_len), generator=g)
    tgt[:, 0] = BOS
    return src, src_lengths, tgt


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layers", [1, 2])
def test_shapes(kind, layers):
    model = tiny(kind, enc_layers=layers, dec_layers=layers)
    src, lengths, tgt = batch()
    with torch.no_grad():
        memory = model.encode(src, lengths)
        logits, state, attn = model.decode(tgt, memory, need_attention=True)
        assert model(src, lengths, tgt).shape == (3, 6, TV)
    assert memory["enc"].shape == (3, 7, 32) and memory["mask"].shape == (3, 7)
    assert memory["init"].shape == (3, layers, 32) and memory["keys"].shape[:2] == (3, 7)
    assert logits.shape == (3, 6, TV) and state.shape == (layers, 3, 32) and attn.shape == (3, 6, 7)
    assert model.decode(tgt, memory)[2] is None  # no attention unless asked for


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [True, False])
def test_extra_padding_changes_nothing(kind, bidirectional):
    model = tiny(kind, bidirectional=bidirectional)
    src, lengths, tgt = batch()
    padded = torch.cat((src, torch.full((3, 4), PAD)), dim=1)  # [3, 11]
    with torch.no_grad():
        torch.testing.assert_close(model(padded, lengths, tgt), model(src, lengths, tgt), atol=1e-5, rtol=0)
        alone = model(src[1:2, :2], lengths[1:2], tgt[1:2])  # the short source without any padding at all
    torch.testing.assert_close(alone, model(src, lengths, tgt)[1:2], atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layers", [1, 2])
def test_stepwise_decoding_equals_whole_prefix(kind, layers):
    model = tiny(kind, enc_layers=layers, dec_layers=layers)
    src, lengths, tgt = batch()
    with torch.no_grad():
        memory = model.encode(src, lengths)
        full, full_state, full_attn = model.decode(tgt, memory, need_attention=True)
        logits, state, attn = model.decode(tgt[:, :2], memory, need_attention=True)  # a two-token prefix first
        steps, attns = [logits], [attn]
        for t in range(2, tgt.size(1)):
            logits, state, attn = model.decode(tgt[:, t:t + 1], memory, state, need_attention=True)
            steps.append(logits)
            attns.append(attn)
    torch.testing.assert_close(torch.cat(steps, 1), full, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.cat(attns, 1), full_attn, atol=1e-5, rtol=0)
    torch.testing.assert_close(state, full_state, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_reorder_keeps_the_right_rows(kind):
    model = tiny(kind, dec_layers=2)
    src, lengths, tgt = batch()
    index = torch.tensor([2, 0, 0, 1])
    with torch.no_grad():
        memory = model.encode(src, lengths)
        _, state, _ = model.decode(tgt[:, :3], memory)
        moved = {k: v[index] for k, v in memory.items()}
        after, _, _ = model.decode(tgt[index, 3:], moved, model.reorder(state, index))
        expected = model(src[index], lengths[index], tgt[index])[:, 3:]
        # beam search's way: repeat every memory tensor along dim 0, then pick rows within each input's block
        beams = {k: v.repeat_interleave(2, dim=0) for k, v in memory.items()}
        _, state2, _ = model.decode(tgt.repeat_interleave(2, dim=0)[:, :3], beams)
        within = torch.tensor([1, 1, 2, 3, 5, 4])
        after2, _, _ = model.decode(tgt.repeat_interleave(2, dim=0)[within, 3:], beams, model.reorder(state2, within))
    torch.testing.assert_close(after, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(after2, model(src, lengths, tgt).repeat_interleave(2, dim=0)[:, 3:], atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_attention_weights_sum_to_one_over_the_real_source(kind):
    model = tiny(kind)
    src, lengths, tgt = batch()
    with torch.no_grad():
        _, _, attn = model.decode(tgt, model.encode(src, lengths), need_attention=True)  # [3, 6, 7]
    real = (torch.arange(7) < lengths.unsqueeze(1)).unsqueeze(1).expand_as(attn)
    assert torch.all(attn[~real] == 0)
    torch.testing.assert_close(attn.sum(-1), torch.ones(3, 6), atol=1e-6, rtol=0)
    assert torch.all(attn[real] > 0)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("emb", [16, 32])  # 32 == hidden: Luong's h~ needs no projection to the embedding
def test_shared_and_tied_embeddings_are_one_parameter(kind, emb):
    model = tiny(kind, emb=emb, tgt_vocab=SV, share_embeddings=True, tie_output=True)
    assert model.src_embed.weight is model.tgt_embed.weight is model.out.weight
    names = [n for n, p in model.named_parameters() if p.shape == (SV, emb)]
    assert len(names) == 1  # named_parameters lists a shared parameter once
    assert (model.pre is None) == (kind != "bahdanau" and emb == 32)
    src, lengths, tgt = batch()
    model(src, lengths, tgt).sum().backward()
    assert model.out.weight.grad is not None
    plain = tiny(kind, emb=emb, tgt_vocab=SV)
    assert plain.src_embed.weight is not plain.tgt_embed.weight and plain.out.weight is not plain.tgt_embed.weight
    shared = tiny(kind, emb=emb, tgt_vocab=SV, share_embeddings=True)
    assert n_params(plain) - n_params(shared) == SV * emb  # exactly one embedding table fewer


@pytest.mark.parametrize("kind", KINDS)
def test_state_dict_round_trip_through_the_registry(kind):
    model = tiny(kind, enc_layers=2, tie_output=True)
    settings = {**SETTINGS, "attention": kind, "enc_layers": 2, "tie_output": True}
    torch.manual_seed(123)  # another initialisation: only the loaded weights can make the outputs equal
    rebuilt = build_model("GRUSeq2Seq", settings)
    assert isinstance(rebuilt, GRUSeq2Seq) and rebuilt.config == model.config
    rebuilt.load_state_dict(model.state_dict())
    rebuilt.eval()
    assert rebuilt.out.weight is rebuilt.tgt_embed.weight  # loading keeps the tie
    src, lengths, tgt = batch()
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(src, lengths, tgt), model(src, lengths, tgt), atol=0, rtol=0)


@pytest.mark.parametrize("bad, words", [
    ({"attention": "luong"}, "attention must be one of"),
    ({"hidden": 31}, "even hidden"),
    ({"share_embeddings": True}, "src_vocab == tgt_vocab"),
    ({"emb": 0}, "emb must be a positive integer"),
    ({"dec_layers": 1.5}, "dec_layers must be a positive integer"),
    ({"dropout": 1.0}, "dropout"),
    ({"pad_id": TV}, "pad_id"),
])
def test_config_validation(bad, words):
    with pytest.raises(ValueError, match=words):
        GRUSeq2SeqConfig(**{**SETTINGS, **bad})
    with pytest.raises(InputError, match="bad GRUSeq2Seq settings"):
        build_model("GRUSeq2Seq", {**SETTINGS, **bad})
    GRUSeq2SeqConfig(**{**SETTINGS, "hidden": 31, "bidirectional": False})  # odd sizes are fine one-way


def reversal_batch(g, n=32, vocab=10):
    """Sources of 3..6 tokens from 3..vocab-1; the target is the source reversed, then EOS."""
    lengths = torch.randint(3, 7, (n,), generator=g)
    src = torch.randint(3, vocab, (n, 6), generator=g)
    src[torch.arange(6) >= lengths.unsqueeze(1)] = PAD
    out = torch.full((n, 7), PAD)
    for i, k in enumerate(lengths.tolist()):  # building the data, not the model: a loop is fine here
        out[i, :k] = src[i, :k].flip(0)
        out[i, k] = EOS
    tgt_in = torch.cat((torch.full((n, 1), BOS), out[:, :-1]), dim=1)
    return src, lengths, tgt_in, out


@pytest.mark.parametrize("kind", KINDS)
def test_learns_to_reverse_short_sequences(kind):
    torch.manual_seed(0)
    model = GRUSeq2Seq(GRUSeq2SeqConfig(src_vocab=10, tgt_vocab=10, emb=16, hidden=32, attention=kind,
                                        dropout=0.1, pad_id=PAD))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(200):
        src, lengths, tgt_in, out = reversal_batch(g)
        loss = torch.nn.functional.cross_entropy(model(src, lengths, tgt_in).flatten(0, 1), out.flatten(),
                                                 ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert last < 0.3 * first, (first, last)

    model.eval()
    src, lengths, _, out = reversal_batch(torch.Generator().manual_seed(99), n=64)
    with torch.no_grad():  # greedy decoding, one token at a time, carrying the state
        memory = model.encode(src, lengths)
        ids, state, guesses = torch.full((64, 1), BOS), None, []
        for _ in range(out.size(1)):
            logits, state, _ = model.decode(ids, memory, state)
            ids = logits[:, -1].argmax(-1, keepdim=True)
            guesses.append(ids)
    guesses = torch.cat(guesses, 1)
    real = out != PAD
    accuracy = (guesses == out)[real].float().mean().item()
    assert accuracy > 0.8, accuracy
