"""Language-model metrics: loss (nats per token), perplexity, bits per token and per character."""
import math


def lm_metrics(total_nats, tokens, chars=None):
    """From the summed loss (nats) over `tokens` predicted tokens that cover `chars` characters of text."""
    loss = total_nats / max(1, tokens)
    m = {"loss": loss, "perplexity": math.exp(min(loss, 700.0)), "bits_per_token": loss / math.log(2),
         "tokens": int(tokens)}
    if chars:
        m["bits_per_char"] = total_nats / math.log(2) / chars
        m["characters"] = int(round(chars))
    return m
