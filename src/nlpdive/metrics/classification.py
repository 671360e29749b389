"""Classification metrics (single- and multi-label), from scikit-learn's implementations."""
import numpy as np


def classification_metrics(y_true, y_pred, labels):
    """accuracy, macro precision/recall/F1, per-class precision/recall/F1/support and the confusion matrix."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    k = list(range(len(labels)))
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=k, zero_division=0)
    return {
        "examples": int(len(y_true)),
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else 0.0,
        "macro_precision": float(p.mean()), "macro_recall": float(r.mean()), "macro_f1": float(f.mean()),
        "per_class": _per_label(labels, p, r, f, n),
        "labels": list(labels),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=k).tolist(),  # rows: true, columns: predicted
    }


def _per_label(labels, precision, recall, f1, support):
    """{label: {precision, recall, f1, support}} from scikit-learn's per-label arrays."""
    return {lab: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                  "support": int(support[i])} for i, lab in enumerate(labels)}


def multilabel_metrics(y_true, y_pred, labels):
    """Multi-label metrics of multi-hot [N, K] arrays: micro and macro precision/recall/F1, per-label
    precision/recall/F1/support, subset accuracy (every label of a text right) and Hamming loss (the share of
    wrong text-label decisions)."""
    from sklearn.metrics import accuracy_score, hamming_loss, precision_recall_fscore_support

    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    mp, mr, mf, _ = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)
    return {
        "examples": int(len(y_true)),
        "micro_precision": float(mp), "micro_recall": float(mr), "micro_f1": float(mf),
        "macro_precision": float(p.mean()), "macro_recall": float(r.mean()), "macro_f1": float(f.mean()),
        "subset_accuracy": float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
        "hamming_loss": float(hamming_loss(y_true, y_pred)) if len(y_true) else 0.0,
        "per_label": _per_label(labels, p, r, f, n),
        "labels": list(labels),
    }
