"""Tour section: the talk's sentiment classifiers on the bundled MR sample: bag of words and GRU, held-out
metrics, the confusion matrix and the talk's three example sentences."""
import time

TALK_SENTENCES = ("it was amazing 100%", "that movie sucked!", "i thought it was pretty decent")


def tour_section(ctx):
    """The talk's sentiment classifiers on the bundled MR sample: bag-of-words and GRU, held-out metrics,
    the confusion matrix and the talk's three example sentences."""
    from nlpdive import demo
    from nlpdive.data import read_examples, train_valid_split
    from nlpdive.metrics import plot_confusion
    from nlpdive.report import Section
    from nlpdive.tasks.classify import Classifier, ClassifyConfig, train_defaults
    from nlpdive.tasks.classify.labels import SingleLabel, unzip
    from nlpdive.train import TrainConfig

    examples = read_examples(demo.path("mr"))
    train_ex, test_ex = train_valid_split(examples, 0.2, seed=ctx.seed)
    # both train in seconds, so ctx.quick changes nothing here; a small GRU suits 2,400 sentences best
    runs = [("bag of words (n-grams 1-2, NB-weighted)", ClassifyConfig(model="bow"), {}),
            ("GRU (attention pooling)", ClassifyConfig(model="gru", embed_dim=32, hidden=32, bidirectional=False,
                                                        pooling="attention"),
             {"epochs": 5, "lr": 3e-3})]
    rows, results = [], {}
    for name, settings, overrides in runs:
        ctx.progress(f"classify: training the {name} model on {len(train_ex)} MR sentences")
        start = time.perf_counter()
        cfg = TrainConfig(**{**train_defaults(settings), "seed": ctx.seed, **overrides})
        clf = Classifier.fit(*unzip(train_ex, SingleLabel), settings, cfg)
        seconds = time.perf_counter() - start
        metrics = clf.score(*unzip(test_ex, SingleLabel))
        results[settings.model] = (clf, metrics)
        rows.append([name, f"{metrics['accuracy']:.3f}", f"{metrics['macro_f1']:.3f}", f"{seconds:.1f}"])
    best = max(results, key=lambda m: results[m][1]["accuracy"])
    talk = [[text] + [_talk_prediction(results[m][0], text) for m in results] for text in TALK_SENTENCES]
    body = (
        f"<p>Sentence polarity (MR, Pang &amp; Lee 2005): {len(train_ex)} training and {len(test_ex)} held-out "
        "sentences from the bundled sample. The talk trains a bag-of-words MLP and a GRU and prints the training "
        "loss; here both are scored on sentences they never saw. With this little data the bag of words wins: "
        "a GRU learns its word vectors from scratch and needs more text (IMDB, SST-2) or pretrained vectors "
        "(<code>--embeddings</code>).</p>"
        + ctx.table(["model", "accuracy", "macro-F1", "train s"], rows, caption="held-out metrics")
        + ctx.figure(plot_confusion(results[best][1], title=f"{best}: held-out confusion matrix"),
                     alt="confusion matrix")
        + ctx.table(["the talk's sentence"] + [f"{m} says" for m in results], talk,
                    caption="predictions for the talk's examples (probability of the predicted label)")
        + "<p>On your own file:</p>"
        + ctx.code("nlpdive train classify --data reviews.csv --out runs/sentiment        # bag of words\n"
                   "nlpdive train classify --data reviews.csv --model gru --out runs/gru\n"
                   "nlpdive evaluate runs/sentiment --data test.csv --out runs/sentiment/test\n"
                   "nlpdive predict runs/sentiment \"that movie sucked!\""))
    summary = {f"{m}_accuracy": round(met["accuracy"], 4) for m, (_, met) in results.items()}
    summary["predictions"] = {text: {m: results[m][0].predict([text])[0]["label"] for m in results}
                              for text in TALK_SENTENCES}
    return Section("Sentiment classification: bag of words and GRU", body, summary)


def _talk_prediction(clf, text):
    pred = clf.predict([text])[0]
    return f"{pred['label']} ({pred['probabilities'][pred['label']]:.2f})"
