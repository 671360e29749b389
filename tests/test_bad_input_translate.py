"""The bad-input table for translation (`train translate`, `translate`, `evaluate` on a translator): each row must
exit 2 with one error line naming the file, line or flag and saying how to fix it, no traceback, and leave the
disk as it was (tests/bad_input.py has the assertions). Text the model was not trained on still translates."""
import json

import pytest

from bad_input import assert_rejected
from nlpdive import demo
from nlpdive.data.dates import date_pairs

pytestmark = pytest.mark.usefixtures("one_torch_thread")
pytest.importorskip("sacrebleu")

PAIRS = "".join(f"{s}\t{t}\n" for s, t in date_pairs(120, seed=0))
TINY = ["--model", "gru-attention", "--vocab", "char", "--d-model", "8", "--hidden", "16", "--epochs", "1",
        "--threads", "1"]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A tiny char GRU translator and a tiny bag-of-words classifier, saved once."""
    import torch

    from nlpdive.tasks.classify import Classifier, ClassifyConfig
    from nlpdive.tasks.translate import TranslateConfig, train
    from nlpdive.train import TrainConfig

    threads = torch.get_num_threads()
    root = tmp_path_factory.mktemp("models")
    (root / "pairs.tsv").write_text(PAIRS)
    train(root / "pairs.tsv", settings=TranslateConfig(model="gru-attention", vocab="char", d_model=8, hidden=16),
          train_cfg=TrainConfig(epochs=1, batch_size=16, threads=1, monitor="bleu", mode="max"), out_dir=root / "tr")
    lines = demo.path("mr").read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.split("\t") for line in lines[:60] + lines[-60:]]
    Classifier.fit([t for t, _ in rows], [lab for _, lab in rows], ClassifyConfig(),
                   TrainConfig(epochs=1, batch_size=64)).save(root / "bow")
    torch.set_num_threads(threads)
    return root


def write(name, text):
    return lambda root: (root / name).write_text(text, encoding="utf-8")


# (id, files to make: callable(root) or None, argv after `train translate --out {root}/run`, expected error regex)
TRAIN = [
    ("misaligned", lambda r: (write("a.de", "eins\nzwei\ndrei\n")(r), write("a.en", "one\ntwo\n")(r)),
     ["--source", "{root}/a.de", "--target", "{root}/a.en", *TINY],
     r"a\.de has 3 lines but .*a\.en has 2 \(the two files must be aligned line by line\)"),
    ("empty-source-line", lambda r: (write("b.de", "eins\n\ndrei\n")(r), write("b.en", "one\ntwo\nthree\n")(r)),
     ["--source", "{root}/b.de", "--target", "{root}/b.en", *TINY],
     r"b\.de:2: empty source sentence \(remove the line from both sides\)"),
    ("empty-target-in-tsv", write("c.tsv", "eins\tone\nzwei\t \n"), ["--data", "{root}/c.tsv", *TINY],
     r"c\.tsv:2: empty target sentence"),
    ("no-tab", write("d.tsv", "eins\tone\njust one column\n"), ["--data", "{root}/d.tsv", *TINY],
     r"d\.tsv:2: line has no tab; a parallel file has SOURCE<TAB>TARGET lines"),
    ("empty-file", write("e.tsv", ""), ["--data", "{root}/e.tsv", *TINY], r"e\.tsv: the file is empty"),
    ("missing-file", None, ["--data", "{root}/nothere.tsv", *TINY], r"nothere\.tsv: file not found"),
    ("source-without-target", None, ["--source", "{root}/pairs.tsv", *TINY],
     r"--source and --target go together \(give both files, or one --data PAIRS\.tsv\)"),
    ("data-and-source", None, ["--data", "{root}/pairs.tsv", "--source", "{root}/pairs.tsv", *TINY],
     r"argument --source: not allowed with argument --data"),
    ("all-too-long", None, ["--data", "{root}/pairs.tsv", "--max-length", "3", *TINY],
     r"pairs\.tsv: every pair has a side longer than --max-length 3 tokens \(raise --max-length\)"),
    ("too-few-to-validate", write("f.tsv", "eins\tone\nzwei\ttwo\n"), ["--data", "{root}/f.tsv", *TINY],
     r"f\.tsv: 2 pairs are too few to hold out 5% for validation \(give more pairs"),
    ("heads-for-gru", None, ["--data", "{root}/pairs.tsv", *TINY, "--heads", "2"],
     r"--heads does not apply to --model gru-attention \(it is for --model transformer; drop it\)"),
    ("hidden-for-transformer", None, ["--data", "{root}/pairs.tsv", "--hidden", "64"],
     r"--hidden does not apply to --model transformer"),
    ("heads-do-not-divide", None, ["--data", "{root}/pairs.tsv", "--d-model", "30", "--heads", "4", "--epochs", "1"],
     r"model options: d_model 30 is not divisible by n_heads 4 \(check the model size flags \(--d-model, --heads"),
    ("valid-split-over-1", None, ["--data", "{root}/pairs.tsv", "--valid-split", "1.5", *TINY],
     r"--valid-split must be between 0 and 1, got 1\.5"),
    ("average-last-1", None, ["--data", "{root}/pairs.tsv", "--average-last", "1"], r"--average-last must be >= 2"),
    ("vocab-size-tiny", None, ["--data", "{root}/pairs.tsv", "--vocab-size", "2"], r"--vocab-size must be >= 8"),
    ("valid-and-split", None, ["--data", "{root}/pairs.tsv", "--valid", "{root}/pairs.tsv", "--valid-split", "0.1"],
     r"give --valid or --valid-split, not both"),
    ("model-unknown", None, ["--data", "{root}/pairs.tsv", "--model", "lstm"], r"--model: invalid choice: 'lstm'"),
    ("resume-nothing", None, ["--data", "{root}/pairs.tsv", "--resume", *TINY], r"nothing to resume"),
]


def _fill(args, **places):
    return [str(a).format(**places) for a in args]


@pytest.mark.parametrize("case", TRAIN, ids=[c[0] for c in TRAIN])
def test_train_translate_rejects(tmp_path, run_cli, case):
    _, make, args, expected = case
    (tmp_path / "pairs.tsv").write_text(PAIRS)
    if make is not None:
        make(tmp_path)
    assert_rejected(run_cli, tmp_path, ["train", "translate", "--out", tmp_path / "run", *_fill(args, root=tmp_path)],
                    expected)


def _no_vocab(d):
    (d / "vocab.json").unlink()


def _vocab_of_another_size(d):
    vocab = json.loads((d / "vocab.json").read_text())
    vocab["source"]["vocab"]["itos"].append("zzz")
    (d / "vocab.json").write_text(json.dumps(vocab))


# (id, model kind, edit of a copy of the model dir or None, argv after `translate DIR`, expected)
TRANSLATE = [
    ("no-text", "tr", None, [], r"give either TEXT\.\.\. or --data FILE"),
    ("text-and-data", "tr", None, ["3 May 1979", "--data", "x.txt"], r"give either TEXT\.\.\. or --data FILE"),
    ("n-best-over-beam", "tr", None, ["3 May 1979", "--beam", "2", "--n-best", "3"],
     r"--n-best must be <= --beam \(2\), got 3 \(raise --beam or lower --n-best\)"),
    ("beam-0", "tr", None, ["3 May 1979", "--beam", "0"], r"--beam must be >= 1"),
    ("temperature-negative", "tr", None, ["3 May 1979", "--temperature", "-1"], r"--temperature must be >= 0"),
    ("vocab-missing", "tr", _no_vocab, ["3 May 1979"],
     r"vocab\.json: file not found \(a saved translator keeps its vocabularies here"),
    ("vocab-other-run", "tr", _vocab_of_another_size, ["3 May 1979"],
     r"vocab\.json: \d+ tokens but the model in config\.json has \d+ \(the vocabulary and the model come from"),
    ("classifier", "bow", None, ["a text"], r"a classify model cannot translate \(it serves: predict\)"),
    ("data-missing", "tr", None, ["--data", "{root}/nothere.txt"], r"nothere\.txt: file not found"),
]


@pytest.mark.parametrize("case", TRANSLATE, ids=[c[0] for c in TRANSLATE])
def test_translate_rejects(tmp_path, run_cli, models, case):
    import shutil

    _, kind, edit, args, expected = case
    model = tmp_path / kind
    shutil.copytree(models / kind, model)
    if edit is not None:
        edit(model)
    assert_rejected(run_cli, tmp_path, ["translate", model, *_fill(args, root=tmp_path)], expected)


def test_evaluate_flags_and_files(tmp_path, run_cli, models):
    assert_rejected(run_cli, tmp_path, ["evaluate", models / "bow", "--data", demo.path("mr"), "--beam", "3"],
                    r"--beam is for translation models; .*bow is a classify model \(drop it\)")
    (tmp_path / "one-column.txt").write_text("3 May 1979\n")
    assert_rejected(run_cli, tmp_path, ["evaluate", models / "tr", "--data", tmp_path / "one-column.txt"],
                    r"one-column\.txt:1: line has no tab")


def test_unseen_text_still_translates(run_cli, models):
    """Characters the model never saw (another language, another script) become <unk>: it answers, badly."""
    code, out, err = run_cli("translate", models / "tr", "Привет, мир", "le 3 mai 1979", "--beam", "2")
    assert code == 0, err
    assert len(out.splitlines()) == 2
