"""Reader paper cuts: empty texts, tab-separated .txt files, duplicate column names, label spelling, and label
columns that are not classes."""
import gzip
import json
import re
import warnings
from contextlib import contextmanager

import pytest

from nlpdive.data import read_examples, read_multilabel, read_texts
from nlpdive.data.readers import InputWarning, normalize_label
from nlpdive.data.tables import read_table
from nlpdive.errors import InputError


def write(tmp_path, name, text):
    path = tmp_path / name
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def simple(examples):
    return [(ex["text"], ex["label"], ex["line"]) for ex in examples]


def input_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, InputWarning)]


@contextmanager
def no_input_warning():
    """A block in which an InputWarning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        yield


# ---- 1. empty texts --------------------------------------------------------------------------------------------

MOSTLY_FULL = "text\tlabel\n" + "".join(f"text {i}\t{'ab'[i % 2]}\n" for i in range(8)) + " \ta\n\tb\n\tb\n"


def test_keep_empty_makes_an_empty_text_an_example(tmp_path):
    path = write(tmp_path, "test.tsv", "sentence\tlabel\ngood\t1\n  \t0\n\t1\nbad\t0\n")
    with no_input_warning():
        examples = read_examples(path, keep_empty=True, min_classes=1)
    assert simple(examples) == [("good", "1", 2), ("", "0", 3), ("", "1", 4), ("bad", "0", 5)]
    assert [ex["text"] for ex in read_examples(path, keep_empty=True, need_labels=False)] == ["good", "", "", "bad"]
    every = write(tmp_path, "blank.tsv", "sentence\tlabel\n \t1\n\t0\n")
    assert [ex["text"] for ex in read_examples(every, keep_empty=True, min_classes=1)] == ["", ""]


def test_keep_empty_keeps_the_label_rules(tmp_path):
    path = write(tmp_path, "test.tsv", "sentence\tlabel\ngood\t1\n\t\n")
    with pytest.raises(InputError, match=r"test\.tsv:3: empty label in column 'label'"):
        read_examples(path, keep_empty=True, min_classes=1)


def test_training_skips_a_few_empty_texts_with_one_warning(tmp_path):
    path = write(tmp_path, "train.tsv", MOSTLY_FULL)
    with pytest.warns(InputWarning) as record:
        examples = read_examples(path)
    assert input_warnings(record) == [f"{path}: skipped 3 rows with empty text (first at line 10)"]
    assert len(examples) == 8 and all(ex["text"] for ex in examples)


def test_most_texts_empty_is_an_error_unless_skip_empty(tmp_path):
    path = write(tmp_path, "d.csv", "id,text,label\n1,,a\n2,,b\n3,hello,a\n4,,b\n5,world,b\n")
    with pytest.raises(InputError) as caught:
        read_examples(path)
    assert "most texts (3 of 5) are empty" in str(caught.value) and str(path) in str(caught.value)
    assert caught.value.hint == "check --text-column, or pass --skip-empty to skip them"
    with pytest.warns(InputWarning, match=r"skipped 3 rows with empty text \(first at line 2\)"):
        examples = read_examples(path, skip_empty=True)
    assert [ex["text"] for ex in examples] == ["hello", "world"]


def test_every_text_empty_is_an_error_even_with_skip_empty(tmp_path):
    path = write(tmp_path, "d.tsv", "text\tlabel\n \ta\n\tb\n")
    for kwargs in ({}, {"skip_empty": True}):
        with pytest.raises(InputError, match=r"d\.tsv: every text is empty.*--text-column") as caught:
            read_examples(path, **kwargs)
        assert "skip_empty" not in str(caught.value)


def test_no_error_names_the_python_keyword(tmp_path):
    cases = ["text\tlabel\n \ta\n\tb\n", "text\tlabel\n\ta\n\tb\nc\ta\n", "text\tlabel\na\tx\n"]
    for i, text in enumerate(cases):
        with pytest.raises(InputError) as caught:
            read_examples(write(tmp_path, f"d{i}.tsv", text))
        assert "=True" not in str(caught.value) and "skip_empty" not in str(caught.value)


def test_multilabel_empty_texts(tmp_path):
    text = "text,labels\n" + "".join(f"doc {i},a|b\n" for i in range(4)) + ",a\n"
    path = write(tmp_path, "m.csv", text)
    with pytest.warns(InputWarning, match=r"m\.csv: skipped 1 rows with empty text \(first at line 6\)"):
        examples, names = read_multilabel(path, label_column="labels")
    assert len(examples) == 4 and names == ["a", "b"]
    examples, _ = read_multilabel(path, label_column="labels", keep_empty=True)
    assert examples[-1] == {"text": "", "labels": ["a"], "line": 6}
    mostly = write(tmp_path, "n.csv", "text,labels\n,a\n,b\nok,a\n")
    with pytest.raises(InputError, match=r"most texts \(2 of 3\) are empty.*--skip-empty"):
        read_multilabel(mostly, label_column="labels")
    with pytest.warns(InputWarning, match="skipped 2 rows"):
        assert len(read_multilabel(mostly, label_column="labels", skip_empty=True)[0]) == 1


def test_real_mr_test_set_keeps_its_empty_sentence(shared_data):
    path = shared_data / "mr" / "test.tsv"
    with no_input_warning():
        examples = read_examples(path, keep_empty=True, min_classes=1)
    rows = sum(1 for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
    assert len(examples) == rows and [ex["line"] for ex in examples if not ex["text"]] == [569]
    with pytest.warns(InputWarning) as record:
        assert len(read_examples(path)) == rows - 1
    assert input_warnings(record) == [f"{path}: skipped 1 rows with empty text (first at line 569)"]


# ---- 2. .txt files of text<TAB>label lines, and format= ---------------------------------------------------------

UCI = "Great phone, works fine.\t1\nBattery died in a day.\t0\nWould buy again!\t1\n\nNot worth it.\t0\n"


@pytest.mark.parametrize("columns", [{}, {"text_column": 0, "label_column": 1},
                                     {"text_column": "0", "label_column": "1"}])
def test_uci_txt_is_a_headerless_tsv(tmp_path, columns):
    path = write(tmp_path, "amazon_cells_labelled.txt", UCI)
    assert simple(read_examples(path, **columns)) == [
        ("Great phone, works fine.", "1", 1), ("Battery died in a day.", "0", 2), ("Would buy again!", "1", 3),
        ("Not worth it.", "0", 5)]


def test_tabbed_txt_table_reads_as_tsv(tmp_path):
    table = read_table(write(tmp_path, "a.txt.gz", UCI), "txt")
    assert table.format == "tsv" and table.columns == ["0", "1"] and not table.named
    headed = read_table(write(tmp_path, "b.txt", "sentence\tlabel\nfine day\tpos\nbad day\tneg\n"), "txt")
    assert table.format == "tsv" and headed.columns == ["sentence", "label"] and len(headed.rows) == 2
    quoted = read_table(write(tmp_path, "c.txt", 'he said "hi\t1\nno\t0\n'), "txt")  # TSV: never quoted
    assert quoted.rows[0][1] == ['he said "hi', "1"]


def test_txt_without_the_same_tabs_stays_plain_text(tmp_path):
    plain = write(tmp_path, "plain.txt", "no tabs here\nnor here\n")
    assert [ex["text"] for ex in read_examples(plain, need_labels=False)] == ["no tabs here", "nor here"]
    ragged = write(tmp_path, "ragged.txt", "one\ttab\ntwo\ttabs\there\nnone\n")
    table = read_table(ragged, "txt")
    assert table.format == "txt" and table.columns == ["text"]
    assert [row[1] for row in table.rows] == [["one\ttab"], ["two\ttabs\there"], ["none"]]
    fasttext = read_table(write(tmp_path, "ft.txt", "__label__a x\ty\n__label__b z\tw\n"), "txt")
    assert fasttext.format == "txt" and fasttext.columns == ["text", "label"]


def test_format_keyword_everywhere(tmp_path):
    path = write(tmp_path, "data.dat", "text\tlabels\nhello there\ta|b\nbye now\tb\n")
    examples, names = read_multilabel(path, format="tsv", label_column="labels")
    assert [ex["labels"] for ex in examples] == [["a", "b"], ["b"]] and names == ["a", "b"]
    assert list(read_texts(path, format="tsv")) == ["hello there", "bye now"]
    assert list(read_texts(path)) == ["text\tlabels", "hello there\ta|b", "bye now\tb"]  # .dat: text lines


@pytest.mark.parametrize("read", [read_examples, read_multilabel, read_texts])
def test_unknown_format_names_the_flag_and_choices(tmp_path, read):
    path = write(tmp_path, "d.tsv", "text\tlabel\na\tx\nb\ty\n")
    with pytest.raises(InputError, match="unknown format 'xls'") as caught:
        read(path, format="xls")
    assert caught.value.hint == "pass --format one of: csv, jsonl, tsv, txt"


# ---- 3. duplicate column names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,text,column", [
    ("d.tsv", "sentence\tsentence\nfine film\tgood\nbad film\tbad\n", "sentence"),
    ("d.csv", "text,label,text\nfine film,pos,x\nbad film,neg,y\n", "text"),
    ("d.txt", "review\tlabel\treview\nfine film\tpos\tx\nbad film\tneg\ty\n", "review"),
])
def test_duplicate_column_names_are_an_error(tmp_path, name, text, column):
    path = write(tmp_path, name, text)
    with pytest.raises(InputError, match=rf"d\.{name[-3:]}:1: the header names the column '{column}' twice") as e:
        read_examples(path)
    assert e.value.hint == "rename one of the columns"
    with pytest.raises(InputError, match="twice"):
        read_examples(path, header=True)


def test_a_repeated_first_row_of_data_is_still_data(tmp_path):
    path = write(tmp_path, "d.csv", "yes,yes\nno,no\nyes,yes\n")  # the values come again: data
    assert read_table(path, "csv").columns == ["0", "1"]
    numbers = write(tmp_path, "n.tsv", "1\t1\n0\t2\n")
    assert read_table(numbers, "tsv").columns == ["0", "1"]
    long = "a long enough sentence, surely not the name of a column at all"
    assert len(read_table(write(tmp_path, "l.csv", f'"{long}","{long}"\nx,y\n'), "csv").rows) == 2
    assert len(read_table(write(tmp_path, "h.tsv", "text\ttext\na\tb\n"), "tsv", header=False).rows) == 2


# ---- 4. label spelling -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("1", "1"), ("1.0", "1"), (" 1 ", "1"), ("+1", "1"), ("01", "1"), ("-1", "-1"), ("-0", "0"), ("0.50", "0.5"),
    ("1e3", "1000"), (".5", "0.5"), ("2.", "2"), ("pos", "pos"), (" Neutral ", "Neutral"), ("1.2.3", "1.2.3"),
    ("1e99", "1e99"),
])
def test_normalize_label(value, expected):
    assert normalize_label(value) == expected


def test_numeric_labels_written_two_ways_are_one_class(tmp_path):
    path = write(tmp_path, "d.csv", "text,label\na,1.0\nb,0\nc,1\nd,0.0\ne, 1 \n")
    with pytest.warns(InputWarning) as record:
        examples = read_examples(path)
    assert [ex["label"] for ex in examples] == ["1", "0", "1", "0", "1"]
    assert input_warnings(record) == [f'{path}: labels 1.0 and 1 read as one class "1"; '
                                      f'labels 0 and 0.0 read as one class "0"']


def test_label_whitespace_alone_gives_no_warning(tmp_path):
    path = write(tmp_path, "d.tsv", "text\tlabel\na\t pos\nb\tneg \nc\tpos\n")
    with no_input_warning():
        assert [ex["label"] for ex in read_examples(path)] == ["pos", "neg", "pos"]


def test_one_other_spelling_warns_too(tmp_path):
    path = write(tmp_path, "d.csv", "text,label\na,+1\nb,-1\n")
    with pytest.warns(InputWarning, match=r'd\.csv: label \+1 read as class "1"$'):
        assert [ex["label"] for ex in read_examples(path)] == ["1", "-1"]


def test_jsonl_numbers_1_and_1_0_are_one_class(tmp_path):
    rows = [{"text": "a", "label": 1}, {"text": "b", "label": 1.0}, {"text": "c", "label": 0}]
    path = write(tmp_path, "d.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    with pytest.warns(InputWarning, match=r'labels 1 and 1\.0 read as one class "1"'):
        assert [ex["label"] for ex in read_examples(path)] == ["1", "1", "0"]


@pytest.mark.parametrize("name,text,line", [
    ("d.csv", "text,label\na,pos\nb,nan\n", 3), ("d.csv", "text,label\na,NaN\nb,pos\n", 2),
    ("d.tsv", "text\tlabel\na\tNULL\nb\tpos\n", 2), ("d.tsv", "text\tlabel\na\tpos\nb\tNone\n", 3),
    ("d.tsv", 'text\tlabel\na\tpos\nb\t["pos", "neg"]\n', 3), ("d.tsv", 'text\tlabel\na\t{"x": 1}\nb\tpos\n', 2),
    ("d.jsonl", '{"text": "a", "label": "pos"}\n{"text": "b", "label": ["pos"]}\n', 2),
    ("d.jsonl", '{"text": "a", "label": {"y": 1}}\n{"text": "b", "label": "pos"}\n', 1),
])
def test_missing_or_structured_labels_are_an_error(tmp_path, name, text, line):
    with pytest.raises(InputError, match=rf"{re.escape(name)}:{line}: the label .* is ") as caught:
        read_examples(write(tmp_path, name, text))
    assert caught.value.hint == "fix the label or check --label-column"


def test_missing_labels_are_no_labels_when_none_are_needed(tmp_path):
    path = write(tmp_path, "d.csv", "text,label\na,pos\nb,nan\n")
    assert [ex["label"] for ex in read_examples(path, need_labels=False)] == ["pos", None]


def test_flag_columns_written_as_floats(tmp_path):
    path = write(tmp_path, "m.csv", "text,toxic,insult\nyou fool,1.0,1.0\nhello,0.0,0.0\nugh,1,0\n")
    examples, names = read_multilabel(path, label_columns=["toxic", "insult"])
    assert [ex["labels"] for ex in examples] == [["toxic", "insult"], [], ["toxic"]] and names == ["toxic", "insult"]


# ---- 5. a label column with a distinct value in most rows --------------------------------------------------------

def test_a_label_per_row_is_not_a_class_column(tmp_path):
    path = write(tmp_path, "d.csv", "text,label\n" + "".join(f"text number {i},{1000 + 37 * i}\n" for i in range(30)))
    with pytest.raises(InputError) as caught:
        read_examples(path)
    assert str(caught.value).startswith(f"{path}: the label column 'label' has 30 distinct values in 30 rows: "
                                        "this looks like a numeric target or the wrong column")
    assert caught.value.hint == "pass --label-column"
    assert len(read_examples(path, min_classes=1)) == 30  # evaluation: no such check
    assert len(read_examples(path, need_labels=False)) == 30


def test_distinct_label_check_thresholds(tmp_path):
    small = write(tmp_path, "s.csv", "text,label\n" + "".join(f"t{i},c{i}\n" for i in range(20)))
    assert len(read_examples(small)) == 20  # 20 rows: too few to tell
    half = write(tmp_path, "h.csv", "text,label\n" + "".join(f"t{i},c{i % 15}\n" for i in range(30)))
    assert len(read_examples(half)) == 30  # 15 of 30: not more than half
    over = write(tmp_path, "o.csv", "text,label\n" + "".join(f"t{i},c{i % 16}\n" for i in range(30)))
    with pytest.raises(InputError, match="16 distinct values in 30 rows"):
        read_examples(over)
