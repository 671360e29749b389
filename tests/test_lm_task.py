"""The language-model task end to end, on a few KB of made-up text with models of ~15-30k parameters: training
(Python API and CLI), generation (seeds, stop strings, end tokens, the KV cache against recomputation), evaluation,
save/load, the RNN models and stateful windows, subword tokenizers, the time budget and resuming after kill -9.
Also the training windows themselves (data/stream.py)."""
import json
import math
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from processes import wait_for_checkpoint

torch = pytest.importorskip("torch")

import nlpdive  # noqa: E402
from nlpdive.tasks.lm import LMConfig, train  # noqa: E402
from nlpdive.train import TrainConfig  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

HELPERS = Path(__file__).parent / "train_helpers"
WORDS = "the cat sat on a mat and the dog ran to the red hat by a big old tree".split()
SIZE = ["--layers", "1", "--n-embd", "32", "--heads", "2", "--block-size", "32"]
FAST = ["--batch-size", "8", "--threads", "1", "--lr", "0.01", "--warmup", "0"]


def make_text(n_chars, seed):
    """Sentences of the words above: a character model can learn the spellings, which the unigram cannot."""
    rng = random.Random(seed)
    lines = []
    while sum(map(len, lines)) < n_chars:
        lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 8))) + ".\n")
    return "".join(lines)


def unigram_entropy(text):
    """Nats per character of the text's own character frequencies (the best context-free model of it)."""
    counts, n = Counter(text), len(text)
    return -sum(c / n * math.log(c / n) for c in counts.values())


def fast_cfg(**kw):
    return TrainConfig(**{"epochs": 8, "batch_size": 8, "threads": 1, "lr": 1e-2, "warmup": 0, "optimizer": "muon",
                          "weight_decay": 0.0, "schedule": "cosine", "log_every": 5, **kw})


def records(run, kind):
    lines = (Path(run) / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["kind"] == kind]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    (root / "train.txt").write_text(make_text(3000, seed=1))
    (root / "valid.txt").write_text(make_text(600, seed=2))
    return root


@pytest.fixture(scope="module")
def gpt(corpus, tmp_path_factory):
    """(LanguageModel, its saved directory): a 1-layer GPT trained through the Python API."""
    threads = torch.get_num_threads()
    out = tmp_path_factory.mktemp("runs") / "gpt"
    lm = train(corpus / "train.txt", valid=corpus / "valid.txt",
               settings=LMConfig(model="gpt", layers=1, n_embd=32, heads=2, block_size=32),
               train_cfg=fast_cfg(), out_dir=out)
    torch.set_num_threads(threads)
    return lm, out


# -- training ---------------------------------------------------------------------------------------------------
def test_api_training_lowers_the_loss_and_beats_the_unigram_baseline(gpt, corpus):
    lm, out = gpt
    assert lm.model_class == "GPT" and lm.model_cfg["n_layer"] == 1 and lm.model_cfg["n_embd"] == 32
    assert sum(p.numel() for p in lm.model.parameters()) < 50_000
    train_losses = [r["train_loss"] for r in records(out, "train")]
    assert len(train_losses) >= 4 and train_losses[-1] < 0.8 * train_losses[0], train_losses
    evals = records(out, "eval")
    assert evals[-1]["valid_loss"] < evals[0]["valid_loss"]
    valid_text = (corpus / "valid.txt").read_text()
    metrics = lm.evaluate(corpus / "valid.txt")
    baseline = unigram_entropy(valid_text)
    assert metrics["loss"] < baseline - 0.2, (metrics["loss"], baseline)
    # a character model: bits per character are bits per token
    assert metrics["bits_per_char"] == pytest.approx(metrics["loss"] / math.log(2))
    assert metrics["characters"] == metrics["tokens"]
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["steps"] == lm.train_result.steps and saved["out_of_time"] is False
    assert saved["loss"] == pytest.approx(min(r["valid_loss"] for r in evals))


