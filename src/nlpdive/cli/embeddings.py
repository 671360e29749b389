"""`nlpdive train embeddings`: word2vec (skip-gram or CBOW, negative sampling) on your text files."""
import shlex
from dataclasses import fields

from nlpdive.cli.common import add_train_args
from nlpdive.errors import InputError

# common train flags that mean nothing to word2vec's own SGD loop (no validation set, no checkpoints)
_NOT_FOR_WORD2VEC = ("resume", "valid", "valid_split")


def register(cli):
    p = cli.add(cli.train, "embeddings", help="word2vec vectors (skip-gram/CBOW) from your text files",
                description="Train word2vec with negative sampling. Text files: one sentence or document per line "
                            "(lower-cased, `<br />` dropped, split on whitespace); CSV/TSV/JSONL: the text column. "
                            "--lr decays linearly; --batch-size (GPU only) counts pairs (skip-gram) or centre words "
                            "(CBOW). "
                            "The output directory is a vector store: try `nlpdive vectors similar DIR WORD`.")
    p.add_argument("--data", required=True, nargs="+", metavar="FILE", help="text files (.gz works)")
    p.add_argument("--text-column", metavar="C", help="CSV/TSV/JSONL: column holding the text")
    p.add_argument("--encoding", metavar="E", help="file encoding (default utf-8)")
    from nlpdive.options import add_options
    from nlpdive.tasks.embeddings.config import Word2VecSettings

    add_options(p.add_argument_group("word2vec"), Word2VecSettings)
    shown = {f.name: f.metadata["default_help"] or f.default for f in fields(Word2VecSettings)
             if f.name in ("epochs", "lr", "batch_size")}  # the common flags' help shows word2vec's defaults
    add_train_args(p, trainer_options=False, defaults=shown)
    p.set_defaults(func=train, out="runs/embeddings")


def _example_word(vecs):
    """A frequent plain word to suggest in the "try:" line (skipping punctuation and stop-word-like tops)."""
    return next((w for w in vecs.words[100:1000] if w.isalpha()), vecs.words[0])


def _check(args):
    for name in _NOT_FOR_WORD2VEC:
        if getattr(args, name, None) not in (None, False):
            raise InputError(f"--{name.replace('_', '-')} does not apply to word2vec",
                             hint="word2vec trains in one pass with linear decay, without validation or checkpoints")
    if args.precision not in (None, "fp32"):
        raise InputError("--precision: word2vec trains in fp32 only", hint="drop --precision")


def train(args, out):
    from nlpdive.tasks.embeddings import HOGWILD_MIN_VOCAB, WordEmbeddings, Word2VecSettings
    from nlpdive.train import select_device

    _check(args)
    device = select_device(args.device or "auto")  # an InputError for a device this machine lacks (--device cuda)
    settings = Word2VecSettings(**{f.name: getattr(args, f.name) for f in fields(Word2VecSettings)
                                   if getattr(args, f.name, None) is not None})
    from nlpdive.train.rundir import RunDir

    with RunDir(args.out, overwrite=args.overwrite) as out_dir:
        emb = WordEmbeddings.fit(args.data, settings, out=out_dir, device=device, encoding=args.encoding,
                                 text_column=args.text_column)
    vecs, stats = emb.vectors, emb.stats
    record = {"out": args.out, "vocab_size": len(vecs), "dim": vecs.dim, "raw_words": stats["raw_words"],
              "seconds": stats["seconds"], "words_per_second": stats["words_per_second"], "workers": stats["workers"]}
    one = (args.threads or 0) > 1 and stats["vocab_size"] < HOGWILD_MIN_VOCAB
    note = f"; 1 worker thread: fewer than {HOGWILD_MIN_VOCAB:,} words" if one else ""
    out.emit(record, f"{len(vecs)} words x {vecs.dim} dims from {stats['raw_words']:,} words in {stats['seconds']} s "
                     f"({stats['words_per_second']:,} words/s{note}) -> {args.out}\n"
                     f"try: nlpdive vectors similar {shlex.quote(str(args.out))} {shlex.quote(_example_word(vecs))}")
