"""The bad-input table for language models (`train lm`, `generate`, `evaluate` on an lm): each row must exit 2
with one error line naming the file or flag and saying how to fix it, no traceback, and leave the disk as it
was (tests/bad_input.py has the assertions)."""
import pytest

from bad_input import assert_rejected
from nlpdive import demo

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "the cat sat on the mat. the dog ran to the red hat.\n" * 12  # 624 characters, 18 distinct
SHORT = "the cat sat on a mat"  # 20 characters


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A tiny char GPT (block 32) and a tiny bag-of-words classifier, saved once."""
    import torch

    from nlpdive.tasks.classify import Classifier, ClassifyConfig
    from nlpdive.tasks.lm import LMConfig, train
    from nlpdive.train import TrainConfig

    threads = torch.get_num_threads()
    root = tmp_path_factory.mktemp("models")
    (root / "text.txt").write_text(TEXT)
    train(root / "text.txt", settings=LMConfig(model="gpt", layers=1, n_embd=16, heads=2, block_size=32),
          train_cfg=TrainConfig(epochs=1, batch_size=4, threads=1), out_dir=root / "lm")
    lines = demo.path("mr").read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.split("\t") for line in lines[:60] + lines[-60:]]
    Classifier.fit([t for t, _ in rows], [lab for _, lab in rows], ClassifyConfig(),
                   TrainConfig(epochs=1, batch_size=64)).save(root / "bow")
    torch.set_num_threads(threads)
    return root


def write(name, text):
    return lambda root: (root / name).write_text(text, encoding="utf-8")


TINY = ["--epochs", "1", "--layers", "1", "--n-embd", "16", "--heads", "2", "--block-size", "32", "--threads", "1"]

# (id, files to make: callable(root) or None, argv after `train lm --out {root}/run`, expected error regex)
TRAIN = [
    ("data-empty", write("e.txt", ""), ["--data", "{root}/e.txt", *TINY], r"e\.txt: the file is empty \(give a text"),
    ("data-missing", None, ["--data", "{root}/nothere.txt", *TINY], r"nothere\.txt: file not found \(check the path"),
    ("data-one-of-two-missing", None, ["--data", "{root}/text.txt", "{root}/nothere.txt", *TINY],
     r"nothere\.txt: file not found"),
    ("data-shorter-than-a-block", write("s.txt", SHORT), ["--data", "{root}/s.txt", "--valid", "{root}/text.txt",
                                                          *TINY],
     r"s\.txt: the training text has 20 tokens; --block-size 32 needs at least 34 \(give more text or lower "
     r"--block-size\)"),
    ("valid-shorter-than-a-block", write("s.txt", SHORT), ["--data", "{root}/text.txt", "--valid", "{root}/s.txt",
                                                           *TINY],
     r"s\.txt: the validation text has 20 tokens; --block-size 32 needs at least 34 \(give more text"),
    ("valid-split-shorter-than-a-block", write("m.txt", TEXT[:200]), ["--data", "{root}/m.txt", *TINY],
     r"the validation text has 20 tokens; --block-size 32 needs at least 34 \(give more text or lower --block-size"),
    ("valid-empty", write("e.txt", ""), ["--data", "{root}/text.txt", "--valid", "{root}/e.txt", *TINY],
     r"e\.txt: the file is empty"),
    ("valid-and-split", None, ["--data", "{root}/text.txt", "--valid", "{root}/text.txt", "--valid-split", "0.2",
                               *TINY], r"give --valid or --valid-split, not both \(drop one\)"),
    ("block-size-1", None, ["--data", "{root}/text.txt", "--block-size", "1"], r"--block-size must be >= 2"),
    ("heads-do-not-divide", None, ["--data", "{root}/text.txt", *TINY, "--heads", "3"],
     r"--n-embd/--heads: n_embd 16 is not divisible by n_head 3 \(give an --n-embd that --heads divides"),
    ("heads-for-an-rnn", None, ["--data", "{root}/text.txt", "--model", "char-gru", "--heads", "2"],
     r"--heads does not apply to --model char-gru \(it is for the gpt"),
    ("hidden-for-a-gpt", None, ["--data", "{root}/text.txt", "--model", "gpt", "--hidden", "64"],
     r"--hidden does not apply to --model gpt \(it is for the char-rnn models"),
    ("stateful-gpt", None, ["--data", "{root}/text.txt", "--windows", "stateful"],
     r"--windows stateful does not apply to --model auto \(.*--model char-gru"),
    ("model-unknown", None, ["--data", "{root}/text.txt", "--model", "lstm"], r"--model: invalid choice: 'lstm'"),
    ("tokenizer-word", None, ["--data", "{root}/text.txt", "--tokenizer", "word", *TINY],
     r"--tokenizer word: a language model takes char or a subword tokenizer \(use char"),
    ("tokenizer-missing", None, ["--data", "{root}/text.txt", "--tokenizer", "{root}/tok.json", *TINY],
     r"tok\.json: tokenizer file not found"),
    ("time-budget-0", None, ["--data", "{root}/text.txt", "--time-budget", "0"], r"--time-budget must be > 0"),
    ("optimizer-unknown", None, ["--data", "{root}/text.txt", "--optimizer", "adam"],
     r"--optimizer: invalid choice: 'adam'"),
    ("resume-nothing", None, ["--data", "{root}/text.txt", "--resume", *TINY], r"nothing to resume"),
]
# (id, model kind, argv after the command and DIR, expected)
GENERATE = [
    ("prompt-unseen-characters", "lm", ["--prompt", "the €at"],
     r"--prompt: characters the model never saw: '€' \(use only characters of its training text"),
    ("prompt-several-unseen", "lm", ["--prompt", "ZQ the"], r"--prompt: characters the model never saw: 'Q', 'Z'"),
    ("temperature-negative", "lm", ["--temperature", "-1"], r"--temperature must be >= 0"),
    ("temperature-nan", "lm", ["--temperature", "nan"], r"--temperature: 'nan' is not a finite number"),
    ("top-p-0", "lm", ["--top-p", "0"], r"--top-p must be > 0"),
    ("top-p-1.5", "lm", ["--top-p", "1.5"], r"--top-p must be <= 1"),
    ("top-k-0", "lm", ["--top-k", "0"], r"--top-k must be >= 1"),
    ("min-p-1", "lm", ["--min-p", "1"], r"--min-p must be < 1"),
    ("max-tokens-0", "lm", ["--max-tokens", "0"], r"--max-tokens must be >= 1"),
    ("num-samples-0", "lm", ["--num-samples", "0"], r"--num-samples must be >= 1"),
    ("repetition-penalty-0", "lm", ["--repetition-penalty", "0"], r"--repetition-penalty must be > 0"),
    ("stop-empty", "lm", ["--stop", ""], r"--stop takes a non-empty text"),
    ("classifier", "bow", ["--prompt", "the"], r"bow: a classify model cannot generate \(it serves: predict\) "
                                              r"\(use a model directory trained for this command\)"),
    ("not-a-model", None, ["--prompt", "the"], r"nomodel"),
]
# (id, file name, content, expected) for `evaluate LM --data FILE`
EVALUATE = [
    ("unseen-characters", "u.txt", "the cat\nthe dög\n",
     r"u\.txt:2: characters the model's vocabulary lacks: 'ö' \(train on files that contain them"),
    ("shorter-than-a-block", "s.txt", SHORT,
     r"s\.txt: the text has 20 tokens; evaluating needs at least 33 \(give a longer file\)"),
    ("empty", "e.txt", "", r"e\.txt: the file is empty"),
    ("missing", None, None, r"nothere\.txt: file not found"),
]


def _fill(args, **places):
    return [str(a).format(**places) for a in args]


@pytest.mark.parametrize("case", TRAIN, ids=[c[0] for c in TRAIN])
def test_train_lm_rejects(tmp_path, run_cli, case):
    _, make, args, expected = case
    (tmp_path / "text.txt").write_text(TEXT)
    if make is not None:
        make(tmp_path)
    argv = ["train", "lm", "--out", tmp_path / "run", *_fill(args, root=tmp_path)]
    assert_rejected(run_cli, tmp_path, argv, expected)


@pytest.mark.parametrize("case", GENERATE, ids=[c[0] for c in GENERATE])
def test_generate_rejects(tmp_path, run_cli, models, case):
    _, kind, args, expected = case
    model = models / kind if kind else tmp_path / "nomodel"
    assert_rejected(run_cli, models, ["generate", model, *args, "--max-tokens", "5", "--seed", "0"]
                    if "--max-tokens" not in args else ["generate", model, *args], expected)


@pytest.mark.parametrize("case", EVALUATE, ids=[c[0] for c in EVALUATE])
def test_evaluate_lm_rejects(tmp_path, run_cli, models, case):
    _, name, content, expected = case
    path = tmp_path / (name or "nothere.txt")
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert_rejected(run_cli, tmp_path, ["evaluate", models / "lm", "--data", path], expected)


def test_a_rejected_prompt_prints_nothing(run_cli, models):
    code, out, err = run_cli("generate", models / "lm", "--prompt", "the €at", "--max-tokens", "5")
    assert code == 2 and "never saw" in err
    assert out == ""


def test_the_table_has_its_rows():
    assert len(TRAIN) + len(GENERATE) + len(EVALUATE) >= 30