def test_cli_trains_a_rotary_gpt_and_its_cache_matches_recomputation(run_cli, corpus, tmp_path):
    out = tmp_path / "rotary"
    code, text, err = run_cli("train", "lm", "--data", corpus / "train.txt", "--valid", corpus / "valid.txt",
                              "--out", out, "--epochs", "6", "--positions", "rotary", *SIZE, *FAST)
    assert code == 0, err
    import re

    steps = json.loads((out / "metrics.json").read_text())["steps"]
    assert text.startswith("saved GPT (") and re.search(rf" after {steps} steps in ", text), text
    evals = records(out, "eval")
    assert len(evals) == 6 and evals[-1]["valid_loss"] < evals[0]["valid_loss"] - 0.3, evals
    lm = nlpdive.load(out)
    assert lm.model_cfg["positions"] == "rotary" and lm.model_cfg["block_size"] == 32
    config = json.loads((out / "run_config.json").read_text())
    assert config["epochs"] == 6
    assert_cache_matches(lm)


# -- the KV cache ---------------------------------------------------------------------------------------------
def assert_cache_matches(lm, prompt="the cat "):
    """Greedy text and every step's logits, with the cache and without, beyond block_size (cache refills)."""
    from nlpdive.tasks.lm.model import GPTStep

    n = 3 * lm.block_size
    cached = lm.generate(prompt, temperature=0, max_tokens=n, cache=True)[0]
    plain = lm.generate(prompt, temperature=0, max_tokens=n, cache=False)[0]
    assert cached == plain and cached["tokens"] == n
    sampled = lm.generate(prompt, temperature=1.0, seed=2, max_tokens=n, cache=True)[0]
    assert sampled == lm.generate(prompt, temperature=1.0, seed=2, max_tokens=n, cache=False)[0]
    assert len(set(sampled["text"])) > 6  # a varied text (greedy ones repeat themselves)
    ids = torch.tensor(lm.tokens.encode(make_text(400, seed=9))[: n + 5])[None]       # [1, 3 * block + 5]
    with torch.inference_mode():
        steps = GPTStep(lm.model, cache=True), GPTStep(lm.model, cache=False)
        (a, sa), (b, sb) = (s(ids[:, :3], None) for s in steps)
        for t in range(3, ids.size(1)):
            torch.testing.assert_close(a, b, atol=1e-4, rtol=0, msg=f"after {t} tokens")
            (a, sa), (b, sb) = steps[0](ids[:, t:t + 1], sa), steps[1](ids[:, t:t + 1], sb)
        assert sa["kv"].length <= lm.block_size


def test_kv_cache_generation_matches_recomputation_past_block_size(gpt):
    assert_cache_matches(gpt[0])


def test_a_prompt_longer_than_the_block_is_cropped_alike(gpt):
    lm = gpt[0]
    prompt = make_text(200, seed=5)[:3 * lm.block_size]
    cached = lm.generate(prompt, temperature=0, max_tokens=10, cache=True)
    assert cached == lm.generate(prompt, temperature=0, max_tokens=10, cache=False)
    assert cached[0]["tokens"] == 10


# -- sampling ------------------------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_sample_and_other_seeds_differ(gpt):
    lm = gpt[0]
    one = lm.generate("the ", seed=1, max_tokens=40, temperature=1.0)
    assert one == lm.generate("the ", seed=1, max_tokens=40, temperature=1.0)
    others = {lm.generate("the ", seed=s, max_tokens=40, temperature=1.0)[0]["text"] for s in (2, 3)}
    assert one[0]["text"] not in others
    assert one[0]["finish_reason"] == "length" and one[0]["tokens"] == 40
    many = lm.generate("the ", seed=1, max_tokens=20, num_samples=3, temperature=1.0)
    assert len(many) == 3 and len({s["text"] for s in many}) > 1


def test_stop_cuts_the_text(gpt):
    lm = gpt[0]
    full = lm.generate("the cat", temperature=0, max_tokens=60)[0]["text"]
    stop = full[10:12]
    assert len(stop) == 2
    cut = lm.generate("the cat", temperature=0, max_tokens=60, stop=[stop])[0]
    assert cut["finish_reason"] == "stop"
    assert cut["text"] == full[:full.index(stop)]
    assert cut["tokens"] == len(cut["text"])  # characters are tokens
    pieces = []
    streamed = lm.generate("the cat", temperature=0, max_tokens=60, stop=[stop],
                           on_text=lambda i, piece: pieces.append(piece))[0]
    assert "".join(pieces) == streamed["text"] == cut["text"]


