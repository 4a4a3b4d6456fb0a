"""Deprecated: use :mod:`skaudio.benchmark` (``plot_confusion_matrix``, ``plot_results``).

Kept so that ``from skaudio.plotting import plot_results`` still works, with
a FutureWarning; it will be removed in a future release.
"""

import importlib
import warnings

_MOVED = ("plot_confusion_matrix", "plot_results")


def __getattr__(name):
    if name in _MOVED:
        warnings.warn(
            f"skaudio.plotting is deprecated; use 'from skaudio.benchmark import {name}' "
            "instead.", FutureWarning, stacklevel=2)
        return getattr(importlib.import_module("skaudio.benchmark.plots"), name)
    raise AttributeError(f"module 'skaudio.plotting' has no attribute {name!r}")
