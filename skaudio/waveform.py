"""RawWaveform: clips as fixed-length waveform tensors, for end-to-end nets."""


import numpy as np

from ._base import _FixedShapeTransformer
from ._sklearn_compat import StrOptions
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
        (``"nan"``) gives a tensor of NaN and one ``BadClipsWarning``
        listing the bad clips (see :func:`skaudio.count_clips`).
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
        return {"normalize": self.normalize}

    def _clip_shape(self, n_samples):
        return (1, n_samples)

    def _column_names(self, shape):
        return [f"sample{i}" for i in range(shape[1])]
