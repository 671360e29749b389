"""Intrinsic evaluation, following gensim's conventions so numbers compare:

- Google analogies (`questions-words.txt`, sections `: name`, lines `a b c d`: b - a + c should be d):
  accuracy per section and overall, case-insensitive, questions using a word outside the `restrict_vocab`
  most frequent words are skipped (and counted as OOV), the three question words never count as answers.
- Word-pair similarity (WordSim-353, SimLex-999, MEN in their usual layouts): Spearman correlation of
  cosine vs human score over the pairs whose words are known; `oov` is the fraction of pairs skipped.
"""
import re
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError

_POS_TAG = re.compile(r"-[nvjar]$")  # MEN lemma form: "sun-n"


def _lines(path):
    path = Path(path)
    if path.is_dir():
        raise InputError("is a directory, not an evaluation file", path=path,
                         hint="pass an evaluation file, e.g. questions-words.txt")
    if not path.is_file():
        raise InputError("file not found", path=path, hint="pass an evaluation file, e.g. questions-words.txt")
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if line and not line.startswith("#"):
                yield lineno, line


def _lower_index(vecs, restrict_vocab):
    """lower-cased word -> row among the first restrict_vocab rows (the most frequent spelling wins)."""
    index = {}
    for i, w in enumerate(vecs.words[:restrict_vocab]):
        index.setdefault(w.lower(), i)
    return index


def read_analogies(path):
    """-> list of (section, [(a, b, c, d), ...])."""
    sections = []
    for lineno, line in _lines(path):
        if line.startswith(":"):
            sections.append((line[1:].strip(), []))
            continue
        words = line.lower().split()
        if len(words) != 4 or not sections:
            raise InputError("expected `: section` or four words", path=path, line=lineno,
                             hint="use the Google analogy format (questions-words.txt)")
        sections[-1][1].append(tuple(words))
    return sections


def evaluate_analogies(vecs, path, restrict_vocab=30000, method="3cosadd"):
    """-> {"accuracy", "correct", "total", "oov", "sections": {name: {"accuracy", "correct", "total"}}}."""
    questions_by_section = read_analogies(path)
    if not any(questions for _, questions in questions_by_section):
        raise InputError("no analogy questions in the file", path=path,
                         hint="use the Google analogy format: `: section` lines, then `a b c d` lines")
    index = _lower_index(vecs, restrict_vocab)
    unit = vecs.unit_matrix(restrict_vocab)  # [N, D]
    sections, correct, total, skipped = {}, 0, 0, 0
    for name, questions in questions_by_section:
        known = [q for q in questions if all(w in index for w in q)]
        skipped += len(questions) - len(known)
        ids = np.array([[index[w] for w in q] for q in known], dtype=np.int64).reshape(-1, 4)
        hits = int((_answer(unit, ids, method) == ids[:, 3]).sum()) if len(ids) else 0
        sections[name] = {"accuracy": hits / len(ids) if len(ids) else None, "correct": hits, "total": len(ids)}
        correct, total = correct + hits, total + len(ids)
    asked = total + skipped
    return {"accuracy": correct / total if total else 0.0, "correct": correct, "total": total,
            "oov": skipped / asked if asked else 0.0, "restrict_vocab": restrict_vocab, "method": method,
            "sections": sections}


def _answer(unit, ids, method, chunk=1024):
    """Best row for each question (a, b, c, _): b - a + c, excluding a, b and c."""
    best = []
    for start in range(0, len(ids), chunk):
        a, b, c = (unit[ids[start:start + chunk, k]] for k in range(3))
        if method == "3cosadd":
            scores = (b - a + c) @ unit.T  # [q, N]
        else:  # 3cosmul
            ca, cb, cc = ((x @ unit.T + 1) / 2 for x in (a, b, c))
            scores = cb * cc / (ca + 1e-6)
        rows = np.arange(len(scores))[:, None]
        scores[rows, ids[start:start + chunk, :3]] = -np.inf
        best.append(scores.argmax(1))
    return np.concatenate(best) if best else np.zeros(0, dtype=np.int64)


def read_word_pairs(path):
    """-> list of (word1, word2, score). Knows the gensim layout (`#` comments, tab-separated), CSV with a
    header (WordSim-353 combined.csv), SimLex-999's full table (score column `SimLex999`) and MEN
    (space-separated; POS-tagged lemmas like `sun-n` are stripped)."""
    pairs, score_col = [], 2
    for lineno, line in _lines(path):
        fields = line.split("\t") if "\t" in line else line.split(",") if "," in line else line.split()
        if len(fields) < 3:
            raise InputError("expected `word1 word2 score`", path=path, line=lineno,
                             hint="tab-, comma- or space-separated word pairs with a score")
        try:
            score = float(fields[score_col])
        except ValueError:
            if pairs:
                raise InputError(f"score {fields[score_col]!r} is not a number", path=path, line=lineno) from None
            names = [f.lower() for f in fields]  # a header line: find the score column
            score_col = next((i for i, f in enumerate(names) if "simlex" in f or "score" in f or "mean" in f), 2)
            continue
        pairs.append((fields[0].lower(), fields[1].lower(), score))
    if pairs and all(_POS_TAG.search(a) and _POS_TAG.search(b) for a, b, _ in pairs):
        pairs = [(a[:-2], b[:-2], s) for a, b, s in pairs]
    return pairs


def evaluate_similarity(vecs, path, restrict_vocab=300000):
    """-> {"spearman", "pearson", "oov", "pairs" (used), "total"}."""
    from scipy.stats import pearsonr, spearmanr

    index = _lower_index(vecs, restrict_vocab)
    pairs = read_word_pairs(path)
    if not pairs:
        raise InputError("no word pairs in the file", path=path, hint="expected lines of `word1 word2 score`")
    known = [(index[a], index[b], s) for a, b, s in pairs if a in index and b in index]
    if len(known) < 2:
        return {"spearman": None, "pearson": None, "oov": 1 - len(known) / max(len(pairs), 1),
                "pairs": len(known), "total": len(pairs)}
    unit = vecs.unit_matrix(max(max(a, b) for a, b, _ in known) + 1)
    a, b, human = (np.array(col) for col in zip(*known))
    cosine = (unit[a] * unit[b]).sum(1)
    return {"spearman": float(spearmanr(cosine, human).statistic), "pearson": float(pearsonr(cosine, human).statistic),
            "oov": 1 - len(known) / len(pairs), "pairs": len(known), "total": len(pairs)}


def is_analogy_file(path):
    """True for the Google analogy format (its first non-comment line is `: section`)."""
    return next((line for _, line in _lines(path)), "").startswith(":")
