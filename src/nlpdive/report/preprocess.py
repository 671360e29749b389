"""Tour section 1: text preprocessing, as in the talk — tokenize, stop words, lemmas, rare words as subword
pieces, vocabulary statistics on the bundled MR sample, one-hot and bag-of-words tables."""
import itertools
from collections import Counter

from nlpdive.data import read_texts
from nlpdive.demo import path as demo_path
from nlpdive.report import Section
from nlpdive.text import TextPipeline, Vectorizer, WordTokenizer, lemmatize, train_tokenizer

TALK = "the sneaky fox jumped over the dog"
GRAY = "the gray cat sat on the gray mat"
DOOR = GRAY + " by the door"
MIN_FREQS = (1, 2, 5, 10)


def tour_section(ctx):
    ctx.progress("preprocessing: tokenize, stop words, lemmas, subwords")
    texts = list(read_texts(demo_path("mr")))
    steps = _talk_steps(itertools.chain(read_texts(demo_path("wikitext")), texts))
    pipe = TextPipeline()
    counts = Counter(t for text in texts for t in pipe.tokenize(text))
    coverage = _coverage(counts)
    bag_of_words = Vectorizer("count").fit([GRAY]).as_dicts([GRAY])[0]
    body = "".join([
        "<p>The talk's example, one step at a time. The subword tokenizer is a WordPiece (8,000 pieces) "
        "trained here on the bundled WikiText-2 excerpt and movie-review sentences: a word it has rarely seen "
        "splits into pieces it knows (<code>##</code> marks a piece that continues a word), so nothing is "
        "unknown.</p>",
        ctx.table(["step", "tokens"], [(k, repr(v)) for k, v in steps.items()]),
        f"<p>Vocabulary of the bundled MR sample ({len(texts):,} sentences, {sum(counts.values()):,} tokens, "
        f"lower-cased word tokens): keeping only words seen at least <i>min_freq</i> times shrinks the vocabulary "
        f"a lot but still covers most running text; the rest becomes &lt;unk&gt;.</p>",
        ctx.table(["min_freq", "vocabulary size", "share of tokens covered"],
                  [(m, f"{n:,}", f"{c:.1%}") for m, (n, c) in coverage.items()]),
        ctx.figure(_zipf_plot(counts), alt="Zipf plot of MR word frequencies",
                   caption="Word frequency against rank, both on log scales: a near-straight line is Zipf's law. A "
                           "few words are everywhere, most are rare, which is why vocabularies are cut by count."),
        *_vector_tables(ctx),
        ctx.code(f"Vectorizer('count').fit([{GRAY!r}]).as_dicts(...)\n{bag_of_words}"),
        "<p>On your own text:</p>",
        ctx.code(f"nlpdive text tokenize --stopwords --lemmatize \"{TALK}\"\n"
                 "nlpdive text tokenize --lower --data reviews.csv --text-column text > tokens.txt\n"
                 "nlpdive text train-tokenizer --data corpus.txt --kind wordpiece --vocab-size 8000 --out tok.json\n"
                 "nlpdive text vectorize --data docs.txt --kind tfidf --ngrams 1-2 --json"),
    ])
    summary = {"steps": steps, "mr_vocab_size": len(counts), "mr_tokens": sum(counts.values()),
               "coverage": {str(m): round(c, 4) for m, (_, c) in coverage.items()}, "bag_of_words": bag_of_words}
    lemmas = steps["lemmatize"]
    checks = [(f"“{TALK}”: stop words out, “jumped” -> “jump”", " ".join(lemmas),
               lemmas == ["sneaky", "fox", "jump", "over", "dog"])]
    return Section("Text preprocessing: tokens, stop words, lemmas, subwords, one-hot, bag of words", body, summary,
                   checks)


def _talk_steps(corpus):
    tokens = WordTokenizer().tokenize(TALK)
    kept = TextPipeline(stopwords=True).tokenize(TALK)
    lemmas = lemmatize(kept)
    wordpiece = train_tokenizer(corpus, kind="wordpiece", vocab_size=8000, show_progress=False)
    pieces = wordpiece.hf.encode(lemmas, is_pretokenized=True, add_special_tokens=False).tokens
    return {"tokenize": tokens, "remove stop words": kept, "lemmatize": lemmas, "rare words -> WordPiece": pieces}


def _coverage(counts):
    """min_freq -> (vocabulary size, share of running tokens whose word is kept)."""
    total = sum(counts.values())
    result = {}
    for m in MIN_FREQS:
        kept = [c for c in counts.values() if c >= m]
        result[m] = (len(kept), sum(kept) / total)
    return result


def _zipf_plot(counts):
    from matplotlib.figure import Figure  # no pyplot: no global backend, nothing left open

    freqs = sorted(counts.values(), reverse=True)
    fig = Figure(figsize=(5.5, 3.5))
    ax = fig.add_subplot()
    ax.loglog(range(1, len(freqs) + 1), freqs, ".", markersize=3)
    for rank in (1, 10, 100):
        word = counts.most_common(rank)[-1][0]
        ax.annotate(word, (rank, freqs[rank - 1]), textcoords="offset points", xytext=(6, -4))
    ax.set(xlabel="rank", ylabel="frequency", title="Zipf's law on MR: frequency ~ 1 / rank")
    return fig


def _vector_tables(ctx):
    """The talk's one-hot table (of DOOR) and bag-of-words table (of GRAY, same vocabulary)."""
    vec = Vectorizer("onehot").fit([DOOR])
    html = []
    for text, caption in ((DOOR, "One-hot encoding: one row per vocabulary word, one column per token"),
                          (GRAY, "Bag of words: the one-hot columns summed give the counts (SUM)")):
        tokens, vocab, matrix = vec.onehot(text)
        table = matrix.toarray().astype(int).T
        rows = [(word, *table[j], table[j].sum()) for j, word in enumerate(vocab)]
        html.append(ctx.table(["vocabulary", *tokens, "SUM"], rows, caption=caption))
    return html
