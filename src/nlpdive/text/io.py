"""Streaming text lines from plain or gzip'd files, with clear errors.

A stop-gap until nlpdive.data.read_texts exists: the CLI and tour read lines through `read_lines`.
"""
import gzip
from pathlib import Path

from nlpdive.errors import InputError


def read_lines(path, encoding=None):
    """Yield the lines of a text file (.gz works), without their line endings."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path, hint="check the --data path")
    encoding = encoding or "utf-8"
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding=encoding, newline="") as f:
            for line in f:
                yield line.rstrip("\r\n")
    except UnicodeDecodeError as e:
        raise InputError(f"not valid {encoding} ({e.reason})", path=path, line=_first_bad_line(path, opener, encoding),
                         hint="pass --encoding, e.g. --encoding latin-1") from None
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
        raise InputError(f"cannot read file ({e})", path=path, hint="is it a text or .gz file?") from None


def _first_bad_line(path, opener, encoding):
    """Number of the first line that does not decode (text files decode in chunks, so find it line by line)."""
    with opener(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number
    return None
