"""Translation metrics with sacreBLEU (Post, 2018): corpus BLEU and chrF on detokenised, cased text, with the
signatures that make the numbers comparable across papers and tools, and per-sentence scores on request."""
from nlpdive.errors import InputError


def require_sacrebleu():
    """The sacrebleu module; an InputError saying how to install it when it is missing."""
    try:
        import sacrebleu
    except ImportError:
        raise InputError("BLEU needs the sacrebleu package", hint="pip install 'nlpdive[translate]'") from None
    return sacrebleu


def translation_metrics(hypotheses, references, per_sentence=False):
    """{"bleu", "chrf", "bleu_signature", "chrf_signature", "sentences"} (+ "per_sentence": [{"bleu", "chrf"}])
    of the hypotheses against one reference each."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    sacrebleu = require_sacrebleu()
    bleu, chrf = sacrebleu.metrics.BLEU(), sacrebleu.metrics.CHRF()
    refs = [list(references)]
    b, c = bleu.corpus_score(list(hypotheses), refs), chrf.corpus_score(list(hypotheses), refs)
    out = {"bleu": round(b.score, 2), "chrf": round(c.score, 2), "bleu_signature": str(bleu.get_signature()),
           "chrf_signature": str(chrf.get_signature()), "sentences": len(hypotheses)}
    if per_sentence:
        sentence_bleu = sacrebleu.metrics.BLEU(effective_order=True)
        out["per_sentence"] = [{"bleu": round(sentence_bleu.sentence_score(h, [r]).score, 2),
                                "chrf": round(chrf.sentence_score(h, [r]).score, 2)}
                               for h, r in zip(hypotheses, references)]
    return out
