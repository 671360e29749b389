"""Tour section: the Transformer with beam search. A small English -> French Transformer trained here on the
bundled 6,000 Tatoeba pairs (BLEU and chrF on held-out pairs), then the one nlpdive trained on all 166,000 Tatoeba
pairs and ships (demo/SOURCES.md has the command): the talk's "I am a student" -> "je suis étudiant", beam search
against greedy decoding, and the n best translations."""
from nlpdive.report import Section
from nlpdive.report.seq2seq import train_fresh

SENTENCES = ("I am a student.", "I'm hungry.", "Where is the station?", "Tom is my friend.", "I don't know.",
             "The cat is sleeping on the bed.")
TALK = "I am a student."  # the talk's example, "je suis étudiant"
BUDGET = {True: 45, False: 240}  # seconds of training here, quick / full


def tour_section(ctx):
    from nlpdive import demo, load
    from nlpdive.tasks.translate import TranslateConfig, train_defaults
    from nlpdive.train import TrainConfig

    budget = BUDGET[ctx.quick]
    # 6,000 pairs: a small vocabulary and small batches (more steps) do best in a short budget (BLEU 6.9 in 45 s
    # against 1.5 with 4,000 tokens and batches of 64)
    settings = TranslateConfig(vocab_size=1000, d_model=128, heads=4, layers=2, d_ff=512)
    cfg = TrainConfig(**{**train_defaults(settings), "time_budget": budget, "batch_size": 32, "seed": ctx.seed})
    ctx.progress(f"Transformer: training English -> French on the bundled 6,000 Tatoeba pairs for {budget} s")
    tr, out = train_fresh(ctx, "en-fr-sample", demo.path("tatoeba"), settings, cfg)
    m = tr.metrics
    shipped = load(demo.path("en-fr"))
    sm = shipped.metrics
    beam = shipped.translate(list(SENTENCES), beam=5)
    greedy = shipped.translate(list(SENTENCES), beam=1)
    here = tr.translate(list(SENTENCES), beam=5)
    nbest = shipped.translate([TALK], beam=5, n_best=3)[0]
    body = (
        "<p>The Transformer (Vaswani et al. 2017) drops recurrence: self-attention lets every token look at every "
        "other at once, so training runs in parallel over the sentence, and cross-attention replaces Bahdanau's. "
        f"A small one (2 + 2 layers, 128 dimensions, one byte-pair vocabulary of {tr.src.vocab_size:,} tokens "
        f"shared by both languages) trained here for {budget} seconds ({m['steps']} steps) on "
        f"{m['train_pairs']:,} pairs scores BLEU {m['bleu']:.1f} and chrF {m['chrf']:.1f} on {m['valid_pairs']} "
        f"held-out pairs: a few thousand pairs and a minute make a toy. The model nlpdive ships (3 + 3 layers, "
        f"{shipped.src.vocab_size:,} tokens) trained for {sm.get('train_seconds', 1200) / 60:.0f} minutes on "
        f"{sm['train_pairs']:,} pairs: <b>BLEU {sm['bleu']:.1f}</b>, chrF {sm['chrf']:.1f} on its "
        f"{sm['valid_pairs']} held-out pairs (sacreBLEU; <code>{ctx.esc(sm['bleu_signature'])}</code>).</p>"
        + ctx.table(["English", "shipped model, beam 5", "shipped model, greedy", f"trained here ({budget} s)"],
                    [[s, b["translation"], g["translation"], h["translation"]]
                     for s, b, g, h in zip(SENTENCES, beam, greedy, here)], caption="translations")
        + "<p>Beam search keeps the 5 best partial translations at every step instead of the single best "
          "token (greedy), and returns the best whole sentence by log-probability, normalised for length "
          "(GNMT's penalty); "
          f"<code>--n-best 3</code> shows the runners-up for “{TALK}”:</p>"
        + ctx.table(["rank", "translation", "score (length-normalised log-probability)"],
                    [[i + 1, h["translation"], f"{h['score']:.3f}"] for i, h in enumerate(nbest["n_best"])])
        + "<p>On your own pairs (a SOURCE&lt;TAB&gt;TARGET file, or two aligned files):</p>"
        + ctx.code("nlpdive train translate --data pairs.tsv --time-budget 1800 --out runs/en-fr\n"
                   f"nlpdive translate {demo.path('en-fr')} \"{TALK}\" --beam 5 --n-best 3\n"
                   f"nlpdive translate {out} \"{TALK}\"      # the model trained here\n"
                   "nlpdive evaluate runs/en-fr --data test.tsv --json     # BLEU, chrF, sacreBLEU signature"))
    summary = {"en_fr_bleu": m["bleu"], "en_fr_chrf": m["chrf"], "model_dir": str(out),
               "shipped_bleu": sm["bleu"], "talk_translation": beam[0]["translation"],
               "translations": {s: b["translation"] for s, b in zip(SENTENCES, beam)}}
    got = beam[0]["translation"]
    checks = [(f"“{TALK}” -> “Je suis étudiant.”", got, is_je_suis_etudiant(got))]
    return Section("The Transformer and beam search: English to French", body, summary, checks)


def is_je_suis_etudiant(text):
    """The talk's translation, allowing the feminine form and French spacing before the full stop."""
    import re

    return re.fullmatch(r"je suis (un )?étudiante?\s?\.?", text.strip().lower()) is not None
