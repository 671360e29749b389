"""The bad-input table for `nlpdive vectors ...` and `nlpdive text ...` (reliability): each row must give exit 2,
one `nlpdive: error:` line naming the file, line or flag, no traceback, and leave tmp_path exactly as it was
(tests/bad_input.py: the snapshot and the assertions, shared with tests/test_bad_input.py)."""
import gzip
import json
import struct

import numpy as np
import pytest

from bad_input import assert_rejected

WORDS = ["king", "queen", "man", "woman", "apple", "pear"]
MATRIX = np.array([[1, 1], [1, -1], [0, 1], [0, -1], [3, 0.1], [3, 0.2]], dtype=np.float32)
OK = "".join(f"{w} {x} {y}\n" for w, (x, y) in zip(WORDS, MATRIX))  # GloVe: no header
DOCS = "the gray cat sat on the mat\nthe dog sat by the door\n"


def binary(rows, header=None):
    """A word2vec .bin file of (word, [floats]) rows."""
    dim = len(rows[0][1])
    head = header if header is not None else f"{len(rows)} {dim}\n".encode()
    return head + b"".join(w.encode() + b" " + struct.pack(f"<{dim}f", *v) + b"\n" for w, v in rows)


def saved(edit=None, matrix=MATRIX):
    """A maker of a saved vectors directory `v` (vectors convert's output), then `edit(v)`."""
    def make(root):
        from nlpdive.vectors import Vectors

        Vectors(WORDS, matrix).save(root / "v")
        if edit is not None:
            edit(root / "v")
    return make


def truncate(path, n):
    path.write_bytes(path.read_bytes()[:-n])


def mkdir(name):
    return lambda root: (root / name).mkdir()


NAN_MATRIX = MATRIX.copy()
NAN_MATRIX[1, 0] = np.nan
SIM = ["vectors", "similar"]
EVAL = ["vectors", "evaluate", "{r}/ok.txt"]
PLOT = ["vectors", "plot", "{r}/ok.txt", "king", "queen", "man"]
TRAIN_TOK = ["text", "train-tokenizer", "--data", "{r}/docs.txt", "--vocab-size", "100"]
VECTORIZE = ["text", "vectorize", "--data", "{r}/docs.txt"]

