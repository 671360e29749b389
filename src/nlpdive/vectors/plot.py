"""Pictures of word vectors: a 2-D map of chosen words coloured by group (t-SNE, PCA, or UMAP when
umap-learn is installed), as the talk's animals-vs-household-objects figure, and TensorBoard projector files."""
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError

# the talk's notebook-2 example
ANIMALS = ["cat", "dog", "horse", "cow", "pig", "sheep", "mouse", "rabbit", "lion", "tiger", "bear", "wolf",
           "fox", "deer", "elephant", "monkey", "bird", "snake", "frog", "fish"]
HOUSEHOLD_OBJECTS = ["chair", "table", "bed", "lamp", "sofa", "desk", "door", "window", "cup", "plate", "bowl",
                     "knife", "fork", "spoon", "bottle", "clock", "mirror", "carpet", "pillow", "blanket"]


def project(matrix, method="tsne", seed=0):
    """[n, D] -> [n, 2] with scikit-learn's TSNE/PCA (or umap-learn's UMAP), on one thread: a few hundred
    points need no more, and once torch is loaded scikit-learn's OpenMP threads can spin for tens of seconds."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _project(matrix, method, seed)


def _project(matrix, method, seed):
    n = len(matrix)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(matrix)
    if method == "tsne":
        from sklearn.manifold import TSNE

        return TSNE(n_components=2, perplexity=min(30.0, max(2.0, (n - 1) / 3)), init="pca", metric="cosine",
                    random_state=seed).fit_transform(matrix)
    if method == "umap":
        try:
            import umap
        except ImportError:
            raise InputError("--method umap needs the umap-learn package",
                             hint="pip install umap-learn, or use --method tsne or pca") from None
        return umap.UMAP(n_components=2, n_neighbors=min(15, n - 1), random_state=seed).fit_transform(matrix)
    raise InputError(f"unknown method {method!r}", hint="use tsne, pca or umap")


PLOT_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg")


def plot_format(out, flag="--out"):
    """The image format of `out` from its extension; InputError naming `flag` for any other."""
    fmt = Path(out).suffix.lower().lstrip(".")
    if fmt not in PLOT_FORMATS:
        raise InputError(f"cannot write a plot as {Path(out).suffix or 'a file without an extension'}", path=out,
                         hint=f"give {flag} a .png, .svg, .pdf or .jpg file name")
    return fmt


def check_method(method):
    """Fail before any work when the projection method cannot run."""
    if method == "umap":
        from importlib.util import find_spec

        if find_spec("umap") is None:
            raise InputError("--method umap needs the umap-learn package",
                             hint="pip install umap-learn, or use --method tsne or pca")
    elif method not in ("tsne", "pca"):
        raise InputError(f"unknown method {method!r}", hint="use tsne, pca or umap")


def plot_words(vecs, groups, out, method="tsne", title=None, seed=0):
    """groups: {name: [word, ...]} -> an image at `out` (.png, .svg, .pdf or .jpg), written atomically.
    Returns (path, words missing from the vocabulary, the map's neighbour purity: see words_figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nlpdive.atomic import atomic_file

    fmt = plot_format(out)
    fig, missing, purity = words_figure(vecs, groups, method=method, title=title, seed=seed)
    out = Path(out)
    try:
        with atomic_file(out) as tmp:
            fig.savefig(tmp, format=fmt, dpi=120, bbox_inches="tight")
    finally:
        plt.close(fig)
    return out, missing, purity


def neighbour_purity(xy, names):
    """The share of points whose nearest other point on the map (Euclidean, 2-D) is in the same group: 1.0 when
    the groups form separate islands, about 1/groups when the map mixes them."""
    xy = np.asarray(xy, dtype=np.float64)
    d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)  # [n, n]
    np.fill_diagonal(d, np.inf)
    names = np.asarray(names)
    return float((names[d.argmin(1)] == names).mean())


def words_figure(vecs, groups, method="tsne", title=None, seed=0):
    """A matplotlib figure of the groups' words projected to 2-D; returns (figure, missing words, the map's
    neighbour purity, None for one group)."""
    import matplotlib.pyplot as plt

    found = [(g, w) for g, words in groups.items() for w in words if w in vecs]
    missing = [w for words in groups.values() for w in words if w not in vecs]
    if len(found) < 3:
        raise InputError(f"only {len(found)} of the words are in the vocabulary (need 3)",
                         hint="choose more common words")
    xy = project(np.stack([vecs.unit(w) for _, w in found]), method=method, seed=seed)  # [n, 2]
    fig, ax = plt.subplots(figsize=(8, 6))
    for k, name in enumerate(groups):
        rows = [i for i, (g, _) in enumerate(found) if g == name]
        ax.scatter(xy[rows, 0], xy[rows, 1], color=f"C{k}", label=name, s=25)
        for i in rows:
            ax.annotate(found[i][1], xy[i], fontsize=8, xytext=(3, 2), textcoords="offset points")
    purity = neighbour_purity(xy, [g for g, _ in found]) if len(groups) > 1 else None
    title = title or f"{method.upper()} of {len(found)} word vectors"
    ax.set_title(title if purity is None else f"{title} (nearest-neighbour purity {purity:.2f})")
    ax.set_xticks([])
    ax.set_yticks([])
    if len(groups) > 1:
        ax.legend()
    return fig, missing, purity


def export_projector(vecs, out, limit=10000):
    """TensorBoard/projector.tensorflow.org files: DIR/vectors.tsv (one vector per line) + DIR/metadata.tsv,
    written atomically (other files in DIR are kept)."""
    from nlpdive.atomic import atomic_dir

    out = Path(out)
    n = min(limit, len(vecs))
    with atomic_dir(out, merge=True) as tmp:
        np.savetxt(tmp / "vectors.tsv", np.asarray(vecs.vectors[:n]), delimiter="\t", fmt="%.5g")
        with open(tmp / "metadata.tsv", "w", encoding="utf-8") as f:
            f.writelines(w.replace("\t", " ") + "\n" for w in vecs.words[:n])  # one column: no header line
    return out / "vectors.tsv", out / "metadata.tsv"
