"""What the tour's two sentiment sections share (bow.py, rnn.py): the bundled SST-2 (67,349 training phrases and
sentences, 872 dev sentences), the talk's three sentences, and one train -> save -> score step."""
import time

TALK_SENTENCES = ("it was amazing 100%", "that movie sucked!", "i thought it was pretty decent")
TALK_EXPECTED = ("positive", "negative", "positive")  # what the talk's classifier says
N_TRAIN, N_DEV = 67_349, 872  # rows of the bundled sst2_train.tsv.gz and sst2_dev.tsv


def sst2_dev():
    """The bundled SST-2 dev sentences (872, held out from training)."""
    from nlpdive import demo
    from nlpdive.data import read_examples

    return read_examples(demo.path("sst2_dev"))


def fit_and_score(ctx, name, settings, overrides=None):
    """What `nlpdive train classify --data sst2_train.tsv.gz --out DIR/models/<name>` does (a 10% hold-out picks
    the epoch), then the dev sentences scored. Returns (clf, dev metrics, train seconds, model dir)."""
    from nlpdive import demo
    from nlpdive.tasks.classify import train, train_defaults
    from nlpdive.tasks.classify.labels import SingleLabel, unzip
    from nlpdive.train import TrainConfig

    out = ctx.model_dir(name)
    start = time.perf_counter()
    cfg = TrainConfig(**{**train_defaults(settings), "seed": ctx.seed, **(overrides or {})})
    clf = train(demo.path("sst2_train"), settings=settings, train_cfg=cfg, out_dir=str(out))
    seconds = time.perf_counter() - start
    return clf, clf.score(*unzip(sst2_dev(), SingleLabel)), seconds, out


def loss_plot(out):
    """The run's loss curve (the hold-out run's when the model was refit)."""
    from nlpdive.train.records import LOSS_PLOT

    return next((p for p in (out / LOSS_PLOT, out / "holdout" / LOSS_PLOT) if p.exists()), out / LOSS_PLOT)


def talk_predictions(clf):
    """{sentence: (label, probability of that label)} for the talk's three sentences."""
    return {text: (p["label"], round(p["probabilities"][p["label"]], 3))
            for text, p in zip(TALK_SENTENCES, clf.predict(list(TALK_SENTENCES)))}


def talk_table(ctx, predictions, caption):
    rows = [[text, want, f"{label} ({prob:.2f})", "yes" if label == want else "no"]
            for (text, (label, prob)), want in zip(predictions.items(), TALK_EXPECTED)]
    return ctx.table(["the talk's sentence", "the talk says", "this model says (probability)", "agrees"], rows,
                     caption=caption)


def metrics_table(ctx, name, metrics, seconds):
    """The held-out (SST-2 dev) accuracy and macro-F1 table of one model."""
    row = [name, f"{metrics['accuracy']:.3f}", f"{metrics['macro_f1']:.3f}", f"{seconds:.1f}"]
    return ctx.table(["model", "accuracy", "macro-F1", "train s"], [row], caption="held-out metrics (SST-2 dev)")
