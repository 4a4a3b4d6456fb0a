"""LibrosaFeatures: the GTZAN feature set (and more) as a scikit-learn transformer."""

import numbers

import numpy as np

from . import _warmup

# Before scikit-learn is imported: on a fresh install, a helper process starts compiling
# the feature kernels meanwhile (skaudio._warmup); with them cached, a few stat calls.
_warmup.start()

from ._base import ClipFeatures  # noqa: E402
from ._clips import check_amplitude  # noqa: E402
from ._sklearn_compat import Interval, StrOptions  # noqa: E402
from .functional._blockwise import (  # noqa: E402
    WaveformMoments,
    blocks_supported,
    blockwise_frame_features,
    moment_families,
    needs_blocks,
)
from .functional.families import FAMILIES, FEATURES, frame_features, row_labels  # noqa: E402
from .functional.stats import STATS, summarize_rows  # noqa: E402
from .functional.texture import texture_windows, window_length  # noqa: E402

__all__ = ["PRESETS", "LibrosaFeatures"]

_CONTOUR = ("slope", "dct1", "dct2", "dct3")
_RICH = ("mean", "std", "min", "max", "median", "q25", "q75", "skew", "kurtosis", *_CONTOUR)
_BRIEF = ("mean", "std", *_CONTOUR)

PRESETS = {
    "gtzan": tuple((name, ("mean", "var")) for name in FEATURES),
    "full": (
        *((name, _RICH) for name in (
            "chroma_stft", "rms", "rms_db", "spectral_centroid", "spectral_bandwidth",
            "rolloff", "zero_crossing_rate", "spectral_flatness", "onset_strength",
            "harmonic_ratio")),
        ("tempo", ()),
        ("rhythm", ()),
        ("mfcc", _RICH),
        ("mfcc_delta", _RICH),
        ("mfcc_delta2", _RICH),
        ("spectral_contrast", _RICH),
        ("chroma", _BRIEF),
        ("tonnetz", _BRIEF),
    ),
}
"""Named feature sets: each a sequence of (family, statistics) pairs.

``"gtzan"`` is the GTZAN table's 57 columns (mean and variance of each
family, the tempo, 20 MFCCs). ``"full"`` is every family that measurably
helps classification, each with the statistics that serve it best: nine
distribution statistics (mean, std, min, max, median, quartiles, skew,
kurtosis) and four of the contour in time (the slope, and the first three
cosine coefficients ``dct1``, ``dct2``, ``dct3`` of the trajectory over the
clip: its fall, its arch and a finer wave) of every frame-wise feature, of
the MFCCs and of their first and second derivatives, of the spectral
contrast bands and of the harmonic share of each frame's energy; mean,
standard deviation and the four contour statistics of each pitch class and
tonnetz dimension; the tempo and the rhythm descriptors: 1,113 columns at
the default ``n_mfcc=20``. It leaves out the mean and variance of the
harmonic/percussive *waveforms* (they measure the recording's level and DC
offset: with them, accuracy on spoken digits by unseen speakers drops from
0.69 to 0.58) and the 128 log-mel bands (0.69 to 0.61).

With ``StandardScaler`` and a default ``SVC``, the contour statistics raise
spoken digits by unseen speakers (FSDD, all 3,000 clips, 8 kHz, leave one
speaker out) from 0.694 (the distribution statistics alone) to 0.781. The
cosine coefficients describe a contour better than the means of the clip's
thirds did (the previous ``"full"``): in their place they raise those
digits from 0.758 to 0.781 (the 600-clip subset from 0.665 to 0.692), the
built-in genres by artist from 0.642 to 0.650, 15 sampled orchestral
instruments by unseen pitch (FluidR3 GM notes) from 0.878 to 0.891 and
speaker identification on FSDD by unseen digit from 0.980 to 0.981.
"""


