"""Readers: labelled examples from CSV/TSV/JSONL/txt, streams of texts, and sentence pairs."""
import os
import re
import warnings
from decimal import Decimal
from functools import partial

from nlpdive.data.columns import guess_label_column, guess_text_column, resolve_column
from nlpdive.data.files import check_file, detect_format, open_text
from nlpdive.data.labels import LabelMap
from nlpdive.data.tables import read_table
from nlpdive.errors import InputError

TEXT_MODES = ("line", "document")
MOST_EMPTY = 0.5  # a larger share of empty texts is an error (the wrong column?) unless --skip-empty
DISTINCT_CHECK_ROWS = 20  # in a larger training file, a distinct label in over half the rows is an error
NUMERIC_LABEL = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
MISSING_LABELS = {"nan", "null", "none"}  # what pandas, JSON and Python write for a missing value


class InputWarning(UserWarning):
    """Input the readers worked around (rows with empty text skipped, labels 1.0 and 1 merged): one per file."""


def read_examples(path, *, text_column=None, label_column=None, encoding=None, need_labels=True, format=None,
                  header=None, min_classes=2, skip_empty=False, keep_empty=False):
    """Examples [{"text": str, "label": str | None, "line": int}] from a .csv/.tsv/.jsonl/.txt file (or .gz).

    text_column / label_column: a name or 0-based index; guessed when None (see nlpdive.data.columns).
    need_labels: every row must have a label and there must be `min_classes` classes; when False, the label is
    read only from a column given or named like one (label, class, ...), else None.
    format: 'csv' | 'tsv' | 'jsonl' | 'txt'; from the extension when None. A .txt file whose lines all hold the
    same number of tabs ("text<TAB>label") is read as TSV.
    header (CSV/TSV): None = detect, True = the first row names the columns, False = no header (use indices).
    keep_empty (evaluation, prediction): a row with an empty or blank text is an example with text "".
    Otherwise (training) such rows are skipped with one InputWarning; it is an error when every text is empty,
    or when most are and not `skip_empty` (skip_empty: skip them whatever their share).
    Labels are stripped and numbers written one way (normalize_label: 1.0 and 1 are class "1").
    Every problem is an InputError naming the file and line.
    """
    table = read_table(path, detect_format(path, format), encoding, header)
    label_index = None if label_column is None else resolve_column(table, label_column, "--label-column")
    if text_column is None:
        text_index = guess_text_column(table, avoid=label_index)
    else:
        text_index = resolve_column(table, text_column, "--text-column")
    if label_column is None:
        label_index = guess_label_column(table, text_index, required=need_labels)
    if text_index == label_index:
        raise InputError(f"column {table.columns[text_index]!r} is both the text and the label column",
                         path=path, hint="pass different --text-column and --label-column")
    rows = _text_rows(table, text_index, skip_empty, keep_empty)
    seen = {}  # label cell as written -> its class ({"1.0": "1", " 1": "1"})
    examples = [_example(table, line, fields, text_index, label_index, need_labels, seen) for line, fields in rows]
    _warn_merged_labels(table, seen)
    if need_labels:
        _check_classes(table, label_index, examples, min_classes)
    return examples


def _text_rows(table, text_index, skip_empty, keep_empty):
    """The rows to read: every row with `keep_empty`; else those with a text (see read_examples)."""
    if keep_empty:
        return table.rows
    empty = [line for line, fields in table.rows if _blank(fields[text_index])]
    if not empty:
        return table.rows
    column, total = table.columns[text_index], len(table.rows)
    if len(empty) == total:
        raise InputError(f"every text is empty (column {column!r})", path=table.path, hint="check --text-column")
    if not skip_empty and len(empty) > MOST_EMPTY * total:
        raise InputError(f"most texts ({len(empty)} of {total}) are empty (column {column!r})", path=table.path,
                         hint="check --text-column, or pass --skip-empty to skip them")
    warnings.warn(f"{table.path}: skipped {len(empty)} rows with empty text (first at line {empty[0]})",
                  InputWarning, stacklevel=3)
    skipped = set(empty)
    return [(line, fields) for line, fields in table.rows if line not in skipped]


def _blank(value):
    return value is None or not value.strip()


def _example(table, line, fields, text_index, label_index, need_labels, seen=None):
    text = "" if _blank(fields[text_index]) else fields[text_index]
    label = None if label_index is None else _label(table, line, fields[label_index], need_labels, seen)
    if need_labels and label is None:
        raise InputError(f"empty label in column {table.columns[label_index]!r}", path=table.path, line=line,
                         hint="give every row a label, or check --label-column")
    return {"text": text, "label": label, "line": line}


