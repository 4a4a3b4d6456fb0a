"""MelSpectrogram: clips as log-mel tensors of one fixed shape, for CNNs."""

import numbers

import numpy as np

from ._base import _FixedShapeTransformer
from ._clips import check_amplitude
from ._sklearn_compat import Interval
from .functional.mel import fix_length, mel_spectrogram, n_frames

__all__ = ["MelSpectrogram"]


def _mel_input(y, *, sr, n_samples, pad_mode):
    """One checked clip, cropped or padded: a (1, n_samples) float32 waveform (module
    level, for workers; also the per-clip step of the torch front end)."""
    check_amplitude(y)
    if n_samples is not None:
        y = fix_length(y, size=n_samples, pad_mode=pad_mode)
    return np.asarray(y, dtype=np.float32)[None]


def _mel(y, *, sr, n_samples, pad_mode, **mel_params):
    """One clip as a (1, n_mels, n_frames) float32 tensor (module level, for workers)."""
    y = _mel_input(y, sr=sr, n_samples=n_samples, pad_mode=pad_mode)[0]
    return mel_spectrogram(y, sr=sr, **mel_params)[None]


class MelSpectrogram(_FixedShapeTransformer):
    """Log-mel spectrograms of one fixed shape, ``(n_clips, 1, n_mels, n_frames)``.

    The input of :class:`skaudio.nets.CNNClassifier`. Each clip is loaded
    at ``sr`` (files are resampled), windowed by ``offset``, cropped or
    padded to ``round(duration * sr)`` samples, and turned into the values
    of ``librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr,
    n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax,
    power=power), ref=1.0, top_db=top_db)`` (the mel power itself with
    ``to_db=False``), with ``n_frames = 1 + n_samples // hop_length``.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz. Files are resampled to it on load; arrays are
        taken to be at this rate.
    n_fft : int, default=2048
        FFT size of the centred, zero-padded STFT (Hann window).
    hop_length : int, default=512
        Hop between frames, in samples.
    n_mels : int, default=128
        Number of mel bands (Slaney mel scale and normalization, as librosa).
    fmin : float, default=0.0
        Lowest frequency of the mel bands, in Hz.
    fmax : float or None, default=None
        Highest frequency of the mel bands; None is ``sr / 2``.
    power : float, default=2.0
        Exponent of the STFT magnitude: 2 for power, 1 for magnitude.
    to_db : bool, default=True
        Convert to decibels (``ref=1.0``, so values are absolute dB, at
        most 0 for a full-scale signal with ``power=2``).
    top_db : float or None, default=80.0
        Floor of the decibel values below each clip's maximum; None keeps
        everything down to -100 dB.
    duration : float or None, default=None
        Length of every clip in seconds before the STFT: longer clips are
        cropped to their first ``duration`` seconds (after ``offset``),
        shorter ones padded at the end by ``pad_mode``. With None every clip
        of one call must have the same length (a 2-D array, or files of
        equal length), else a ``SkaudioError`` suggests setting
        ``duration``.
    pad_mode : {"constant", "wrap", "reflect"}, default="constant"
        How short clips are extended: silence, a loop of the clip, or its
        mirror image.
    offset : float, default=0.0
        Start each clip this many seconds in.
    flatten : bool, default=False
        Return a 2-D ``(n_clips, n_mels * n_frames)`` table with columns
        ``mel0_t0, mel0_t1, ..., mel{n_mels-1}_t{n_frames-1}`` (band-major,
        the C order of the tensor) for ``set_output(transform="pandas")``
        and estimators that take tables; the column count is then fixed at
        fit. The 4-D default has no table form, so pandas output without
        ``flatten=True`` raises a ``SkaudioError`` saying so.
    n_jobs : int or None, default=None
        Clips processed in parallel through joblib (any backend, Dask
        included); -1 uses all cores.
    memory : None, str or joblib.Memory, default=None
        Directory of a per-clip cache: each clip's spectrogram is computed
        once per setting, across fits, folds and processes.
    on_error : {"raise", "nan"}, default="raise"
        A clip that cannot be read raises a ``SkaudioError`` naming it, or
        (``"nan"``) gives a tensor of NaN and one ``BadClipsWarning``
        listing the bad clips (see :func:`skaudio.count_clips`).
    verbose : int, default=0
        Show a progress bar when > 0.

    Attributes
    ----------
    n_samples_ : int or None
        Samples per clip before the STFT: ``round(duration * sr)``, or the
        width (after ``offset``) of the 2-D array seen in fit; None when
        fitted on files with ``duration=None`` (known once they are read).
    n_features_in_ : int
        Samples per clip when fitted on a 2-D array, else 1.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X, when it has string column names.

    See Also
    --------
    RawWaveform : fixed-length waveforms for end-to-end nets.
    LibrosaFeatures : summary features for classical estimators.

    Notes
    -----
    Without ``flatten`` the number of frames follows the clips, so a model
    fitted on 3 s segments can transform longer clips (nets with a global
    pooling head accept any number of frames). For files, ``offset`` and
    ``duration`` select the samples read before resampling, as
    ``librosa.load`` does; uncropped clips give identical numbers whether
    they arrive as paths, a 2-D array or a list of waveforms.

    Examples
    --------
    >>> from skaudio import MelSpectrogram
    >>> from skaudio.datasets import make_genres
    >>> data = make_genres(n_per_class=2, duration=1.0, sr=8000, random_state=0)
    >>> mel = MelSpectrogram(sr=8000, n_fft=512, hop_length=256, n_mels=40, duration=1.0)
    >>> S = mel.fit_transform(data.data)
    >>> S.shape, S.dtype
    ((12, 1, 40, 32), dtype('float32'))
    >>> bool((S.max(axis=(1, 2, 3)) - S.min(axis=(1, 2, 3)) <= 80.0).all())  # top_db
    True

    ``flatten=True`` gives a table for any scikit-learn estimator:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> model = make_pipeline(
    ...     MelSpectrogram(sr=8000, n_fft=512, hop_length=256, n_mels=40, duration=1.0,
    ...                    flatten=True),
    ...     LogisticRegression(max_iter=1000))
    >>> model.fit(data.data, data.target).score(data.data, data.target)
    1.0
    """

    _parameter_constraints = {
        **_FixedShapeTransformer._common_constraints,
        "n_fft": [Interval(numbers.Integral, 16, None, closed="left")],
        "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_mels": [Interval(numbers.Integral, 1, None, closed="left")],
        "fmin": [Interval(numbers.Real, 0, None, closed="left")],
        "fmax": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "power": [Interval(numbers.Real, 0, None, closed="neither")],
        "to_db": ["boolean"],
        "top_db": [Interval(numbers.Real, 0, None, closed="left"), None],
    }
    _clip_func = staticmethod(_mel)

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mels=128, fmin=0.0,
                 fmax=None, power=2.0, to_db=True, top_db=80.0, duration=None,
                 pad_mode="constant", offset=0.0, flatten=False, n_jobs=None, memory=None,
                 on_error="raise", verbose=0):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.power = power
        self.to_db = to_db
        self.top_db = top_db
        self.duration = duration
        self.pad_mode = pad_mode
        self.offset = offset
        self.flatten = flatten
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose

    def _check_params(self):
        fmax = self.sr / 2 if self.fmax is None else self.fmax
        if not self.fmin < fmax:
            raise ValueError(
                f"fmin must be below fmax (None is sr / 2 = {self.sr / 2:g} Hz); got "
                f"fmin={self.fmin}, fmax={self.fmax}. Lower fmin or raise fmax."
            )

    def _clip_params(self):
        return {"n_fft": self.n_fft, "hop_length": self.hop_length, "n_mels": self.n_mels,
                "fmin": self.fmin, "fmax": self.fmax, "power": self.power,
                "to_db": self.to_db, "top_db": self.top_db}

    def _clip_shape(self, n_samples):
        return (1, self.n_mels, n_frames(n_samples, n_fft=self.n_fft,
                                         hop_length=self.hop_length))

    def _column_names(self, shape):
        _, n_mels, n_time = shape
        return [f"mel{m}_t{t}" for m in range(n_mels) for t in range(n_time)]