def test_cli_generate_prints_the_prompt_and_the_text(run_cli, gpt):
    lm, out = gpt
    expected = lm.generate("the dog", seed=1, max_tokens=20)[0]["text"]
    code, text, err = run_cli("generate", out, "--prompt", "the dog", "--seed", 1, "--max-tokens", 20)
    assert code == 0, err
    assert text == "the dog" + expected + "\n"
    assert len(expected) == 20
    code, text, err = run_cli("generate", out, "--prompt", "the dog", "--seed", 1, "--max-tokens", 20, "--json")
    assert code == 0, err
    record = json.loads(text)
    assert record["text"] == expected and record["tokens"] == 20 and record["finish_reason"] == "length"
    assert record["prompt"] == "the dog"


def test_cli_generate_stop_and_several_samples(run_cli, gpt):
    lm, out = gpt
    full = lm.generate("a ", temperature=0, max_tokens=30)[0]["text"]
    stop = full[5:7]
    code, text, err = run_cli("generate", out, "--prompt", "a ", "--temperature", 0, "--max-tokens", 30,
                              "--stop", stop, "--json")
    assert code == 0, err
    record = json.loads(text)
    assert record["finish_reason"] == "stop" and record["text"] == full[:full.index(stop)]
    code, text, err = run_cli("generate", out, "--prompt", "a ", "--seed", 3, "--num-samples", 2, "--max-tokens", 8)
    assert code == 0, err
    assert text.count("--- sample ") == 2


# -- evaluation and the saved directory ------------------------------------------------------------------------
def test_cli_evaluate_reports_loss_perplexity_and_bits_per_char(run_cli, gpt, corpus):
    lm, out = gpt
    code, text, err = run_cli("evaluate", out, "--data", corpus / "valid.txt", "--json")
    assert code == 0, err
    m = json.loads(text)
    assert {"loss", "perplexity", "bits_per_char"} <= set(m)
    assert m["perplexity"] == pytest.approx(math.exp(m["loss"]), rel=1e-9)
    assert m["bits_per_char"] == pytest.approx(m["loss"] / math.log(2))
    assert m["loss"] == pytest.approx(lm.evaluate(corpus / "valid.txt")["loss"], abs=1e-6)
    code, text, err = run_cli("evaluate", out, "--data", corpus / "valid.txt")
    assert code == 0 and "perplexity: " in text and "bits_per_char: " in text


def test_evaluation_scores_every_window_that_fits(gpt, tmp_path):
    """A text of block + 1 .. 2 * block tokens holds one window (it was scored as none before)."""
    lm = gpt[0]
    path = tmp_path / "short.txt"
    path.write_text(make_text(200, seed=4)[:lm.block_size + 10])
    m = lm.evaluate(path)
    assert m["tokens"] == lm.block_size and m["loss"] > 0
    path.write_text(make_text(400, seed=4)[:3 * lm.block_size + 1])
    assert lm.evaluate(path)["tokens"] == 3 * lm.block_size  # every token after the first, once


def test_save_and_load_round_trip(gpt, corpus, tmp_path):
    lm, out = gpt
    loaded = nlpdive.load(out)
    assert type(loaded).__name__ == "LanguageModel" and loaded.verbs == ("generate",)
    assert loaded.evaluate(corpus / "valid.txt") == lm.evaluate(corpus / "valid.txt")
    assert loaded.generate("the", seed=4, max_tokens=15) == lm.generate("the", seed=4, max_tokens=15)
    again = loaded.save(tmp_path / "copy")
    assert nlpdive.load(again).evaluate(corpus / "valid.txt") == lm.evaluate(corpus / "valid.txt")
    for a, b in zip(lm.model.state_dict().values(), nlpdive.load(again).model.state_dict().values()):
        assert torch.equal(a, b)


# -- documents and the end token --------------------------------------------------------------------------------
def test_several_files_are_documents_separated_by_an_end_token(tmp_path):
    from nlpdive.tasks.lm.tokens import END, tokenize_files

    docs = []
    for i in range(40):
        docs.append(tmp_path / f"doc{i:02d}.txt")
        docs[-1].write_text("abc abc.\n")
    lm = train(docs, settings=LMConfig(model="gpt", layers=1, n_embd=32, heads=2, block_size=16),
               train_cfg=fast_cfg(epochs=30, lr=2e-2), out_dir=tmp_path / "run")
    chars = sorted(set("abc abc.\n"))
    assert lm.tokens.vocab_size == len(chars) + 1
    assert lm.tokens.end_id == len(chars) and lm.tokens.itos[lm.tokens.end_id] == END
    count, dtype, n_chars = tokenize_files(lm.tokens, docs, tmp_path / "stream.bin")
    assert (count, dtype, n_chars) == (40 * 9 + 39, "uint8", 40 * 9)
    stream = np.fromfile(tmp_path / "stream.bin", dtype=np.uint8)
    assert len(stream) == 40 * 9 + 39 and (stream == lm.tokens.end_id).sum() == 39
    assert lm.prompt_ids("") == [lm.tokens.end_id]  # an empty prompt starts a new document
    sample = lm.generate("abc a", temperature=0, max_tokens=30)[0]
    assert sample == {"text": "bc.\n", "tokens": 4, "finish_reason": "end"}
    new_doc = lm.generate("", temperature=0, max_tokens=30)[0]
    assert new_doc["text"] == "abc abc.\n" and new_doc["finish_reason"] == "end"
    assert END not in new_doc["text"]
    assert nlpdive.load(tmp_path / "run").tokens.end_id == lm.tokens.end_id


