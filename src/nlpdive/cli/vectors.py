"""`nlpdive vectors ...`: use word vectors (a saved embeddings DIR, or a GloVe/word2vec .txt/.bin/.vec file).

Every flag and file is checked before the vectors are read (which can take minutes for a large file), and every
output is written atomically: bad input exits with code 2, one line naming the file or flag, nothing written.
`check_output` and `output_errors` (cli/common.py) check and guard every output path.
"""
from pathlib import Path

from nlpdive.cli.common import check_output, output_errors
from nlpdive.errors import InputError

OUR_FILES = ("config.json", "vocab.json", "vectors.npy", "norms.npy")  # what `vectors convert` writes


def register(cli):
    p = cli.add(cli.vectors, "similar", help="nearest words by cosine similarity")
    _vectors_arg(p)
    p.add_argument("word", metavar="WORD")
    p.add_argument("--topn", type=int, default=10, metavar="N", help="how many neighbours (default 10)")
    p.set_defaults(func=similar)

    p = cli.add(cli.vectors, "analogy", help="A - B + C, e.g. king man woman -> queen")
    _vectors_arg(p)
    p.add_argument("words", nargs="*", metavar="WORD", help="three words A B C: A - B + C (king man woman)")
    p.add_argument("--topn", type=int, default=5, metavar="N", help="how many answers (default 5)")
    p.add_argument("--method", choices=["3cosadd", "3cosmul"], default="3cosadd", help="default 3cosadd")
    p.set_defaults(func=analogy)

    p = cli.add(cli.vectors, "evaluate", help="Google analogies accuracy and word-similarity Spearman")
    _vectors_arg(p)
    p.add_argument("--analogies", metavar="FILE", help="questions-words.txt format")
    p.add_argument("--similarity", nargs="+", metavar="FILE", help="word-pair files (WordSim-353, SimLex-999, MEN)")
    p.add_argument("--restrict-vocab", type=int, default=30000, metavar="N",
                   help="analogies: only the N most frequent words (default 30000, as gensim)")
    p.add_argument("--method", choices=["3cosadd", "3cosmul"], default="3cosadd", help="analogy method")
    p.set_defaults(func=evaluate)

    p = cli.add(cli.vectors, "plot", help="2-D map (t-SNE/PCA/UMAP) of chosen words, as a PNG/SVG/PDF/JPG")
    _vectors_arg(p)
    p.add_argument("words", nargs="+", metavar="WORD",
                   help="words; one colour per comma-separated group, optionally named: animals=cat,dog lamp,desk")
    p.add_argument("--out", required=True, metavar="FILE.png", help="a .png, .svg, .pdf or .jpg file")
    p.add_argument("--method", choices=["tsne", "pca", "umap"], default="tsne", help="default tsne")
    p.set_defaults(func=plot)

    p = cli.add(cli.vectors, "convert", help="to nlpdive's memory-mapped directory (opens in milliseconds)")
    p.add_argument("vectors", metavar="FILE", help="GloVe/word2vec .txt/.bin or fastText .vec (.gz works)")
    _skip_arg(p)
    p.add_argument("--out", required=True, metavar="DIR", help="a new directory, or one of nlpdive vectors to update")
    p.set_defaults(func=convert)

    p = cli.add(cli.vectors, "export", help="TensorBoard projector files (vectors.tsv + metadata.tsv)")
    _vectors_arg(p)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--limit", type=int, default=10000, metavar="N", help="the N first (most frequent) words")
    p.set_defaults(func=export)

    p = cli.add(cli.vectors, "contextual", help="contextual (BERT-type) vectors: a word's meaning in each sentence")
    p.add_argument("model", metavar="MODEL_DIR", help="a local transformers encoder directory (e.g. all-MiniLM-L6-v2)")
    p.add_argument("texts", nargs="+", metavar="TEXT")
    p.add_argument("--word", metavar="W", help="compare this word's vectors across the texts")
    p.set_defaults(func=contextual)


