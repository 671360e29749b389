"""The vector store: lookups, most_similar/analogy, file formats, our memory-mapped directory, evaluation
(checked against gensim on the same vectors)."""
import gzip
import struct

import numpy as np
import pytest

from nlpdive.errors import InputError
from nlpdive.vectors import UnknownWord, Vectors, load_vectors
from nlpdive.vectors.evaluate import read_word_pairs

# royalty / gender / fruit axes: king - man + woman lands on queen
WORDS = ["king", "queen", "man", "woman", "prince", "princess", "apple", "pear", "boy", "girl"]
MATRIX = np.array([
    [1.0, 1.0, 0.0, 0.1], [1.0, -1.0, 0.0, 0.1], [0.0, 1.0, 0.1, 0.0], [0.0, -1.0, 0.1, 0.0],
    [0.8, 0.9, 0.0, 0.3], [0.8, -0.9, 0.0, 0.3], [0.0, 0.1, 1.0, 0.0], [0.1, 0.0, 1.0, 0.1],
    [0.1, 0.8, 0.0, -0.3], [0.1, -0.8, 0.0, -0.3]], dtype=np.float32)


@pytest.fixture
def vecs():
    return Vectors(WORDS, MATRIX)


def test_lookup(vecs):
    assert len(vecs) == 10 and vecs.dim == 4 and "queen" in vecs and "duke" not in vecs
    np.testing.assert_array_equal(vecs["pear"], MATRIX[7])
    assert vecs.index("man") == 2 and vecs.get_index("duke") is None and vecs.get_index("duke", -1) == -1
    with pytest.raises(KeyError):
        vecs["duke"]
    with pytest.raises(UnknownWord):
        vecs.similarity("duke", "king")
    with pytest.raises(InputError, match="'duke' is not in the vocabulary"):
        vecs.most_similar("duke")


def test_most_similar_excludes_the_query_and_ranks_by_cosine(vecs):
    top = vecs.most_similar("apple", topn=3)
    assert [w for w, _ in top][0] == "pear" and "apple" not in [w for w, _ in top] and len(top) == 3
    scores = [s for _, s in vecs.most_similar("king", topn=9)]
    assert scores == sorted(scores, reverse=True)
    unit = MATRIX / np.linalg.norm(MATRIX, axis=1, keepdims=True)
    assert scores[0] == pytest.approx(max(unit[0] @ unit[i] for i in range(1, 10)), abs=1e-6)
    assert vecs.similarity("king", "queen") == pytest.approx(float(unit[0] @ unit[1]), abs=1e-6)
    # a vector query excludes nothing
    assert vecs.most_similar(MATRIX[6], topn=1)[0][0] == "apple"
    assert vecs.most_similar("king", topn=0) == [] and len(vecs.most_similar("king", topn=50)) == 9
    assert Vectors(["a", "b", "a"], MATRIX[:3]).index("a") == 0  # a duplicate keeps its first row


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_analogy_a_minus_b_plus_c(vecs, method):
    answers = [w for w, _ in vecs.analogy("king", "man", "woman", topn=5, method=method)]
    assert "queen" in answers[:3] and not {"king", "man", "woman"} & set(answers)
    assert vecs.analogy("king", "man", "woman")[0][0] == "queen"


def test_analogy_matches_gensim(vecs):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(4)
    kv.add_vectors(WORDS, MATRIX)
    for a, b, c in [("king", "man", "woman"), ("prince", "boy", "girl"), ("apple", "king", "queen")]:
        ours = vecs.analogy(a, b, c, topn=3)
        theirs = kv.most_similar(positive=[a, c], negative=[b], topn=3)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=1e-5)
        ours_mul = vecs.analogy(a, b, c, topn=3, method="3cosmul")
        theirs_mul = kv.most_similar_cosmul(positive=[a, c], negative=[b], topn=3)
        assert [w for w, _ in ours_mul] == [w for w, _ in theirs_mul]
        assert [s for _, s in ours_mul] == pytest.approx([s for _, s in theirs_mul], rel=1e-4)


