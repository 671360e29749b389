"""The translation task end to end on generated dates (the talk's "Date Formatting" example) and a few made-up
pairs, with models of ~20-70k parameters: the date normaliser learns (exact match on held-out dates), beam search
against greedy decoding and against beam 1, attention maps, n-best, sampling, save/load, evaluation with sacreBLEU,
checkpoint averaging, and the CLI (train translate, translate, evaluate)."""
import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sacrebleu")

import nlpdive  # noqa: E402
from nlpdive.data.dates import date_pairs, write_date_pairs  # noqa: E402
from nlpdive.tasks.translate import TranslateConfig, train  # noqa: E402
from nlpdive.train import TrainConfig  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SIZES = {"transformer": dict(d_model=64, heads=4, layers=2, d_ff=128, dropout=0.0),
         "gru-attention": dict(d_model=32, hidden=64, dropout=0.0)}
# (epochs, batch size): each learns the dates to >= 95% exact match (the Transformer needs more steps)
RUNS = {"transformer": (6, 16), "gru-attention": (4, 32)}


def fit(data, valid, model, out_dir=None, epochs=4, batch_size=32, **settings):
    transformer = model == "transformer"
    cfg = TrainConfig(epochs=epochs, batch_size=batch_size, lr=3e-3, warmup=30, schedule="inverse-sqrt" if transformer else
                      "constant", optimizer="muon" if transformer else "adamw", weight_decay=0.0, beta2=0.98,
                      threads=1, monitor="bleu", mode="max", log_every=10)
    return train(data, valid=valid, settings=TranslateConfig(model=model, vocab="char", **SIZES[model], **settings),
                 train_cfg=cfg, out_dir=out_dir)


@pytest.fixture(scope="module")
def dates(tmp_path_factory):
    root = tmp_path_factory.mktemp("dates")
    write_date_pairs(root / "train.tsv", 2500, seed=1)
    write_date_pairs(root / "valid.tsv", 100, seed=2)
    write_date_pairs(root / "test.tsv", 200, seed=3)
    return root


