"""The benchmark application: data specs, a model zoo, a runner, reports and plots.

:func:`run_benchmark` evaluates many models on one dataset with one split
protocol (what ``skaudio benchmark`` runs); :func:`train_model` fits one of
them on a whole dataset as an estimator taking audio (``skaudio train``).
The library itself never imports this package.

Modules: :mod:`~skaudio.benchmark.data` (data and split specs),
:mod:`~skaudio.benchmark.models` (the model zoo),
:mod:`~skaudio.benchmark.runner` (:func:`run_benchmark`, :func:`train_model`),
:mod:`~skaudio.benchmark.report` (CSV and Markdown) and
:mod:`~skaudio.benchmark.plots` (matplotlib figures, imported only when drawn).
"""

from .data import BenchmarkData, load_benchmark_data, make_splitter
from .models import FEATURE_SETS, list_models, resolve_feature_sets, resolve_models
from .plots import plot_confusion_matrix, plot_results
from .report import to_markdown, write_report
from .runner import run_benchmark, train_model

__all__ = [
    "FEATURE_SETS",
    "BenchmarkData",
    "list_models",
    "load_benchmark_data",
    "make_splitter",
    "plot_confusion_matrix",
    "plot_results",
    "resolve_feature_sets",
    "resolve_models",
    "run_benchmark",
    "to_markdown",
    "train_model",
    "write_report",
]