def _extract(y, *, sr, plan, n_fft, hop_length, n_mfcc, n_chroma, n_mels, texture):
    """The feature vector of one clip (module level, so workers can pickle it).

    ``plan`` is a sequence of (family, stats) pairs; ``texture`` None or
    (window seconds, hop seconds).
    """
    check_amplitude(y)
    _warmup.ready()  # a fresh install: compile the kernels, sharing the work with the helper
    features = [name for name, _ in plan]
    settings = dict(sr=sr, features=features, n_fft=n_fft, hop_length=hop_length,
                    n_mfcc=n_mfcc, n_chroma=n_chroma, n_mels=n_mels)
    if needs_blocks(y.shape[-1], hop_length=hop_length) and blocks_supported(
            sr=sr, n_fft=n_fft, features=features):
        # a long clip: block by block, in the memory of a short one, the same values
        frames = blockwise_frame_features(y, moments=moment_families(plan, texture), **settings)
    else:
        frames = frame_features(y, **settings)
    parts, pending = [], []  # pending: (part index, stats, rows) still to summarize
    for name, stats in plan:
        kind, values = FAMILIES[name].kind, frames[name]
        if kind == "values":
            parts.append(np.asarray(values, dtype=np.float64).ravel())
            continue
        if isinstance(values, WaveformMoments):
            parts.append(values.summarize(stats))
            continue
        pooled = kind != "rows"  # one summary of all values (all chroma bins together)
        rows = np.reshape(values, (-1, values.shape[-1]))  # (n_rows, n_values over time)
        if texture is None:
            rows = rows.reshape(1, -1) if pooled else rows
        else:
            rate = sr if kind == "waveform" else sr / hop_length
            windows = texture_windows(rows, length=window_length(texture[0], rate=rate),
                                      hop=window_length(texture[1], rate=rate), pooled=pooled)
            # (n_rows, 2, n_windows) or pooled (2, n_windows): each summary row, then its stats
            rows = windows.reshape(-1, windows.shape[-1])
        pending.append((len(parts), tuple(stats), rows))
        parts.append(None)
    _summarize_together(pending, parts)
    return np.concatenate(parts) if parts else np.zeros(0)


def _summarize_together(pending, parts):
    """Fill ``parts`` with the statistics of each pending block of rows.

    Blocks with the same statistics and row length are stacked and
    summarized in one call (every statistic is computed row by row, so the
    values are those of separate calls, up to the order of BLAS's additions
    in the cosine statistics): on short clips the per-call cost of the
    statistics outweighs their arithmetic.
    """
    groups = {}
    for index, stats, rows in pending:
        groups.setdefault((stats, rows.shape[-1]), []).append((index, rows))
    for (stats, _), members in groups.items():
        for batch in _batches(members):
            stacked = batch[0][1] if len(batch) == 1 else np.vstack([r for _, r in batch])
            summary = summarize_rows(stacked, stats)
            start = 0
            for index, rows in batch:
                parts[index] = summary[start:start + rows.shape[0]].ravel()
                start += rows.shape[0]


# Values stacked into one statistics call at most: short clips gain from
# stacking, and a long clip's rows are summarized block by block, so the
# statistics' float64 copies stay small (a 30-min clip has 77,500 frames).
_STACK_VALUES = 1 << 20


def _batches(members):
    """``members`` cut into runs of at most ``_STACK_VALUES`` values (at least one each)."""
    batch, size = [], 0
    for member in members:
        if batch and size + member[1].size > _STACK_VALUES:
            yield batch
            batch, size = [], 0
        batch.append(member)
        size += member[1].size
    if batch:
        yield batch


def _check_names(what, names, allowed, given, alternative):
    """Raise a ValueError naming the unknown entries unless ``names`` are distinct and known."""
    unknown = [name for name in names if name not in allowed]
    if unknown or not names or len(set(names)) != len(names):
        raise ValueError(
            f"{what} must be {alternative} a non-empty list of distinct names from "
            f"{list(allowed)}; got {given!r}"
            + (f" (unknown: {unknown})" if unknown else "") + "."
        )


