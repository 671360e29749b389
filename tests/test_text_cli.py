"""`nlpdive text ...` commands through the real CLI entry point."""
import json

from nlpdive.demo import path as demo_path


def _json_lines(out):
    return [json.loads(line) for line in out.strip().splitlines()]


def test_tokenize_talk_example(run_cli):
    code, out, err = run_cli("text", "tokenize", "--stopwords", "--lemmatize", "the sneaky fox jumped over the dog",
                             "--json")
    assert code == 0, err
    assert _json_lines(out) == [{"text": "the sneaky fox jumped over the dog",
                                 "tokens": ["sneaky", "fox", "jump", "over", "dog"]}]
    code, out, _ = run_cli("text", "tokenize", "--lower", "Don't STOP!", "a b")
    assert out.splitlines() == ["do n't stop !", "a b"]


def test_tokenize_stop_words_bundled_or_from_a_file(run_cli, tmp_path):
    code, out, err = run_cli("text", "tokenize", "--stopwords", "The sneaky fox")  # the text right after the flag
    assert code == 0 and out.splitlines() == ["sneaky fox"], err  # stop words match whatever the case
    words = tmp_path / "stop.txt"
    words.write_text("# mine\nFox\n", encoding="utf-8")
    code, out, err = run_cli("text", "tokenize", "--stopwords-file", words, "The sneaky fox")
    assert code == 0 and out.splitlines() == ["The sneaky"], err


def test_tokenize_whole_files_one_line_per_text(run_cli, tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\n\"Don't STOP, ever!\",pos\nA b.,neg\n", encoding="utf-8")
    code, out, err = run_cli("text", "tokenize", "--lower", "--data", data, "--text-column", "text")
    assert code == 0 and out.splitlines() == ["do n't stop , ever !", "a b ."], err
    code, _, err = run_cli("text", "tokenize", "hello", "--data", data)
    assert code == 2 and "not both" in err


def test_tokenize_errors(run_cli, tmp_path):
    code, _, err = run_cli("text", "tokenize", "--stopwords-file", tmp_path / "stop.txt", "the sneaky fox")
    assert code == 2 and "stop.txt: stop-word file not found" in err and "--stopwords-file" in err
    code, _, err = run_cli("text", "tokenize", "--tokenizer", tmp_path / "nope.json", "hi")
    assert code == 2 and "tokenizer file not found" in err
    code, _, err = run_cli("text", "tokenize", "--tokenizer", "char", "--stopwords", "hi")
    assert code == 2 and "--tokenizer word" in err


def test_vectorize_bow_slide_and_onehot(run_cli, tmp_path):
    data = tmp_path / "docs.txt"
    data.write_text("the gray cat sat on the gray mat\nthe dog sat by the door\n", encoding="utf-8")
    code, out, err = run_cli("text", "vectorize", "--data", data, "--kind", "bow", "--json")
    assert code == 0, err
    first, second = _json_lines(out)
    assert list(first.items()) == [("the", 2), ("gray", 2), ("cat", 1), ("sat", 1), ("on", 1), ("mat", 1)]
    assert second == {"the": 2, "dog": 1, "sat": 1, "by": 1, "door": 1}
    code, out, _ = run_cli("text", "vectorize", "--data", data, "--kind", "onehot", "--json")
    table = _json_lines(out)[0]
    assert table["tokens"][:2] == ["the", "gray"] and len(table["onehot"]) == 8
    assert table["onehot"][1][table["vocabulary"].index("gray")] == 1
    code, out, _ = run_cli("text", "vectorize", "--data", data, "--kind", "tfidf", "--ngrams", "1-2", "--json")
    assert code == 0 and "gray cat" in _json_lines(out)[0]


