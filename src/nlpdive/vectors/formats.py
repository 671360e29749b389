"""Readers for the usual pretrained-vector files, streamed with a progress bar.

- GloVe .txt: `word x1 ... xD` per line, no header
- word2vec .txt and fastText .vec: the same after a `V D` header line
- word2vec .bin: `V D\\n`, then per word `word<space>` + D little-endian float32 (+ an optional newline)
Text files may be gzip'd (.gz). Numbers are parsed by numpy in large blocks, not one float at a time.

Every row must hold finite numbers: a row with nan or inf is an error naming its line (in a .bin file, the
word's 0-based index), or, with `skip_bad_rows=True` (`--skip-bad-rows`), is left out with one warning.
A word listed twice keeps its first row (the most frequent, in frequency-sorted files); the later rows are
dropped with one warning giving their count and the first duplicate's line.
"""
import gzip
import warnings
import zlib
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError

BLOCK = 20000  # lines parsed per numpy call
SKIP_HINT = "fix or delete the row, or pass --skip-bad-rows to leave such rows out"


def _open_text(path):
    return gzip.open(path, "rt", encoding="utf-8", errors="strict") if path.suffix == ".gz" \
        else open(path, encoding="utf-8")


def _header(first_line):
    """(count, dim) if the line is a word2vec/fastText header `V D`, else None."""
    parts = first_line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def _is_binary(path):
    if path.suffix == ".bin" or path.suffixes[-2:] == [".bin", ".gz"]:  # e.g. GoogleNews-vectors-negative300.bin.gz
        return True
    if path.suffix in (".txt", ".vec", ".gz"):
        return False
    with open(path, "rb") as f:
        head = f.read(4096)
    first, _, rest = head.partition(b"\n")
    try:
        rest.decode("utf-8")
        return False
    except UnicodeDecodeError as e:
        return _header(first.decode("ascii", "replace")) is not None and e.start < len(rest) - 4


def read_vectors_file(path, progress=True, skip_bad_rows=False):
    """-> (words, float32 matrix [V, D]) from a GloVe/word2vec/fastText file (format sniffed).
    Rows with nan/inf raise InputError (file and line) unless `skip_bad_rows`, which drops them with a warning;
    a duplicated word keeps its first row (later ones dropped, with a warning)."""
    path = Path(path)
    if path.is_dir():
        raise InputError("is a directory without vocab.json", path=path,
                         hint="pass a vectors file (.txt/.vec/.bin) or an nlpdive directory")
    if not path.is_file():
        raise InputError("file not found", path=path, hint="pass a vectors file (.txt/.vec/.bin) or an nlpdive directory")
    binary = _is_binary(path)
    try:
        words, matrix, rows = _read_binary(path, progress) if binary else _read_text(path, progress)
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason})", path=path,
                         hint="word2vec binary files must end in .bin") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise InputError(f"not a complete gzip file ({e})", path=path,
                         hint="download it again, or pass the uncompressed file") from None
    words, matrix, rows = _drop_non_finite(path, binary, words, matrix, rows, skip_bad_rows)
    return _drop_duplicates(path, binary, words, matrix, rows)


def _where(binary, row):
    """How a warning names a row: `line N` of a text file, `index N` of a binary one."""
    return f"index {row}" if binary else f"line {row}"


def _rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"


def _drop_non_finite(path, binary, words, matrix, rows, skip):
    finite = np.concatenate([np.isfinite(matrix[i:i + BLOCK]).all(axis=1)  # by blocks: no [V, D] temporary
                             for i in range(0, len(matrix), BLOCK)])
    if finite.all():
        return words, matrix, rows
    bad = np.flatnonzero(~finite)
    first = int(bad[0])
    if not skip:
        name = f"word {first} ({words[first]!r})" if binary else repr(words[first])
        raise InputError(f"{name} has a non-finite value (nan or inf)", path=path,
                         line=None if binary else int(rows[first]), hint=SKIP_HINT)
    if finite.sum() == 0:
        raise InputError("every row holds nan or inf", path=path, hint="the file holds no usable vectors")
    warnings.warn(f"{path}: skipped {_rows(len(bad))} holding nan or inf (--skip-bad-rows; the first: "
                  f"{words[first]!r} at {_where(binary, int(rows[first]))})", UserWarning, stacklevel=3)
    keep = np.flatnonzero(finite)
    return [words[i] for i in keep], matrix[keep], rows[keep]


def _drop_duplicates(path, binary, words, matrix, rows):
    if len(set(words)) == len(words):
        return words, matrix
    seen, dups = {}, []
    for i, w in enumerate(words):
        if w in seen:
            dups.append(i)
        else:
            seen[w] = i
    first = dups[0]
    word = words[first]
    warnings.warn(f"{path}: dropped {_rows(len(dups))} of words listed twice, each word keeps its first row "
                  f"(the first: {word!r} at {_where(binary, int(rows[first]))}, first seen at "
                  f"{_where(binary, int(rows[seen[word]]))})", UserWarning, stacklevel=3)
    keep = np.setdiff1d(np.arange(len(words)), dups, assume_unique=True)
    return [words[i] for i in keep], matrix[keep]


def _bar(path, total, progress):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=f"reading {path.name}",
                disable=None if progress else True)  # None: quiet when stderr is not a terminal


