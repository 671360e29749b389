"""The bad-input table (reliability): every row is a careless or hurried user's input to a command; each must
give exit 2, one error line naming the file, line or flag, no traceback, and leave the disk as it was.
Later tasks add their rows here (tests/bad_input.py has the helpers; the vectors and text rows are in
tests/test_bad_input_vectors_text.py)."""
import json
import shutil

import pytest

from bad_input import assert_rejected
from nlpdive import demo

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A tiny bow and a tiny gru model, saved once; each row gets its own copy."""
    from nlpdive.tasks.classify import Classifier, ClassifyConfig
    from nlpdive.train import TrainConfig

    lines = demo.path("mr").read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.split("\t") for line in lines[:150] + lines[-150:]]
    texts, labels = [t for t, _ in rows], [lab for _, lab in rows]
    root = tmp_path_factory.mktemp("models")
    cfg = TrainConfig(epochs=1, batch_size=64)
    Classifier.fit(texts, labels, ClassifyConfig(), cfg).save(root / "bow")
    Classifier.fit(texts, labels, ClassifyConfig(model="gru", embed_dim=8, hidden=8), cfg).save(root / "gru")
    (root / "reviews.tsv").write_text("text\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in rows))
    return root


def edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def setup(root, models, kind, edit=None):
    """Copy of a saved model (kind) with `edit(model_dir)` applied; returns the directory."""
    target = root / kind
    shutil.copytree(models / kind, target)
    if edit is not None:
        edit(target)
    return target


def fake_checkpoint(step_dir):
    step_dir.mkdir(parents=True)
    (step_dir / "state.json").write_text("{}")
    (step_dir / "optim.safetensors").write_text("")


def write(name, text):
    return lambda root: (root / name).write_text(text) and None


LABELLED = "text\tlabel\n" + "".join(f"a fine film number {i}\t{'pos' if i % 2 else 'neg'}\n" for i in range(40))

# (id, files to make: callable(root) or None, argv with {root}/{data}/{model} placeholders, expected error regex)
TRAIN = [
    ("lr-nan", None, ["--lr", "nan"], r"--lr: 'nan' is not a finite number"),
    ("lr-inf", None, ["--lr", "inf"], r"--lr: 'inf' is not a finite number"),
    ("lr-negative", None, ["--lr", "-1"], r"--lr must be > 0"),
    ("lr-huge", None, ["--lr", "1e9"], r"--lr must be <= 10"),
    ("dropout-2", None, ["--model", "gru", "--dropout", "2"], r"--dropout must be < 1"),
    ("min-df-negative", None, ["--min-df", "-1"], r"--min-df must be >= 1"),
    ("max-len-huge", None, ["--model", "transformer", "--max-len", "1000000000000"], r"--max-len must be <= 100000"),
    ("cv-too-many", None, ["--cv", "1000"], r"--cv 1000: the smallest class has 20"),
    ("cv-one", None, ["--cv", "1"], r"--cv 1: .*at least 2|--cv must be"),
    ("epochs-0", None, ["--epochs", "0"], r"--epochs must be >= 1"),
    ("batch-size-0", None, ["--batch-size", "0"], r"--batch-size must be >= 1"),
    ("model-unknown", None, ["--model", "bert"], r"--model: invalid choice: 'bert'"),
    ("pooling-last-cnn", None, ["--model", "cnn", "--pooling", "last"], r"--pooling last needs a recurrent model"),
    ("hidden-for-cnn", None, ["--model", "cnn", "--hidden", "8"], r"--hidden does not apply to --model cnn.*--channels"),
    ("freeze-without-vectors", None, ["--freeze-embeddings"], r"--freeze-embeddings needs --embeddings"),
    ("vectors-missing", None, ["--embeddings", "{root}/none.txt"], r"none\.txt"),
    ("threshold-single", None, ["--multi-label", "--threshold", "2"], r"--threshold must be < 1"),
    ("valid-split-big", None, ["--valid-split", "1.5"], r"validation fraction 1.5|--valid-split"),
    ("resume-nothing", None, ["--resume"], r"nothing to resume"),
    ("resume-and-overwrite", None, ["--resume", "--overwrite"], r"--resume and --overwrite contradict"),
    ("format-unknown", None, ["--format", "xml"], r"--format: invalid choice: 'xml'"),
    ("text-column-missing", None, ["--text-column", "review"], r"no column 'review'.*--text-column"),
    ("config-unknown-key", write("c.yaml", "lrr: 0.1\n"), ["--config", "{root}/c.yaml"], r"c\.yaml: unknown key 'lrr'"),
    ("config-bad-value", write("c.yaml", "dropout: lots\n"), ["--config", "{root}/c.yaml"],
     r"c\.yaml: key 'dropout': 'lots' is not a valid --dropout"),
    ("config-lr-nan", write("c.json", '{"lr": NaN}'), ["--config", "{root}/c.json"], r"c\.json: key 'lr'"),
    ("out-is-a-file", write("out.txt", "x"), ["--out", "{root}/out.txt"], r"out\.txt: --out names a file"),
]
DATA = [  # (id, file name, content, expected) for --data
    ("missing", None, None, r"nothing\.tsv: file not found"),
    ("empty", "e.tsv", "", r"e\.tsv: the file is empty"),
    ("header-only", "h.tsv", "text\tlabel\n", r"h\.tsv: the file has a header row but no examples"),
    ("one-class", "o.tsv", "text\tlabel\n" + "good film\tpos\n" * 5, r"o\.tsv: the label column 'label' has 1 class"),
    ("nan-label", "n.tsv", "text\tlabel\ngood film\tpos\nbad film\tNaN\n", r"n\.tsv:3: .*label"),
    ("list-label", "l.jsonl", '{"text": "good", "label": "pos"}\n{"text": "bad", "label": ["neg"]}\n',
     r"l\.jsonl:2: .*label"),
    ("float-target", "f.tsv", "text\tlabel\n" + "".join(f"film {i}\t{i * 0.37:.3f}\n" for i in range(40)),
     r"f\.tsv: the label column 'label' has \d+ distinct values.*--label-column"),
    ("duplicate-header", "d.tsv", "sentence\tsentence\n" + "good film\tok\n" * 4, r"d\.tsv:1: .*'sentence' twice"),
    ("ragged", "r.csv", "text,label\ngood film,pos\nbad film\n", r"r\.csv:3: row has 1 fields"),
    ("all-empty", "a.tsv", "text\tlabel\n \tpos\n\tneg\n", r"a\.tsv: every text is empty"),
    ("latin-1", "lat.tsv", None, r"lat\.tsv:2: cannot decode byte 0xe9.*--encoding"),
    ("directory", "dir", None, r"dir: not a file"),
]
USE = [  # (id, model kind, edit(model_dir) or None, command, args, expected)
    ("checkpoint-dir", "bow", lambda d: fake_checkpoint(d / "checkpoints" / "step-00000001"), "evaluate",
     "{model}/checkpoints/step-00000001", r"training checkpoint, not a saved model.*use the model directory"),
    ("config-class-list", "bow", lambda d: edit_json(d / "config.json", lambda c: c["model"].update({"class": ["x"]})),
     "predict", "{model}", r"config\.json"),
    ("config-model-null", "bow", lambda d: edit_json(d / "config.json", lambda c: c["model"].update({"config": None})),
     "predict", "{model}", r"config\.json"),
    ("config-extra-key", "gru", lambda d: edit_json(d / "config.json", lambda c: c["model"]["config"].update(x=1)),
     "predict", "{model}", r"config\.json: .*no option 'x'"),
    ("config-classify-extra", "bow", lambda d: edit_json(d / "config.json", lambda c: c["classify"].update(foo=1)),
     "predict", "{model}", r"config\.json"),
    ("config-pooling-list", "gru", lambda d: edit_json(d / "config.json", lambda c: c["classify"].update(
        pooling=["max"])), "predict", "{model}", r"config\.json"),
    ("pad-id-huge", "gru", lambda d: edit_json(d / "config.json", lambda c: c["model"]["config"].update(pad_id=-99999)),
     "predict", "{model}", r"config\.json"),
    ("labels-one-fewer", "bow", lambda d: edit_json(d / "labels.json", lambda c: c["labels"].pop()),
     "predict", "{model}", r"labels\.json: .*1 labels but the model"),
    ("labels-null", "bow", lambda d: edit_json(d / "labels.json", lambda c: c.update(labels=None)),
     "predict", "{model}", r"labels\.json"),
    ("vocab-longer", "gru", lambda d: edit_json(d / "pipeline.json", lambda c: c["pipeline"]["vocab"]["itos"].extend(
        ["zzz1", "zzz2"])), "predict", "{model}", r"pipeline\.json: .*vocabulary"),
    ("pipeline-garbage", "bow", lambda d: (d / "pipeline.json").write_text("{not json"), "predict", "{model}",
     r"pipeline\.json: corrupt JSON"),
    ("pipeline-type-list", "gru", lambda d: edit_json(d / "pipeline.json", lambda c: c.update(type=["tokens"])),
     "predict", "{model}", r"pipeline\.json"),
    ("weights-truncated", "bow", lambda d: (d / "model.safetensors").write_bytes(
        (d / "model.safetensors").read_bytes()[:100]), "predict", "{model}", r"model\.safetensors: corrupt"),
    ("task-unknown", "bow", lambda d: edit_json(d / "config.json", lambda c: c.update(task="os.system")),
     "predict", "{model}", r"unknown task 'os\.system'"),
    ("task-later", "bow", lambda d: edit_json(d / "config.json", lambda c: c.update(task="summarize",
                                                                                    nlpdive_version="9.0.0")),
     "predict", "{model}", r"nlpdive 9.0.0 with the 'summarize' task, which this nlpdive version does not have"),
    ("config-not-object", "bow", lambda d: (d / "config.json").write_text("[1, 2]"), "predict", "{model}",
     r"config\.json must hold a JSON object"),
    ("not-a-directory", "bow", None, "predict", "{root}/reviews.tsv", r"not a directory"),
    ("threshold-single", "bow", None, "evaluate", "{model} --threshold 0.3", r"--threshold is for multi-label"),
    ("evaluate-missing-data", "bow", None, "evaluate", "{model} --data-missing", r"--data"),
    ("predict-nothing", "bow", None, "predict", "{model}", r"give either TEXT\.\.\. or --data"),
    ("predict-batch-0", "bow", None, "predict", "{model} hello --batch-size 0", r"--batch-size.*positive"),
    ("evaluate-unknown-label", "bow", None, "evaluate", "{model} --data {root}/other.tsv", r"unknown label 'maybe'"),
]
OTHER = [  # (id, argv, expected)
    ("embeddings-dim-0", ["train", "embeddings", "--data", "{root}/c.txt", "--dim", "0", "--out", "{root}/w"],
     r"--dim must be >= 1"),
    ("embeddings-resume", ["train", "embeddings", "--data", "{root}/c.txt", "--resume", "--out", "{root}/w"],
     r"--resume does not apply to word2vec"),
    ("embeddings-missing", ["train", "embeddings", "--data", "{root}/none.txt", "--out", "{root}/w"],
     r"none\.txt: file not found"),
    ("embeddings-precision", ["train", "embeddings", "--data", "{root}/c.txt", "--precision", "bf16", "--out",
                              "{root}/w"], r"--precision"),
    ("tour-only-nothing", ["tour", "--only", "nothing", "--out", "{root}/t"], r"--only nothing: no such section"),
    ("unknown-command", ["trian", "classify"], r"invalid choice: 'trian'"),
]


def _fill(args, **places):
    return [a.format(**places) for a in args]


@pytest.mark.parametrize("case", TRAIN, ids=[c[0] for c in TRAIN])
def test_train_classify_rejects(tmp_path, run_cli, case):
    _, make, extra, expected = case
    (tmp_path / "d.tsv").write_text(LABELLED)
    if make is not None:
        make(tmp_path)
    argv = ["train", "classify", "--data", tmp_path / "d.tsv", "--out", tmp_path / "run", *_fill(extra, root=tmp_path)]
    if "--out" in extra:
        argv = argv[:4] + argv[6:]  # the row's own --out
    assert_rejected(run_cli, tmp_path, argv, expected)


@pytest.mark.parametrize("case", DATA, ids=[c[0] for c in DATA])
def test_train_classify_rejects_data(tmp_path, run_cli, case):
    _, name, content, expected = case
    path = tmp_path / (name or "nothing.tsv")
    if name == "lat.tsv":
        path.write_bytes("text\tlabel\ncaf\u00e9 noir\tpos\n".encode("latin-1"))
    elif name == "dir":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    assert_rejected(run_cli, tmp_path, ["train", "classify", "--data", path, "--out", tmp_path / "run"], expected)


@pytest.mark.parametrize("case", USE, ids=[c[0] for c in USE])
def test_using_a_model_rejects(tmp_path, run_cli, models, case):
    _, kind, edit, command, args, expected = case
    model = setup(tmp_path, models, kind, edit)
    shutil.copy(models / "reviews.tsv", tmp_path / "reviews.tsv")
    (tmp_path / "other.tsv").write_text("text\tlabel\nsome film\tmaybe\n")
    argv = [command, *_fill(args.split(), model=model, root=tmp_path)]
    if "--data-missing" in argv:
        argv.remove("--data-missing")
    elif command == "evaluate" and "--data" not in argv:
        argv += ["--data", tmp_path / "reviews.tsv"]
    elif command == "predict" and len(argv) == 2 and case[0] != "predict-nothing":
        argv.append("some text")
    assert_rejected(run_cli, tmp_path, argv, expected)


@pytest.mark.parametrize("case", OTHER, ids=[c[0] for c in OTHER])
def test_other_commands_reject(tmp_path, run_cli, case):
    _, args, expected = case
    (tmp_path / "c.txt").write_text("the cat sat on the mat\n" * 20)
    assert_rejected(run_cli, tmp_path, _fill(args, root=tmp_path), expected)


def test_the_table_has_its_rows():
    assert len(TRAIN) + len(DATA) + len(USE) + len(OTHER) >= 60
