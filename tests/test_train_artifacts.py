"""Saved model directories: tied weights save, and damaged files give InputErrors, never tracebacks."""
import pytest

torch = pytest.importorskip("torch")

from nlpdive.artifacts import load_weights, read_config, save_model_dir  # noqa: E402
from nlpdive.errors import InputError  # noqa: E402


class Tied(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(5, 4)
        self.out = torch.nn.Linear(4, 5, bias=False)
        self.out.weight = self.emb.weight


def _save(path):
    model = Tied()
    save_model_dir(path, task="lm", model_config={"class": "Tied"}, state_dict=model.state_dict(),
                   json_files={"labels.json": ["a", "b"]})
    return model


def test_tied_weights_round_trip(tmp_path):
    model = _save(tmp_path / "m")
    again = Tied()
    again.load_state_dict(load_weights(tmp_path / "m"))
    assert torch.equal(again.emb.weight, model.emb.weight) and again.out.weight is again.emb.weight
    assert read_config(tmp_path / "m")["task"] == "lm"


def test_tied_weights_are_stored_once(tmp_path):
    from safetensors import safe_open

    _save(tmp_path / "m")
    with safe_open(str(tmp_path / "m" / "model.safetensors"), "pt") as f:
        assert list(f.keys()) == ["emb.weight"] and "out.weight" in f.metadata()["nlpdive_tied"]
    weights = load_weights(tmp_path / "m")
    assert set(weights) == {"emb.weight", "out.weight"} and torch.equal(weights["emb.weight"], weights["out.weight"])


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b"\x00" * 16, lambda b: b""])
def test_damaged_weights_are_input_errors(tmp_path, damage):
    _save(tmp_path / "m")
    f = tmp_path / "m" / "model.safetensors"
    f.write_bytes(damage(f.read_bytes()))
    with pytest.raises(InputError, match="model.safetensors.*corrupt weights"):
        load_weights(tmp_path / "m")


def test_truncated_config_is_an_input_error(tmp_path):
    _save(tmp_path / "m")
    f = tmp_path / "m" / "config.json"
    f.write_text(f.read_text()[:20])
    with pytest.raises(InputError, match="config.json.*corrupt JSON"):
        read_config(tmp_path / "m")
