"""Metrics, one home for every task: classification (accuracy, P/R/F1, confusion matrix; multi-label micro/macro
F1, subset accuracy, Hamming loss) and their plots; language models (language.py: loss, perplexity, bits per
character); translation (translation.py: sacreBLEU's BLEU and chrF) and attention maps.

    from nlpdive.metrics import classification_metrics, multilabel_metrics, plot_confusion
"""
from nlpdive.metrics.classification import classification_metrics, multilabel_metrics
from nlpdive.metrics.plots import plot_confusion

__all__ = ["classification_metrics", "multilabel_metrics", "plot_confusion"]
