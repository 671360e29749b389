"""Tour section: the talk's second act, a bag-of-words sentiment classifier, trained on the bundled SST-2 and
scored on its dev sentences: held-out metrics, the confusion matrix and the talk's three sentences."""
from nlpdive.report.sentiment import (N_DEV, N_TRAIN, TALK_EXPECTED, fit_and_score, metrics_table, talk_predictions,
                                      talk_table)


def tour_section(ctx):
    from nlpdive.metrics import plot_confusion
    from nlpdive.report import Section
    from nlpdive.tasks.classify import ClassifyConfig

    ctx.progress(f"bag of words: training on {N_TRAIN:,} SST-2 phrases")
    clf, metrics, seconds, out = fit_and_score(ctx, "bow-sst2", ClassifyConfig(model="bow"))
    talk = talk_predictions(clf)
    body = (
        "<p>A bag of words forgets word order and keeps counts: each text becomes a vector with one entry per "
        "vocabulary word (here also per word pair, weighted by how much it leans to one class, as in NBSVM), "
        "and a linear layer turns the vector into class scores. Trained on the "
        f"{N_TRAIN:,} labelled phrases and sentences of SST-2 (Socher et al. 2013) and scored on the "
        f"{N_DEV} dev sentences it never saw:</p>"
        + metrics_table(ctx, "bag of words", metrics, seconds)
        + ctx.figure(plot_confusion(metrics, title="bag of words: SST-2 dev"), alt="confusion matrix",
                     caption="Rows are the true labels, columns the predictions: the diagonal holds the right "
                             "answers, and the two off-diagonal cells show which way the model errs.")
        + talk_table(ctx, talk, "the talk's three sentences")
        + "<p>On your own file (a CSV/TSV with text and label columns):</p>"
        + ctx.code("nlpdive train classify --data reviews.csv --out runs/sentiment\n"
                   "nlpdive evaluate runs/sentiment --data test.csv --out runs/sentiment/test\n"
                   "nlpdive predict runs/sentiment \"that movie sucked!\"\n"
                   f"nlpdive predict {out} \"i thought it was pretty decent\"      # the model trained here\n"
                   f"nlpdive serve {out}                                 # an HTTP API and a playground page"))
    summary = {"bow_accuracy": round(metrics["accuracy"], 4), "predictions": {t: p[0] for t, p in talk.items()},
               "model_dir": str(out)}
    checks = [(f"“{text}” is {want}", label, label == want)
              for (text, (label, _)), want in zip(talk.items(), TALK_EXPECTED)]
    return Section("Bag of words: a sentiment classifier", body, summary, checks)
