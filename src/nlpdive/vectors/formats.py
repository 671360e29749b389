"""Readers for the usual pretrained-vector files, streamed with a progress bar.

- GloVe .txt: `word x1 ... xD` per line, no header
- word2vec .txt and fastText .vec: the same after a `V D` header line
- word2vec .bin: `V D\\n`, then per word `word<space>` + D little-endian float32 (+ an optional newline)
Text files may be gzip'd (.gz). Numbers are parsed by numpy in large blocks, not one float at a time.
"""
import gzip
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError

BLOCK = 20000  # lines parsed per numpy call


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


def read_vectors_file(path, progress=True):
    """-> (words, float32 matrix [V, D]) from a GloVe/word2vec/fastText file (format sniffed)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path, hint="pass a vectors file (.txt/.vec/.bin) or an nlpdive directory")
    try:
        return _read_binary(path, progress) if _is_binary(path) else _read_text(path, progress)
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason})", path=path,
                         hint="word2vec binary files must end in .bin") from None


def _bar(path, total, progress):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=f"reading {path.name}",
                disable=None if progress else True)  # None: quiet when stderr is not a terminal


def _read_text(path, progress):
    words, blocks, dim, count = [], [], None, None
    with _open_text(path) as f, _bar(path, path.stat().st_size, progress) as bar:
        first = f.readline()
        header = _header(first)
        lineno = 1
        pending = [] if header else [first]
        if header:
            count, dim = header
        while True:
            block = pending + [line for _, line in zip(range(BLOCK), f)]
            pending = []
            if not block:
                break
            dim = dim or len(block[0].split()) - 1
            words_block, matrix = _parse_block(block, dim, path, lineno if header else lineno - 1)
            words.extend(words_block)
            blocks.append(matrix)
            lineno += len(block)
            bar.update(sum(len(line) for line in block))
    if not words:
        raise InputError("no vectors in file", path=path, hint="expected lines of `word x1 x2 ...`")
    matrix = np.concatenate(blocks)
    if count is not None and count != len(words):
        raise InputError(f"header says {count} words but the file has {len(words)}", path=path, line=1,
                         hint="the file is truncated or the header is wrong")
    return words, matrix


def _parse_block(lines, dim, path, first_lineno):
    """Split off each line's word and parse all numbers of the block in one numpy call."""
    words, numbers = [], []
    for line in lines:
        word, _, rest = line.rstrip("\n").partition(" ")
        words.append(word)
        numbers.append(rest)
    try:
        flat = np.fromstring(" ".join(numbers), dtype=np.float32, sep=" ")
    except ValueError:  # text where a number should be: a word with spaces, or a broken line
        flat = None
    if flat is not None and flat.size == len(lines) * dim:
        return words, flat.reshape(len(lines), dim)
    return _parse_lines(lines, dim, path, first_lineno)


def _parse_lines(lines, dim, path, first_lineno):
    """Slow path, line by line: a word may contain spaces (the word is all but the last `dim` fields)."""
    words, matrix = [], np.empty((len(lines), dim), dtype=np.float32)
    for i, line in enumerate(lines):
        fields = line.rstrip("\n").rstrip(" ").split(" ")
        try:
            if len(fields) <= dim or any(_is_number(f) for f in fields[1:-dim]):
                raise ValueError(f"expected a word and {dim} numbers, found {len(fields) - 1} fields")
            matrix[i] = np.array(fields[-dim:], dtype=np.float32)
        except ValueError as e:
            raise InputError(str(e), path=path, line=first_lineno + i + 1,
                             hint="every line must be `word x1 ... xD`") from None
        words.append(" ".join(fields[:-dim]))
    return words, matrix


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _read_binary(path, progress):
    """Stream a word2vec .bin file in 1 MB reads: `word<space>` then dim little-endian float32 per entry."""
    gz = path.suffix == ".gz"
    with (gzip.open if gz else open)(path, "rb") as f, _bar(path, None if gz else path.stat().st_size, progress) as bar:
        first = f.readline()
        header = _header(first.decode("ascii", "replace"))
        if header is None:
            raise InputError("word2vec binary file must start with a `count dim` line", path=path, line=1)
        count, dim = header
        words, matrix = [], np.empty((count, dim), dtype=np.float32)
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
    return words, matrix