@pytest.fixture(scope="module")
def models(dates):
    """A Transformer and a GRU-attention date normaliser, trained once and saved."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out = {m: fit(dates / "train.tsv", dates / "valid.tsv", m, dates / m, *RUNS[m]) for m in SIZES}
    torch.set_num_threads(threads)
    return out


def exact_match(translator, pairs, **kw):
    found = translator.translate([s for s, _ in pairs], **kw)
    return sum(r["translation"] == t for r, (_, t) in zip(found, pairs)) / len(pairs)


@pytest.mark.parametrize("model", list(SIZES))
def test_date_normaliser_learns(models, model):
    pairs = date_pairs(200, seed=3)  # dates it never saw
    assert exact_match(models[model], pairs) >= 0.95
    assert models[model].translate(["3 May 1979"])[0]["translation"] == "1979-05-03"


def greedy(translator, text, max_new=40):
    """Argmax decoding written out step by step, without decode/: the reference for beam 1."""
    from nlpdive.tasks.translate.model import source_ids

    model, tgt = translator.model, translator.tgt
    src = torch.tensor([source_ids(translator.src, [text], translator.max_len)[0]])
    with torch.inference_mode():
        memory = model.encode(src, torch.tensor([src.shape[1]]))
        ids = [tgt.sos_id]
        for _ in range(max_new):
            logits, _, _ = model.decode(torch.tensor([ids]), memory)  # the whole prefix, no cache
            nxt = int(logits[0, -1].argmax())
            if nxt == tgt.eos_id:
                break
            ids.append(nxt)
    return ids[1:]


@pytest.mark.parametrize("model", list(SIZES))
def test_beam_one_is_greedy(models, model):
    texts = [s for s, _ in date_pairs(12, seed=7)] + ["Nonsense that is no date at all"]
    found = models[model].translate(texts, beam=1)
    assert [r["tokens"] for r in found] == [greedy(models[model], t) for t in texts]


@pytest.mark.parametrize("model", list(SIZES))
def test_wider_beams_never_score_lower_than_beam_one(models, model):
    texts = [s for s, _ in date_pairs(20, seed=8)] + ["12 Foo 1999", "yesterday", "May 1979"]
    one = models[model].translate(texts, beam=1, length_penalty=0)
    for k in (2, 5):
        wide = models[model].translate(texts, beam=k, length_penalty=0)
        assert all(w["log_prob"] >= o["log_prob"] - 1e-4 for w, o in zip(wide, one))


@pytest.mark.parametrize("model", list(SIZES))
def test_attention_rows_sum_to_one(models, model):
    r = models[model].translate(["Thursday, 3 May 1979"], attention=True)[0]
    a = r["attention"]
    weights = torch.tensor(a["weights"])
    assert weights.shape == (len(r["tokens"]) + 1, len(a["source_tokens"]))
    assert torch.allclose(weights.sum(1), torch.ones(weights.shape[0]), atol=1e-5)
    assert a["source_tokens"][:3] == ["T", "h", "u"] and a["target_tokens"][-1] == "</s>"


@pytest.mark.parametrize("model", list(SIZES))
def test_n_best_and_batching_keep_order(models, model):
    """Batches of mixed source lengths (inputs finish at different steps and leave the batch) give what each
    input gets alone."""
    tr = models[model]
    texts = [s for s, _ in date_pairs(30, seed=9)]
    alone = [tr.translate([t], beam=4)[0]["tokens"] for t in texts[:8]]
    batched = tr.translate(texts, beam=4, n_best=3, batch_size=7)
    assert [r["tokens"] for r in batched[:8]] == alone
    for r in batched:
        scores = [h["score"] for h in r["n_best"]]
        assert len(r["n_best"]) == 3 and scores == sorted(scores, reverse=True)
        assert r["n_best"][0]["translation"] == r["translation"]


def test_sampling_is_seeded(models):
    tr = models["gru-attention"]
    a = tr.translate(["3 May 1979"], sampling={"temperature": 1.5, "seed": 1, "num_samples": 4})[0]
    b = tr.translate(["3 May 1979"], sampling={"temperature": 1.5, "seed": 1, "num_samples": 4})[0]
    assert a["samples"] == b["samples"] and len(a["samples"]) == 4
    greedy_like = tr.translate(["3 May 1979"], sampling={"temperature": 0})[0]
    assert greedy_like["translation"] == tr.translate(["3 May 1979"], beam=1)[0]["translation"]


@pytest.mark.parametrize("model", list(SIZES))
def test_save_load_and_evaluate(models, dates, model):
    loaded = nlpdive.load(dates / model)
    texts = [s for s, _ in date_pairs(10, seed=4)]
    assert [r["translation"] for r in loaded.translate(texts)] == [r["translation"] for r in
                                                                   models[model].translate(texts)]
    m = loaded.evaluate(dates / "test.tsv", per_sentence=True)
    assert m["bleu"] > 80 and m["chrf"] > 90 and m["bleu_signature"].startswith("nrefs:1|case:mixed")
    assert len(m["per_sentence"]) == 200 and {"bleu", "chrf", "translation", "reference"} <= set(m["per_sentence"][0])
    saved = json.loads((dates / model / "metrics.json").read_text())
    assert saved["beam"] == 5 and saved["bleu"] > 80 and saved["train_pairs"] == 2500
    assert (dates / model / "vocab.json").is_file() and (dates / model / "loss.png").is_file()


def test_word_and_bpe_vocabularies(tmp_path):
    """A mapping between word sequences (reverse and upper-case) learns with word and BPE tokens, joint or not."""
    import random

    rng = random.Random(0)
    words = "red green blue cat dog bird runs sits jumps".split()
    lines = []
    for _ in range(1200):
        s = [rng.choice(words) for _ in range(rng.randint(2, 4))]
        lines.append(" ".join(s) + "\t" + " ".join(w.upper() for w in reversed(s)))
    (tmp_path / "p.tsv").write_text("\n".join(lines) + "\n")
    (tmp_path / "v.tsv").write_text("\n".join(lines[:60]) + "\n")
    for vocab, joint in (("word", False), ("bpe", True)):
        cfg = TrainConfig(epochs=4, batch_size=32, lr=3e-3, warmup=30, schedule="inverse-sqrt", optimizer="muon",
                          threads=1, monitor="bleu", mode="max")
        tr = train(tmp_path / "p.tsv", valid=tmp_path / "v.tsv", settings=TranslateConfig(
            vocab=vocab, joint=joint, vocab_size=300, **SIZES["transformer"]), train_cfg=cfg, out_dir=None)
        assert (tr.src is tr.tgt) == joint
        assert tr.translate(["red cat runs"])[0]["translation"] == "RUNS CAT RED", vocab


def test_average_last_checkpoints(dates, tmp_path):
    tr = fit(dates / "train.tsv", dates / "valid.tsv", "gru-attention", out_dir=tmp_path / "avg", epochs=3,
             average_last=3)
    averaged = tr.metrics["averaged"]
    # evaluations every 200 steps (--average-last without --eval-every) and at each epoch's end (79 steps)
    assert averaged["checkpoints"] == ["step-00000158", "step-00000200", "step-00000237"]
    assert isinstance(averaged["bleu"], float) and isinstance(averaged["kept"], bool)
    assert len(list((tmp_path / "avg" / "checkpoints").glob("step-*"))) == 3


def test_average_weights_is_the_mean(tmp_path):
    from safetensors.torch import save_file

    from nlpdive.train.checkpoint import average_weights

    for i, value in enumerate((1.0, 2.0, 6.0)):
        (tmp_path / f"step-{i}").mkdir()
        save_file({"w": torch.full((2, 2), value), "n": torch.tensor([i])}, str(tmp_path / f"step-{i}" /
                                                                                "model.safetensors"))
    mean = average_weights(sorted(tmp_path.glob("step-*")))
    assert torch.equal(mean["w"], torch.full((2, 2), 3.0)) and int(mean["n"]) == 2


def test_cli_train_translate_evaluate(dates, tmp_path, run_cli):
    out = tmp_path / "cli"
    code, stdout, err = run_cli("train", "translate", "--data", dates / "train.tsv", "--valid", dates / "valid.tsv",
                                "--model", "gru-attention", "--vocab", "char", "--d-model", "32", "--hidden", "64",
                                "--epochs", "1", "--threads", "1", "--out", out, "--json")
    assert code == 0, err
    record = json.loads(stdout.splitlines()[-1])
    assert record["model"] == "GRUSeq2Seq" and record["steps"] == 40  # batches of 64 (the recipe's default)
    lines = tmp_path / "in.txt"
    lines.write_text("3 May 1979\nMay 4, 1980\n")
    code, stdout, err = run_cli("translate", out, "--data", lines, "--beam", "3")
    assert code == 0, err and len(stdout.splitlines()) == 2
    code, stdout, err = run_cli("translate", out, "3 May 1979", "--n-best", "2", "--beam", "2", "--json",
                                "--attention-plot", tmp_path / "att.png")
    assert code == 0, err
    rec = json.loads(stdout.splitlines()[0])
    assert len(rec["n_best"]) == 2 and (tmp_path / "att.png").read_bytes()[:4] == b"\x89PNG"
    code, stdout, err = run_cli("evaluate", out, "--data", dates / "test.tsv", "--beam", "1", "--json")
    assert code == 0, err
    m = json.loads(stdout)
    assert m["beam"] == 1 and "bleu" in m and "chrf" in m and m["bleu_signature"].startswith("nrefs:1")


def test_source_and_target_files(tmp_path):
    pairs = date_pairs(300, seed=5)
    (tmp_path / "src.txt").write_text("".join(s + "\n" for s, _ in pairs))
    (tmp_path / "tgt.txt").write_text("".join(t + "\n" for _, t in pairs))
    tr = train(source=tmp_path / "src.txt", target=tmp_path / "tgt.txt", settings=TranslateConfig(
        model="gru-attention", vocab="char", d_model=16, hidden=32), train_cfg=TrainConfig(epochs=1, threads=1,
                                                                                          monitor="bleu", mode="max"),
        out_dir=None)
    assert tr.metrics["train_pairs"] == 285 and tr.metrics["valid_pairs"] == 15  # 5% held out


def test_over_long_pairs_are_dropped_and_counted(tmp_path):
    pairs = date_pairs(200, seed=6) + [("x" * 80, "1999-01-01")] * 3
    (tmp_path / "p.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in pairs))
    (tmp_path / "v.tsv").write_text("3 May 1979\t1979-05-03\n")
    with pytest.warns(UserWarning, match=r"dropped 3 of 203 training pairs with a side longer than 40 tokens"):
        tr = train(tmp_path / "p.tsv", valid=tmp_path / "v.tsv", settings=TranslateConfig(model="gru-attention", vocab="char", d_model=16,
                                                                hidden=32, max_length=40),
                   train_cfg=TrainConfig(epochs=1, threads=1, seed=3, monitor="bleu", mode="max"), out_dir=None)
    assert tr.metrics["train_pairs"] == 200
