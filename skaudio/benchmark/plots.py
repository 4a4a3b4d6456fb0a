"""Plots of benchmark results: confusion matrices and a model comparison chart.

matplotlib is optional (``pip install skaudio[plot]``) and imported inside
the functions only, so ``import skaudio`` never imports it. Figures are
built with :class:`matplotlib.figure.Figure` directly, without pyplot, so
they need no display and never change the global backend: save them with
``ax.figure.savefig(path)``.
"""

import numpy as np

from ..exceptions import SkaudioError
from .report import run_label

__all__ = ["plot_confusion_matrix", "plot_results"]


def _new_axes(ax, figsize):
    if ax is not None:
        return ax
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise SkaudioError(
            "Plotting needs matplotlib; install it with pip install skaudio[plot]."
        ) from None
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def plot_confusion_matrix(cm, labels, *, normalize=True, title=None, ax=None):
    """Draw a confusion matrix, rows = true class, columns = predicted class.

    Parameters
    ----------
    cm : array-like of shape (n_classes, n_classes)
        Counts, e.g. summed over folds (``results.attrs["confusion"][name]``).
    labels : list of str of length n_classes
        Class names, in the order of ``cm``.
    normalize : bool, default=True
        Colour by the fraction of each true class (the recall); cells show
        the counts either way.
    title : str or None, default=None
        Axes title.
    ax : matplotlib Axes or None, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skaudio.benchmark import plot_confusion_matrix
    >>> ax = plot_confusion_matrix([[8, 2], [1, 9]], ["jazz", "rock"], title="SVC")
    >>> ax.get_title()
    'SVC'
    """
    cm = np.asarray(cm)
    n = len(labels)
    if cm.shape != (n, n):
        raise SkaudioError(f"cm has shape {cm.shape} but there are {n} labels; pass one "
                           "label per row of the matrix.")
    ax = _new_axes(ax, (3.0 + 0.5 * n, 2.4 + 0.45 * n))
    rows = cm.sum(axis=1, keepdims=True)
    shown = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows > 0) if normalize else cm
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04,
                       label="fraction of true class" if normalize else "clips")
    threshold = (shown.max() if shown.size else 0) / 2
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if shown[i, j] > threshold else "black")
    ax.set_xticks(range(n), labels, rotation=45, ha="right")
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return ax


def plot_results(results, *, metric="accuracy", ax=None):
    """Bar chart of a metric per model, with the spread over folds.

    Parameters
    ----------
    results : DataFrame
        The output of :func:`skaudio.benchmark.run_benchmark` (columns
        ``model``, ``<metric>_mean``, optionally ``<metric>_std`` and
        ``features``: bars are labelled ``"svm [full]"``).
    metric : {"accuracy", "f1_macro"}, default="accuracy"
        Which score to plot.
    ax : matplotlib Axes or None, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from skaudio.benchmark import plot_results
    >>> results = pd.DataFrame({"model": ["dummy", "svm"], "accuracy_mean": [0.1, 0.75],
    ...                         "accuracy_std": [0.0, 0.04]})
    >>> ax = plot_results(results)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['dummy', 'svm']
    """
    column = f"{metric}_mean"
    if column not in results:
        raise SkaudioError(f"results has no column {column!r}; metric must be 'accuracy' "
                           "or 'f1_macro'.")
    ax = _new_axes(ax, (6.5, 1.0 + 0.35 * len(results)))
    y = np.arange(len(results))[::-1]
    means = 100 * results[column].to_numpy(dtype=float)
    stds = 100 * results.get(f"{metric}_std", 0 * results[column]).to_numpy(dtype=float)
    ax.barh(y, means, xerr=stds, color="tab:blue", alpha=0.8, capsize=3)
    for yi, m, s in zip(y, means, stds, strict=True):
        ax.text(m + s + 1, yi, f"{m:.1f}", va="center", fontsize=8)
    features = results["features"] if "features" in results else ["-"] * len(results)
    ax.set_yticks(y, [run_label(m, f) for m, f in zip(results["model"], features, strict=True)])
    ax.set_xlim(0, 105)
    ax.set_xlabel(f"{metric.replace('_', '-')} (%), mean ± std over folds")
    split, data = results.attrs.get("split"), results.attrs.get("data")
    if split and data:
        ax.set_title(f"{data.split(': ')[0]}, {split.split(': ')[0]}", fontsize=9)
    return ax
