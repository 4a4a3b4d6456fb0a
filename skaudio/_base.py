"""What every skaudio audio transformer shares: input checks and tags."""

import numpy as np
from sklearn.utils.validation import _check_feature_names, validate_data

from ._clips import as_clips, check_waveform
from ._parallel import map_clips
from .exceptions import InvalidInputError

__all__ = ["AudioTransformerMixin", "record_input_columns"]


class AudioTransformerMixin:
    """Input handling of a transformer whose rows are clips.

    ``fit`` records ``n_features_in_`` (samples per clip for a 2-D array,
    1 for paths or ragged clips, which form one column of audio) and
    ``feature_names_in_`` for a DataFrame with string column names.
    ``transform`` accepts clips of any length, so it does not require the
    length seen in ``fit``.
    """

    def _fit_input(self, X):
        record_input_columns(self, X, allow_nan=getattr(self, "on_error", "raise") == "nan")
        return as_clips(X)

    def _map_clips(self, func, clips, params, out_shape=None):
        """Run ``func`` over the clips with this transformer's shared settings.

        Passes ``sr``, ``offset``, ``duration``, ``n_jobs``, ``memory``,
        ``on_error`` and ``verbose`` to :func:`skaudio._parallel.map_clips`
        and, with ``on_error="nan"``, records ``bad_clips_``.
        """
        out, bad_clips = map_clips(
            func, clips, sr=self.sr, params=params, offset=self.offset,
            duration=self.duration, n_jobs=self.n_jobs, memory=self.memory,
            on_error=self.on_error, verbose=self.verbose, out_shape=out_shape)
        if self.on_error == "nan":
            self.bad_clips_ = bad_clips
        return out

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


def record_input_columns(estimator, X, y=None, *, allow_nan=False):
    """Set ``n_features_in_`` (and ``feature_names_in_``) from the audio X of ``fit``.

    A 2-D numeric table goes through scikit-learn's ``validate_data`` (so
    DataFrame column names are recorded), after a check that names the first
    clip holding NaN or infinite samples; its errors become
    ``InvalidInputError`` (a ``ValueError``). Paths and ragged clips form one
    column of audio: ``n_features_in_ = 1``.
    """
    if not _is_numeric_table(X):
        estimator.n_features_in_ = 1
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return
    values = np.asarray(X)
    if not allow_nan and values.dtype.kind == "f" and values.size:
        finite_rows = np.isfinite(values).all(axis=1)
        if not finite_rows.all():
            check_waveform(values[np.argmin(finite_rows)],
                           name=f"clip[{int(np.argmin(finite_rows))}]")
    try:
        validate_data(estimator, X, y, reset=True, dtype=None,
                      ensure_all_finite=not allow_nan)
    except ValueError as exc:
        raise InvalidInputError(
            f"{exc} X must hold one clip per row, with at least one sample per clip."
        ) from exc


def _is_numeric_table(X):
    """A 2-D numeric ndarray or DataFrame (equal-length clips, one per row)."""
    if hasattr(X, "dtypes") and hasattr(X, "columns"):
        return all(np.issubdtype(dt, np.number) for dt in X.dtypes)
    return isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "fiub"