def test_one_file_has_no_end_token(tmp_path):
    (tmp_path / "a.txt").write_text(make_text(800, seed=3))
    (tmp_path / "v.txt").write_text(make_text(300, seed=4))
    lm = train(tmp_path / "a.txt", valid=tmp_path / "v.txt", settings=LMConfig(model="gpt", layers=1, n_embd=16,
               heads=2, block_size=16), train_cfg=fast_cfg(epochs=1), out_dir=tmp_path / "run")
    assert lm.tokens.end_id is None  # one document (the --valid file is not another training document)
    assert lm.tokens.vocab_size == len(set(make_text(800, seed=3)) | set(make_text(300, seed=4)))
    assert lm.prompt_ids("") == [lm.tokens.encode("\n")[0]]


# -- recurrent models and stateful windows ----------------------------------------------------------------------
def test_char_gru_trains_and_generates(corpus, tmp_path):
    lm = train(corpus / "train.txt", valid=corpus / "valid.txt",
               settings=LMConfig(model="char-gru", layers=1, n_embd=16, hidden=48, block_size=32),
               train_cfg=fast_cfg(epochs=6, optimizer="adamw"), out_dir=tmp_path / "gru")
    assert lm.model_class == "CharRNN" and lm.model_cfg["cell"] == "gru"
    evals = records(tmp_path / "gru", "eval")
    assert evals[-1]["valid_loss"] < evals[0]["valid_loss"] - 0.2, evals
    a = lm.generate("the ", seed=5, max_tokens=60, temperature=0.5)
    assert a == lm.generate("the ", seed=5, max_tokens=60, temperature=0.5)
    assert a[0]["tokens"] == 60 and set(a[0]["text"]) <= set(lm.tokens.itos)
    # RNNStep carries the state: the greedy text equals the argmax of full forward passes over the context
    greedy = lm.generate("the ", temperature=0, max_tokens=12)[0]["text"]
    ids = list(lm.tokens.encode("the "))
    with torch.no_grad():
        for _ in range(12):
            logits, _ = lm.model(torch.tensor([ids]))
            ids.append(int(logits[0, -1].argmax()))
    assert lm.tokens.decode(ids[4:]) == greedy
    assert nlpdive.load(tmp_path / "gru").generate("the ", seed=5, max_tokens=60, temperature=0.5) == a


def test_stateful_windows_train_a_char_gru_from_the_cli(run_cli, corpus, tmp_path):
    out = tmp_path / "stateful"
    code, text, err = run_cli("train", "lm", "--data", corpus / "train.txt", "--out", out, "--model", "char-gru",
                              "--windows", "stateful", "--epochs", "6", "--layers", "1", "--n-embd", "16", "--hidden",
                              "48", "--block-size", "16", *FAST)
    assert code == 0, err
    assert text.startswith("saved CharRNN (")
    evals = records(out, "eval")
    assert evals[-1]["valid_loss"] < evals[0]["valid_loss"] - 0.2, evals
    config = json.loads((out / "config.json").read_text())
    assert config["lm"]["windows"] == "stateful"
    code, text, err = run_cli("generate", out, "--prompt", "the ", "--max-tokens", 10, "--seed", 0)
    assert code == 0 and text.startswith("the ") and len(text) == len("the ") + 10 + 1


