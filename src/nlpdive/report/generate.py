"""Tour section: character-level text generation, the talk's fourth act. The "quick brown fox" windows (inputs
and their targets, one character later), a char-GRU trained on the bundled Shakespeare excerpt with its loss
curve and validation loss, and samples at temperatures 0.5 and 1.0."""

FOX = "the quick brown fox jumps over the lazy dog"
PROMPT = "ROMEO:\n"


def windows(text, size):
    """The talk's training pairs: each window of `size` characters and its target, shifted by one."""
    return [(text[i:i + size], text[i + 1:i + size + 1]) for i in range(0, len(text) - size, size)]


def tour_section(ctx):
    """A char-GRU on the bundled Shakespeare: windows, loss curve, samples at two temperatures."""
    import math

    from nlpdive import demo
    from nlpdive.report import Section
    from nlpdive.tasks.lm import LMConfig, train, train_defaults
    from nlpdive.train import TrainConfig
    from nlpdive.train.records import LOSS_PLOT

    out = ctx.model_dir("char-gru")
    budget = 25 if ctx.quick else 120
    settings = LMConfig(model="char-gru", hidden=256, n_embd=64, layers=1, block_size=64)
    cfg = TrainConfig(**{**train_defaults(settings), "time_budget": budget, "seed": ctx.seed, "batch_size": 32})
    ctx.progress(f"generate: training a char-GRU on the bundled Shakespeare excerpt for {budget} s")
    lm = train(demo.path("shakespeare"), settings=settings, train_cfg=cfg, out_dir=str(out))
    m = lm.metrics
    samples = {t: lm.generate(PROMPT, max_tokens=300, temperature=t, seed=ctx.seed)[0]["text"] for t in (0.5, 1.0)}
    pairs = windows(FOX, 15)
    body = (
        "<p>A language model predicts the next character. The talk cuts text into windows and asks the model, "
        "at every position, for the character that follows: the target is the input shifted by one.</p>"
        + ctx.table(["input", "target"], [[f"“{a}”", f"“{b}”"] for a, b in pairs],
                    caption="training windows of 15 characters")
        + f"<p>A one-layer GRU ({sum(p.numel() for p in lm.model.parameters()):,} parameters) trained for "
          f"{budget} seconds ({m['steps']} steps) on {m['train_tokens']:,} characters of Shakespeare reaches a "
          f"validation loss of {m['loss']:.3f} nats per character ({m['bits_per_char']:.2f} bits; a uniform guess "
          f"over its {lm.tokens.vocab_size} characters is {math.log(lm.tokens.vocab_size):.2f}).</p>"
        + ctx.png(out / LOSS_PLOT, alt="loss curve",
                  caption="Training loss per step and validation loss per evaluation, in nats per character: "
                          "the steep fall is the model learning spelling and spacing, the slow tail words and "
                          "the play's layout.")
        + "".join(f"<p>Sampled at temperature {t} (lower: safer, more repetitive; higher: more varied):</p>"
                  + ctx.code(PROMPT + text) for t, text in samples.items())
        + "<p>On your own text (a GPT is the default; <code>--model char-gru</code> for the talk's):</p>"
        + ctx.code("nlpdive train lm --data lyrics.txt --time-budget 300 --out runs/lyrics\n"
                   f"nlpdive generate runs/lyrics --prompt \"Verse 1\" --temperature 0.8 --max-tokens 400\n"
                   f"nlpdive generate {out} --prompt \"ROMEO:\" --stop \"\\n\\n\"\n"
                   "nlpdive evaluate runs/lyrics --data held-out.txt      # loss, perplexity, bits per char"))
    summary = {"valid_loss": round(m["loss"], 4), "steps": m["steps"], "samples": samples, "model_dir": str(out),
               "windows": pairs}
    speakers = {t: speaker_lines(text) for t, text in samples.items()}
    summary["speaker_lines"] = speakers
    checks = [("generated Shakespeare has speaker lines (“NAME:”) and line breaks",
               ", ".join(f"temperature {t}: {n} speaker line{'s' * (n != 1)}" for t, n in speakers.items()),
               sum(speakers.values()) > 0 and all(text.count("\n") >= 3 for text in samples.values()))]
    return Section("Text generation: a character-level GRU", body, summary, checks)


def speaker_lines(text):
    """How many lines after the prompt are a speaker's name, as in the play ("ROMEO:", "First Citizen:")."""
    import re

    return sum(re.fullmatch(r"[A-Z][A-Za-z]+( [A-Z][A-Za-z]+)*:", line) is not None for line in text.split("\n")[1:])
