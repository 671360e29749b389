"""Tour section: sequence to sequence with attention, the talk's "Date Formatting" example: a character-level GRU
encoder-decoder with Bahdanau attention learns to write dates as ISO 8601, with its attention heat map and exact
match on dates it never saw."""

DATE_EXAMPLES = {"3 May 1979": "1979-05-03", "Thursday, 3 May 1979": "1979-05-03",  # written -> ISO 8601
                 "the 21st of December 2012": "2012-12-21", "May 4, 1980": "1980-05-04", "14.07.1989": "1989-07-14",
                 "1 jan 2000": "2000-01-01", "Sep. 11, 2001": "2001-09-11"}
DATE_PLOT = "Thursday, 3 May 1979"


def tour_section(ctx):
    """Dates with a char GRU + Bahdanau attention."""
    from nlpdive.report import Section

    body, summary = _dates(ctx)
    right = sum(summary["dates_examples"][k] == v for k, v in DATE_EXAMPLES.items())
    checks = [("dates written as people do come out as ISO 8601 (200 unseen dates)",
               f"{summary['dates_exact_match']:.1%} exactly right", summary["dates_exact_match"] >= 0.95),
              ("“Thursday, 3 May 1979” -> 1979-05-03 (and the table's other examples)",
               f"{right} of {len(DATE_EXAMPLES)} right", right == len(DATE_EXAMPLES))]
    return Section("Sequence to sequence with attention: writing dates", body, summary, checks)


def train_fresh(ctx, name, data, settings, cfg, valid=None):
    from nlpdive.tasks.translate import train

    out = ctx.model_dir(name)
    return train(data, valid=valid, settings=settings, train_cfg=cfg, out_dir=str(out)), out


def _dates(ctx):
    from nlpdive.data.dates import date_pairs, write_date_pairs
    from nlpdive.metrics.plots import plot_attention
    from nlpdive.tasks.translate import TranslateConfig, train_defaults
    from nlpdive.train import TrainConfig

    data = write_date_pairs(ctx.out / "data" / "dates.tsv", 3000, seed=ctx.seed)
    valid = write_date_pairs(ctx.out / "data" / "dates-valid.tsv", 200, seed=ctx.seed + 1)
    settings = TranslateConfig(model="gru-attention", vocab="char", d_model=32, hidden=64, dropout=0.0)
    epochs = 4 if ctx.quick else 8
    cfg = TrainConfig(**{**train_defaults(settings), "epochs": epochs, "batch_size": 32, "lr": 3e-3,
                         "seed": ctx.seed})
    ctx.progress(f"translate: training a character-level date normaliser ({epochs} epochs)")
    tr, out = train_fresh(ctx, "dates", data, settings, cfg, valid=valid)
    held = date_pairs(200, seed=ctx.seed + 2)
    found = tr.translate([s for s, _ in held])
    exact = sum(r["translation"] == t for r, (_, t) in zip(found, held)) / len(held)
    examples = tr.translate(list(DATE_EXAMPLES))
    a = tr.translate([DATE_PLOT], attention=True)[0]["attention"]
    fig = plot_attention(a["weights"], a["source_tokens"], a["target_tokens"], title=f"“{DATE_PLOT}”")
    body = (
        "<p>A sequence-to-sequence model reads a whole input and then writes an output of another length, one "
        "token at a time. The talk's first example writes dates the way people do into ISO 8601. A GRU encoder "
        "reads the characters; a GRU decoder with Bahdanau attention writes the date, looking back at the input "
        "at every step.</p>"
        + ctx.table(["written", "model", "right answer"],
                    [[s, r["translation"], want] for (s, want), r in zip(DATE_EXAMPLES.items(), examples)],
                    caption=f"trained for {epochs} epochs on 3,000 generated dates "
                            f"({sum(p.numel() for p in tr.model.parameters()):,} parameters)")
        + f"<p>On 200 dates it never saw: <b>{exact:.1%}</b> exactly right. Where it looks while it writes "
          f"(each row is one output character; darker is more attention):</p>"
        + ctx.figure(fig, alt="attention heat map",
                     caption="Each row is one character the decoder writes, each column one character it reads; "
                             "dark cells are where it looks. The year's digits look at the year, the month's at the "
                             "month's name: attention has learnt the alignment without being told.")
        + "<p>On your own pairs (a SOURCE&lt;TAB&gt;TARGET file; <code>--vocab char</code> for spellings, dates, "
          "names):</p>"
        + ctx.code("nlpdive train translate --data pairs.tsv --model gru-attention --vocab char --out runs/dates\n"
                   f"nlpdive translate {out} \"{DATE_PLOT}\" --attention-plot attention.png\n"
                   f"nlpdive serve {out}"))
    return body, {"dates_exact_match": round(exact, 3), "model_dir": str(out),
                  "dates_examples": {s: r["translation"] for s, r in zip(DATE_EXAMPLES, examples)}}
