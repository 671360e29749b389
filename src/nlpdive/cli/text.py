"""nlpdive text tokenize | train-tokenizer | vectorize."""
import itertools
import time

from nlpdive.errors import InputError

VECTORIZE_KINDS = {"onehot": "onehot", "bow": "count", "tfidf": "tfidf"}
TEXT_COLUMN_HELP = "CSV/TSV/JSONL: the column (name or 0-based index) holding the text (default: guessed)"


def register(cli):
    p = cli.add(cli.text, "tokenize", help="split texts into tokens (optionally drop stop words, lemmatize)",
                description="Tokenize TEXT... or every text of --data files (one output line per text, tokens "
                            "joined by spaces: e.g. a corpus for `nlpdive train embeddings`). The word tokenizer "
                            "splits contractions like the Penn Treebank (\"don't\" -> do n't) and punctuation into "
                            "tokens of their own.")
    p.add_argument("texts", nargs="*", metavar="TEXT")
    p.add_argument("--data", nargs="+", metavar="FILE",
                   help="tokenize these files instead: one text per line, or CSV/TSV/JSONL files (.gz works)")
    p.add_argument("--text-column", metavar="C", help=TEXT_COLUMN_HELP)
    p.add_argument("--encoding", default=None, metavar="E", help="file encoding (default utf-8)")
    p.add_argument("--lower", action="store_true", help="lower-case first")
    p.add_argument("--stopwords", action="store_true", help="drop stop words (the bundled English list)")
    p.add_argument("--stopwords-file", metavar="FILE",
                   help="drop the stop words listed in FILE instead (one word per line, '#' comments)")
    p.add_argument("--lemmatize", action="store_true", help="replace words by their lemma (jumped -> jump)")
    p.add_argument("--tokenizer", default="word", metavar="word|char|PATH",
                   help="word (default), char, a tokenizer.json or a GPT-2 folder (encoder.json + vocab.bpe)")
    p.set_defaults(func=tokenize)

    p = cli.add(cli.text, "train-tokenizer", help="train a BPE, WordPiece or Unigram tokenizer on text files")
    p.add_argument("--data", nargs="+", required=True, metavar="FILE",
                   help="text files, one text per line, or CSV/TSV/JSONL files (.gz works)")
    p.add_argument("--text-column", metavar="C", help=TEXT_COLUMN_HELP)
    p.add_argument("--kind", choices=["bpe", "wordpiece", "unigram"], default="bpe", help="default: bpe")
    p.add_argument("--vocab-size", type=int, default=8000, metavar="N", help="default: 8000")
    p.add_argument("--min-frequency", type=int, default=2, metavar="N",
                   help="merges seen fewer times are not learned (bpe, wordpiece; default 2)")
    p.add_argument("--encoding", default=None, metavar="E", help="file encoding (default utf-8)")
    p.add_argument("--out", required=True, metavar="tokenizer.json", help="where to write the tokenizer")
    p.set_defaults(func=train_tokenizer)

    p = cli.add(cli.text, "vectorize", help="one-hot, bag-of-words or tf-idf vectors of each line of a file",
                description="Prints one {token: value} object per document (line), tokens in order of first "
                            "appearance. --kind onehot prints each document's one-hot table (token x vocabulary).")
    p.add_argument("--data", required=True, metavar="FILE",
                   help="text file, one document per line, or a CSV/TSV/JSONL file (.gz works)")
    p.add_argument("--text-column", metavar="C", help=TEXT_COLUMN_HELP)
    p.add_argument("--kind", choices=list(VECTORIZE_KINDS), default="bow", help="default: bow (counts)")
    p.add_argument("--ngrams", default="1-1", metavar="MIN-MAX", help="n-gram sizes, e.g. 1-2 (default 1-1)")
    p.add_argument("--binary", action="store_true", help="bow: 1 for present tokens instead of counts")
    p.add_argument("--min-df", type=int, default=1, metavar="N", help="keep tokens seen in >= N documents")
    p.add_argument("--encoding", default=None, metavar="E", help="file encoding (default utf-8)")
    p.set_defaults(func=vectorize)