def normalize_label(value):
    """A label as one canonical string: surrounding whitespace stripped and a number written one way, so that
    "1", "1.0", " 1 " and "+1" are all "1", "0.50" is "0.5" and "-0" is "0"; other labels are kept as written."""
    label = value.strip()
    if not NUMERIC_LABEL.fullmatch(label):
        return label
    number = Decimal(label)
    if abs(number.adjusted()) > 30:  # 1e99 and the like: keep as written rather than print 100 digits
        return label
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _label(table, line, value, need_labels, seen):
    """The normalised label of one cell, None when empty; a missing-value marker (nan, null, None) or a JSON
    list/object is an error when labels are needed, else no label. `seen` caches cell value -> label."""
    label = seen.get(value) if seen is not None else None
    if label is not None:
        return label
    if _blank(value):
        return None
    label = normalize_label(value)
    missing = label.lower() in MISSING_LABELS
    if missing or label[0] in "[{":
        if not need_labels:
            return None
        what = "a missing value" if missing else "a list or object, not one class"
        shown = label if len(label) <= 40 else label[:37] + "..."
        raise InputError(f"the label {shown!r} is {what}", path=table.path, line=line,
                         hint="fix the label or check --label-column")
    if seen is not None:
        seen[value] = label
    return label


def _warn_merged_labels(table, seen):
    """One InputWarning when some label was written otherwise than its class (1.0 for 1), from `seen`."""
    forms = {}  # class -> the ways it was written (stripped), in the order first seen
    for value, label in seen.items():
        forms.setdefault(label, {}).setdefault(value.strip(), None)
    merged = [(label, list(written)) for label, written in forms.items() if list(written) != [label]]
    if not merged:
        return
    parts = [(f"label {written[0]} read as class" if len(written) == 1 else
              f"labels {', '.join(written[:-1])} and {written[-1]} read as one class") + f' "{label}"'
             for label, written in merged[:3]]
    more = f"; and {len(merged) - 3} more" if len(merged) > 3 else ""
    warnings.warn(f"{table.path}: {'; '.join(parts)}{more}", InputWarning, stacklevel=3)


def _check_classes(table, label_index, examples, min_classes):
    classes = sorted({ex["label"] for ex in examples})
    name = table.columns[label_index]
    if min_classes >= 2 and len(examples) > DISTINCT_CHECK_ROWS and len(classes) > len(examples) / 2:
        raise InputError(f"the label column {name!r} has {len(classes)} distinct values in {len(examples)} rows: "
                         "this looks like a numeric target or the wrong column", path=table.path,
                         hint="pass --label-column")
    if len(classes) < min_classes:
        shown = ", ".join(map(repr, classes[:5]))
        raise InputError(f"the label column {name!r} has {len(classes)} class(es) ({shown}); "
                         f"training needs at least {min_classes}", path=table.path,
                         hint="check --label-column, or use a file with more classes")


def read_multilabel(path, *, text_column=None, label_column=None, label_columns=None, label_sep="|", encoding=None,
                    allow_empty_labels=False, format=None, header=None, min_labels=1, skip_empty=False,
                    keep_empty=False):
    """Multi-label examples [{"text": str, "labels": [str], "line": int}] and every label name, from either

    - label_columns: several 0/1 columns (names or 0-based indices; Jigsaw's toxic,obscene,...): a row's labels
      are the names of its columns holding 1 (a row of zeros has none); the label names are these columns'; or
    - one label column (label_column, or guessed) whose cells list labels split on `label_sep` ("sports|tech");
      the label names are those seen, in LabelMap order. A row with no label is an error unless
      `allow_empty_labels`.
    At least `min_labels` labels must occur in the file. format, header, skip_empty and keep_empty: as for
    read_examples. Every problem is an InputError naming file and line.
    """
    if label_columns and label_column is not None:
        raise InputError("give the 0/1 label columns or one label column, not both",
                         hint="drop --label-column or --label-columns")
    table = read_table(path, detect_format(path, format), encoding, header)
    label_indices = [resolve_column(table, c, "--label-columns") for c in label_columns or []]
    if not label_indices:
        label_indices = [None if label_column is None else resolve_column(table, label_column, "--label-column")]
    text_index = (resolve_column(table, text_column, "--text-column") if text_column is not None
                  else guess_text_column(table, avoid=label_indices[0]))
    if label_indices == [None]:
        label_indices = [guess_label_column(table, text_index)]
    if text_index in label_indices or len(set(label_indices)) < len(label_indices):
        raise InputError("the text column and each label column must be different columns", path=path,
                         hint="check --text-column and --label-columns")
    rows = _text_rows(table, text_index, skip_empty, keep_empty)
    if label_columns:
        names = [table.columns[j] for j in label_indices]
        read_labels = partial(_flag_labels, table, label_indices)
    else:
        read_labels = partial(_split_labels, table, label_indices[0], label_sep, allow_empty_labels)
    examples = [{"text": "" if _blank(fields[text_index]) else fields[text_index],
                 "labels": read_labels(line, fields), "line": line} for line, fields in rows]
    seen = {label for ex in examples for label in ex["labels"]}
    if not label_columns:
        names = LabelMap.fit(seen).labels
    if len(seen) < min_labels:
        raise InputError(f"{len(seen)} label(s) occur in the file; training needs at least {min_labels}",
                         path=path, hint="check the label columns, or use a file with more labelled rows")
    return examples, names


