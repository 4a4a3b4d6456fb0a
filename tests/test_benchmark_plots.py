"""Tests for skaudio.benchmark.plots (optional matplotlib)."""

import pytest

pytest.importorskip("matplotlib")

import pandas as pd  # noqa: E402

from skaudio.benchmark import plot_confusion_matrix, plot_results  # noqa: E402
from skaudio.exceptions import SkaudioError  # noqa: E402


def test_confusion_matrix_counts_and_labels(tmp_path):
    ax = plot_confusion_matrix([[5, 1, 0], [2, 3, 1], [0, 0, 6]], ["a", "b", "c"], title="t")
    texts = [t.get_text() for t in ax.texts]
    assert texts[:3] == ["5", "1", "0"] and len(texts) == 9
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    ax.figure.savefig(tmp_path / "cm.png")
    assert (tmp_path / "cm.png").stat().st_size > 0


def test_confusion_matrix_empty_class_and_raw_counts():
    ax = plot_confusion_matrix([[0, 0], [1, 3]], ["x", "y"], normalize=False)
    assert ax.images[0].get_array().tolist() == [[0, 0], [1, 3]]
    assert [t.get_text() for t in ax.texts] == ["0", "0", "1", "3"]
    # normalized by row; the empty class's row stays 0 rather than NaN
    ax = plot_confusion_matrix([[0, 0], [1, 3]], ["x", "y"])
    assert ax.images[0].get_array().tolist() == [[0.0, 0.0], [0.25, 0.75]]


def test_confusion_matrix_shape_mismatch():
    with pytest.raises(SkaudioError, match="one label per row"):
        plot_confusion_matrix([[1, 2], [3, 4]], ["a", "b", "c"])


def test_results_chart_into_given_axes():
    from matplotlib.figure import Figure

    results = pd.DataFrame({"model": ["dummy", "svm", "rf"], "f1_macro_mean": [0.1, 0.7, 0.6],
                            "f1_macro_std": [0.0, 0.05, 0.1]})
    ax = Figure().add_subplot()
    assert plot_results(results, metric="f1_macro", ax=ax) is ax
    assert len(ax.patches) == 3 and "f1-macro" in ax.get_xlabel()
    assert [round(p.get_width(), 6) for p in ax.patches] == [10.0, 70.0, 60.0]  # percent
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dummy", "svm", "rf"]
    with pytest.raises(SkaudioError, match="metric must be"):
        plot_results(results, metric="accuracy")


def test_import_skaudio_does_not_import_matplotlib():
    import subprocess
    import sys

    code = ("import sys, skaudio, skaudio.plotting, skaudio.benchmark, skaudio.cli; "
            "import skaudio.benchmark.plots; "
            "print('matplotlib' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120).stdout.split()
    assert out == ["False", "False"]


def test_skaudio_plotting_is_a_deprecated_alias():
    import skaudio.plotting

    with pytest.warns(FutureWarning, match="from skaudio.benchmark import plot_results"):
        from skaudio.plotting import plot_results as old
    assert old is plot_results
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skaudio.plotting.nope  # noqa: B018


def test_results_chart_labels_name_the_feature_set():
    results = pd.DataFrame({"model": ["dummy", "svm", "svm"], "features": ["-", "gtzan", "full"],
                            "accuracy_mean": [0.2, 0.7, 0.8]})
    ax = plot_results(results)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dummy", "svm [gtzan]", "svm [full]"]
