import gzip
import json
import time

import pytest

from nlpdive.data import read_examples, read_parallel, read_texts
from nlpdive.data.readers import InputWarning
from nlpdive.errors import InputError

CSV = 'id,text,label\n1,"Hello, world",pos\n2,"He said ""no""\nand left",neg\n3,fine,pos\n'
TSV = 'sentence\tlabel\nit is "great\tpos\nawful , really\tneg\n'
JSONL = '{"text": "good film", "label": 1}\n\n{"text": "bad film", "label": 0, "extra": [1]}\n'
TXT = "first line\n\nsecond line\n"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    data = text.encode(encoding)
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def simple(examples):
    return [(ex["text"], ex["label"], ex["line"]) for ex in examples]


EXPECTED = {
    "data.csv": (CSV, [("Hello, world", "pos", 2), ('He said "no"\nand left', "neg", 3), ("fine", "pos", 5)]),
    "data.tsv": (TSV, [('it is "great', "pos", 2), ("awful , really", "neg", 3)]),
    "data.jsonl": (JSONL, [("good film", "1", 1), ("bad film", "0", 3)]),
    "data.json": (JSONL, [("good film", "1", 1), ("bad film", "0", 3)]),  # JSON Lines, as HF datasets name them
    "data.txt": ("__label__pos so good\n__label__neg so bad\n", [("so good", "pos", 1), ("so bad", "neg", 2)]),
}


