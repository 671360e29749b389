"""Plots of metrics people would rather look at than read: the confusion matrix, attention heat maps."""
import numpy as np


def plot_confusion(metrics, path=None, title="confusion matrix"):
    """The confusion matrix as a matplotlib Figure (saved to `path` when given)."""
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = metrics["labels"]
    fig = Figure(figsize=(1.2 + 0.6 * len(labels), 1.0 + 0.6 * len(labels)) if len(labels) > 4 else (4, 3.4))
    ax = fig.add_subplot()
    ConfusionMatrixDisplay(np.asarray(metrics["confusion_matrix"]), display_labels=labels).plot(
        ax=ax, colorbar=False, cmap="Blues", values_format="d")
    ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_attention(weights, source_tokens, target_tokens, path=None, title="attention"):
    """An attention heat map (rows: target tokens, columns: source tokens; weights [T, S]) as a matplotlib Figure
    (saved to `path` when given; the format follows its extension)."""
    from matplotlib.figure import Figure

    weights = np.asarray(weights, dtype=float)
    rows, cols = weights.shape
    fig = Figure(figsize=(min(16, 1.5 + 0.42 * cols), min(16, 1.2 + 0.36 * rows)))
    ax = fig.add_subplot()
    ax.imshow(weights, cmap="Blues", vmin=0, vmax=max(1e-9, weights.max()), aspect="auto")
    ax.set_xticks(range(cols), [t.replace(" ", "\u2423") for t in source_tokens[:cols]], rotation=90, fontsize=9)
    ax.set_yticks(range(rows), [t.replace(" ", "\u2423") for t in target_tokens[:rows]], fontsize=9)
    ax.set_xlabel("source")
    ax.set_ylabel("translation")
    ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