def test_our_directory_is_memory_mapped_and_round_trips(vecs, tmp_path):
    vecs.save(tmp_path / "v")
    back = load_vectors(tmp_path / "v")
    assert isinstance(back.vectors, np.memmap) and back.words == WORDS
    np.testing.assert_array_equal(np.asarray(back.vectors), MATRIX)
    assert back.most_similar("king", topn=4) == vecs.most_similar("king", topn=4)
    import nlpdive

    assert type(nlpdive.load(tmp_path / "v")).__name__ == "WordEmbeddings"


def test_save_is_atomic_and_keeps_other_files(vecs, tmp_path):
    out = tmp_path / "v"
    out.mkdir()
    (out / "model.safetensors").write_bytes(b"kept")  # a run directory's own files survive a re-save
    vecs.save(out)
    assert (out / "model.safetensors").read_bytes() == b"kept" and load_vectors(out).words == WORDS
    smaller = Vectors(WORDS[:3], MATRIX[:3])
    smaller.save(out)
    assert load_vectors(out).words == WORDS[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v"]  # no temporary directory left


def test_a_failed_save_leaves_the_old_directory(vecs, tmp_path, monkeypatch):
    vecs.save(tmp_path / "v")

    def broken(*args, **kw):  # vectors.npy and norms.npy are written, then the disk fills up
        raise OSError("disk full")

    monkeypatch.setattr("nlpdive.atomic.write_json", broken)
    with pytest.raises(OSError, match="disk full"):
        Vectors(WORDS[:3], MATRIX[:3]).save(tmp_path / "v")
    back = load_vectors(tmp_path / "v")
    assert back.words == WORDS and np.asarray(back.vectors).shape == MATRIX.shape
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v"]


def _write_text(path, header, words=WORDS, matrix=MATRIX):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as f:
        if header:
            f.write(f"{len(words)} {matrix.shape[1]}\n")
        for w, row in zip(words, matrix):
            f.write(w + " " + " ".join(repr(float(x)) for x in row) + "\n")


@pytest.mark.parametrize("name,header", [("glove.txt", False), ("w2v.txt", True), ("wiki.vec", True),
                                         ("glove.txt.gz", False)])
def test_text_formats(tmp_path, name, header):
    _write_text(tmp_path / name, header)
    v = load_vectors(tmp_path / name, progress=False)
    assert v.words == WORDS
    np.testing.assert_allclose(v.vectors, MATRIX)


def test_word2vec_binary_matches_gensim(tmp_path):
    from gensim.models import KeyedVectors

    path = tmp_path / "vectors.bin"
    with open(path, "wb") as f:
        f.write(b"%d %d\n" % MATRIX.shape)
        for w, row in zip(WORDS, MATRIX):
            f.write(w.encode() + b" " + struct.pack("<4f", *row) + b"\n")
    v = load_vectors(path, progress=False)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
    assert v.words == list(kv.index_to_key)
    np.testing.assert_array_equal(v.vectors, kv.vectors)
    gz = tmp_path / "vectors.bin.gz"  # as GoogleNews-vectors-negative300.bin.gz is shipped
    gz.write_bytes(gzip.compress(path.read_bytes()))
    np.testing.assert_array_equal(load_vectors(gz, progress=False).vectors, kv.vectors)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(InputError, match="file ends after 9 of 10 words"):
        load_vectors(path, progress=False)


def test_text_written_by_us_reads_in_gensim(vecs, tmp_path):
    from gensim.models import KeyedVectors

    vecs.save_text(tmp_path / "out.txt")
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / "out.txt"))
    np.testing.assert_allclose(kv.vectors, MATRIX, rtol=1e-5)


def test_bad_files_name_the_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2 3\nb 1 2\nc 4 5 6\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.txt:2: expected a word and 3 numbers, found 2"):
        load_vectors(bad, progress=False)
    with pytest.raises(InputError, match="file not found"):
        load_vectors(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="vocab.json not found"):
        load_vectors(tmp_path)