def _flag_labels(table, indices, line, fields):
    """The names of the 0/1 columns holding 1."""
    labels = []
    for j in indices:
        value = normalize_label(fields[j] or "")  # 1.0 (as pandas writes a float column) is 1
        if value not in ("0", "1"):
            raise InputError(f"column {table.columns[j]!r} holds {value!r}; a label column holds 0 or 1",
                             path=table.path, line=line,
                             hint="fix the value, or leave the column out of --label-columns")
        if value == "1":
            labels.append(table.columns[j])
    return labels


def _split_labels(table, index, sep, allow_empty, line, fields):
    """The labels listed in one cell, split on `sep`; duplicates kept once, in order."""
    labels = list(dict.fromkeys(part.strip() for part in (fields[index] or "").split(sep) if part.strip()))
    if not labels and not allow_empty:
        raise InputError(f"no label in column {table.columns[index]!r}", path=table.path, line=line,
                         hint="give every row a label, or allow rows without one (--allow-empty-labels)")
    return labels


def read_texts(paths, *, encoding=None, mode="line", text_column=None, format=None):
    """Stream texts from one or more files, never holding a whole text file in memory.

    mode="line": each non-blank line; mode="document": blocks of lines separated by blank lines.
    CSV/TSV/JSONL files yield their text column (`text_column`, or guessed); these are read whole, and rows with
    an empty text are skipped (with a warning). format: as for read_examples, for every file; text files (.txt,
    or any other extension) are streamed line by line, tabs and all.
    Missing files, a bad mode and an unknown format fail here, before the first text is read.
    """
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if mode not in TEXT_MODES:
        raise InputError(f"unknown mode {mode!r}", hint=f"use one of: {', '.join(TEXT_MODES)}")
    if not paths:
        raise InputError("no input files", hint="pass at least one file to --data")
    for path in paths:
        check_file(path)
        detect_format(path, format)
    return _iter_texts(paths, encoding, mode, text_column, format)


def _iter_texts(paths, encoding, mode, text_column, format):
    for path in paths:
        if detect_format(path, format) != "txt":
            examples = read_examples(path, text_column=text_column, encoding=encoding, need_labels=False,
                                     format=format, skip_empty=True)
            yield from (ex["text"] for ex in examples)
        elif mode == "line":
            yield from _lines(path, encoding)
        else:
            yield from _documents(path, encoding)


def _lines(path, encoding):
    with open_text(path, encoding) as f:
        for line in f:
            if line.strip():
                yield line.rstrip("\r\n")


def _documents(path, encoding):
    block = []
    with open_text(path, encoding) as f:
        for line in f:
            if line.strip():
                block.append(line.rstrip("\r\n"))
            elif block:
                yield "\n".join(block)
                block = []
    if block:
        yield "\n".join(block)


def read_parallel(path=None, *, source=None, target=None, encoding=None):
    """Sentence pairs [(source, target)] from a tab-separated file (SOURCE<TAB>TARGET; further columns, such as
    Tatoeba's attribution, are ignored) or from two files aligned line by line."""
    one_file = path is not None and source is None and target is None
    if not one_file and (path is not None or None in (source, target)):
        raise InputError("give one tab-separated file of pairs, or both a source and a target file",
                         hint="pass --data PAIRS.tsv, or --source FILE --target FILE")
    pairs = _pairs_from_tsv(path, encoding) if path is not None else _pairs_from_files(source, target, encoding)
    if not pairs:
        raise InputError("the file is empty", path=path or source, hint="check the path")
    return pairs


def _pairs_from_tsv(path, encoding):
    pairs = []
    with open_text(path, encoding) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 2:
                raise InputError("line has no tab; a parallel file has SOURCE<TAB>TARGET lines", path=path,
                                 line=number, hint="or pass --source FILE --target FILE")
            pairs.append(_pair(number, fields[0], fields[1], path, path))
    return pairs


def _pairs_from_files(source, target, encoding):
    with open_text(source, encoding, "--source") as fs, open_text(target, encoding, "--target") as ft:
        sources = [line.rstrip("\r\n") for line in fs]
        targets = [line.rstrip("\r\n") for line in ft]
    if len(sources) != len(targets):
        raise InputError(f"{source} has {len(sources)} lines but {target} has {len(targets)}",
                         hint="the two files must be aligned line by line")
    return [_pair(number, s, t, source, target)
            for number, (s, t) in enumerate(zip(sources, targets), 1) if s.strip() or t.strip()]


def _pair(number, source, target, source_path, target_path):
    if source.strip() and target.strip():
        return source, target
    side, path = ("target", target_path) if source.strip() else ("source", source_path)
    raise InputError(f"empty {side} sentence", path=path, line=number, hint="remove the line from both sides")
