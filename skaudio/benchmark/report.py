"""Write a benchmark's results: CSV tables, a Markdown report and plots."""

import importlib.util
import re
from pathlib import Path

__all__ = ["write_report", "to_markdown", "run_label"]


def run_label(model, features="-"):
    """A run's name in plots and confusion keys: ``"svm [full]"``, or ``"dummy"``."""
    return model if features in ("-", "", None) else f"{model} [{features}]"


def _pm(mean, std, n_folds, scale=100.0, digits=1):
    if n_folds > 1:
        return f"{scale * mean:.{digits}f} ± {scale * std:.{digits}f}"
    return f"{scale * mean:.{digits}f}"


def to_markdown(results):
    """The results table (and what produced it) as Markdown.

    Parameters
    ----------
    results : DataFrame
        From :func:`run_benchmark`.

    Returns
    -------
    markdown : str

    Examples
    --------
    >>> from skaudio.benchmark import run_benchmark, to_markdown
    >>> spec = "builtin:n_per_class=4,duration=1,n_classes=2,sr=8000"
    >>> results = run_benchmark(spec, split="cv:2", models="dummy,svm", feature_sets="gtzan",
    ...                         verbose=0)
    >>> print(to_markdown(results).splitlines()[1])
    - **Split**: cv:2: stratified 2-fold cross-validation (shuffled, random clips)
    """
    attrs = results.attrs
    lines = []
    if attrs.get("data"):
        lines += [f"- **Data**: {attrs['data']}", f"- **Split**: {attrs['split']}"]
    bad = attrs.get("bad_clips") or {}
    if bad:
        lines.append(f"- **Left out**: {len(bad)} clips that could not be read or processed "
                     "(fix or remove them; `--on-error raise` stops on them):")
        lines += [f"    - `{name}`: {_one_line(reason)}" for name, reason in bad.items()]
    lines += [
        "- Accuracy and macro-F1 in %, mean ± std over folds; fit time is per fold; "
        "times are wall-clock on a shared machine (noisy).",
        "- Features / tensors are computed once per clip before splitting (per-clip and "
        "unsupervised, so no leakage); *input ms/clip* is that one-off cost.",
        "- *features*: the LibrosaFeatures preset (gtzan: the 57 GTZAN columns; full: every "
        "feature family); models tuned by grid search choose their parameters inside each "
        "training fold (nested CV).",
        "",
        "| model | features | accuracy (%) | macro-F1 (%) | fit (s) | predict (ms/clip) "
        "| input (ms/clip) | description |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results.itertuples():
        lines.append(
            f"| {r.model} | {getattr(r, 'features', '-')} "
            f"| {_pm(r.accuracy_mean, r.accuracy_std, r.n_folds)} "
            f"| {_pm(r.f1_macro_mean, r.f1_macro_std, r.n_folds)} | {r.fit_time_s:.2f} "
            f"| {r.predict_ms_per_clip:.2f} | {r.input_ms_per_clip:.1f} | {r.description} |"
        )
    skipped = attrs.get("skipped") or {}
    if skipped:
        lines += ["", "Skipped: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()) + "."]
    return "\n".join(lines) + "\n"


def _one_line(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def _slug(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def write_report(results, out):
    """Write ``results.csv``, ``folds.csv``, ``results.md`` and PNGs into ``out``.

    Parameters
    ----------
    results : DataFrame
        From :func:`run_benchmark`.
    out : str or os.PathLike
        The folder, created if needed.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skaudio.benchmark import run_benchmark, write_report
    >>> spec = "builtin:n_per_class=4,duration=1,n_classes=2,sr=8000"
    >>> results = run_benchmark(spec, split="cv:2", models="dummy,svm", feature_sets="gtzan",
    ...                         verbose=0)
    >>> with tempfile.TemporaryDirectory() as out:
    ...     write_report(results, out)
    ...     sorted(p.name for p in Path(out).glob("*.csv"))
    ['folds.csv', 'results.csv']
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "results.csv", index=False, float_format="%.6g")
    if "folds" in results.attrs:
        results.attrs["folds"].to_csv(out / "folds.csv", index=False, float_format="%.6g")
    text = "# Benchmark results\n\n" + to_markdown(results)
    if importlib.util.find_spec("matplotlib") is None:
        text += "\nNo plots: install matplotlib (pip install skaudio[plot]).\n"
    else:
        from .plots import plot_confusion_matrix, plot_results

        plot_results(results).figure.savefig(out / "summary.png", dpi=100,
                                             bbox_inches="tight")
        text += "\n![accuracy per model](summary.png)\n"
        for name, cm in results.attrs.get("confusion", {}).items():
            ax = plot_confusion_matrix(cm, results.attrs["classes"],
                                       title=f"{name} (summed over folds)")
            ax.figure.savefig(out / f"confusion_{_slug(name)}.png", dpi=80,
                              bbox_inches="tight")
    (out / "results.md").write_text(text, encoding="utf-8")
