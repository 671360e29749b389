"""Files as tables: every format becomes column names plus rows of (line number, values)."""
import csv
import json
import re
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from nlpdive.data.files import open_text
from nlpdive.errors import InputError

NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")
FASTTEXT_PREFIX = "__label__"
MAX_HEADER_NAME = 64  # a longer first-row field is data, not a column name
COLUMN_LIKE = re.compile(r"(?=.*[^\W\d_])[\w\- ]{1,32}")  # a short word-like name: text, label, sentence_1, ...
HEADER_CHECK_ROWS = 1000


@dataclass
class Table:
    path: Path
    format: str
    columns: list  # header names; "0", "1", ... when the file has no header
    rows: list  # [(line number, [value or None per column])]
    named: bool  # True when the columns have real names (header, JSON keys, txt)


def read_table(path, format, encoding=None, header=None):
    """Read `path` in `format` ('csv' | 'tsv' | 'jsonl' | 'txt'). header: None = detect, True/False = CSV/TSV
    first row is / is not a header."""
    readers = {"csv": _read_delimited, "tsv": _read_delimited, "jsonl": _read_jsonl, "txt": _read_txt}
    table = readers[format](Path(path), format, encoding, header)
    if not table.rows:
        what = "has a header row but no examples" if table.named and format in ("csv", "tsv") else "is empty"
        raise InputError(f"the file {what}", path=path, hint="check the path given to --data")
    return table


def _read_delimited(path, format, encoding, header):
    csv.field_size_limit(2**31 - 1)  # long documents are fine (the default limit is 128 KiB per field)
    tsv = format == "tsv"
    rows = []
    with open_text(path, encoding, newline="") as f:
        # TSV texts often hold quote characters, so TSV fields are never quoted.
        reader = csv.reader(f, delimiter="\t" if tsv else ",", quoting=csv.QUOTE_NONE if tsv else csv.QUOTE_MINIMAL)
        start = 1
        try:
            for fields in reader:
                if fields:  # blank lines are skipped
                    rows.append((start, fields))
                start = reader.line_num + 1
        except csv.Error as e:
            raise InputError(f"cannot parse {format.upper()} ({e})", path=path, line=start,
                             hint="check the quoting of this row") from None
    if not rows:
        return Table(path, format, [], [], named=False)
    has_header = _looks_like_header(rows) if header is None else header
    if has_header or (header is None and _repeated_column_names(rows)):
        _check_unique_names(path, rows[0])
    if has_header:
        columns, rows = rows[0][1], rows[1:]
    else:
        columns = [str(i) for i in range(len(rows[0][1]))]
    _check_widths(path, tsv, rows, len(columns), "the header" if has_header else "the first row")
    return Table(path, format, columns, rows, named=has_header)


def _looks_like_header(rows):
    """The first row is a header unless a field is empty, a number, very long or repeated, or a field's value
    appears again in its column within the next HEADER_CHECK_ROWS rows."""
    first = rows[0][1]
    if len(set(first)) < len(first):
        return False
    if any(not v.strip() or NUMBER.fullmatch(v.strip()) or len(v) > MAX_HEADER_NAME for v in first):
        return False
    return not _values_recur(rows)


def _values_recur(rows):
    """Whether a value of the first row appears again in its column within the next HEADER_CHECK_ROWS rows."""
    first = rows[0][1]
    following = islice(rows, 1, 1 + HEADER_CHECK_ROWS)
    return any(j < len(fields) and fields[j] == name for _, fields in following for j, name in enumerate(first))


def _repeated_column_names(rows):
    """A first row of column-like names with one repeated (sentence<TAB>sentence; text,label,text), whose values
    do not appear again in their columns: a header with a duplicate name rather than a row of data."""
    first = rows[0][1]
    if len(set(first)) == len(first) or not all(COLUMN_LIKE.fullmatch(v.strip()) for v in first):
        return False
    return not _values_recur(rows)


def _check_unique_names(path, first):
    line, names = first
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(f"the header names the column {name!r} twice", path=path, line=line,
                             hint="rename one of the columns")
        seen.add(name)


def _check_widths(path, tsv, rows, width, reference):
    for line, fields in rows:
        if len(fields) != width:
            hint = "a text holds a tab character" if tsv else "quote fields that hold commas"
            raise InputError(f"row has {len(fields)} fields but {reference} has {width}", path=path, line=line,
                             hint=f"fix the row; perhaps {hint}")


def _read_jsonl(path, format, encoding, header):
    records, keys = [], {}
    with open_text(path, encoding) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                hint = "each line must be one JSON object"
                if number == 1 and line.lstrip().startswith("["):
                    hint += "; convert a JSON array to JSON Lines, one object per line"
                raise InputError(f"invalid JSON ({e.msg}, column {e.colno})", path=path, line=number,
                                 hint=hint) from None
            if not isinstance(record, dict):
                raise InputError(f"expected a JSON object, got {type(record).__name__}", path=path, line=number,
                                 hint='write one object per line, e.g. {"text": "...", "label": "pos"}')
            keys.update(dict.fromkeys(record))
            records.append((number, record))
    columns = list(keys)
    rows = [(number, [_json_value(record.get(c)) for c in columns]) for number, record in records]
    return Table(path, format, columns, rows, named=True)


def _json_value(value):
    """Strings as they are, missing/null as None, anything else (numbers, booleans) as its JSON text."""
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _read_txt(path, format, encoding, header):
    """One example per non-blank line; fastText lines ("__label__pos some text") give a label column; lines that
    all hold the same number of tabs (UCI's "text<TAB>label") are read as a TSV file (header detected)."""
    rows = []
    with open_text(path, encoding) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if line.strip():
                rows.append((number, line))
    if tab_columns(line for _, line in rows):
        return _read_delimited(path, "tsv", encoding, header)
    if not rows or not rows[0][1].startswith(FASTTEXT_PREFIX):
        return Table(path, format, ["text"], [(n, [line]) for n, line in rows], named=True)
    return Table(path, format, ["text", "label"], [_fasttext_row(path, n, line) for n, line in rows], named=True)


def tab_columns(lines):
    """The number of tabs that every non-blank line of a text file holds, when that is the same number (>= 1)
    and the first line is not a fastText line; else 0. Stops at the first line that rules it out."""
    count = None
    for line in lines:
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        if count is None:
            if line.startswith(FASTTEXT_PREFIX):
                return 0
            count = line.count("\t")
        if count == 0 or line.count("\t") != count:
            return 0
    return count or 0


def _fasttext_row(path, number, line):
    label, _, text = line.partition(" ")
    if not label.startswith(FASTTEXT_PREFIX):
        raise InputError(f"line has no {FASTTEXT_PREFIX} prefix although the first line has one", path=path,
                         line=number, hint=f"start every line with {FASTTEXT_PREFIX}LABEL")
    if text.startswith(FASTTEXT_PREFIX):
        raise InputError("more than one label on a line (multi-label data is not supported)", path=path,
                         line=number, hint="keep one __label__ per line")
    return number, [text, label[len(FASTTEXT_PREFIX):]]
