"""Tour section: the talk's RNN act, a GRU sentiment classifier on the bundled SST-2 (starting from the bundled
word2vec vectors, attention pooling over the GRU's states), scored on the dev sentences like the bag of words."""
from nlpdive.report.sentiment import N_TRAIN, fit_and_score, loss_plot, metrics_table, talk_predictions, talk_table

BUDGET = {True: 40, False: 240}  # seconds, quick (~850 steps on 2 cores) / full (early stopping ends it first)


def tour_section(ctx):
    from nlpdive.report import Section
    from nlpdive.tasks.classify import ClassifyConfig

    from nlpdive import demo

    budget = BUDGET[ctx.quick]
    # word vectors from the bundled word2vec (previous section), fine-tuned: from scratch the GRU needs many epochs
    settings = ClassifyConfig(model="gru", embeddings=str(demo.path("vectors")), hidden=64, bidirectional=True,
                              pooling="attention")
    ctx.progress(f"RNN: training a GRU on {N_TRAIN:,} SST-2 phrases for {budget} s")
    clf, metrics, seconds, out = fit_and_score(ctx, "gru-sst2", settings,
                                               {"time_budget": budget, "epochs": 3, "lr": 3e-3})
    talk = talk_predictions(clf)
    params = sum(p.numel() for p in clf.model.parameters())
    body = (
        "<p>A recurrent network reads a sentence word by word and keeps a state: unlike the bag of words it sees "
        "order (“not good” is not “good”). Each word starts as its 100-dimensional word2vec vector (the bundled "
        "vectors of the embeddings section, fine-tuned here; words they lack start random), a bidirectional GRU "
        "reads the sentence both ways, and attention pooling weighs its states into one sentence vector for the "
        f"classifier ({params:,} parameters, trained on the same SST-2 phrases in {seconds:.0f} s, within a "
        f"budget of {budget} s; packed sequences, so padding costs nothing).</p>"
        + metrics_table(ctx, "GRU", metrics, seconds)
        + ctx.png(loss_plot(out), alt="loss curve",
                  caption="Training loss per step (and validation loss per evaluation): it should fall, then "
                          "flatten; a validation curve turning up would mean over-fitting.")
        + talk_table(ctx, talk, "the talk's three sentences")
        + "<p>On your own file (LSTM, CNN and Transformer classifiers are one flag away; pretrained word vectors "
          "with <code>--embeddings</code>):</p>"
        + ctx.code(f"nlpdive train classify --data reviews.csv --model gru --embeddings {demo.path('vectors')} "
                   "--out runs/gru\n"
                   "nlpdive train classify --data reviews.csv --model lstm --embeddings glove.6B.100d.txt\n"
                   f"nlpdive predict {out} \"that movie sucked!\"\n"
                   "nlpdive compare --data reviews.csv      # bag of words, CNN, GRU and a fine-tuned encoder"))
    summary = {"gru_accuracy": round(metrics["accuracy"], 4), "predictions": {t: p[0] for t, p in talk.items()},
               "model_dir": str(out)}
    return Section("Recurrent networks: a GRU sentiment classifier", body, summary)
