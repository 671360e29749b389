"""`nlpdive finetune lm`: a Hugging Face causal LM (a tiny GPT-2 made here: random weights, a real byte-level BPE)
or an nlpdive GPT, fine-tuned on text files or the rows of a CSV, with or without LoRA; `generate` and `evaluate`
on the result are the language-model task's own code."""
import json
import warnings

import pytest

pytest.importorskip("transformers")
from finetune_bases import DEMO, tiny_gpt2  # noqa: E402

from nlpdive.tasks.finetune import FinetuneLMConfig, HFLanguageModel, train_lm  # noqa: E402
from nlpdive.train import TrainConfig  # noqa: E402


@pytest.fixture(scope="module")
def gpt2_dir(tmp_path_factory):
    return tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="module")
def text(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text")
    lines = (DEMO / "shakespeare.txt").read_text(encoding="utf-8").splitlines()
    (folder / "train.txt").write_text("\n".join(lines[:1500]) + "\n", encoding="utf-8")
    (folder / "valid.txt").write_text("\n".join(lines[1500:1900]) + "\n", encoding="utf-8")
    return folder / "train.txt", folder / "valid.txt"


def steps(n, **kw):
    return TrainConfig(**{**dict(max_steps=n, epochs=100, batch_size=8, lr=3e-3, warmup=2, schedule="cosine",
                                 threads=1), **kw})


@pytest.fixture(scope="module")
def finetuned(gpt2_dir, text, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "lm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = train_lm(text[0], valid=text[1], settings=FinetuneLMConfig(base=str(gpt2_dir), block_size=32),
                      train_cfg=steps(40), out_dir=out)
    return lm, out


def test_fine_tuning_lowers_the_validation_loss(gpt2_dir, text, finetuned):
    import nlpdive
    from nlpdive.tasks.finetune.causal import HFTokens
    from nlpdive.tasks.finetune.hub import load_tokenizer
    from nlpdive.tasks.lm.tokens import encode_file

    lm, out = finetuned
    start = nlpdive.load(out)
    tokens = HFTokens(load_tokenizer(str(gpt2_dir), True))
    ids, chars = encode_file(tokens, text[1])
    from transformers import AutoModelForCausalLM

    from nlpdive.models.hf import CausalLM

    untrained = HFLanguageModel(CausalLM(AutoModelForCausalLM.from_pretrained(gpt2_dir), 32), "CausalLM",
                                {"block_size": 32}, tokens)
    before = untrained.score_ids(ids, chars)["loss"]
    after = start.evaluate(text[1])["loss"]
    assert after < before - 0.5, (before, after)
    assert lm.metrics["perplexity"] == pytest.approx(start.metrics["perplexity"])


def test_saved_directory_loads_in_transformers(finetuned):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _, out = finetuned
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "metrics.json"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    hf = AutoModelForCausalLM.from_pretrained(out)
    tok = AutoTokenizer.from_pretrained(out)
    assert hf.config.n_layer == 2 and tok.eos_token == "<|endoftext|>"
    assert json.loads((out / "config.json").read_text())["task"] == "finetune-lm"


def test_generate_with_the_kv_cache_equals_without(finetuned):
    import nlpdive

    lm = nlpdive.load(finetuned[1])
    cached = lm.generate("ROMEO:", max_tokens=40, seed=1, temperature=0.8)[0]
    plain = lm.generate("ROMEO:", max_tokens=40, seed=1, temperature=0.8, cache=False)[0]
    assert cached["text"] == plain["text"] and cached["tokens"] == plain["tokens"] > 0
    pieces = []
    lm.generate("KING", max_tokens=10, seed=0, on_text=lambda i, piece: pieces.append(piece))
    assert "".join(pieces) == lm.generate("KING", max_tokens=10, seed=0)[0]["text"]


def test_cli_finetune_then_generate(run_cli, gpt2_dir, text, tmp_path):
    out = tmp_path / "cli-lm"
    code, stdout, err = run_cli("finetune", "lm", "--base", gpt2_dir, "--data", text[0], "--out", out,
                                "--max-steps", "3", "--block-size", "16", "--batch-size", "4", "--threads", "1",
                                "--json")
    assert code == 0, err
    assert json.loads(stdout.strip().splitlines()[-1])["steps"] == 3
    code, stdout, err = run_cli("generate", out, "--prompt", "To be", "--max-tokens", "5", "--seed", "0", "--json")
    assert code == 0, err
    sample = json.loads(stdout)
    assert sample["prompt"] == "To be" and 1 <= sample["tokens"] <= 5  # an end token may come first
    assert sample["finish_reason"] == ("length" if sample["tokens"] == 5 else "end")
    code, stdout, err = run_cli("evaluate", out, "--data", text[1], "--json")
    assert code == 0, err
    assert json.loads(stdout)["perplexity"] > 1


def test_lora_trains_only_adapters_and_saves_them_merged(gpt2_dir, text, tmp_path):
    pytest.importorskip("peft")
    import torch
    from transformers import AutoModelForCausalLM

    import nlpdive

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = train_lm(text[0], settings=FinetuneLMConfig(base=str(gpt2_dir), block_size=32, lora=4),
                      train_cfg=steps(20, lr=1e-2), out_dir=tmp_path / "lora")
    assert (tmp_path / "lora" / "adapter" / "adapter_config.json").is_file()
    base = AutoModelForCausalLM.from_pretrained(gpt2_dir).state_dict()
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "lora").state_dict()
    assert torch.equal(base["transformer.wte.weight"], merged["transformer.wte.weight"])  # frozen
    assert not torch.equal(base["transformer.h.0.attn.c_attn.weight"], merged["transformer.h.0.attn.c_attn.weight"])
    loaded = nlpdive.load(tmp_path / "lora")
    x = torch.tensor([[1, 2, 3, 4]])
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(x)[0], lm.model(x)[0], atol=1e-4, rtol=1e-4)