def test_word_with_a_space_keeps_the_last_numbers(tmp_path):
    f = tmp_path / "g.txt"
    f.write_text("a 1 2\n. . . 3 4\nb 5 6\n", encoding="utf-8")
    v = load_vectors(f, progress=False)
    assert v.words == ["a", ". . .", "b"] and v[". . ."].tolist() == [3.0, 4.0]


def _analogy_file(tmp_path):
    f = tmp_path / "questions.txt"
    f.write_text(": royal\nman king woman queen\nboy prince girl princess\nman king woman apple\n"
                 ": fruit\nking apple queen pear\nman duke woman duchess\n", encoding="utf-8")
    return f


def test_analogy_evaluation_matches_gensim(vecs, tmp_path):
    from gensim.models import KeyedVectors

    f = _analogy_file(tmp_path)
    result = vecs.evaluate_analogies(f, restrict_vocab=10)
    kv = KeyedVectors(4)
    kv.add_vectors(WORDS, MATRIX)
    score, sections = kv.evaluate_word_analogies(str(f), restrict_vocab=10)
    assert result["accuracy"] == pytest.approx(score)
    assert result["total"] == len(sections[-1]["correct"]) + len(sections[-1]["incorrect"]) == 4
    assert result["sections"]["royal"] == {"accuracy": 2 / 3, "correct": 2, "total": 3}
    assert result["oov"] == pytest.approx(1 / 5)  # the duke/duchess question


def test_similarity_evaluation_matches_gensim(vecs, tmp_path):
    from gensim.models import KeyedVectors

    f = tmp_path / "pairs.tsv"
    f.write_text("# comment\nking\tqueen\t8.5\nman\twoman\t8.0\napple\tpear\t9.0\nking\tapple\t1.0\n"
                 "boy\tpear\t0.5\nduke\tking\t7\n", encoding="utf-8")
    result = vecs.evaluate_similarity(f)
    kv = KeyedVectors(4)
    kv.add_vectors(WORDS, MATRIX)
    (_, _), (rho, _), oov = kv.evaluate_word_pairs(str(f))
    assert result["spearman"] == pytest.approx(rho) and result["oov"] == pytest.approx(oov / 100)
    assert result["pairs"] == 5 and result["total"] == 6


def test_reads_every_shared_word_pair_layout(shared_data):
    d = shared_data / "wordsim"
    ws = read_word_pairs(d / "wordsim353.tsv")
    assert len(ws) == 353 and ws[0] == ("love", "sex", 6.77)
    assert read_word_pairs(d / "wordsim353_combined.csv")[:1] == [("love", "sex", 6.77)]
    simlex = read_word_pairs(d / "SimLex-999.txt")
    assert len(simlex) == 999 and simlex[0] == ("old", "new", 1.58)
    men = read_word_pairs(d / "MEN_dataset_lemma_form_full")
    assert len(men) == 3000 and not any(a.endswith("-n") for a, _, _ in men)


def test_words_with_spaces_load_but_extra_numbers_are_an_error(tmp_path):
    ok = tmp_path / "ok.txt"
    ok.write_text("a 0.1 0.2\nnew york 0.2 0.5\n")
    assert load_vectors(ok, progress=False).words == ["a", "new york"]
    bad = tmp_path / "bad.txt"
    bad.write_text("a 0.1 0.2\ntown 0.2 0.2 0.5\n")
    with pytest.raises(InputError, match="bad.txt:2: expected a word and 2 numbers"):
        load_vectors(bad, progress=False)