class LibrosaFeatures(ClipFeatures):
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
    features : {"gtzan", "full"}, list of str or None, default=None
        A preset name (see :data:`skaudio.features.PRESETS`) or a list of
        feature families from :data:`skaudio.functional.FAMILIES`; None is
        ``"gtzan"``. ``"gtzan"``: the GTZAN table's 57 columns.
        ``"full"``: every family, each with the statistics that serve
        accuracy best (1,113 columns with the default ``n_mfcc``).
        Families: ``chroma_stft, rms, spectral_centroid, spectral_bandwidth,
        rolloff, zero_crossing_rate, harmony, perceptr, tempo, mfcc`` (the
        GTZAN set), ``mfcc_delta, mfcc_delta2, spectral_contrast,
        spectral_flatness, onset_strength, rms_db, chroma, tonnetz, log_mel,
        rhythm``. Output columns follow the order given. ``harmony`` /
        ``perceptr`` summarize the harmonic/percussive *waveforms* of HPSS;
        ``tempo`` (BPM, 0 without onsets) and ``rhythm``
        (``pulse_clarity, tempo_confidence, onset_rate``) are values per
        clip; ``mfcc``, ``mfcc_delta``, ``mfcc_delta2``, ``chroma``,
        ``spectral_contrast``, ``tonnetz`` and ``log_mel`` give statistics
        per row (coefficient, pitch class, band); the others summarize all
        their values over frames (``chroma_stft``: and pitch classes).
    stats : list of str or None, default=None
        Statistics over frames, from ``mean, var, std, min, max, median,
        q25, q75, iqr, skew, kurtosis`` (variance with ddof=0, as GTZAN;
        skew and excess kurtosis are 0 for a constant feature) and the
        statistics of movement in time ``slope, third1, third2, third3,
        dct1, dct2, dct3, dct4`` (the least-squares trend over the clip,
        the means of its first, middle and last thirds, the first cosine
        coefficients of its trajectory), applied to every family. None: the
        preset's own statistics per family, or ``("mean", "var")`` for a
        list of families.
    texture_window : float or None, default=None
        Texture windows, in seconds (Tzanetakis & Cook, 2002): each frame
        feature is first summarized by its mean and variance inside
        windows of this length, then ``stats`` are taken over the windows'
        means and over their variances (columns ``{feature}_win_mean_{stat}``
        and ``{feature}_win_var_{stat}``). None summarizes the frames of the
        whole clip directly. A clip shorter than one window forms a single
        window (so the statistics over windows describe one value each).
    texture_hop : float or None, default=None
        Seconds between the starts of consecutive texture windows; None is
        half a window.
    offset : float, default=0.0
        Analyse each clip from this many seconds on.
    max_duration : float or None, default=None
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
        naming it, or (``"nan"``) gives a row of NaN and one
        ``BadClipsWarning`` listing the bad clips (as data in its
        ``bad_clips``; :func:`skaudio.count_clips` collects them too).
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
        Samples per clip when fitted on a 2-D array, else 1 (one column of
        audio).
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X, when it has string column names.

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
        **ClipFeatures._parameter_constraints,
        "n_fft": [Interval(numbers.Integral, 16, None, closed="left")],
        "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_mfcc": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_chroma": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_mels": [Interval(numbers.Integral, 1, None, closed="left")],
        "features": [StrOptions(set(PRESETS)), list, tuple, None],
        "stats": [list, tuple, None],
        "texture_window": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "texture_hop": [Interval(numbers.Real, 0, None, closed="neither"), None],
    }
    clip_function = staticmethod(_extract)

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mfcc=20, n_chroma=12,
                 n_mels=128, features=None, stats=None, texture_window=None, texture_hop=None,
                 offset=0.0, max_duration=None, n_jobs=None, memory=None, on_error="raise",
                 verbose=0, duration="deprecated"):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mfcc = n_mfcc
        self.n_chroma = n_chroma
        self.n_mels = n_mels
        self.features = features
        self.stats = stats
        self.texture_window = texture_window
        self.texture_hop = texture_hop
        self.offset = offset
        self.max_duration = max_duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose
        self.duration = duration

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
        return super().fit(X, y)

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
        return super().transform(X)

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
        names = []
        windowed = ("win_mean", "win_var") if self.texture_window is not None else None
        for name, stats in self._plan():
            kind = FAMILIES[name].kind
            labels = row_labels(name, n_mfcc=self.n_mfcc, n_chroma=self.n_chroma,
                                n_mels=self.n_mels) or [name]
            if kind == "values":
                names.extend(labels)
                continue
            summaries = [f"{label}_{w}" for label in labels for w in windowed] if windowed \
                else labels
            names.extend(f"{summary}_{stat}" for summary in summaries for stat in stats)
        return np.asarray(names, dtype=object)

    def _clip_params(self):
        return dict(plan=self._plan(), n_fft=self.n_fft, hop_length=self.hop_length,
                    n_mfcc=self.n_mfcc, n_chroma=self.n_chroma, n_mels=self.n_mels,
                    texture=self._texture())

    def _check_params(self):
        self._plan()  # validates the names of families and statistics

    def _plan(self):
        """The (family, statistics) pairs to compute, validated."""
        if self.features is None or isinstance(self.features, str):
            preset = PRESETS["gtzan" if self.features is None else self.features]
            features = [name for name, _ in preset]
            own_stats = dict(preset)
        else:
            features = list(self.features)
            own_stats = {}
        _check_names("features", features, FAMILIES, self.features,
                     f"a preset name from {sorted(PRESETS)} or")
        if self.stats is not None:
            _check_names("stats", list(self.stats), STATS, self.stats, "None or")
        default = ("mean", "var")
        return tuple(
            (name, () if FAMILIES[name].kind == "values"
             else tuple(self.stats) if self.stats is not None
             else own_stats.get(name, default))
            for name in features)

    def _texture(self):
        if self.texture_window is None:
            return None
        hop = self.texture_window / 2 if self.texture_hop is None else self.texture_hop
        return (float(self.texture_window), float(hop))
