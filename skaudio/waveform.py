"""RawWaveform: clips as fixed-length waveform tensors, for end-to-end nets.

Also home of what every fixed-shape tensor transformer shares (RawWaveform,
MelSpectrogram): one length per call, crop/pad to ``duration``, optional
flattening into a named table.
"""

import numbers
import os

import numpy as np
import soundfile as sf
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import AudioTransformerMixin
from .exceptions import AudioValueError, SkaudioError
from .functional.mel import fix_length

__all__ = ["RawWaveform"]


def _waveform(y, *, sr, n_samples, pad_mode, normalize):
    """One clip as a (1, n_samples) float32 tensor (module level, for workers)."""
    y = np.asarray(y, dtype=np.float64)
    if normalize is not None:
        scale = np.max(np.abs(y)) if normalize == "peak" else np.sqrt(np.mean(y**2))
        if scale > 0:  # a silent clip stays silent
            y = y / scale
    if n_samples is not None:
        y = fix_length(y, size=n_samples, pad_mode=pad_mode)
    return y.astype(np.float32)[np.newaxis, :]


def _output_config(estimator):
    """The container set_output asks for ("default", "pandas", ...)."""
    try:
        from sklearn.utils._set_output import _get_output_config
    except ImportError:  # pragma: no cover - a future scikit-learn
        return "default"
    return _get_output_config("transform", estimator)["dense"]


