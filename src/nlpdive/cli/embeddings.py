"""`nlpdive train embeddings`: word2vec (skip-gram or CBOW, negative sampling) on your text files."""
import shlex

from nlpdive.cli.common import add_train_args
from nlpdive.errors import InputError

# common train flags that mean nothing to word2vec's own SGD loop (no validation set, no checkpoints)
_NOT_FOR_WORD2VEC = ("resume", "valid", "valid_split")


def register(cli):
    p = cli.add(cli.train, "embeddings", help="word2vec vectors (skip-gram/CBOW) from your text files",
                description="Train word2vec with negative sampling. Text files: one sentence or document per line "
                            "(lower-cased, `<br />` dropped, split on whitespace); CSV/TSV/JSONL: the text column. "
                            "--batch-size counts pairs (skip-gram, default 2048) or centre words (CBOW, default 512); "
                            "--lr defaults to 0.025 (skip-gram) / 0.05 (CBOW), decaying linearly. "
                            "The output directory is a vector store: try `nlpdive vectors similar DIR WORD`.")
    p.add_argument("--data", required=True, nargs="+", metavar="FILE", help="text files (.gz works)")
    p.add_argument("--text-column", metavar="C", help="CSV/TSV/JSONL: column holding the text")
    p.add_argument("--encoding", metavar="E", help="file encoding (default utf-8)")
    p.add_argument("--dim", type=int, default=100, help="vector size (default 100)")
    p.add_argument("--window", type=int, default=5, help="max distance between a word and its context (default 5)")
    p.add_argument("--negative", type=int, default=5, help="negative samples per pair (default 5)")
    p.add_argument("--min-count", type=int, default=5, help="ignore words rarer than this (default 5)")
    p.add_argument("--sample", type=float, default=1e-3, help="frequent-word subsampling threshold (default 1e-3; 0: off)")
    p.add_argument("--cbow", action="store_true", help="CBOW instead of skip-gram")
    p.add_argument("--threads", type=int, metavar="N", help="CPU worker threads (default: all cores)")
    add_train_args(p, trainer_options=False)
    p.set_defaults(func=train, epochs=5, out="runs/embeddings")


def _example_word(vecs):
    """A frequent plain word to suggest in the "try:" line (skipping punctuation and stop-word-like tops)."""
    return next((w for w in vecs.words[100:1000] if w.isalpha()), vecs.words[0])


def _check(args):
    for name in _NOT_FOR_WORD2VEC:
        if getattr(args, name, None) not in (None, False):
            raise InputError(f"--{name.replace('_', '-')} does not apply to word2vec",
                             hint="word2vec trains in one pass with linear decay, without validation or checkpoints")
    if args.precision != "fp32":
        raise InputError("--precision: word2vec trains in fp32 only", hint="drop --precision")
    for flag in ("dim", "window", "negative", "min_count", "epochs", "batch_size"):
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            raise InputError(f"--{flag.replace('_', '-')} must be at least 1", hint=f"got {getattr(args, flag)}")


def _device(name):
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA GPU visible", hint="use --device cpu or auto")
    return name


def train(args, out):
    from nlpdive.tasks.embeddings import WordEmbeddings, Word2VecSettings

    _check(args)
    settings = Word2VecSettings(dim=args.dim, window=args.window, negative=args.negative, min_count=args.min_count,
                                sample=args.sample, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                                cbow=args.cbow, seed=args.seed, threads=args.threads)
    model, stats = WordEmbeddings.fit(args.data, settings, out=args.out, device=_device(args.device),
                                      encoding=args.encoding, text_column=args.text_column)
    vecs = model.vectors
    record = {"out": args.out, "vocab_size": len(vecs), "dim": vecs.dim, "raw_words": stats["raw_words"],
              "seconds": stats["seconds"], "words_per_second": stats["words_per_second"]}
    out.emit(record, f"{len(vecs)} words x {vecs.dim} dims from {stats['raw_words']:,} words in {stats['seconds']} s "
                     f"({stats['words_per_second']:,} words/s) -> {args.out}\n"
                     f"try: nlpdive vectors similar {shlex.quote(str(args.out))} {shlex.quote(_example_word(vecs))}")