def _vectors_arg(p):
    p.add_argument("vectors", metavar="VECTORS", help="an nlpdive embeddings DIR or a .txt/.bin/.vec file")
    _skip_arg(p)


def _skip_arg(p):
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="leave out rows holding nan or inf, with a warning (default: an error naming the line)")


# -- checks shared with `nlpdive text` ---------------------------------------------------------------------
def check_positive(value, flag, example):
    if value < 1:
        raise InputError(f"{flag} {value}: must be 1 or more", hint=f"e.g. {flag} {example}")


# -- commands -----------------------------------------------------------------------------------------------
def _load(args):
    from nlpdive.vectors import load_vectors

    return load_vectors(args.vectors, skip_bad_rows=args.skip_bad_rows)


def _known(vecs, args, *words):
    """UnknownWord naming the vectors, with the right case when only that differs."""
    from nlpdive.vectors import UnknownWord

    for word in words:
        if word not in vecs:
            other = next((w for w in (word.lower(), word.capitalize(), word.upper()) if w in vecs), None)
            hint = f"the vectors know {other!r}" if other else "check the spelling and case, or use other words"
            raise UnknownWord(word, path=args.vectors, hint=hint)


def similar(args, out):
    check_positive(args.topn, "--topn", 10)
    vecs = _load(args)
    _known(vecs, args, args.word)
    for word, score in vecs.most_similar(args.word, topn=args.topn):
        out.emit({"word": word, "similarity": score}, f"{score:.4f}  {word}")


def analogy(args, out):
    if len(args.words) != 3:
        raise InputError(f"analogy takes three words A B C (A - B + C), got {len(args.words)}",
                         hint="e.g. nlpdive vectors analogy VECTORS king man woman")
    check_positive(args.topn, "--topn", 5)
    a, b, c = args.words
    vecs = _load(args)
    _known(vecs, args, a, b, c)
    for word, score in vecs.analogy(a, b, c, topn=args.topn, method=args.method):
        query = f"{a} - {b} + {c}"
        out.emit({"query": query, "word": word, "score": score}, f"{query} = {word}  ({score:.4f})")


def evaluate(args, out):
    from nlpdive.vectors.evaluate import read_analogies, read_word_pairs

    if not args.analogies and not args.similarity:
        raise InputError("nothing to evaluate", hint="pass --analogies FILE and/or --similarity FILE...")
    check_positive(args.restrict_vocab, "--restrict-vocab", 30000)
    for path in [args.analogies] if args.analogies else []:  # read first: a bad file fails before the vectors load
        _check_eval_file(path, "--analogies")
        if not any(questions for _, questions in read_analogies(path)):
            raise InputError("holds no analogy questions", path=path,
                             hint="check --analogies: `: section` lines, then `a b c d` lines")
    for path in args.similarity or []:
        _check_eval_file(path, "--similarity")
        if not read_word_pairs(path):
            raise InputError("holds no word pairs", path=path, hint="check --similarity: lines of `word1 word2 score`")
    vecs = _load(args)
    record, lines = {}, []
    if args.analogies:
        a = vecs.evaluate_analogies(args.analogies, restrict_vocab=args.restrict_vocab, method=args.method)
        record.update(analogy_accuracy=a["accuracy"], analogy_questions=a["total"], analogy_oov=a["oov"],
                      analogy_sections={k: v["accuracy"] for k, v in a["sections"].items()})
        lines.append(f"analogies: {a['accuracy']:.2%} of {a['total']} questions ({a['oov']:.1%} skipped: words "
                     f"outside the top {args.restrict_vocab})")
        lines += [f"  {name:<30} {s['accuracy']:.2%} of {s['total']}" for name, s in a["sections"].items()
                  if s["total"]]
    for path in args.similarity or []:
        s = vecs.evaluate_similarity(path)
        record.setdefault("similarity", {})[path] = {"spearman": s["spearman"], "oov": s["oov"], "pairs": s["pairs"]}
        rho = "n/a" if s["spearman"] is None else f"{s['spearman']:.4f}"
        lines.append(f"{path}: Spearman {rho} on {s['pairs']} pairs (OOV {s['oov']:.1%})")
    out.emit(record, "\n".join(lines))