class _FixedShapeTransformer(AudioTransformerMixin, TransformerMixin, BaseEstimator):
    """Clips -> one tensor of fixed shape per clip, through :func:`skaudio._parallel.map_clips`.

    Subclasses define ``_clip_func`` (a module-level function of ``y`` and
    ``sr``), ``_clip_params()``, ``_clip_shape(n_samples)`` and
    ``_column_names(shape)``.
    """

    _common_constraints = {
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "duration": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "offset": [Interval(numbers.Real, 0, None, closed="left")],
        "pad_mode": [StrOptions({"constant", "wrap", "reflect"})],
        "flatten": ["boolean"],
        "n_jobs": [numbers.Integral, None],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "on_error": [StrOptions({"raise", "nan"})],
        "verbose": ["verbose"],
    }

    @_fit_context(prefer_skip_nested_validation=True)
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
        if not self.flatten and _output_config(self) != "default":
            raise SkaudioError(
                f"{type(self).__name__} returns a {2 + len(self._clip_shape(1))}-D tensor, which "
                f"has no table form for set_output(transform={_output_config(self)!r}); pass "
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
        out_shape = None if n_samples is None else self._clip_shape(n_samples)
        try:
            out = self._map_clips(
                type(self)._clip_func, clips,
                params={"n_samples": self._target_samples(), **self._clip_params()},
                out_shape=out_shape)
        except SkaudioError:
            raise
        except ValueError as exc:  # files of different lengths cannot be stacked
            raise AudioValueError(_unequal_message(clips, self.sr, self.offset)) from exc
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

    def _target_samples(self):
        return None if self.duration is None else int(round(self.duration * self.sr))

    def _n_samples(self, clips):
        """Samples per analysed clip when known before reading audio, else None."""
        if self.duration is not None:
            return self._target_samples()
        if clips.kind == "paths":
            return None
        start = int(round(self.offset * self.sr))
        lengths = sorted({len(c) - start for c in clips.items if len(c) > start})
        if len(lengths) > 1:
            raise AudioValueError(
                f"Clips of different lengths ({_listing(lengths)} samples after offset) "
                f"cannot form one tensor; set duration (e.g. duration="
                f"{lengths[0] / self.sr:.3g}) to crop or pad every clip to one length."
            )
        return lengths[0] if lengths else None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _listing(values, limit=5):
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def _unequal_message(clips, sr, offset):
    seconds = []
    for path in clips.items:
        try:
            seconds.append(f"{max(sf.info(path).duration - offset, 0):.3f}")
        except Exception:  # noqa: BLE001 - only for the message
            continue
    found = f" ({_listing(sorted(set(seconds)))} s)" if seconds else ""
    return (
        f"The files have different lengths{found} and duration=None, so they cannot form "
        f"one tensor; set duration (e.g. duration=30.0) to crop or pad every clip to one "
        f"length."
    )


class RawWaveform(_FixedShapeTransformer):
    """Clips as fixed-length waveforms, ``(n_clips, 1, n_samples)`` float32.

    The input of end-to-end nets such as
    :class:`skaudio.nets.WaveNetClassifier`: each clip is loaded at ``sr``
    (files are resampled), windowed by ``offset``, optionally normalized,
    and cropped or padded to ``round(duration * sr)`` samples.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz. Files are resampled to it on load; arrays are
        taken to be at this rate.
    duration : float or None, default=None
        Length of every output clip in seconds: longer clips are cropped to
        their first ``duration`` seconds (after ``offset``), shorter ones
        padded at the end by ``pad_mode``. With None every clip of one call
        must have the same length (a 2-D array, or files of equal length),
        else a ``SkaudioError`` suggests setting ``duration``.
    offset : float, default=0.0
        Start each clip this many seconds in.
    pad_mode : {"constant", "wrap", "reflect"}, default="constant"
        How short clips are extended: silence, a loop of the clip, or its
        mirror image.
    normalize : {"peak", "rms"} or None, default=None
        Scale each clip (its own samples, before padding) to a peak
        ``max |y| = 1`` or to unit root-mean-square. A silent clip stays all
        zeros (never NaN).
    flatten : bool, default=False
        Return a 2-D ``(n_clips, n_samples)`` table with columns named
        ``sample0, sample1, ...`` (for ``set_output(transform="pandas")``
        and estimators that take tables); the column count is then fixed at
        fit.
    n_jobs : int or None, default=None
        Clips processed in parallel through joblib; -1 uses all cores.
    memory : None, str or joblib.Memory, default=None
        Directory of a per-clip cache.
    on_error : {"raise", "nan"}, default="raise"
        A clip that cannot be read raises a ``SkaudioError`` naming it, or
        (``"nan"``) gives a tensor of NaN, one warning, and an entry in
        ``bad_clips_``.
    verbose : int, default=0
        Show a progress bar when > 0.

    Attributes
    ----------
    n_samples_ : int or None
        Samples per output clip: ``round(duration * sr)``, or the width (after
        ``offset``) of the 2-D array seen in fit; None when fitted on files
        with ``duration=None`` (known once they are read).
    n_features_in_ : int
        Samples per clip when fitted on a 2-D array, else 1.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X, when it has string column names.
    bad_clips_ : list of BadClip
        With ``on_error="nan"``, set by each ``transform``.

    See Also
    --------
    MelSpectrogram : log-mel tensors of fixed shape.

    Notes
    -----
    For files, ``offset`` and ``duration`` select the samples that are read
    and then resampled, as ``librosa.load(path, sr=sr, offset=offset,
    duration=duration)`` does; the array form of the same audio is windowed
    after resampling, so the last few resampled samples of a cropped file
    can differ slightly between the two. Uncropped clips give identical
    numbers whichever way they arrive.

    Examples
    --------
    >>> import numpy as np
    >>> from skaudio import RawWaveform
    >>> clips = [np.ones(3000), 0.5 * np.ones(5000)]
    >>> wave = RawWaveform(sr=8000, duration=0.5, normalize="peak")
    >>> X = wave.fit_transform(clips)
    >>> X.shape, X.dtype
    ((2, 1, 4000), dtype('float32'))
    >>> float(X[1].max()), float(X[0, 0, -1])
    (1.0, 0.0)
    """

    _parameter_constraints = {
        **_FixedShapeTransformer._common_constraints,
        "normalize": [StrOptions({"peak", "rms"}), None],
    }
    _clip_func = staticmethod(_waveform)

    def __init__(self, *, sr=22050, duration=None, offset=0.0, pad_mode="constant",
                 normalize=None, flatten=False, n_jobs=None, memory=None, on_error="raise",
                 verbose=0):
        self.sr = sr
        self.duration = duration
        self.offset = offset
        self.pad_mode = pad_mode
        self.normalize = normalize
        self.flatten = flatten
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose

    def _clip_params(self):
        return {"pad_mode": self.pad_mode, "normalize": self.normalize}

    def _clip_shape(self, n_samples):
        return (1, n_samples)

    def _column_names(self, shape):
        return [f"sample{i}" for i in range(shape[1])]
