"""Every private scikit-learn name skaudio uses, imported in this one place.

scikit-learn does not promise these across releases; should one move, this
module is the only one to change (``tests/test_sklearn_compat.py`` imports
each of them, so a move shows up as one clear failure).
"""

from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_feature_names

__all__ = ["HasMethods", "Hidden", "Interval", "StrOptions", "check_feature_names", "fit_context",
           "output_config", "take", "validate_params"]

fit_context = _fit_context
"""``sklearn.base._fit_context``: validates parameters before ``fit``."""

check_feature_names = _check_feature_names
"""``sklearn.utils.validation._check_feature_names``: records or checks column names."""

take = _safe_indexing
"""``sklearn.utils._safe_indexing``: rows ``index`` of a list, array or DataFrame."""


def output_config(estimator):
    """The container ``set_output`` asks for (``"default"``, ``"pandas"``, ...)."""
    try:
        from sklearn.utils._set_output import _get_output_config
    except ImportError:  # pragma: no cover - a future scikit-learn
        return "default"
    return _get_output_config("transform", estimator)["dense"]
