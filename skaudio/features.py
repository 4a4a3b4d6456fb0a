"""LibrosaFeatures: the GTZAN feature set (and more) as a scikit-learn transformer."""

import numbers
import os

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import AudioTransformerMixin
from ._clips import check_amplitude
from .functional.spectral import FEATURES, frame_features
from .functional.stats import STATS, summarize

__all__ = ["LibrosaFeatures"]

_SINGLE_VALUE = {"tempo"}


def _extract(y, *, sr, features, stats, n_fft, hop_length, n_mfcc, n_chroma, n_mels):
    """The feature vector of one clip (module level, so workers can pickle it)."""
    check_amplitude(y)
    frames = frame_features(y, sr=sr, features=features, n_fft=n_fft, hop_length=hop_length,
                            n_mfcc=n_mfcc, n_chroma=n_chroma, n_mels=n_mels)
    parts = []
    for name in features:
        if name in _SINGLE_VALUE:
            parts.append(np.asarray(frames[name], dtype=np.float64).ravel())
        elif name == "mfcc":
            parts.extend(summarize(row, stats) for row in frames[name])
        else:
            parts.append(summarize(frames[name], stats))
    return np.concatenate(parts)


class LibrosaFeatures(AudioTransformerMixin, TransformerMixin, BaseEstimator):
    """Summary statistics of librosa features, one row per clip.

    The default output is the GTZAN feature set of 57 columns, with the
    names and order of the GTZAN feature table (``chroma_stft_mean,
    chroma_stft_var, rms_mean, ..., tempo, mfcc1_mean, ..., mfcc20_var``),
    equal to plain librosa calls on the same audio. One STFT per clip serves
    every spectral feature, and the harmonic/percussive separation uses a
    compiled running median, so extraction is many times faster than calling
    librosa feature by feature.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz. Files are resampled to it on load; arrays are
        taken to be at this rate.
    n_fft : int, default=2048
        FFT size (and frame length of RMS and zero-crossing rate).
    hop_length : int, default=512
        Hop between frames, in samples.
    n_mfcc : int, default=20
        Number of MFCCs (columns ``mfcc1_*`` .. ``mfcc{n_mfcc}_*``).
    n_chroma : int, default=12
        Number of chroma bins.
    n_mels : int, default=128
        Mel bands behind the MFCCs and the onset envelope of the tempo.
    features : list of str or None, default=None
        A subset of ``chroma_stft, rms, spectral_centroid,
        spectral_bandwidth, rolloff, zero_crossing_rate, harmony, perceptr,
        tempo, mfcc``; None takes them all. Output columns follow the order
        given. ``harmony``/``perceptr`` summarize the harmonic/percussive
        *waveforms* of HPSS; ``tempo`` is one column in BPM (0 for a clip
        without onsets); ``mfcc`` gives statistics per coefficient; the
        others summarize all their values over frames (and chroma bins).
    stats : list of str, default=("mean", "var")
        Statistics over frames, from ``mean, var, std, min, max, median,
        q25, q75, iqr, skew, kurtosis`` (variance with ddof=0, as GTZAN;
        skew and excess kurtosis are 0 for a constant feature).
    offset : float, default=0.0
        Analyse each clip from this many seconds on.
    duration : float or None, default=None
        Analyse at most this many seconds of each clip (``30.0``: the first
        30 s); None analyses to the end.
    n_jobs : int or None, default=None
        Clips processed in parallel through joblib (any backend, Dask
        included); -1 uses all cores.
    memory : None, str or joblib.Memory, default=None
        Directory of a per-clip feature cache: a clip's features are
        computed once per setting, across fits, folds and processes.
    on_error : {"raise", "nan"}, default="raise"
        A clip that cannot be read or analysed raises a ``SkaudioError``
        naming it, or (``"nan"``) gives a row of NaN, one warning listing
        the bad clips, and an entry in ``bad_clips_``.
    verbose : int, default=0
        Show a progress bar when > 0.

    Attributes
    ----------
    n_features_in_ : int
        Samples per clip when fitted on a 2-D array, else 1 (one column of
        audio).
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X, when it has string column names.
    bad_clips_ : list of BadClip
        With ``on_error="nan"``, set by each ``transform``: the (index, name,
        reason) of each clip that gave a row of NaN.

    See Also
    --------
    MelSpectrogram : log-mel tensors for neural nets.
    SegmentVotingClassifier : classify long clips by voting over segments.

    Notes
    -----
    Clips shorter than one frame (``n_fft`` samples) are analysed as librosa
    analyses them: zero-padded, centred frames. Silent and constant clips
    give finite values (centroid, bandwidth and rolloff 0; tempo 0).
    Empty clips, NaN or infinite samples, and samples beyond 1e14 in
    magnitude (audio is expected in [-1, 1]) raise a ``SkaudioError``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVC
    >>> from skaudio import LibrosaFeatures
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(22050) / 22050
    >>> clips = np.stack([np.sin(2 * np.pi * f * t) + 0.1 * rng.standard_normal(t.size)
    ...                   for f in [220, 230, 240, 1760, 1800, 1850]])
    >>> labels = ["low"] * 3 + ["high"] * 3
    >>> features = LibrosaFeatures().fit(clips)
    >>> features.transform(clips).shape
    (6, 57)
    >>> list(features.get_feature_names_out()[:3])
    ['chroma_stft_mean', 'chroma_stft_var', 'rms_mean']
    >>> model = make_pipeline(LibrosaFeatures(), StandardScaler(), SVC())
    >>> model.fit(clips, labels).predict(clips[[0, 5]])
    array(['low', 'high'], dtype='<U4')
    """

    _parameter_constraints = {
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_fft": [Interval(numbers.Integral, 16, None, closed="left")],
        "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_mfcc": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_chroma": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_mels": [Interval(numbers.Integral, 1, None, closed="left")],
        "features": [list, tuple, None],
        "stats": [list, tuple],
        "offset": [Interval(numbers.Real, 0, None, closed="left")],
        "duration": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "n_jobs": [numbers.Integral, None],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "on_error": [StrOptions({"raise", "nan"})],
        "verbose": ["verbose"],
    }

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mfcc=20, n_chroma=12,
                 n_mels=128, features=None, stats=("mean", "var"), offset=0.0, duration=None,
                 n_jobs=None, memory=None, on_error="raise", verbose=0):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mfcc = n_mfcc
        self.n_chroma = n_chroma
        self.n_mels = n_mels
        self.features = features
        self.stats = stats
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
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
        self : LibrosaFeatures
        """
        self._features_stats()  # validates names
        self._fit_input(X)
        return self

    def transform(self, X):
        """Compute the feature vector of every clip.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips; any length.

        Returns
        -------
        X_features : ndarray of shape (n_clips, n_features_out), float64
        """
        check_is_fitted(self, "n_features_in_")
        clips = self._transform_input(X)
        features, stats = self._features_stats()
        params = dict(features=features, stats=stats, n_fft=self.n_fft,
                      hop_length=self.hop_length, n_mfcc=self.n_mfcc,
                      n_chroma=self.n_chroma, n_mels=self.n_mels)
        out = self._map_clips(_extract, clips, params,
                              out_shape=(len(self.get_feature_names_out()),))
        return out.astype(np.float64, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, as in the GTZAN table by default.

        Parameters
        ----------
        input_features : ignored
            Output names do not depend on input names.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        features, stats = self._features_stats()
        names = []
        for name in features:
            if name in _SINGLE_VALUE:
                names.append(name)
            elif name == "mfcc":
                names.extend(f"mfcc{k}_{s}" for k in range(1, self.n_mfcc + 1) for s in stats)
            else:
                names.extend(f"{name}_{s}" for s in stats)
        return np.asarray(names, dtype=object)

    def _features_stats(self):
        features = list(FEATURES if self.features is None else self.features)
        unknown = [f for f in features if f not in FEATURES]
        if unknown or not features or len(set(features)) != len(features):
            raise ValueError(
                f"features must be a non-empty list of distinct names from {list(FEATURES)}; "
                f"got {self.features!r}" + (f" (unknown: {unknown})" if unknown else "") + "."
            )
        stats = list(self.stats)
        bad = [s for s in stats if s not in STATS]
        if bad or not stats or len(set(stats)) != len(stats):
            raise ValueError(
                f"stats must be a non-empty list of distinct names from {list(STATS)}; "
                f"got {self.stats!r}" + (f" (unknown: {bad})" if bad else "") + "."
            )
        return features, stats