def _check_eval_file(path, flag):
    if Path(path).is_dir():
        raise InputError("is a directory, not an evaluation file", path=path, hint=f"check {flag}")
    if not Path(path).is_file():
        raise InputError("file not found", path=path, hint=f"check {flag}")


def plot(args, out):
    from nlpdive.vectors.plot import check_method, plot_format, plot_words

    plot_format(args.out)
    check_output(args.out, "--out", example="words.png")
    check_method(args.method)
    if any("," in w or "=" in w for w in args.words):  # each argument is a group, coloured on its own
        named = [w.split("=", 1) if "=" in w else (f"group {i + 1}", w) for i, w in enumerate(args.words)]
        groups = {name: words.split(",") for name, words in named}
    else:
        groups = {"words": args.words}
    vecs = _load(args)
    found = sum(w in vecs for words in groups.values() for w in words)
    if found < 3:
        raise InputError(f"only {found} of the words are in the vocabulary (a plot needs 3)", path=args.vectors,
                         hint="choose more common words")
    with output_errors(args.out, "--out"):
        path, missing, purity = plot_words(vecs, groups, args.out, method=args.method)
    note = f" (not in vocabulary: {', '.join(missing)})" if missing else ""
    separation = "" if purity is None else f"; nearest-neighbour purity of the groups on the map: {purity:.2f}"
    out.emit({"out": str(path), "missing": missing, "purity": purity}, f"wrote {path}{note}{separation}")


def _check_convert_target(out):
    """--out may be new, or a directory of nlpdive vectors (an embeddings run); never another model's files."""
    import json

    out = Path(out)
    if not out.is_dir() or not any((out / name).exists() for name in OUR_FILES):
        return
    try:
        task = json.loads((out / "config.json").read_text(encoding="utf-8")).get("task")
    except (OSError, ValueError, AttributeError):
        task = None
    if task != "embeddings":
        what = f"an nlpdive {task} model" if isinstance(task, str) else "files that are not nlpdive vectors"
        raise InputError(f"holds {what}; convert would overwrite its {', '.join(OUR_FILES)}", path=out,
                         hint="give --out a new directory")


def convert(args, out):
    check_output(args.out, "--out", kind="dir")
    _check_convert_target(args.out)
    vecs = _load(args)
    with output_errors(args.out, "--out"):
        vecs.save(args.out, config={"source": str(args.vectors)})
    out.emit({"out": args.out, "words": len(vecs), "dim": vecs.dim},
             f"{len(vecs)} words x {vecs.dim} dims -> {args.out} (open it with nlpdive.vectors.load_vectors)")


def export(args, out):
    from nlpdive.vectors.plot import export_projector

    check_positive(args.limit, "--limit", 10000)
    check_output(args.out, "--out", kind="dir")
    vecs = _load(args)
    with output_errors(args.out, "--out"):
        vecs_path, meta_path = export_projector(vecs, args.out, limit=args.limit)
    out.emit({"vectors": str(vecs_path), "metadata": str(meta_path)},
             f"wrote {vecs_path} and {meta_path}: load them at projector.tensorflow.org or in TensorBoard")


def contextual(args, out):
    from nlpdive.vectors.contextual import ContextualEncoder

    encoder = ContextualEncoder(args.model)
    if args.word:
        result = encoder.compare_word(args.word, args.texts)
        for i, text in enumerate(args.texts):
            sims = "  ".join(f"{s:.3f}" for s in result["similarity"][i])
            out.emit({"text": text, "word": args.word, "similarity": result["similarity"][i]}, f"[{sims}]  {text}")
        return
    for text, vec in zip(args.texts, encoder.sentence_vectors(args.texts)):
        out.emit({"text": text, "dim": len(vec), "vector": vec.tolist()},
                 f"{text}\n  {len(vec)} dims: " + " ".join(f"{x:.3f}" for x in vec[:8]) + " ...")
