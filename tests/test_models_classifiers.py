import pytest
import torch

from nlpdive.models.bow import BagOfWordsClassifier, BagOfWordsConfig
from nlpdive.models.cnn import CNNClassifier, CNNConfig
from nlpdive.models.rnn import RNNClassifier, RNNConfig
from nlpdive.models.transformer import Attention, TransformerClassifier, TransformerClassifierConfig

V, C = 50, 3


def _batch(lengths, pad_to=None, seed=0):
    """Padded ids [B, T] with pad id 0 and real ids in 1..V-1."""
    g = torch.Generator().manual_seed(seed)
    T = pad_to or max(lengths)
    ids = torch.zeros(len(lengths), T, dtype=torch.long)
    for i, n in enumerate(lengths):
        ids[i, :n] = torch.randint(1, V, (n,), generator=g)
    return ids, torch.tensor(lengths)


SEQ_MODELS = [
    *(lambda c=c, b=b, p=p: RNNClassifier(RNNConfig(V, C, cell=c, embed_dim=8, hidden=6, layers=2, bidirectional=b,
                                                    pooling=p))
      for c in ("rnn", "lstm", "gru") for b in (False, True) for p in ("last", "max", "mean", "attention")),
    lambda: CNNClassifier(CNNConfig(V, C, embed_dim=8, channels=5)),
    *(lambda p=p: TransformerClassifier(TransformerClassifierConfig(V, n_classes=C, max_len=32, d_model=16, n_heads=2,
                                                                    d_ff=32, pooling=p))
      for p in ("max", "mean", "attention")),
]


@pytest.mark.parametrize("make", SEQ_MODELS)
def test_padding_and_batch_company_do_not_change_logits(make):
    torch.manual_seed(0)
    model = make().eval()
    ids, lengths = _batch([7, 1, 4, 2])
    logits = model(ids, lengths)
    assert logits.shape == (4, C) and torch.isfinite(logits).all()
    more_pad = torch.nn.functional.pad(ids, (0, 9))
    torch.testing.assert_close(model(more_pad, lengths), logits)
    for i, n in enumerate(lengths.tolist()):  # each text alone, unpadded
        torch.testing.assert_close(model(ids[i:i + 1, :n], lengths[i:i + 1]), logits[i:i + 1], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("make", SEQ_MODELS[::5])
def test_gradients_reach_every_trainable_parameter(make):
    torch.manual_seed(0)
    model = make()
    ids, lengths = _batch([6, 3, 5])
    model(ids, lengths).sum().backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.requires_grad}
    assert all(g is not None for g in grads.values()), [n for n, g in grads.items() if g is None]


@pytest.mark.parametrize("cls,cfg", [(RNNClassifier, RNNConfig), (CNNClassifier, CNNConfig)])
def test_pretrained_embeddings_frozen_or_fine_tuned(cls, cfg):
    vectors = torch.randn(V, 8)
    for freeze in (True, False):
        torch.manual_seed(0)
        model = cls(cfg(V, C, embed_dim=8, freeze_embeddings=freeze))
        with torch.no_grad():
            model.embed.weight.copy_(vectors)
        opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0)
        ids, lengths = _batch([5, 4])
        model(ids, lengths).logsumexp(-1).sum().backward()
        opt.step()
        changed = not torch.equal(model.embed.weight, vectors)
        assert changed is not freeze


def test_transformer_classifier_exposes_embeddings_without_duplicate_weights():
    model = TransformerClassifier(TransformerClassifierConfig(V, max_len=8, d_model=16, n_heads=2, d_ff=32))
    assert model.embed is model.encoder.embed
    assert not any(k.startswith("embed.") for k in model.state_dict())


def test_attention_causal_mask_hides_the_future():
    torch.manual_seed(0)
    attn = Attention(8, 2, 0.0).eval()
    x = torch.randn(1, 5, 8)
    y = attn(x, causal=True)
    x2 = x.clone()
    x2[:, 3:] += 1.0  # change the future
    torch.testing.assert_close(attn(x2, causal=True)[:, :3], y[:, :3])
    mask = torch.tensor([[True, True, True, True, False]])
    torch.testing.assert_close(attn(x, key_mask=mask, causal=True)[:, :4], y[:, :4])


def test_bow_sparse_and_dense_inputs_agree_and_feature_weight_scales():
    torch.manual_seed(0)
    for hidden, normalize in ((0, False), (4, False), (0, True)):
        config = BagOfWordsConfig(n_features=10, n_classes=C, hidden=hidden, normalize=normalize)
        model = BagOfWordsClassifier(config).eval()
        model.feature_weight.copy_(torch.linspace(0.5, 2.0, 10))
        dense = torch.tensor([[1.0, 0, 2, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
        ids, values = torch.tensor([0, 2, 9]), torch.tensor([1.0, 2.0, 1.0])
        sparse = model(ids, torch.tensor([0, 3]), values)
        assert sparse.shape == (2, C)
        torch.testing.assert_close(model(dense), sparse)
    model.feature_weight.zero_()
    assert torch.allclose(model(dense)[0], model(dense)[1])  # all features scaled away: same as an empty text


def test_bow_normalize_makes_repeated_text_give_the_same_logits():
    torch.manual_seed(0)
    model = BagOfWordsClassifier(BagOfWordsConfig(n_features=10, n_classes=2, normalize=True))
    ids, values = torch.tensor([1, 4, 1, 4]), torch.tensor([1.0, 2.0, 3.0, 6.0])  # text 2 = 3 x text 1
    logits = model(ids, torch.tensor([0, 2]), values)
    torch.testing.assert_close(logits[0], logits[1])