def test_vectorize_a_csv_column(run_cli, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("left,right\nthe cat,the dog\nsame cat,same dog\n", encoding="utf-8")
    code, _, err = run_cli("text", "vectorize", "--data", data)
    assert code == 2 and "--text-column" in err
    code, out, err = run_cli("text", "vectorize", "--data", data, "--text-column", "right", "--json")
    assert code == 0 and _json_lines(out) == [{"the": 1, "dog": 1}, {"same": 1, "dog": 1}], err


def test_vectorize_errors(run_cli, tmp_path):
    code, _, err = run_cli("text", "vectorize", "--data", tmp_path / "missing.txt")
    assert code == 2 and "missing.txt: file not found" in err
    data = tmp_path / "d.txt"
    data.write_text("a b\n")
    for bad in ("2-1", "x", "0-1"):
        code, _, err = run_cli("text", "vectorize", "--data", data, "--ngrams", bad)
        assert code == 2 and "--ngrams" in err
    code, _, err = run_cli("text", "vectorize", "--data", data, "--kind", "tfidf", "--binary")
    assert code == 2 and "--binary" in err
    code, _, err = run_cli("text", "vectorize", "--data", data, "--min-df", "2")
    assert code == 2 and "min_df 2 is more than the number of documents (1)" in err and "--min-df" in err


def test_train_tokenizer_then_tokenize_with_it(run_cli, tmp_path):
    out_path = tmp_path / "tok" / "tokenizer.json"
    code, out, err = run_cli("text", "train-tokenizer", "--data", demo_path("shakespeare"), "--kind", "wordpiece",
                             "--vocab-size", "800", "--out", out_path, "--json")
    assert code == 0, err
    record = _json_lines(out)[0]
    assert record["vocab_size"] <= 800 and out_path.is_file()
    code, out, err = run_cli("text", "tokenize", "--tokenizer", out_path, "First Citizen:", "--json")
    tokens = _json_lines(out)[0]
    assert code == 0 and tokens["tokens"][:2] == ["First", "Citizen"] and len(tokens["ids"]) == len(tokens["tokens"])
    code, _, err = run_cli("text", "train-tokenizer", "--data", tmp_path / "none.txt", "--kind", "bpe",
                           "--vocab-size", "100", "--out", out_path)
    assert code == 2 and "none.txt: file not found" in err


def test_train_tokenizer_says_why_the_size_differs_and_rejects_empty_data(run_cli, tmp_path):
    data = tmp_path / "d.txt"
    data.write_text("the gray cat sat on the gray mat\n" * 3, encoding="utf-8")
    code, out, err = run_cli("text", "train-tokenizer", "--data", data, "--kind", "bpe", "--vocab-size", "100",
                             "--out", tmp_path / "t.json")
    assert code == 0 and "more than --vocab-size 100: the 256 bytes" in out, err
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    code, _, err = run_cli("text", "train-tokenizer", "--data", empty, "--out", tmp_path / "u.json")
    assert code == 2 and "hold no text" in err and not (tmp_path / "u.json").exists()


def test_unwritable_output_is_a_one_line_error(run_cli, tmp_path):
    data = tmp_path / "d.txt"
    data.write_text("some text here\n", encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run_cli("text", "train-tokenizer", "--data", data, "--out", blocker / "t.json")
    assert code == 2 and err.startswith("nlpdive: error: ") and len(err.strip().splitlines()) == 1


def test_train_tokenizer_failed_write_leaves_nothing_and_names_the_target(run_cli, tmp_path, monkeypatch):
    data = tmp_path / "d.txt"
    data.write_text("the gray cat sat on the gray mat\n" * 3, encoding="utf-8")
    (tmp_path / "tok").mkdir()
    code, _, err = run_cli("text", "train-tokenizer", "--data", data, "--out", tmp_path / "tok")
    assert code == 2 and "tok: is a directory" in err and "--out" in err and ".tmp-" not in err

    def full_disk(src, dst):
        raise OSError(28, "No space left on device", str(src))

    monkeypatch.setattr("nlpdive.atomic.os.replace", full_disk)
    code, _, err = run_cli("text", "train-tokenizer", "--data", data, "--vocab-size", "100",
                           "--out", tmp_path / "t.json")
    assert code == 2 and "t.json: cannot write (No space left on device)" in err and ".tmp-" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.txt", "tok"]  # no hidden temporary file left