def test_non_finite_rows_are_an_error_or_skipped_with_one_warning(tmp_path):
    f = tmp_path / "nan.txt"
    f.write_text("a 1 2\nb nan 3\nc 3 inf\nd 1 1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"nan\.txt:2: 'b' has a non-finite value .*skip-bad-rows"):
        load_vectors(f, progress=False)
    with pytest.warns(UserWarning, match=r"skipped 2 rows holding nan or inf .*'b' at line 2") as record:
        v = load_vectors(f, progress=False, skip_bad_rows=True)
    assert len(record) == 1 and v.words == ["a", "d"] and np.isfinite(np.asarray(v.vectors)).all()
    b = tmp_path / "nan.bin"
    b.write_bytes(b"2 2\na " + struct.pack("<2f", 1, 2) + b"\nb " + struct.pack("<2f", 1, float("inf")) + b"\n")
    with pytest.raises(InputError, match=r"nan\.bin: word 1 \('b'\) has a non-finite value"):
        load_vectors(b, progress=False)
    with pytest.warns(UserWarning, match=r"skipped 1 row holding nan or inf .*'b' at index 1"):
        assert load_vectors(b, progress=False, skip_bad_rows=True).words == ["a"]


def test_duplicated_words_keep_their_first_row_with_one_warning(tmp_path):
    f = tmp_path / "dup.vec"
    f.write_text("5 2\na 1 2\nb 2 3\na 3 1\nb 0 1\nc 1 1\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"dup\.vec: dropped 2 rows of words listed twice, each word keeps its "
                                         r"first row \(the first: 'a' at line 4, first seen at line 2\)") as record:
        v = load_vectors(f, progress=False)
    assert len(record) == 1 and v.words == ["a", "b", "c"] and v["a"].tolist() == [1.0, 2.0]
    assert [w for w, _ in v.most_similar("a", topn=5)] == ["b", "c"]  # the dropped rows never answer


def test_a_saved_directory_is_checked_file_against_file(vecs, tmp_path):
    bad = np.array(MATRIX)
    bad[3, 1] = np.nan
    Vectors(WORDS, bad).save(tmp_path / "v")
    with pytest.raises(InputError, match=r"v/vectors\.npy: row 3 \('woman'\) holds nan or inf"):
        load_vectors(tmp_path / "v")
    with pytest.warns(UserWarning, match="skipped 1 row holding nan or inf"):
        back = load_vectors(tmp_path / "v", skip_bad_rows=True)
    assert "woman" not in back and len(back) == 9 and back.most_similar("king", topn=9)[0][0] != "woman"
    vecs.save(tmp_path / "w")
    np.save(tmp_path / "w" / "norms.npy", np.ones(4, np.float32))
    with pytest.raises(InputError, match=r"w/norms\.npy: holds 4 norms but vectors\.npy has 10 rows"):
        load_vectors(tmp_path / "w")
    (tmp_path / "w" / "norms.npy").unlink()  # the hint: it is recomputed
    assert load_vectors(tmp_path / "w").most_similar("king", topn=3) == vecs.most_similar("king", topn=3)


def test_similar_skips_bad_rows_only_when_asked(run_cli, tmp_path):
    f = tmp_path / "nan.txt"
    f.write_text("a 1 2\nb nan 3\nc 3 1\nd 1 1\n", encoding="utf-8")
    code, out, err = run_cli("vectors", "similar", f, "a", "--topn", "3")
    assert code == 2 and out == "" and "nan.txt:2:" in err and "--skip-bad-rows" in err
    code, out, err = run_cli("vectors", "similar", f, "a", "--topn", "3", "--skip-bad-rows")
    assert code == 0 and [line.split()[1] for line in out.splitlines()] == ["d", "c"]
    assert err.startswith("nlpdive: warning: ") and len(err.splitlines()) == 1 and "skipped 1 row holding nan" in err


def test_writers_are_atomic(vecs, tmp_path, run_cli):
    vecs.save_text(tmp_path / "w2v.txt")
    assert load_vectors(tmp_path / "w2v.txt", progress=False).words == WORDS
    code, out, err = run_cli("vectors", "export", tmp_path / "w2v.txt", "--out", tmp_path / "proj", "--limit", "3")
    assert code == 0 and (tmp_path / "proj" / "metadata.tsv").read_text() == "king\nqueen\nman\n", err
    code, out, err = run_cli("vectors", "plot", tmp_path / "w2v.txt", "king", "queen", "man", "woman", "--method",
                             "pca", "--out", tmp_path / "map.svg")
    assert code == 0 and (tmp_path / "map.svg").read_text().lstrip().startswith("<?xml"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.svg", "proj", "w2v.txt"]  # no temporary file left