@pytest.mark.parametrize("gz", ["", ".gz"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_format_plain_and_gzipped(tmp_path, name, gz):
    text, expected = EXPECTED[name]
    assert simple(read_examples(write(tmp_path, name + gz, text))) == expected


def test_plain_text_has_no_labels_and_skips_blank_lines(tmp_path):
    path = write(tmp_path, "notes.tokens", TXT)
    assert simple(read_examples(path, need_labels=False)) == [("first line", None, 1), ("second line", None, 3)]
    with pytest.raises(InputError, match="a text file has no labels"):
        read_examples(path)


def test_format_can_be_forced(tmp_path):
    path = write(tmp_path, "data.dat", TSV)
    assert [ex["label"] for ex in read_examples(path, format="tsv")] == ["pos", "neg"]
    with pytest.raises(InputError, match="unknown format 'xls'"):
        read_examples(path, format="xls")


@pytest.mark.parametrize("text_column,label_column", [("text", "label"), ("TEXT", "Label"), (1, 2), ("1", "2")])
def test_columns_by_name_or_index(tmp_path, text_column, label_column):
    path = write(tmp_path, "d.csv", "id,text,label,note\n1,hello there,a,x\n2,bye now,b,y\n")
    examples = read_examples(path, text_column=text_column, label_column=label_column)
    assert [(ex["text"], ex["label"]) for ex in examples] == [("hello there", "a"), ("bye now", "b")]


def test_header_false_uses_indices(tmp_path):
    path = write(tmp_path, "d.tsv", "text\tlabel\nnice one\tpos\n")
    examples = read_examples(path, header=False, text_column=0, label_column="1", min_classes=1)
    assert [(ex["text"], ex["label"], ex["line"]) for ex in examples] == [("text", "label", 1), ("nice one", "pos", 2)]


def test_headerless_csv_is_detected_and_columns_guessed(tmp_path):
    # like jigsaw_binary_12k.csv: no header, the text then a 0/1 label
    rows = [f'"comment number {i}, which is fairly long",{i % 2}' for i in range(6)]
    examples = read_examples(write(tmp_path, "d.csv", "\n".join(rows) + "\n"))
    assert len(examples) == 6 and examples[0]["line"] == 1
    assert [ex["label"] for ex in examples[:2]] == ["0", "1"]


def test_guessing_by_content_when_names_say_nothing(tmp_path):
    rows = "".join(f"{i},a rather long piece of writing number {i},{'xy'[i % 2]}\n" for i in range(8))
    examples = read_examples(write(tmp_path, "d.csv", "key,words,kind\n" + rows))
    assert examples[3]["text"] == "a rather long piece of writing number 3" and examples[3]["label"] == "y"


def test_ambiguous_columns_name_the_flag(tmp_path):
    path = write(tmp_path, "d.csv", "title,body,a,b\nsame size,same size,x,p\nalso same,also same,y,q\n")
    with pytest.raises(InputError, match="cannot tell which column holds the label.*'a', 'b'.*--label-column"):
        read_examples(path, text_column="body")
    path = write(tmp_path, "e.csv", "left,right,label\nsame size,same size,x\nalso same,also same,y\n")
    with pytest.raises(InputError, match="holds the text.*--text-column"):
        read_examples(path)


def test_need_labels_false_keeps_a_named_label_only(tmp_path):
    path = write(tmp_path, "d.csv", "text,kind\nhello there,a\nbye now,b\n")
    assert [ex["label"] for ex in read_examples(path, need_labels=False)] == [None, None]
    path = write(tmp_path, "e.csv", "text,label\nhello there,a\nbye now,\n")
    assert [ex["label"] for ex in read_examples(path, need_labels=False)] == ["a", None]


@pytest.mark.parametrize("name,text,kwargs,message", [
    ("d.csv", "text,label\na,x\nb,y\n", {"text_column": "review"},
     r"d\.csv: no column 'review'; the columns are: 'text', 'label' \(pass one of them to --text-column\)"),
    ("d.csv", "text,label\na,x\nb,y\n", {"label_column": 5}, "column index 5 is out of range; the file has 2"),
    ("d.csv", "", {}, r"d\.csv: the file is empty"),
    ("d.csv", "text,label\n", {}, "has a header row but no examples"),
    ("d.csv", "text,label\na,x\nb,y,z\n", {}, r"d\.csv:3: row has 3 fields but the header has 2"),
    ("d.tsv", "text\tlabel\na\tx\n \ty\n\tx\n", {},
     r"d\.tsv: most texts \(2 of 3\) are empty \(column 'text'\) \(check --text-column, or pass --skip-empty"),
    ("d.tsv", "text\tlabel\na\tx\nb\t\n", {}, r"d\.tsv:3: empty label in column 'label'"),
    ("d.tsv", "text\tlabel\na\tx\nb\tx\n", {}, r"has 1 class\(es\) \('x'\); training needs at least 2"),
    ("d.jsonl", '{"text": "a", "label": 1}\n{"text": "b", label: 0}\n', {}, r"d\.jsonl:2: invalid JSON"),
    ("d.jsonl", '["a", 1]\n', {}, r"d\.jsonl:1: expected a JSON object"),
    ("d.json", '[{"text": "a",\n "label": 1}]\n', {}, r"d\.json:1: invalid JSON.*convert a JSON array to JSON Lines"),
    ("d.txt", "__label__a x\nno label here\n", {}, r"d\.txt:2: line has no __label__ prefix"),
    ("d.csv", "text,label\na,x\nb,y\n", {"text_column": "label", "label_column": "label"}, "both the text and"),
])
def test_bad_input_is_one_clear_input_error(tmp_path, name, text, kwargs, message):
    with pytest.raises(InputError, match=message):
        read_examples(write(tmp_path, name, text), **kwargs)


def test_one_empty_text_is_skipped_with_a_warning(tmp_path):
    # this file was an error ("d.tsv:3: empty text in column 'text'") before empty texts were skipped in training
    path = write(tmp_path, "d.tsv", "text\tlabel\na\tx\n \ty\n")
    with pytest.warns(InputWarning, match=r"d\.tsv: skipped 1 rows with empty text \(first at line 3\)"):
        examples = read_examples(path, min_classes=1)
    assert simple(examples) == [("a", "x", 2)]


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.csv: file not found \(check the path given to --data\)"):
        read_examples(tmp_path / "nope.csv")


def test_min_classes_and_skip_empty(tmp_path):
    path = write(tmp_path, "d.tsv", "text\tlabel\na\tx\n\tx\nb\tx\n")
    with pytest.warns(UserWarning, match=r"skipped 1 rows with empty text \(first at line 3\)"):
        examples = read_examples(path, min_classes=1, skip_empty=True)
    assert [ex["line"] for ex in examples] == [2, 4]


def test_undecodable_bytes_name_line_and_offset(tmp_path):
    path = write(tmp_path, "d.txt", "caf\u00e9\nna\u00efve\n", encoding="latin-1")
    with pytest.raises(InputError, match=r"d\.txt:1: cannot decode byte 0xe9 at byte offset 3 as utf-8.*latin-1"):
        read_examples(path, need_labels=False)
    gz = write(tmp_path, "d.csv.gz", "text,label\nok,a\nna\u00efve,b\n", encoding="latin-1")
    with pytest.raises(InputError, match=r"d\.csv\.gz:3: cannot decode byte 0xef at byte offset 18"):
        read_examples(gz)
    assert read_examples(gz, encoding="latin-1")[1]["text"] == "na\u00efve"


def test_stream_decode_errors_damaged_gzip_and_unknown_encoding(tmp_path):
    texts = read_texts(write(tmp_path, "d.txt", "ok\nna\u00efve\n", encoding="latin-1"))
    with pytest.raises(InputError, match=r"d\.txt:2: cannot decode byte 0xef at byte offset 5"):
        list(texts)
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"broken\.csv\.gz: cannot decompress"):
        read_examples(broken)
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_examples(write(tmp_path, "e.csv", CSV), encoding="klingon")


def test_utf8_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("\ufefftext,label\nhi,a\nho,b\n".encode("utf-8"))
    assert read_examples(path)[0]["text"] == "hi"


def test_read_texts_streams_lines_and_documents(tmp_path):
    a = write(tmp_path, "a.txt", "one\ntwo\n\n\nthree\n")
    b = write(tmp_path, "b.txt.gz", "four\n")
    texts = read_texts([a, b])
    assert iter(texts) is texts  # a lazy iterator
    assert list(texts) == ["one", "two", "three", "four"]
    assert list(read_texts(a, mode="document")) == ["one\ntwo", "three"]
    assert list(read_texts(write(tmp_path, "c.csv", CSV))) == ["Hello, world", 'He said "no"\nand left', "fine"]


def test_read_texts_checks_arguments_before_reading(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_texts([write(tmp_path, "a.txt", "x\n"), tmp_path / "missing.txt"])
    with pytest.raises(InputError, match="unknown mode 'page'"):
        read_texts(tmp_path / "a.txt", mode="page")


def test_read_parallel_tsv_ignores_extra_columns(tmp_path):
    path = write(tmp_path, "fra.txt.gz", "Go.\tVa !\tCC-BY 2.0 (France)\n\nHi.\tSalut !\tCC-BY\n")
    assert read_parallel(path) == [("Go.", "Va !"), ("Hi.", "Salut !")]
    with pytest.raises(InputError, match=r"bad\.tsv:2: line has no tab"):
        read_parallel(write(tmp_path, "bad.tsv", "a\tb\nno tab here\n"))


def test_read_parallel_two_files(tmp_path):
    en, fr = write(tmp_path, "x.en", "Hello\nBye\n"), write(tmp_path, "x.fr", "Bonjour\nSalut\n")
    assert read_parallel(source=en, target=fr) == [("Hello", "Bonjour"), ("Bye", "Salut")]
    with pytest.raises(InputError, match=r"gap\.fr:2: empty target sentence"):
        read_parallel(source=en, target=write(tmp_path, "gap.fr", "Bonjour\n \n"))
    short = write(tmp_path, "short.fr", "Bonjour\n")
    with pytest.raises(InputError, match=r"x\.en has 2 lines but .*short\.fr has 1"):
        read_parallel(source=en, target=short)
    for bad in ({"source": en}, {"path": en, "target": fr}):
        with pytest.raises(InputError, match="--source FILE --target FILE"):
            read_parallel(**bad)


def test_real_latin1_file(shared_data):
    path = shared_data / "mr" / "rt-polarity.pos"
    with pytest.raises(InputError, match=r"rt-polarity\.pos:\d+: cannot decode .*--encoding latin-1"):
        read_examples(path, need_labels=False)
    examples = read_examples(path, need_labels=False, encoding="latin-1")
    assert len(examples) == 5331 and any("\u00e9" in ex["text"] for ex in examples)


def test_real_imdb_is_read_fast(shared_data):
    start = time.perf_counter()
    examples = read_examples(shared_data / "imdb" / "train.csv.gz")
    elapsed = time.perf_counter() - start
    assert len(examples) == 25000 and {ex["label"] for ex in examples} == {"0", "1"}
    assert elapsed < 5  # about 0.5 s on the 2-core dev machine; see docs/benchmarks.md


def test_jsonl_numbers_become_label_strings(tmp_path):
    path = write(tmp_path, "d.jsonl", "\n".join(json.dumps({"review": f"r{i}", "stars": i % 3}) for i in range(6)))
    assert [ex["label"] for ex in read_examples(path, label_column="stars")] == ["0", "1", "2", "0", "1", "2"]