def test_stateful_loss_carries_the_state_between_batches():
    from nlpdive.models.charrnn import CharRNN, CharRNNConfig
    from nlpdive.tasks.lm.recipe import NextTokenLoss

    torch.manual_seed(0)
    model = CharRNN(CharRNNConfig(vocab_size=7, cell="lstm", n_embd=8, hidden=8, n_layer=1))
    batches = torch.randint(0, 7, (2, 3, 9))
    stateful, stateless = NextTokenLoss(stateful=True), NextTokenLoss()
    first = stateful(model, batches[0])
    assert first.item() == pytest.approx(stateless(model, batches[0]).item())
    assert stateful.state is not None and not stateful.state[0].requires_grad  # detached: truncated BPTT
    carried = stateful(model, batches[1]).item()
    assert carried != pytest.approx(stateless(model, batches[1]).item())
    _, state = model(batches[0][:, :-1])
    logits, _ = model(batches[1][:, :-1], state)
    expected = torch.nn.functional.cross_entropy(logits.flatten(0, 1), batches[1][:, 1:].flatten())
    assert carried == pytest.approx(expected.item(), abs=1e-6)


# -- windows -------------------------------------------------------------------------------------------------
def test_random_windows_see_every_window_once_per_epoch_in_fresh_places():
    from nlpdive.data.stream import Windows, random_windows

    ids = np.arange(1000) % 251
    w = Windows(ids, block_size=10)
    assert len(w) == 99
    shifts = set()
    for seed in range(6):
        batches = random_windows(w, 8, seed, 0, 1)
        offsets = np.concatenate(batches)
        assert all(len(b) == 8 for b in batches) and len(batches) == 99 // 8
        assert len(set(offsets % 10)) == 1 and len(set(offsets.tolist())) == len(offsets)  # one grid, no repeats
        assert offsets.max() + 11 <= len(ids)
        shifts.add(int(offsets[0] % 10))
    assert len(shifts) > 1  # each epoch shifts the grid
    batch = w.__getitems__([0, 20])
    assert batch.shape == (2, 11) and batch.dtype == torch.int64 and batch[1, 0] == 20
    ranks = [np.concatenate(random_windows(w, 4, 3, r, 2)) for r in (0, 1)]
    assert not set(ranks[0].tolist()) & set(ranks[1].tolist())  # ranks take different windows


def test_a_stream_shorter_than_two_blocks_still_has_one_window():
    from nlpdive.data.stream import Blocks, Windows, random_windows, stateful_windows

    ids = np.arange(40)
    assert len(Windows(ids, 32)) == 1 and len(Blocks(ids, 32)) == 1
    for seed in range(4):
        (batch,) = random_windows(Windows(ids, 32), 8, seed, 0, 1)
        assert len(batch) == 1 and 0 <= batch[0] < 8  # any start that fits 33 ids
    (batch,) = stateful_windows(Windows(ids, 32), 8, 0, 0, 1)  # too short for rows: random windows
    assert len(batch) == 1 and 0 <= batch[0] < 8
    assert len(Windows(np.arange(32), 32)) == len(Blocks(np.arange(32), 32)) == 0
    assert len(Blocks(np.arange(100), 32)) == 3  # offsets 0, 32, 64 (64 + 33 <= 100)


def test_stateful_windows_continue_each_row():
    from nlpdive.data.stream import Windows, stateful_windows

    w = Windows(np.arange(1000), block_size=10)
    batches = stateful_windows(w, 4, 0, 0, 1)
    assert len(batches) >= 20
    for before, after in zip(batches, batches[1:]):
        assert (after - before).tolist() == [10] * 4  # row r of batch k + 1 starts where row r of batch k ended
    rows = np.stack(batches)                                                   # [chunks, B]
    assert rows.max() + 11 <= 1000
    assert len(set(rows.flatten().tolist())) == rows.size
    other = stateful_windows(w, 2, 0, 1, 2)  # rank 1 of 2 takes the last two rows
    assert [b.tolist() for b in other] == [b[2:].tolist() for b in batches]


def test_blocks_cover_the_stream_in_order():
    from nlpdive.data.stream import Blocks

    b = Blocks(np.arange(100), 10)
    assert len(b) == 9  # offsets 0 .. 80; a window at 90 would need id 100
    batch = b.__getitems__(range(len(b)))                                      # [9, 11]
    assert batch[:, 0].tolist() == list(range(0, 90, 10))
    assert batch[:, :-1].flatten().tolist() == list(range(90))                 # inputs: each id once, in order
    assert batch[:, 1:].flatten().tolist() == list(range(1, 91))               # targets: the next ids


