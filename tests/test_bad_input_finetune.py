"""Bad input to `nlpdive finetune classify / lm`: one clear line naming the flag or file and the fix, exit code 2,
nothing half-written."""
import json

import pytest

pytest.importorskip("transformers")
from finetune_bases import demo_sentences, tiny_bert, tiny_gpt2  # noqa: E402


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    root = tmp_path_factory.mktemp("bases")
    return tiny_bert(root / "bert"), tiny_gpt2(root / "gpt2")


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text("text\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in demo_sentences()[:64]), encoding="utf-8")
    return path


def test_base_directory_without_weights_or_config(run_cli, tmp_path, labelled):
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    code, _, err = run_cli("finetune", "classify", "--base", empty, "--data", labelled, "--out", tmp_path / "o")
    assert code == 2
    assert "not a model directory" in err and "config.json" in err and "model.safetensors" in err
    assert not (tmp_path / "o").exists()


def test_pickled_weights_are_refused(run_cli, tmp_path, labelled, bases):
    import shutil

    pickled = tmp_path / "pickled"
    shutil.copytree(bases[0], pickled)
    (pickled / "model.safetensors").rename(pickled / "pytorch_model.bin")
    code, _, err = run_cli("finetune", "classify", "--base", pickled, "--data", labelled, "--out", tmp_path / "o")
    assert code == 2 and "pytorch_model.bin, not safetensors" in err and "safe_serialization" in err


def test_unknown_hub_name_offline(run_cli, tmp_path, labelled, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, _, err = run_cli("finetune", "classify", "--base", "no-such-org/no-such-model-xyz", "--data", labelled,
                           "--out", tmp_path / "o")
    assert code == 2 and "no-such-org/no-such-model-xyz" in err and "could not load" in err


def test_missing_path_like_base(run_cli, tmp_path, labelled):
    code, _, err = run_cli("finetune", "classify", "--base", "./nowhere/model", "--data", labelled,
                           "--out", tmp_path / "o")
    assert code == 2 and "no such directory" in err


@pytest.mark.parametrize("flags, message", [
    (["--train-layers", "some"], "--train-layers"),
    (["--layer-decay", "0"], "--layer-decay must be > 0"),
    (["--max-length", "1"], "--max-length must be >= 2"),
    (["--pooling", "max"], "invalid choice"),
])
def test_bad_encoder_flags(run_cli, tmp_path, labelled, bases, flags, message):
    code, _, err = run_cli("finetune", "classify", "--base", bases[0], "--data", labelled, "--out", tmp_path / "o",
                           *flags)
    assert code == 2 and message in err, err


def test_a_tokenizer_without_pad_token_is_handled(run_cli, tmp_path, labelled, bases):
    """GPT-2's tokenizer has no pad token: batches pad with its end token (cls pooling: GPT-2's own head)."""
    from transformers import AutoTokenizer

    assert AutoTokenizer.from_pretrained(bases[1]).pad_token is None
    code, stdout, err = run_cli("finetune", "classify", "--base", bases[1], "--data", labelled, "--out",
                                tmp_path / "gpt2-clf", "--pooling", "cls", "--max-steps", "2", "--threads", "1",
                                "--json")
    assert code == 0, err
    assert json.loads(stdout.strip().splitlines()[-1])["labels"] == ["negative", "positive"]


def test_mean_pooling_needs_a_bert_type_head(run_cli, tmp_path, labelled, bases):
    code, _, err = run_cli("finetune", "classify", "--base", bases[1], "--data", labelled, "--out", tmp_path / "o",
                           "--max-steps", "1")
    assert code == 2 and "--pooling cls" in err


def test_long_texts_warn_with_a_count(run_cli, tmp_path, bases):
    path = tmp_path / "long.tsv"
    path.write_text("text\tlabel\n" + "".join(f"{'word ' * (60 if i % 4 == 0 else 3)}\t{i % 2}\n" for i in range(40)))
    code, _, err = run_cli("finetune", "classify", "--base", bases[0], "--data", path, "--out", tmp_path / "o",
                           "--max-length", "16", "--max-steps", "1", "--threads", "1")
    assert code == 0, err
    assert "of 36 training texts are longer than 16 tokens and were cut" in err


@pytest.mark.parametrize("flags, message", [
    (["--block-size", "1000"], "exceeds the model's context of 128"),
    (["--lora-alpha", "8"], "--lora-alpha is for --lora"),
    (["--lora", "0"], "--lora must be >= 1"),
])
def test_bad_lm_flags(run_cli, tmp_path, bases, flags, message):
    text = tmp_path / "t.txt"
    text.write_text("To be, or not to be, that is the question.\n" * 50)
    code, _, err = run_cli("finetune", "lm", "--base", bases[1], "--data", text, "--out", tmp_path / "o", *flags)
    assert code == 2 and message in err, err
    assert not (tmp_path / "o").exists()


def test_lm_needs_a_base(run_cli, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("some text\n")
    code, _, err = run_cli("finetune", "lm", "--data", text, "--out", tmp_path / "o")
    assert code == 2 and "--base is required" in err
