"""Tour section: sequence to sequence, the talk's fifth act. The "Date Formatting" example (a character-level GRU
encoder-decoder with Bahdanau attention learns to write dates as ISO 8601, with its attention heat map and exact
match on dates it never saw), then a small English -> French Transformer on the bundled Tatoeba sample: BLEU and
chrF on held-out pairs, beam search against greedy decoding, and the talk's "je suis étudiant"."""

DATE_EXAMPLES = ("3 May 1979", "Thursday, 3 May 1979", "the 21st of December 2012", "May 4, 1980", "14.07.1789",
                 "1 jan 2000")
DATE_PLOT = "Thursday, 3 May 1979"
SENTENCES = ("I am a student.", "I'm hungry.", "Where is the station?", "Tom is my friend.", "I don't know.")
TALK = "I am a student."  # the talk's example, "je suis étudiant"


def tour_section(ctx):
    """Dates with a char GRU + attention, then English -> French with a Transformer."""
    body, summary = _dates(ctx)
    more, summary_fr = _english_french(ctx)
    return _section(body + more, {**summary, **summary_fr})


def _section(body, summary):
    from nlpdive.report import Section

    return Section("Sequence to sequence: dates and English to French, with attention", body, summary)


def _train(ctx, name, data, settings, cfg, valid=None):
    from nlpdive.tasks.translate import train

    out = ctx.out / "models" / name
    if out.exists():
        import shutil

        shutil.rmtree(out)
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
    tr, out = _train(ctx, "dates", data, settings, cfg, valid=valid)
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
        + ctx.table(["written", "model"], [[s, r["translation"]] for s, r in zip(DATE_EXAMPLES, examples)],
                    caption=f"trained for {epochs} epochs on 3,000 generated dates "
                            f"({sum(p.numel() for p in tr.model.parameters()):,} parameters)")
        + f"<p>On 200 dates it never saw: <b>{exact:.1%}</b> exactly right. Where it looks while it writes "
          f"(each row is one output character; darker is more attention):</p>"
        + ctx.figure(fig, alt="attention heat map")
        + ctx.code(f"nlpdive translate {out} \"{DATE_PLOT}\" --attention-plot attention.png"))
    return body, {"dates_exact_match": round(exact, 3), "dates_examples": [r["translation"] for r in examples]}


def _english_french(ctx):
    from nlpdive import demo
    from nlpdive.tasks.translate import TranslateConfig, train_defaults
    from nlpdive.train import TrainConfig

    budget = 45 if ctx.quick else 240
    # 6,000 pairs: a small vocabulary and small batches (more steps) do best in a short budget (BLEU 6.9 in 45 s
    # against 1.5 with 4,000 tokens and batches of 64)
    settings = TranslateConfig(vocab_size=1000, d_model=128, heads=4, layers=2, d_ff=512)
    cfg = TrainConfig(**{**train_defaults(settings), "time_budget": budget, "batch_size": 32, "seed": ctx.seed})
    ctx.progress(f"translate: training an English -> French Transformer on the bundled Tatoeba sample for "
                 f"{budget} s")
    tr, out = _train(ctx, "en-fr", demo.path("tatoeba"), settings, cfg)
    m = tr.metrics
    beam = tr.translate(list(SENTENCES), beam=5)
    greedy = tr.translate(list(SENTENCES), beam=1)
    body = (
        f"<p>The same commands translate sentences. A small Transformer (2 + 2 layers, 128 dimensions, one "
        f"byte-pair vocabulary of {tr.src.vocab_size:,} tokens shared by both languages and both embeddings) trained "
        f"for {budget} seconds ({m['steps']} steps) on {m['train_pairs']:,} Tatoeba pairs scores "
        f"<b>BLEU {m['bleu']:.1f}</b> and chrF {m['chrf']:.1f} on {m['valid_pairs']} held-out pairs (sacreBLEU, "
        f"beam 5; <code>{ctx.esc(m['bleu_signature'])}</code>). A few thousand pairs make a toy; "
        "benchmarks/translate.py trains on Multi30k's 29,000.</p>"
        + ctx.table(["English", "beam 5", "greedy"], [[s, b["translation"], g["translation"]]
                                                       for s, b, g in zip(SENTENCES, beam, greedy)])
        + "<p>On your own pairs (a SOURCE&lt;TAB&gt;TARGET file, or two aligned files):</p>"
        + ctx.code("nlpdive train translate --data pairs.tsv --time-budget 1800 --out runs/en-fr\n"
                   f"nlpdive translate {out} \"{TALK}\" --beam 5 --n-best 3\n"
                   "nlpdive evaluate runs/en-fr --data test.tsv --json     # BLEU, chrF, sacreBLEU signature"))
    return body, {"en_fr_bleu": m["bleu"], "en_fr_chrf": m["chrf"], "talk_translation": beam[0]["translation"]}
