"""Which column holds the text and which the label: given by name or 0-based index, or guessed when unambiguous."""
from nlpdive.data.tables import NUMBER
from nlpdive.errors import InputError

TEXT_NAMES = {"text", "sentence", "review", "comment", "content", "document", "body", "message", "tweet",
              "utterance", "sentence1"}  # and any name ending in _text (comment_text, review_text, ...)
LABEL_NAMES = {"label", "labels", "class", "target", "sentiment", "y", "category", "polarity", "tags"}
LONGER = 1.5  # the guessed text column must be this many times longer, on average, than the next one
MAX_CLASSES = 100  # a column with more distinct values is not guessed as the label


def resolve_column(table, spec, flag):
    """Column index for a name (exact, then case-insensitive) or a 0-based index (int or digit string)."""
    if isinstance(spec, str):
        lowered = [c.lower() for c in table.columns]
        if spec in table.columns:
            return table.columns.index(spec)
        if spec.lower() in lowered:
            return lowered.index(spec.lower())
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        if 0 <= index < len(table.columns):
            return index
        raise InputError(f"column index {index} is out of range; the file has {len(table.columns)} columns: "
                         f"{describe_columns(table)}", path=table.path, hint=f"check {flag}")
    raise InputError(f"no column {spec!r}; the columns are: {describe_columns(table)}", path=table.path,
                     hint=f"pass one of them to {flag}")


def describe_columns(table):
    if not table.named:
        return ", ".join(table.columns) + " (0-based; no header row)"
    return ", ".join(repr(c if len(c) <= 30 else c[:27] + "...") for c in table.columns)


def guess_text_column(table, avoid=None):
    """A column named like text (text, sentence, review, ...), else the clearly longest one."""
    named = _named(table, TEXT_NAMES, avoid, suffix="_text")
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise _ambiguous(table, "text", named, "--text-column")
    stats = sorted(((_mean_length(table, j), j) for j in _other_columns(table, avoid) if not _numeric(table, j)),
                   reverse=True)
    if not stats:
        raise InputError(f"no text column found; the columns are: {describe_columns(table)}", path=table.path,
                         hint="pass the one holding the text to --text-column")
    if len(stats) == 1 or stats[0][0] >= LONGER * stats[1][0]:
        return stats[0][1]
    raise _ambiguous(table, "text", [j for _, j in stats[:2]], "--text-column")


def guess_label_column(table, text_index, required=True):
    """A column named like a label (label, class, target, ...); when `required`, else the one column with few
    distinct values. Without `required` a missing or ambiguous label column gives None."""
    named = _named(table, LABEL_NAMES, text_index)
    if len(named) == 1:
        return named[0]
    if not required:
        return None
    if len(named) > 1:
        raise _ambiguous(table, "label", named, "--label-column")
    candidates = _few_valued(table, text_index)
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise _ambiguous(table, "label", candidates, "--label-column")
    if table.format == "txt":
        raise InputError("a text file has no labels", path=table.path,
                         hint="use a CSV/TSV/JSONL file with a label column, or fastText lines '__label__pos text'")
    raise InputError(f"no label column found; the columns are: {describe_columns(table)}", path=table.path,
                     hint="pass the one holding the labels to --label-column")


def _named(table, names, avoid, suffix=None):
    if not table.named:
        return []
    return [j for j, c in enumerate(table.columns)
            if j != avoid and (c.strip().lower() in names or (suffix and c.strip().lower().endswith(suffix)))]


def _other_columns(table, avoid):
    return [j for j in range(len(table.columns)) if j != avoid]


def _values(table, j):
    return [fields[j] for _, fields in table.rows if fields[j] is not None and fields[j].strip()]


def _mean_length(table, j):
    values = _values(table, j)
    return sum(map(len, values)) / max(1, len(values))


def _numeric(table, j):
    values = _values(table, j)
    return bool(values) and sum(bool(NUMBER.fullmatch(v.strip())) for v in values) > len(values) / 2


def _few_valued(table, text_index):
    """Columns with 2..limit distinct values (limit grows with the row count); single-valued ones when none."""
    limit = min(MAX_CLASSES, max(2, len(table.rows) // 2))
    counts = {j: len(set(_values(table, j))) for j in _other_columns(table, text_index)}
    several = [j for j, k in counts.items() if 2 <= k <= limit]
    return several or [j for j, k in counts.items() if k == 1]


def _ambiguous(table, what, indices, flag):
    names = ", ".join(repr(table.columns[j]) for j in indices)
    return InputError(f"cannot tell which column holds the {what} ({names} could); the columns are: "
                      f"{describe_columns(table)}", path=table.path, hint=f"pass {flag}")
