"""What every skaudio audio transformer shares: input checks and tags."""

import numpy as np
from sklearn.utils.validation import _check_feature_names, validate_data

from ._clips import as_clips

__all__ = ["AudioTransformerMixin"]


class AudioTransformerMixin:
    """Input handling of a transformer whose rows are clips.

    ``fit`` records ``n_features_in_`` (samples per clip for a 2-D array,
    1 for paths or ragged clips, which form one column of audio) and
    ``feature_names_in_`` for a DataFrame with string column names.
    ``transform`` accepts clips of any length, so it does not require the
    length seen in ``fit``.
    """

    def _fit_input(self, X):
        if _is_numeric_table(X):
            # sklearn's own messages for empty, non-finite or odd tables
            validate_data(self, X, reset=True, dtype=None,
                          ensure_all_finite=getattr(self, "on_error", "raise") == "raise")
        clips = as_clips(X)
        if not _is_numeric_table(X):
            self.n_features_in_ = 1
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        return clips

    def _transform_input(self, X):
        if _is_numeric_table(X):
            _check_feature_names(self, X, reset=False)
        return as_clips(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _is_numeric_table(X):
    """A 2-D numeric ndarray or DataFrame (equal-length clips, one per row)."""
    if hasattr(X, "dtypes") and hasattr(X, "columns"):
        return all(np.issubdtype(dt, np.number) for dt in X.dtypes)
    return isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "fiub"