def tokenize(args, out):
    from nlpdive.text import TextPipeline

    if not args.texts and not args.data:
        raise InputError("no TEXT to tokenize",
                         hint='e.g. nlpdive text tokenize "the sneaky fox jumped", or --data FILE')
    if args.texts and args.data:
        raise InputError("give TEXT arguments or --data files, not both", hint="drop one of them")
    stopwords = args.stopwords_file or args.stopwords
    pipe = TextPipeline(lower=args.lower, tokenizer=args.tokenizer, stopwords=stopwords, lemmatize=args.lemmatize)
    texts = args.texts
    if args.data:
        from nlpdive.data import read_texts

        texts = read_texts(args.data, encoding=args.encoding, text_column=args.text_column)
    for text in texts:
        tokens = pipe.tokenize(text)
        record = {"text": text, "tokens": tokens}
        if pipe.subword:
            record["ids"] = pipe.encode(text)
        out.emit(record, " ".join(tokens))


def train_tokenizer(args, out):
    from nlpdive.cli.common import check_output, output_errors
    from nlpdive.data import read_texts
    from nlpdive.text import train_tokenizer as train

    if args.vocab_size < 10:
        raise InputError(f"--vocab-size {args.vocab_size} is too small", hint="use e.g. --vocab-size 8000")
    if args.min_frequency < 0:
        raise InputError(f"--min-frequency {args.min_frequency} is negative", hint="use e.g. --min-frequency 2")
    check_output(args.out, "--out", example="tokenizer.json")  # before the training, not after it
    start = time.perf_counter()
    texts = read_texts(args.data, encoding=args.encoding, text_column=args.text_column)  # checks the files first
    first = next(texts, None)
    if first is None:
        raise InputError("the --data files hold no text", hint="check the paths given to --data")
    tok = train(itertools.chain([first], texts), kind=args.kind, vocab_size=args.vocab_size,
                min_frequency=args.min_frequency)
    with output_errors(args.out, "--out"):
        path = tok.save(args.out)
    size = tok.hf.get_vocab_size()
    record = {"out": str(path), "kind": args.kind, "vocab_size": size, "seconds": round(time.perf_counter() - start, 2)}
    text = f"{args.kind} tokenizer, {size} tokens, written to {path}"
    if size > args.vocab_size:  # byte-level BPE always keeps its 256 byte tokens (+ the specials)
        text += f" (more than --vocab-size {args.vocab_size}: the 256 bytes and 4 special tokens always stay)"
    elif size < args.vocab_size:
        text += f" (fewer than --vocab-size {args.vocab_size}: the text holds no more frequent pieces)"
    out.emit(record, text)


def vectorize(args, out):
    from nlpdive.data import read_texts
    from nlpdive.text import Vectorizer

    kind = VECTORIZE_KINDS[args.kind]
    if args.binary:
        if kind != "count":
            raise InputError(f"--binary does not apply to --kind {args.kind}", hint="use --binary with --kind bow")
        kind = "binary"
    ngrams = parse_ngrams(args.ngrams)
    if args.min_df < 1:
        raise InputError(f"--min-df {args.min_df}: must be 1 or more (a count of documents)", hint="e.g. --min-df 2")
    texts = list(read_texts(args.data, encoding=args.encoding, text_column=args.text_column))
    vec = Vectorizer(kind, ngram_range=ngrams, min_df=args.min_df).fit(texts)
    if kind == "onehot":
        for text in texts:
            tokens, vocab, matrix = vec.onehot(text)
            rows = matrix.toarray().astype(int).tolist()
            out.emit({"tokens": tokens, "vocabulary": vocab, "onehot": rows}, _onehot_table(tokens, vocab, rows))
        return
    for row in vec.as_dicts(texts):
        if kind == "tfidf":
            row = {k: round(v, 6) for k, v in row.items()}
        out.emit(row, "  ".join(f"{k}:{v}" for k, v in row.items()))


def parse_ngrams(spec):
    """'1-2' -> (1, 2); '2' -> (2, 2)."""
    try:
        lo, _, hi = spec.partition("-")
        lo, hi = int(lo), int(hi or lo)
    except ValueError:
        lo = hi = 0
    if not 1 <= lo <= hi:
        raise InputError(f"--ngrams {spec!r} is not a range MIN-MAX with 1 <= MIN <= MAX", hint="e.g. --ngrams 1-2")
    return lo, hi


def _onehot_table(tokens, vocab, rows):
    """Vocabulary down the side, the text along the top, as on the talk's slide."""
    width = max(map(len, vocab), default=0)
    lines = [" " * width + " " + " ".join(tokens)]
    for j, word in enumerate(vocab):
        cells = (str(rows[i][j]).center(len(t)) for i, t in enumerate(tokens))
        lines.append(word.ljust(width) + " " + " ".join(cells))
    return "\n".join(lines)
