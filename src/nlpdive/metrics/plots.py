"""Plots of metrics people would rather look at than read: the confusion matrix."""
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