# (id, {file name: text, bytes or maker(root)}, argv ({r} is tmp_path), regex the error line must match)
CASES = [
    # -- reading a vectors file: values, shape, encoding (vectors similar) --------------------------------------
    ("nan-glove", {"nan.txt": "a 1 2\nb nan 3\nc 3 1\n"}, SIM + ["{r}/nan.txt", "a"],
     r"nan\.txt:2: 'b' has a non-finite value \(nan or inf\).*--skip-bad-rows"),
    ("inf-fasttext-vec", {"inf.vec": "3 2\na 1 2\nb 1 2\nc inf 1\n"}, SIM + ["{r}/inf.vec", "a"],
     r"inf\.vec:4: 'c' has a non-finite value.*--skip-bad-rows"),
    ("overflow-is-inf", {"big.txt": "a 1 2\nb 1e999 3\n"}, SIM + ["{r}/big.txt", "a"], r"big\.txt:2: 'b' .*non-finite"),
    ("nan-word2vec-text-gz", {"w.txt.gz": gzip.compress(b"2 2\na 1 2\nb 2 -nan\n")}, SIM + ["{r}/w.txt.gz", "a"],
     r"w\.txt\.gz:3: 'b' has a non-finite value"),
    ("nan-word2vec-bin", {"nan.bin": binary([("a", [1, 2]), ("b", [float("nan"), 2])])}, SIM + ["{r}/nan.bin", "a"],
     r"nan\.bin: word 1 \('b'\) has a non-finite value.*--skip-bad-rows"),
    ("skip-bad-rows-but-all-bad", {"nan.txt": "a nan 2\nb inf 3\n"}, SIM + ["{r}/nan.txt", "a", "--skip-bad-rows"],
     r"nan\.txt: every row holds nan or inf"),
    ("empty-file", {"empty.txt": ""}, SIM + ["{r}/empty.txt", "a"], r"empty\.txt: empty file"),
    ("header-only", {"h.vec": "3 2\n"}, SIM + ["{r}/h.vec", "a"], r"h\.vec: no vectors in file"),
    ("header-dims-disagree", {"h.vec": "2 3\na 1 2\nb 2 3\n"}, SIM + ["{r}/h.vec", "a"],
     r"h\.vec:2: expected a word and 3 numbers, found 2 fields \(line 1 says 2 words of 3 numbers"),
    ("header-count-disagrees", {"h.vec": "5 2\na 1 2\nb 2 3\n"}, SIM + ["{r}/h.vec", "a"],
     r"h\.vec:1: header says 5 words but the file has 2"),
    ("row-with-too-few-numbers", {"few.txt": "a 1 2\nb 2 3\nc 4\n"}, SIM + ["{r}/few.txt", "a"],
     r"few\.txt:3: expected a word and 2 numbers, found 1 fields"),
    ("words-without-numbers", {"w.txt": "hello\nworld\n"}, SIM + ["{r}/w.txt", "a"], r"w\.txt:1: .*found no numbers"),
    ("binary-garbage-as-text", {"g.txt": bytes(range(256)) * 4}, SIM + ["{r}/g.txt", "a"], r"g\.txt: not UTF-8 text"),
    ("binary-garbage-as-bin", {"g.bin": bytes(range(256)) * 4}, SIM + ["{r}/g.bin", "a"],
     r"g\.bin:1: word2vec binary file must start with a `count dim` line"),
    ("bin-truncated", {"t.bin": binary([("a", [1, 2]), ("b", [3, 4])])[:-2]}, SIM + ["{r}/t.bin", "a"],
     r"t\.bin: file ends after 1 of 2 words"),
    ("bin-header-claims-too-much", {"t.bin": binary([("a", [1, 2])], header=b"1000000000 300\n")},
     SIM + ["{r}/t.bin", "a"], r"t\.bin:1: the header says 1000000000 words of 300 numbers, more than"),
    ("not-really-gzip", {"g.txt.gz": "a 1 2\n"}, SIM + ["{r}/g.txt.gz", "a"], r"g\.txt\.gz: not a complete gzip file"),
    ("vectors-file-missing", {}, SIM + ["{r}/none.txt", "a"], r"none\.txt: file not found"),
    ("unknown-word", {}, SIM + ["{r}/ok.txt", "zebra"], r"ok\.txt: 'zebra' is not in the vocabulary"),
    ("unknown-word-wrong-case", {}, SIM + ["{r}/ok.txt", "King"], r"ok\.txt: 'King' is not .*the vectors know 'king'"),
    ("topn-zero", {}, SIM + ["{r}/ok.txt", "king", "--topn", "0"], r"--topn 0: must be 1 or more"),
    ("topn-not-a-number", {}, SIM + ["{r}/ok.txt", "king", "--topn", "x"], r"--topn"),
    # -- a saved vectors directory ------------------------------------------------------------------------------
    ("dir-norms-wrong-length", {"v": saved(lambda v: np.save(v / "norms.npy", np.ones(3, np.float32)))},
     SIM + ["{r}/v", "king"], r"v/norms\.npy: holds 3 norms but vectors\.npy has 6 rows"),
    ("dir-vocab-shorter", {"v": saved(lambda v: (v / "vocab.json").write_text('["king", "queen"]'))},
     SIM + ["{r}/v", "king"], r"v/vocab\.json: lists 2 words but vectors\.npy has 6 rows"),
    ("dir-vocab-not-words", {"v": saved(lambda v: (v / "vocab.json").write_text("[1, 2, 3, 4, 5, 6]"))},
     SIM + ["{r}/v", "king"], r"v/vocab\.json: is not a JSON list of words"),
    ("dir-vocab-not-json", {"v": saved(lambda v: (v / "vocab.json").write_text('["king", '))},
     SIM + ["{r}/v", "king"], r"v/vocab\.json: corrupt JSON"),
    ("dir-vectors-truncated", {"v": saved(lambda v: truncate(v / "vectors.npy", 8))},
     SIM + ["{r}/v", "king"], r"v/vectors\.npy: corrupt or truncated \.npy file"),
    ("dir-vectors-not-npy", {"v": saved(lambda v: (v / "vectors.npy").write_text("king 1 1\n" * 20))},
     SIM + ["{r}/v", "king"], r"v/vectors\.npy: corrupt or truncated \.npy file"),
    ("dir-vectors-empty", {"v": saved(lambda v: (v / "vectors.npy").write_bytes(b""))},
     SIM + ["{r}/v", "king"], r"v/vectors\.npy: corrupt or truncated"),
    ("dir-vectors-one-dimensional", {"v": saved(lambda v: np.save(v / "vectors.npy", np.ones(6, np.float32)))},
     SIM + ["{r}/v", "king"], r"v/vectors\.npy: holds a float32 array of shape \(6,\)"),
    ("dir-with-a-nan-row", {"v": saved(matrix=NAN_MATRIX)}, SIM + ["{r}/v", "king"],
     r"v/vectors\.npy: row 1 \('queen'\) holds nan or inf.*--skip-bad-rows"),
    ("dir-without-vocab", {"d": mkdir("d")}, SIM + ["{r}/d", "king"], r"d: vocab\.json not found"),
    # -- vectors analogy ----------------------------------------------------------------------------------------
    ("analogy-two-words", {}, ["vectors", "analogy", "{r}/ok.txt", "king", "man"],
     r"analogy takes three words A B C .*got 2"),
    ("analogy-four-words", {}, ["vectors", "analogy", "{r}/ok.txt", "king", "man", "woman", "queen"],
     r"three words .*got 4"),
    ("analogy-unknown-word", {}, ["vectors", "analogy", "{r}/ok.txt", "king", "duke", "woman"],
     r"ok\.txt: 'duke' is not in the vocabulary"),
    ("analogy-topn-negative", {}, ["vectors", "analogy", "{r}/ok.txt", "king", "man", "woman", "--topn", "-3"],
     r"--topn -3: must be 1 or more"),
    # -- vectors evaluate ---------------------------------------------------------------------------------------
    ("evaluate-nothing", {}, EVAL, r"nothing to evaluate.*--analogies.*--similarity"),
    ("evaluate-analogies-missing", {}, EVAL + ["--analogies", "{r}/none.txt"],
     r"none\.txt: file not found.*--analogies"),
    ("evaluate-analogies-garbled", {"q.txt": ": royal\nman king woman\n"}, EVAL + ["--analogies", "{r}/q.txt"],
     r"q\.txt:2: expected `: section` or four words"),
    ("evaluate-analogies-empty", {"q.txt": "# nothing\n"}, EVAL + ["--analogies", "{r}/q.txt"],
     r"q\.txt: holds no analogy questions.*--analogies"),
    ("evaluate-similarity-missing", {}, EVAL + ["--similarity", "{r}/none.tsv"],
     r"none\.tsv: file not found.*--similarity"),
    ("evaluate-similarity-garbled", {"p.tsv": "king\tqueen\t8\nman\twoman\thigh\n"},
     EVAL + ["--similarity", "{r}/p.tsv"],
     r"p\.tsv:2: score 'high' is not a number"),
    ("evaluate-similarity-a-directory", {"d": mkdir("d")}, EVAL + ["--similarity", "{r}/d"],
     r"d: is a directory.*--similarity"),
    ("evaluate-restrict-vocab-zero", {"q.txt": ": s\nman king woman queen\n"},
     EVAL + ["--analogies", "{r}/q.txt", "--restrict-vocab", "0"], r"--restrict-vocab 0: must be 1 or more"),
    # -- vectors plot -------------------------------------------------------------------------------------------
    ("plot-out-txt", {}, PLOT + ["--out", "{r}/x.txt"],
     r"x\.txt: cannot write a plot as \.txt.*--out.*png.*svg.*pdf.*jpg"),
    ("plot-out-no-extension", {}, PLOT + ["--out", "{r}/plot"], r"plot: cannot write a plot as a file without an ext"),
    ("plot-out-a-directory", {"p.png": mkdir("p.png")}, PLOT + ["--out", "{r}/p.png"], r"p\.png: is a directory.*--out"),
    ("plot-out-under-a-file", {"f": "x"}, PLOT + ["--out", "{r}/f/p.png"], r"f/p\.png: cannot be created: .*--out"),
    ("plot-words-unknown", {}, ["vectors", "plot", "{r}/ok.txt", "cat", "dog", "king", "--out", "{r}/p.png"],
     r"ok\.txt: only 1 of the words are in the vocabulary"),
    ("plot-nan-vectors", {"nan.txt": "a 1 2\nb nan 3\nc 3 1\n"},
     ["vectors", "plot", "{r}/nan.txt", "a", "b", "c", "--out", "{r}/p.png"], r"nan\.txt:2: 'b' has a non-finite"),
    # -- vectors convert / export -------------------------------------------------------------------------------
    ("convert-out-is-a-file", {"out": "my notes\n"}, ["vectors", "convert", "{r}/ok.txt", "--out", "{r}/out"],
     r"out: exists and is not a directory.*--out"),
    ("convert-out-is-another-model", {"m/config.json": json.dumps({"task": "classify"})},
     ["vectors", "convert", "{r}/ok.txt", "--out", "{r}/m"], r"m: holds an nlpdive classify model.*--out"),
    ("convert-nan-file", {"nan.txt": "a 1 2\nb nan 3\n"}, ["vectors", "convert", "{r}/nan.txt", "--out", "{r}/v"],
     r"nan\.txt:2: 'b' has a non-finite value"),
    ("convert-duplicated-header", {"h.vec": "2 2\n2 2\na 1 2\n"}, ["vectors", "convert", "{r}/h.vec", "--out", "{r}/v"],
     r"h\.vec:2: expected a word and 2 numbers, found 1 fields"),
    ("convert-missing-file", {}, ["vectors", "convert", "{r}/none.bin", "--out", "{r}/v"], r"none\.bin: file not found"),
    ("export-limit-zero", {}, ["vectors", "export", "{r}/ok.txt", "--out", "{r}/p", "--limit", "0"], r"--limit 0"),
    ("export-out-is-a-file", {"p": "x"}, ["vectors", "export", "{r}/ok.txt", "--out", "{r}/p"],
     r"p: exists and is not a directory.*--out"),
    # -- text tokenize ------------------------------------------------------------------------------------------
    ("tokenize-no-text", {}, ["text", "tokenize", "--lower"], r"no TEXT to tokenize"),
    ("tokenize-stopwords-file-missing", {}, ["text", "tokenize", "--stopwords-file", "{r}/stop.txt", "hi"],
     r"stop\.txt: stop-word file not found.*--stopwords-file"),
    ("tokenize-tokenizer-missing", {}, ["text", "tokenize", "--tokenizer", "{r}/t.json", "hi"],
     r"t\.json: tokenizer file not found"),
    ("tokenize-tokenizer-garbled", {"t.json": '{"model": '}, ["text", "tokenize", "--tokenizer", "{r}/t.json", "hi"],
     r"t\.json: not a Hugging Face tokenizer\.json"),
    ("tokenize-tokenizer-empty-dir", {"d": mkdir("d")}, ["text", "tokenize", "--tokenizer", "{r}/d", "hi"],
     r"d: no GPT-2 tokenizer files here"),
    ("tokenize-char-with-stopwords", {}, ["text", "tokenize", "--tokenizer", "char", "--stopwords", "hi"],
     r"--tokenizer word"),
    # -- text vectorize -----------------------------------------------------------------------------------------
    ("vectorize-ngrams-reversed", {}, VECTORIZE + ["--ngrams", "2-1"], r"--ngrams '2-1' is not a range"),
    ("vectorize-ngrams-not-a-number", {}, VECTORIZE + ["--ngrams", "x"], r"--ngrams 'x'"),
    ("vectorize-min-df-zero", {}, VECTORIZE + ["--min-df", "0"], r"--min-df 0: must be 1 or more"),
    ("vectorize-min-df-too-high", {}, VECTORIZE + ["--min-df", "5"],
     r"min_df 5 is more than the number of documents.*--min-df"),
    ("vectorize-binary-with-tfidf", {}, VECTORIZE + ["--kind", "tfidf", "--binary"], r"--binary does not apply"),
    ("vectorize-data-missing", {}, ["text", "vectorize", "--data", "{r}/none.txt"], r"none\.txt: file not found"),
    ("vectorize-data-a-directory", {"d": mkdir("d")}, ["text", "vectorize", "--data", "{r}/d"],
     r"d: not a file.*--data"),
    # -- text train-tokenizer -----------------------------------------------------------------------------------
    ("train-tokenizer-out-a-directory", {"tok": mkdir("tok")}, TRAIN_TOK + ["--out", "{r}/tok"],
     r"tok: is a directory \(give --out a file name"),
    ("train-tokenizer-out-under-a-file", {"f": "x"}, TRAIN_TOK + ["--out", "{r}/f/t.json"],
     r"f/t\.json: cannot be created: .* is a file.*--out"),
    ("train-tokenizer-vocab-too-small", {}, TRAIN_TOK[:-1] + ["5", "--out", "{r}/t.json"],
     r"--vocab-size 5 is too small"),
    ("train-tokenizer-min-frequency-negative", {}, TRAIN_TOK + ["--min-frequency", "-1", "--out", "{r}/t.json"],
     r"--min-frequency -1"),
    ("train-tokenizer-data-missing", {}, ["text", "train-tokenizer", "--data", "{r}/none.txt", "--out", "{r}/t.json"],
     r"none\.txt: file not found"),
    ("train-tokenizer-data-empty", {"e.txt": "\n\n"}, ["text", "train-tokenizer", "--data", "{r}/e.txt", "--out",
                                                       "{r}/t.json"], r"--data files hold no text"),
]


def _make(root, files):
    (root / "ok.txt").write_text(OK, encoding="utf-8")
    (root / "docs.txt").write_text(DOCS, encoding="utf-8")
    for name, content in files.items():
        if callable(content):
            content(root)
            continue
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (root / name).write_bytes(content)
        else:
            (root / name).write_text(content, encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_vectors_and_text_commands_reject(tmp_path, run_cli, case):
    _, files, argv, expected = case
    _make(tmp_path, files)
    assert_rejected(run_cli, tmp_path, [a.format(r=tmp_path) for a in argv], expected)


def test_the_table_has_its_rows():
    assert len(CASES) >= 30 and len({c[0] for c in CASES}) == len(CASES)
