"""The clip-transformer base: shared parameters and their constraints, input checks, tags.

Every skaudio transformer turns each clip into one row: :class:`AudioTransformerMixin`
declares the parameters they all share (how clips are read and mapped) and
runs the per-clip function through :func:`skaudio._parallel.map_clips`;
:class:`_FixedShapeTransformer` adds what tensor transformers share (one
length per call, crop or pad to ``duration``, optional flattening) and a
per-batch step over the stacked per-clip results. A new transformer is a
module-level function of one clip and a thin class.
"""

import numbers
import os
import warnings

import numpy as np
import soundfile as sf
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._clips import ClipWindow, as_clips, check_waveform
from ._parallel import map_clips
from ._sklearn_compat import (
    HasMethods,
    Hidden,
    Interval,
    StrOptions,
    check_feature_names,
    fit_context,
    output_config,
)
from .exceptions import AudioValueError, InvalidInputError, SkaudioError

__all__ = ["AudioTransformerMixin", "ClipFeatures", "record_input_columns"]


class AudioTransformerMixin:
    """Input handling of a transformer whose rows are clips.

    ``fit`` records ``n_features_in_`` (samples per clip for a 2-D array,
    1 for paths or ragged clips, which form one column of audio) and
    ``feature_names_in_`` for a DataFrame with string column names.
    ``transform`` accepts clips of any length, so it does not require the
    length seen in ``fit``.

    Subclasses hold the parameters ``sr``, ``offset``, ``n_jobs``,
    ``memory``, ``on_error`` and ``verbose``, and merge
    ``_shared_constraints`` into their ``_parameter_constraints``; the
    length is theirs to declare: ``max_duration`` ("at most") for features,
    ``duration`` ("crop or pad to exactly") for tensors.
    """

    _shared_constraints = {
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "offset": [Interval(numbers.Real, 0, None, closed="left")],
        "n_jobs": [numbers.Integral, None],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "on_error": [StrOptions({"raise", "nan"})],
        "verbose": ["verbose"],
    }

    def _fit_input(self, X):
        record_input_columns(self, X, allow_nan=getattr(self, "on_error", "raise") == "nan")
        return as_clips(X)

    def _window(self):
        """How the clips are read: ``sr``, ``offset`` and at most ``duration``."""
        return ClipWindow(self.sr, self.offset, self.duration)

    def _map_clips(self, func, clips, params, out_shape=None):
        """Run ``func`` over the clips with this transformer's shared settings.

        Passes ``_window()``, ``n_jobs``, ``memory``, ``on_error`` and
        ``verbose`` to :func:`skaudio._parallel.map_clips`. Sets no attribute:
        bad clips are reported by a ``BadClipsWarning`` (and to
        :func:`skaudio.count_clips`).
        """
        out, _ = map_clips(
            func, clips, window=self._window(), params=params, n_jobs=self.n_jobs,
            memory=self.memory, on_error=self.on_error, verbose=self.verbose,
            out_shape=out_shape)
        return out

    def _transform_input(self, X):
        if _is_numeric_table(X):
            check_feature_names(self, X, reset=False)
        return as_clips(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = True
        tags.transformer_tags.preserves_dtype = []
        return tags


class ClipFeatures(AudioTransformerMixin, TransformerMixin, BaseEstimator):
    """Base of a transformer that computes a fixed-size feature vector per clip.

    A subclass names a module-level function of one clip and its output
    columns; it inherits the reading of every kind of ``X`` (paths, 2-D
    arrays, ragged lists), ``n_jobs`` (joblib or Dask), the per-clip cache
    ``memory=``, ``on_error``, progress bars, ``set_output`` and the
    scikit-learn checks.

    A subclass sets two class attributes: ``clip_function``, a
    ``staticmethod`` of a module-level function ``f(y, *, sr, **params) ->
    1-D array`` of a float32 waveform at ``sr`` (module level, so workers
    and the cache can name it), and ``feature_names``, the output columns
    (or it overrides ``get_feature_names_out`` when they depend on
    parameters). A subclass with parameters of its own declares them in its
    ``__init__`` and returns them from ``_clip_params()``, which passes them
    to ``clip_function`` and keys the cache with them.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate the clips are read at.
    offset : float, default=0.0
        Analyse each clip from this many seconds on.
    max_duration : float or None, default=None
        Analyse at most this many seconds of each clip.
    n_jobs : int or None, default=None
        Clips processed in parallel through joblib.
    memory : None, str or joblib.Memory, default=None
        Directory of a per-clip cache.
    on_error : {"raise", "nan"}, default="raise"
        A bad clip raises, or gives a row of NaN and a ``BadClipsWarning``.
    verbose : int, default=0
        Show a progress bar when > 0.
    duration : float or None
        Deprecated alias of ``max_duration`` (a ``FutureWarning`` at
        ``fit``; removed in 0.3): ``duration`` now only names the "crop or
        pad to exactly" length of :class:`~skaudio.MelSpectrogram` and
        :class:`~skaudio.RawWaveform`.

    Attributes
    ----------
    n_features_in_ : int
        Samples per clip when fitted on a 2-D array, else 1.

    Examples
    --------
    A transformer is one function and a thin class:

    >>> import numpy as np
    >>> from skaudio import ClipFeatures
    >>> def loudness(y, *, sr):
    ...     return np.array([np.sqrt(np.mean(y**2)), np.abs(y).max()])
    >>> class Loudness(ClipFeatures):
    ...     clip_function = staticmethod(loudness)
    ...     feature_names = ("rms", "peak")
    >>> X = np.stack([0.1 * np.ones(1000), 0.5 * np.ones(1000)])
    >>> Loudness().fit_transform(X)
    array([[0.1, 0.1],
           [0.5, 0.5]])
    >>> Loudness().set_output(transform="pandas").fit_transform(X).columns.tolist()
    ['rms', 'peak']
    """

    _parameter_constraints = {
        **AudioTransformerMixin._shared_constraints,
        "max_duration": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "duration": [Interval(numbers.Real, 0, None, closed="neither"), None,
                     Hidden(StrOptions({"deprecated"}))],
    }
    feature_names = ()

    def __init__(self, *, sr=22050, offset=0.0, max_duration=None, n_jobs=None, memory=None,
                 on_error="raise", verbose=0, duration="deprecated"):
        self.sr = sr
        self.offset = offset
        self.max_duration = max_duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose
        self.duration = duration

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the input; nothing is learned.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips.
        y : ignored

        Returns
        -------
        self : ClipFeatures
        """
        if self._old_duration() is not None:
            warnings.warn(f"{type(self).__name__}(duration=...) is deprecated and will be "
                          "removed in 0.3: use max_duration=, the same 'at most' window "
                          "(duration= names the exact length of MelSpectrogram and "
                          "RawWaveform).", FutureWarning, stacklevel=2)
        self._check_params()
        self._fit_input(X)
        return self

    def _old_duration(self):
        """The deprecated ``duration`` when it was given, else None."""
        return None if self.duration == "deprecated" else self.duration

    def _window(self):
        """How the clips are read: ``sr``, ``offset`` and at most ``max_duration``."""
        old = self._old_duration()
        return ClipWindow(self.sr, self.offset, self.max_duration if old is None else old)

    def transform(self, X):
        """The feature vector of every clip.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips.

        Returns
        -------
        X_features : ndarray of shape (n_clips, n_features_out), float64
        """
        check_is_fitted(self, "n_features_in_")
        clips = self._transform_input(X)
        out = self._map_clips(type(self).clip_function, clips, self._clip_params(),
                              out_shape=(len(self.get_feature_names_out()),))
        return out.astype(np.float64, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: ``feature_names``.

        Parameters
        ----------
        input_features : ignored
            Output names do not depend on input names.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        return np.asarray(list(self.feature_names), dtype=object)

    def _clip_params(self):
        """Keyword arguments of ``clip_function`` beyond ``sr`` (they key the cache)."""
        return {}

    def _check_params(self):
        """Checks beyond ``_parameter_constraints``, run by ``fit``."""


def _estimator_has(attr):
    """For ``available_if``: whether the inner estimator (fitted if it is) has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


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
        # pandas' own dtypes (StringDtype, ArrowDtype, nullable numbers) are no numpy
        # dtypes; every dtype has a kind: numbers are "f", "i" or "u"
        return all(getattr(dt, "kind", "O") in "fiu" for dt in X.dtypes)
    return isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "fiub"


class _FixedShapeTransformer(AudioTransformerMixin, TransformerMixin, BaseEstimator):
    """Clips -> one tensor of fixed shape per clip, through :func:`skaudio._parallel.map_clips`.

    The clips are read through ``_window()``, a ``ClipWindow`` with
    ``fixed_length=True``: its ``target_samples`` and ``pad_mode`` reach
    ``_clip_func`` as ``n_samples`` and ``pad_mode``, which crops or pads the
    clip after any step that needs its own samples (e.g. normalizing).
    Subclasses define ``_clip_func`` (a module-level function ``f(y, *, sr,
    n_samples, pad_mode, **params)``), ``_clip_params()`` (``params``),
    ``_clip_shape(n_samples)`` and ``_column_names(shape)``.

    Work that is faster on many clips at once (a batched torch STFT) goes in
    ``_transform_batch(rows)``: it runs once per ``transform``, in the calling
    process, on the stacked results of ``_clip_func`` (shape ``(n_clips,
    *_row_shape(n_samples))``, NaN rows for bad clips, which must stay NaN)
    and returns the output tensors. By default it returns ``rows`` unchanged
    and ``_row_shape`` is ``_clip_shape``.
    """

    _common_constraints = {
        **AudioTransformerMixin._shared_constraints,
        "duration": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "pad_mode": [StrOptions({"constant", "wrap", "reflect"})],
        "flatten": ["boolean"],
    }

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the input, and fix the output shape.

        No audio is read: the number of samples per clip comes from
        ``duration``, or from the width of a 2-D array ``X``.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips (which need
            ``duration``).
        y : ignored

        Returns
        -------
        self : object
        """
        self._check_params()
        clips = self._fit_input(X)
        self.n_samples_ = self._n_samples(clips)
        return self

    def transform(self, X):
        """Compute the tensor of every clip.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips (which need
            ``duration``).

        Returns
        -------
        X_out : ndarray of float32
            One tensor per clip, all of one shape (see the class docstring);
            2-D with ``flatten=True``.
        """
        check_is_fitted(self, "n_samples_")
        if not self.flatten and output_config(self) != "default":
            raise SkaudioError(
                f"{type(self).__name__} returns a {2 + len(self._clip_shape(1))}-D tensor, which "
                f"has no table form for set_output(transform={output_config(self)!r}); pass "
                f"flatten=True for a 2-D table with named columns, or use "
                f"set_output(transform='default')."
            )
        clips = self._transform_input(X)
        n_samples = self._n_samples(clips)
        if self.flatten and None not in (n_samples, self.n_samples_) \
                and n_samples != self.n_samples_:
            raise AudioValueError(
                f"With flatten=True the output columns are fixed at fit: clips of "
                f"{self.n_samples_} samples, got clips of {n_samples}. Set duration "
                f"to crop/pad every clip to one length."
            )
        row_shape = None if n_samples is None else self._row_shape(n_samples)
        window = self._window()
        params = {"n_samples": window.target_samples, "pad_mode": window.pad_mode,
                  **self._clip_params()}
        try:
            rows = self._map_clips(type(self)._clip_func, clips, params=params,
                                   out_shape=row_shape)
        except SkaudioError:
            raise
        except ValueError as exc:  # files of different lengths cannot be stacked
            raise AudioValueError(_unequal_message(clips, window)) from exc
        out = self._transform_batch(rows)
        if self.flatten:
            if self.n_samples_ is not None and out.shape[1:] != self._clip_shape(self.n_samples_):
                raise AudioValueError(
                    f"With flatten=True the output columns are fixed at fit: tensors of shape "
                    f"{self._clip_shape(self.n_samples_)}, got {out.shape[1:]}. Set duration "
                    f"to crop/pad every clip to one length."
                )
            out = out.reshape(out.shape[0], -1)
        return out.astype(np.float32, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the flattened output values (the columns with ``flatten=True``).

        Parameters
        ----------
        input_features : ignored
            Output names do not depend on input names.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per value of a clip's tensor, in C order.
        """
        check_is_fitted(self, "n_samples_")
        if self.n_samples_ is None:
            raise SkaudioError(
                f"{type(self).__name__} was fitted on files with duration=None, so the "
                f"number of output values is only known once the files are read; set "
                f"duration (e.g. duration=30.0) to fix it."
            )
        return np.asarray(self._column_names(self._clip_shape(self.n_samples_)), dtype=object)

    def _check_params(self):
        """Checks across parameters; subclasses extend."""

    def _row_shape(self, n_samples):
        """Shape of one clip's result of ``_clip_func``, before ``_transform_batch``."""
        return self._clip_shape(n_samples)

    def _transform_batch(self, rows):
        """The per-batch step: the stacked per-clip results -> the output tensors."""
        return rows

    def _window(self):
        """How the clips are read: ``sr``, ``offset``, cropped or padded to ``duration``."""
        return ClipWindow(self.sr, self.offset, self.duration, fixed_length=True,
                          pad_mode=self.pad_mode)

    def _n_samples(self, clips):
        """Samples per analysed clip when known before reading audio, else None."""
        window = self._window()
        if window.target_samples is not None:
            return window.target_samples
        if clips.kind == "paths":
            return None
        lengths = sorted({window.length(len(c)) for c in clips.items} - {0})
        if len(lengths) > 1:
            raise AudioValueError(
                f"Clips of different lengths ({_listing(lengths)} samples after offset) "
                f"cannot form one tensor; set duration (e.g. duration="
                f"{lengths[0] / window.sr:.3g}) to crop or pad every clip to one length."
            )
        return lengths[0] if lengths else None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _listing(values, limit=5):
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def _unequal_message(clips, window):
    seconds = []
    for path in clips.items:
        try:
            seconds.append(f"{max(sf.info(path).duration - window.offset, 0):.3f}")
        except Exception:  # noqa: BLE001 - only for the message
            continue
    found = f" ({_listing(sorted(set(seconds)))} s)" if seconds else ""
    return (
        f"The files have different lengths{found} and duration=None, so they cannot form "
        f"one tensor; set duration (e.g. duration=30.0) to crop or pad every clip to one "
        f"length."
    )