def _read_text(path, progress):
    """-> (words, matrix, line number of each row)."""
    words, blocks, lines, dim, count = [], [], [], None, None
    with _open_text(path) as f, _bar(path, path.stat().st_size, progress) as bar:
        first = f.readline()
        if not first:
            raise InputError("empty file", path=path, hint="expected lines of `word x1 x2 ...`")
        header = _header(first)
        lineno = 1
        pending = [] if header else [first]
        hint = "every line must be `word x1 ... xD`"
        if header:
            count, dim = header
            hint = f"line 1 says {count} words of {dim} numbers each; every line must be `word x1 ... x{dim}`"
            if dim < 1 or (path.suffix != ".gz" and 2 * dim > path.stat().st_size):
                raise InputError(f"the header says {dim} numbers per word", path=path, line=1,
                                 hint="the header line must be `count dim`; delete it if the file has none")
        while True:
            block = pending + [line for _, line in zip(range(BLOCK), f)]
            pending = []
            if not block:
                break
            start = lineno + 1 if header else lineno  # the block's first line number
            if dim is None:
                dim = len(block[0].split()) - 1
                if dim < 1:
                    raise InputError("expected a word and its numbers, found no numbers", path=path, line=start,
                                     hint="every line must be `word x1 ... xD`")
            words_block, matrix = _parse_block(block, dim, path, start - 1, hint)
            words.extend(words_block)
            blocks.append(matrix)
            lines.append(np.arange(start, start + len(block)))
            lineno += len(block)
            bar.update(sum(len(line) for line in block))
    if not words:
        raise InputError("no vectors in file", path=path, hint="expected lines of `word x1 x2 ...`")
    matrix = np.concatenate(blocks)
    if count is not None and count != len(words):
        raise InputError(f"header says {count} words but the file has {len(words)}", path=path, line=1,
                         hint="the file is truncated or the header is wrong")
    return words, matrix, np.concatenate(lines)


def _parse_block(lines, dim, path, first_lineno, hint):
    """Split off each line's word and parse all numbers of the block in one numpy call."""
    words, numbers = [], []
    for line in lines:
        word, _, rest = line.rstrip("\n").partition(" ")
        words.append(word)
        numbers.append(rest)
    try:
        with warnings.catch_warnings():  # numpy warns when it stops at text, then the slow path names the line
            warnings.simplefilter("ignore", DeprecationWarning)
            flat = np.fromstring(" ".join(numbers), dtype=np.float32, sep=" ")
    except ValueError:  # text where a number should be: a word with spaces, or a broken line
        flat = None
    if flat is not None and flat.size == len(lines) * dim:
        return words, flat.reshape(len(lines), dim)
    return _parse_lines(lines, dim, path, first_lineno, hint)


def _parse_lines(lines, dim, path, first_lineno, hint):
    """Slow path, line by line: a word may contain spaces (the word is all but the last `dim` fields)."""
    words, matrix = [], np.empty((len(lines), dim), dtype=np.float32)
    for i, line in enumerate(lines):
        fields = line.rstrip("\n").rstrip(" ").split(" ")
        try:
            if len(fields) <= dim or any(_is_number(f) for f in fields[1:-dim]):
                raise ValueError(f"expected a word and {dim} numbers, found {len(fields) - 1} fields")
            matrix[i] = np.array(fields[-dim:], dtype=np.float32)
        except ValueError as e:
            raise InputError(str(e), path=path, line=first_lineno + i + 1, hint=hint) from None
        words.append(" ".join(fields[:-dim]))
    return words, matrix


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _read_binary(path, progress):
    """Stream a word2vec .bin file in 1 MB reads: `word<space>` then dim little-endian float32 per entry.
    -> (words, matrix, index of each row)."""
    gz = path.suffix == ".gz"
    with (gzip.open if gz else open)(path, "rb") as f, _bar(path, None if gz else path.stat().st_size, progress) as bar:
        first = f.readline()
        if not first:
            raise InputError("empty file", path=path, hint="a word2vec binary file starts with a `count dim` line")
        header = _header(first.decode("ascii", "replace"))
        if header is None:
            raise InputError("word2vec binary file must start with a `count dim` line", path=path, line=1)
        count, dim = header
        if count < 1 or dim < 1:
            raise InputError(f"the header says {count} words of {dim} numbers", path=path, line=1,
                             hint="the file holds no vectors")
        if not gz and len(first) + count * (2 + 4 * dim) > path.stat().st_size:
            raise InputError(f"the header says {count} words of {dim} numbers, more than the file's "
                             f"{path.stat().st_size} bytes hold", path=path, line=1, hint="the file is truncated")
        try:
            words, matrix = [], np.empty((count, dim), dtype=np.float32)
        except (MemoryError, ValueError):
            raise InputError(f"the header says {count} words of {dim} numbers: too many to hold in memory",
                             path=path, line=1, hint="check the file's first line") from None
        buf, pos, row_bytes = b"", 0, 4 * dim
        bar.update(len(first))
        for i in range(count):
            while True:
                while pos < len(buf) and buf[pos] in b"\n ":  # the optional newline after a vector
                    pos += 1
                space = buf.find(b" ", pos)
                if space >= 0 and space + 1 + row_bytes <= len(buf):
                    break
                more = f.read(1 << 20)
                if not more:
                    raise InputError(f"file ends after {i} of {count} words", path=path, hint="the file is truncated")
                buf, pos = buf[pos:] + more, 0
                bar.update(len(more))
            words.append(buf[pos:space].decode("utf-8", errors="replace"))
            matrix[i] = np.frombuffer(buf, dtype="<f4", count=dim, offset=space + 1)
            pos = space + 1 + row_bytes
    return words, matrix, np.arange(count)