# -- subword tokenizers -------------------------------------------------------------------------------------------
def test_a_bpe_tokenizer_trains_a_language_model(run_cli, corpus, tmp_path):
    tok = tmp_path / "tok.json"
    code, _, err = run_cli("text", "train-tokenizer", "--data", corpus / "train.txt", "--vocab-size", 300, "--out", tok)
    assert code == 0, err
    out = tmp_path / "bpe"
    code, text, err = run_cli("train", "lm", "--data", corpus / "train.txt", "--valid", corpus / "valid.txt",
                              "--out", out, "--tokenizer", tok, "--epochs", "4", *SIZE[:4], "--heads", "2",
                              "--block-size", "16", *FAST)
    assert code == 0, err
    lm = nlpdive.load(out)
    assert lm.tokens.kind == "subword" and lm.model_cfg["vocab_size"] == lm.tokens.vocab_size <= 300
    m = lm.evaluate(corpus / "valid.txt")
    assert m["tokens"] < m["characters"] / 2  # subwords: several characters a token
    assert m["bits_per_char"] < m["bits_per_token"]
    sample = lm.generate("the cat", seed=0, max_tokens=8)[0]
    assert sample["tokens"] == 8 and sample["text"].strip()


def test_the_gpt2_tokenizer_folder_trains_a_tiny_model(run_cli, shared_data, corpus, tmp_path):
    folder = shared_data / "gpt2-tokenizer"
    if not (folder / "encoder.json").is_file():
        pytest.skip(f"no GPT-2 tokenizer at {folder}")
    out = tmp_path / "gpt2"
    code, text, err = run_cli("train", "lm", "--data", corpus / "train.txt", "--valid", corpus / "valid.txt",
                              "--out", out, "--tokenizer", folder, "--epochs", "1", "--layers", "1", "--n-embd", "16",
                              "--heads", "2", "--block-size", "16", *FAST)
    assert code == 0, err
    lm = nlpdive.load(out)
    assert lm.tokens.vocab_size == 50257 and lm.tokens.end_id == 50256
    assert lm.prompt_ids("") == [50256]
    assert list(lm.tokens.encode("the cat")) == [1169, 3797]  # GPT-2's own ids
    sample = lm.generate("the cat", seed=0, max_tokens=4)[0]
    assert 1 <= sample["tokens"] <= 4


# -- the time budget and resuming -----------------------------------------------------------------------------------
def test_a_time_budget_stops_the_run_and_saves_the_model(run_cli, corpus, tmp_path):
    out = tmp_path / "budget"
    code, text, err = run_cli("train", "lm", "--data", corpus / "train.txt", "--out", out, "--time-budget", "3",
                              *SIZE, "--batch-size", "8", "--threads", "1")
    assert code == 0, err
    m = json.loads((out / "metrics.json").read_text())
    assert m["out_of_time"] is True and "(time budget)" in text
    assert m["steps"] < 1000 * 11  # far from --epochs' default cap
    assert (out / "model.safetensors").is_file()
    assert nlpdive.load(out).generate("the", seed=0, max_tokens=5)[0]["tokens"] == 5


def test_sigkill_then_resume_matches_an_uninterrupted_run(run_cli, corpus, tmp_path):
    from safetensors.torch import load_file

    args = ["train", "lm", "--data", corpus / "train.txt", "--valid", corpus / "valid.txt", "--epochs", "3",
            "--checkpoint-every", "4", *SIZE, *FAST]
    args = [str(a) for a in args]
    killed = tmp_path / "killed"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, str(HELPERS / "slow_lm.py"), "0.1", *args, "--out", str(killed)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)
    wait_for_checkpoint(proc, killed / "checkpoints")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (killed / "model.safetensors").exists()

    code, _, err = run_cli(*args, "--out", killed, "--resume")
    assert code == 0, err
    full = tmp_path / "full"
    code, _, err = run_cli(*args, "--out", full)
    assert code == 0, err

    resumed_m, full_m = (json.loads((d / "metrics.json").read_text()) for d in (killed, full))
    windows = (len((corpus / "train.txt").read_text()) - 32) // 32
    assert resumed_m["steps"] == full_m["steps"] == 3 * (windows // 8)
    assert resumed_m["loss"] == pytest.approx(full_m["loss"], abs=1e-5)
    a, b = load_file(str(killed / "model.safetensors")), load_file(str(full / "model.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=1e-5, rtol=0, msg=k)
    steps = [r["step"] for r in records(killed, "eval")]
    assert steps == [r["step"] for r in records(full, "eval")]  # no record lost or repeated
