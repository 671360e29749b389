"""`nlpdive vectors ...`: use word vectors (a saved embeddings DIR, or a GloVe/word2vec .txt/.bin/.vec file)."""
from nlpdive.errors import InputError


def register(cli):
    p = cli.add(cli.vectors, "similar", help="nearest words by cosine similarity")
    _vectors_arg(p)
    p.add_argument("word", metavar="WORD")
    p.add_argument("--topn", type=int, default=10, metavar="N", help="how many neighbours (default 10)")
    p.set_defaults(func=similar)

    p = cli.add(cli.vectors, "analogy", help="A - B + C, e.g. king man woman -> queen")
    _vectors_arg(p)
    for name in ("a", "b", "c"):
        p.add_argument(name, metavar=name.upper())
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

    p = cli.add(cli.vectors, "plot", help="2-D map (t-SNE/PCA/UMAP) of chosen words, as a PNG")
    _vectors_arg(p)
    p.add_argument("words", nargs="+", metavar="WORD",
                   help="words; one colour per comma-separated group, optionally named: animals=cat,dog lamp,desk")
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--method", choices=["tsne", "pca", "umap"], default="tsne", help="default tsne")
    p.set_defaults(func=plot)

    p = cli.add(cli.vectors, "convert", help="to nlpdive's memory-mapped directory (opens in milliseconds)")
    p.add_argument("vectors", metavar="FILE", help="GloVe/word2vec .txt/.bin or fastText .vec (.gz works)")
    p.add_argument("--out", required=True, metavar="DIR")
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


def _load(args):
    from nlpdive.vectors import load_vectors

    return load_vectors(args.vectors)


def similar(args, out):
    vecs = _load(args)
    for word, score in vecs.most_similar(args.word, topn=args.topn):
        out.emit({"word": word, "similarity": score}, f"{score:.4f}  {word}")


def analogy(args, out):
    vecs = _load(args)
    for word, score in vecs.analogy(args.a, args.b, args.c, topn=args.topn, method=args.method):
        out.emit({"query": f"{args.a} - {args.b} + {args.c}", "word": word, "score": score},
                 f"{args.a} - {args.b} + {args.c} = {word}  ({score:.4f})")


def evaluate(args, out):
    if not args.analogies and not args.similarity:
        raise InputError("nothing to evaluate", hint="pass --analogies FILE and/or --similarity FILE...")
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


def plot(args, out):
    from nlpdive.vectors.plot import plot_words

    vecs = _load(args)
    if any("," in w or "=" in w for w in args.words):  # each argument is a group, coloured on its own
        named = [w.split("=", 1) if "=" in w else (f"group {i + 1}", w) for i, w in enumerate(args.words)]
        groups = {name: words.split(",") for name, words in named}
    else:
        groups = {"words": args.words}
    path, missing = plot_words(vecs, groups, args.out, method=args.method)
    note = f" (not in vocabulary: {', '.join(missing)})" if missing else ""
    out.emit({"out": str(path), "missing": missing}, f"wrote {path}{note}")


def convert(args, out):
    from nlpdive.vectors import load_vectors

    vecs = load_vectors(args.vectors)
    vecs.save(args.out, config={"source": str(args.vectors)})
    out.emit({"out": args.out, "words": len(vecs), "dim": vecs.dim},
             f"{len(vecs)} words x {vecs.dim} dims -> {args.out} (open it with nlpdive.vectors.load_vectors)")


def export(args, out):
    from nlpdive.vectors.plot import export_projector

    vecs_path, meta_path = export_projector(_load(args), args.out, limit=args.limit)
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
