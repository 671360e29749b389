"""Opening data files: .gz transparently, UTF-8 by default, and decode errors that name file, line and byte."""
import gzip
import io
from contextlib import contextmanager
from pathlib import Path

from nlpdive.errors import InputError

DEFAULT_ENCODING = "utf-8-sig"  # UTF-8 that also drops a byte-order mark (files saved by Excel/Notepad)
FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".json-lines": "jsonl",
           ".ndjson": "jsonl", ".json": "jsonl", ".txt": "txt"}  # .json: JSON Lines, as Hugging Face datasets write


def detect_format(path, format=None):
    """'csv' | 'tsv' | 'jsonl' | 'txt' from `format` or the extension (a trailing .gz is ignored; other
    extensions such as .tokens or .pos are read as text, one example per line)."""
    known = sorted(set(FORMATS.values()))
    if format is not None:
        format = format.lower() if isinstance(format, str) else format
        if format not in known:
            raise InputError(f"unknown format {format!r}", hint=f"pass --format one of: {', '.join(known)}")
        return format
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return FORMATS.get(suffixes[-1] if suffixes else "", "txt")


def check_file(path, flag="--data"):
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path, hint=f"check the path given to {flag}")
    if not path.is_file():
        raise InputError("not a file", path=path, hint=f"give {flag} a file, not a directory")
    return path


def _open_binary(path):
    return gzip.open(path, "rb") if str(path).lower().endswith(".gz") else open(path, "rb")


@contextmanager
def open_text(path, encoding=None, flag="--data", newline="\n"):
    """A text file object for `path` (gzip'd or not) whose lines end at LF only (the csv module asks for
    newline=""). A UnicodeDecodeError raised while the block reads it becomes an InputError naming the line and
    byte offset; a damaged .gz file becomes an InputError too."""
    path = check_file(path, flag)
    encoding = encoding or DEFAULT_ENCODING
    try:
        with _open_binary(path) as raw, _text_wrapper(raw, encoding, newline) as f:
            yield f
    except UnicodeDecodeError as e:
        raise decode_error(path, encoding, e) from None
    except (gzip.BadGzipFile, EOFError) as e:
        raise InputError(f"cannot decompress ({e})", path=path, hint="the .gz file is damaged or not gzip") from None


def _text_wrapper(raw, encoding, newline):
    try:
        return io.TextIOWrapper(raw, encoding=encoding, newline=newline)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}",
                         hint="check --encoding (e.g. utf-8, latin-1, cp1252)") from None


def decode_error(path, encoding, error):
    """An InputError for the first undecodable byte of `path`: found by re-reading the raw bytes line by line."""
    shown = "utf-8" if encoding == DEFAULT_ENCODING else encoding
    hint = "pass --encoding latin-1, or the file's real encoding"
    offset = 0
    with _open_binary(path) as raw:
        for number, line in enumerate(raw, 1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as e:
                byte = line[e.start]
                return InputError(f"cannot decode byte 0x{byte:02x} at byte offset {offset + e.start} as {shown}",
                                  path=path, line=number, hint=hint)
            offset += len(line)
    return InputError(f"cannot decode the file as {shown} ({error.reason})", path=path, hint=hint)