def test_csv_rows_are_documents(gpt2_dir, tmp_path):
    rows = ["id,comment_text,toxic"] + [f'{i},"line {i} of a comment, with a comma",0' for i in range(300)]
    path = tmp_path / "comments.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = train_lm(path, settings=FinetuneLMConfig(base=str(gpt2_dir), block_size=16, text_column="comment_text"),
                      train_cfg=steps(2), out_dir=tmp_path / "csv")
    doc = (tmp_path / "csv" / "documents" / "train-0.txt").read_text(encoding="utf-8")
    assert doc.count("<|endoftext|>") == 299 and doc.startswith("line 0 of a comment, with a comma<|endoftext|>")
    ids = lm.tokens.encode(doc[:60])
    assert lm.tokens.end_id in ids.tolist()


def test_an_nlpdive_gpt_is_a_base_too(text, tmp_path):
    import nlpdive
    from nlpdive.tasks.lm import LMConfig
    from nlpdive.tasks.lm import train as train_from_scratch

    from nlpdive.text.tokenizer import train_tokenizer

    tok = tmp_path / "bpe.json"
    train_tokenizer(text[0].read_text(encoding="utf-8").splitlines(), vocab_size=300).save(tok)
    settings = LMConfig(model="gpt", tokenizer=str(tok), layers=1, n_embd=32, heads=2, block_size=32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pre = train_from_scratch(text[0], settings=settings,
                                 train_cfg=steps(30), out_dir=tmp_path / "pre")
        tuned = train_lm(text[1], settings=FinetuneLMConfig(base=str(tmp_path / "pre")), train_cfg=steps(10, lr=1e-3),
                         out_dir=tmp_path / "tuned")
    assert tuned.task == "lm" and tuned.tokens.vocab_size == pre.tokens.vocab_size
    assert nlpdive.load(tmp_path / "tuned").evaluate(text[1])["loss"] < pre.evaluate(text[1])["loss"]
