"""`POST /v1/models/{name}/evaluate`: metrics on rows posted in the request. The rows are written to a temporary
file in the format the task reads and scored by the task's own `evaluate` (the same code as `nlpdive evaluate`),
so the server has no second way of computing metrics.

Rows by what the model serves:
    predict      {"text", "label"}; multi-label models {"text", "labels": [...]}
    generate     {"text"}
    translate    {"source", "target"}
    similar      {"a", "b", "c", "d"}: an analogy question (a is to b as c is to d)
"""
import json
import tempfile
from pathlib import Path

from nlpdive.errors import InputError

ROW_KEYS = {"classify": ("text", "label"), "lm": ("text",), "translate": ("source", "target"),
            "embeddings": ("a", "b", "c", "d")}
OPTIONS = {"classify": ("threshold",), "translate": ("beam",)}  # evaluate options each kind of task takes
KIND_OF_VERB = {"predict": "classify", "generate": "lm", "translate": "translate", "similar": "embeddings"}


def row_kind(task):
    """Which rows a task reads, by the verbs it serves (so fine-tuned classifiers and generators are covered)."""
    return next((KIND_OF_VERB[v] for v in task.verbs if v in KIND_OF_VERB), None)


def row_help():
    kinds = {kind: verb for verb, kind in KIND_OF_VERB.items()}
    return "; ".join(f"models that {kinds[kind]}: {', '.join(keys)}" for kind, keys in ROW_KEYS.items())


def evaluate_rows(task, rows, options):
    """The task's metrics on `rows` (a list of dicts), with `options` (threshold, beam) where the task takes them."""
    name = row_kind(task)
    if name is None:
        raise InputError(f"a {task.task} model cannot be evaluated on posted rows", hint="use `nlpdive evaluate`")
    wrong = sorted(set(options) - set(OPTIONS.get(name, ())))
    if wrong:
        raise InputError(f"{wrong[0]!r} is not an evaluate option of a {task.task} model",
                         hint=f"its options: {', '.join(OPTIONS.get(name, ())) or 'none'}")
    multi = name == "classify" and getattr(getattr(task, "settings", None), "multi_label", False)
    keys = ("text", "labels") if multi else ROW_KEYS[name]
    for i, row in enumerate(rows):
        _check_row(i, row, keys, words=name == "embeddings")
    with tempfile.TemporaryDirectory(prefix="nlpdive-evaluate-") as tmp:
        path, reader = _write(name, multi, rows, Path(tmp))
        metrics = task.evaluate(path, **reader, **options)
    for key in ("data", "file"):
        if key in metrics:
            metrics[key] = f"{len(rows)} posted rows"
    return metrics


def _check_row(i, row, keys, words=False):
    """An InputError naming the row and key of a missing or malformed value (the files have no quoting)."""
    missing = [k for k in keys if k not in row]
    if missing:
        raise InputError(f"rows[{i}]: no {missing[0]!r}", hint=f"each row has {', '.join(keys)}")
    for k in keys:
        value = row[k]
        if (k == "labels") != isinstance(value, list):
            raise InputError(f"rows[{i}].{k} must be {'a list of labels' if k == 'labels' else 'a text'}")
        for text in value if isinstance(value, list) else [value]:
            if "\t" in text or "\n" in text or "\r" in text or (k == "labels" and "|" in text):
                raise InputError(f"rows[{i}].{k} holds a tab, a line break or a '|'", hint="remove it")
            if words and (not text or any(c.isspace() for c in text)):
                raise InputError(f"rows[{i}].{k} must be one word, got {text!r}")


def _write(name, multi, rows, tmp):
    """(path, reader options) of a file holding `rows` as task `name` reads them."""
    if name == "classify":
        path = tmp / "rows.jsonl"
        label_key = "labels" if multi else "label"
        lines = [json.dumps({"text": r["text"], label_key: "|".join(r["labels"]) if multi else r["label"]},
                            ensure_ascii=False) for r in rows]
        reader = dict(text_column="text", label_column=label_key, format="jsonl", encoding="utf-8")
        if multi:
            reader.update(label_columns=None, label_sep="|", allow_empty_labels=True)
    elif name == "lm":
        path, lines, reader = tmp / "rows.txt", [r["text"] for r in rows], {"encoding": "utf-8"}
    elif name == "translate":
        path, lines, reader = tmp / "rows.tsv", [f"{r['source']}\t{r['target']}" for r in rows], {"encoding": "utf-8"}
    else:
        path, reader = tmp / "rows.txt", {}
        lines = [": posted"] + [" ".join(r[k] for k in ROW_KEYS["embeddings"]) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, reader
