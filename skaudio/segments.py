"""SegmentVotingClassifier: classify clips by voting over fixed-length segments.

Long recordings (30 s songs) are usually classified by cutting them into
short segments, classifying each segment and aggregating per clip. Cutting
*before* cross-validation puts segments of one clip on both sides of a split
and inflates the score; :class:`SegmentVotingClassifier` cuts *inside*
``fit`` and ``predict``, so any splitter over clips stays honest.
:func:`segment_clips` is the cutting step on its own.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import _estimator_has, _is_numeric_table, record_input_columns
from ._clips import ClipWindow, as_clips
from ._parallel import map_clips
from ._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    check_feature_names,
    fit_context,
    validate_params,
)
from .exceptions import AudioValueError, VotingError

__all__ = ["SegmentVotingClassifier", "segment_clips"]


def _segment_lengths(window, segment_duration, hop_duration):
    """Samples per segment and between segment starts, at ``window.sr``."""
    lengths = []
    for name, seconds in (("segment_duration", segment_duration),
                          ("hop_duration", segment_duration if hop_duration is None
                           else hop_duration)):
        n = window.samples(seconds)
        if n < 1:
            raise AudioValueError(
                f"{name}={seconds} s at sr={window.sr} Hz is less than one sample; use a "
                f"longer {name} or a higher sr."
            )
        lengths.append(n)
    return tuple(lengths)


def _cut(y, *, sr, seg, hop, short_clips):
    """The segments of one waveform: shape (n_segments, seg), float32 (module level, for
    workers; :func:`skaudio._parallel.map_clips` names the clip in an error)."""
    if y.size < seg:
        if short_clips == "raise":
            raise AudioValueError(
                f"{y.size} samples, shorter than one segment ({seg} samples); use "
                f"short_clips='pad' to zero-pad it to one segment, a shorter "
                f"segment_duration, or remove the clip."
            )
        out = np.zeros((1, seg), dtype=np.float32)
        out[0, : y.size] = y
        return out
    windows = np.lib.stride_tricks.sliding_window_view(y, seg)[::hop]
    return np.ascontiguousarray(windows, dtype=np.float32)


@validate_params(
    {
        "X": "no_validation",  # every kind of audio X, checked by as_clips
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "segment_duration": [Interval(numbers.Real, 0, None, closed="neither")],
        "hop_duration": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "short_clips": [StrOptions({"pad", "raise"})],
        "n_jobs": [numbers.Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def segment_clips(X, *, sr=22050, segment_duration=3.0, hop_duration=None, short_clips="pad",
                  n_jobs=None):
    """Cut every clip into equal-length segments.

    Segments start at 0, ``hop``, ``2 * hop``, ... and end inside the clip:
    a trailing remainder shorter than a segment is dropped. A clip shorter
    than one segment is zero-padded at its end to one segment
    (``short_clips="pad"``) or raises (``"raise"``).

    Parameters
    ----------
    X : list of str, array-like of shape (n_clips, n_samples), or list \
            of 1-D arrays
        Paths (each file is read once, at ``sr``), equal-length clips at
        ``sr``, or ragged clips at ``sr``.
    sr : int, default=22050
        Sample rate in Hz.
    segment_duration : float, default=3.0
        Length of a segment in seconds (``round(segment_duration * sr)``
        samples).
    hop_duration : float or None, default=None
        Seconds between the starts of consecutive segments; None means
        ``segment_duration`` (no overlap). Smaller values overlap segments.
    short_clips : {"pad", "raise"}, default="pad"
        What a clip shorter than one segment gives: one zero-padded segment,
        or an :class:`~skaudio.AudioValueError` naming it.
    n_jobs : int or None, default=None
        Clips read and cut in parallel through joblib (any backend, Dask
        included), as every skaudio transformer reads them; -1 uses all
        cores. The segments do not depend on it.

    Returns
    -------
    segments : ndarray of shape (n_segments, segment_samples), float32
        The segments of all clips, clip after clip, in time order.
    clip_index : ndarray of shape (n_segments,), int64
        The clip (row of ``X``) each segment was cut from.

    Examples
    --------
    >>> import numpy as np
    >>> from skaudio.segments import segment_clips
    >>> clips = [np.arange(10.0), np.arange(4.0)]
    >>> segments, clip_index = segment_clips(clips, sr=1, segment_duration=4)
    >>> segments
    array([[0., 1., 2., 3.],
           [4., 5., 6., 7.],
           [0., 1., 2., 3.]], dtype=float32)
    >>> clip_index
    array([0, 0, 1])
    """
    clips = as_clips(X)
    window = ClipWindow(sr)
    seg, hop = _segment_lengths(window, segment_duration, hop_duration)
    parts, _ = map_clips(_cut, clips, window=window, n_jobs=n_jobs, stack=False,
                         params={"seg": seg, "hop": hop, "short_clips": short_clips})
    clip_index = np.repeat(np.arange(len(parts), dtype=np.int64), [len(p) for p in parts])
    return np.concatenate(parts), clip_index


def _soft_and_has_proba(self):
    if self.voting != "soft":
        raise AttributeError(
            f"predict_proba is only available with voting='soft'; got voting={self.voting!r}."
        )
    return _estimator_has("predict_proba")(self)


class SegmentVotingClassifier(ClassifierMixin, BaseEstimator):
    """Classify clips by cutting them into segments and voting.

    ``fit`` cuts every clip into segments of ``segment_duration`` seconds,
    gives each segment the label of its clip, and fits a clone of
    ``estimator`` on the segments: a 2-D float32 array of shape
    ``(n_segments, segment_samples)``, i.e. equal-length clips at ``sr``, which
    every skaudio transformer accepts. ``predict`` cuts the clips the same
    way and aggregates the segment outputs per clip. Because the cutting
    happens inside ``fit`` and ``predict``, a cross-validation over clips
    (``cross_val_score``, ``GridSearchCV``) never has segments of one clip on
    both sides of a split.

    Parameters
    ----------
    estimator : estimator object
        A classifier (typically a Pipeline starting with an audio transformer,
        such as ``make_pipeline(LibrosaFeatures(), StandardScaler(),
        LogisticRegression())``)
        taking a 2-D array of equal-length waveforms at ``sr``. It needs
        ``predict_proba`` for ``voting="soft"``.
    segment_duration : float, default=3.0
        Length of a segment in seconds.
    hop_duration : float or None, default=None
        Seconds between the starts of consecutive segments; None means
        ``segment_duration``: non-overlapping segments. A trailing remainder
        shorter than a segment is dropped.
    sr : int, default=22050
        Sample rate in Hz: files are read at this rate, arrays are taken to
        be at it. Give the inner transformer the same ``sr``.
    voting : {"soft", "hard"}, default="soft"
        ``"soft"``: a clip's probabilities are the mean of its segments'
        ``predict_proba``; it gets the class of highest mean probability.
        ``"hard"``: a clip gets the class predicted for most of its segments;
        a tie goes to the tied class with the highest summed segment
        probability when the inner estimator has ``predict_proba``, and
        otherwise (or if still tied) to the tied class that comes first in
        ``classes_``.
    short_clips : {"pad", "raise"}, default="pad"
        A clip shorter than one segment is zero-padded at its end to one
        segment, or raises an :class:`~skaudio.AudioValueError` naming it.
    n_jobs : int or None, default=None
        Clips read and cut in parallel in ``fit`` and ``predict`` (see
        :func:`segment_clips`); -1 uses all cores. The inner estimator's own
        ``n_jobs`` is separate.

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the training segments, with the
        labels encoded as ``0 .. n_classes - 1`` (indices into ``classes_``),
        so that any inner model (skorch nets included) gets integer targets.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_features_in_ : int
        Samples per clip when fitted on a 2-D array, else 1 (one column of
        audio). ``predict`` accepts clips of any length.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X, when it has string column names.
    segment_samples_ : int
        Samples per segment.
    hop_samples_ : int
        Samples between segment starts.
    n_segments_fit_ : int
        Number of segments the inner estimator was fitted on.

    See Also
    --------
    segment_clips : the cutting step alone.
    sklearn.ensemble.VotingClassifier : voting over estimators, not segments.

    Notes
    -----
    With ``voting="soft"`` and an inner estimator without ``predict_proba``
    (e.g. ``SVC()``), ``fit`` raises rather than silently voting hard: pass
    ``voting="hard"``, or wrap the classifier in
    :class:`~sklearn.calibration.CalibratedClassifierCV`
    (``CalibratedClassifierCV(SVC(), ensemble=False)``, which scikit-learn 1.9
    recommends over the deprecated ``SVC(probability=True)``).

    All segments of the clips passed to ``fit`` or ``predict`` are held in
    memory at once, as float32 (about the size of the audio itself without
    overlap, twice that with ``hop_duration = segment_duration / 2``).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skaudio import LibrosaFeatures, SegmentVotingClassifier
    >>> from skaudio.datasets import make_genres
    >>> bunch = make_genres(n_per_class=4, n_classes=2, duration=3.0, sr=8000,
    ...                     random_state=0)
    >>> inner = make_pipeline(LibrosaFeatures(sr=8000, n_fft=512, hop_length=256,
    ...                                       features=["rms", "mfcc"], n_mfcc=8),
    ...                       StandardScaler(), LogisticRegression())
    >>> model = SegmentVotingClassifier(inner, segment_duration=1.0, sr=8000)
    >>> model.fit(bunch.data, bunch.target).classes_
    array(['jazz', 'rock'], dtype='<U4')
    >>> model.n_segments_fit_
    24
    >>> model.predict_proba(bunch.data[:2]).shape
    (2, 2)
    >>> labels, clip_index = model.predict_segments(bunch.data[:2])
    >>> clip_index
    array([0, 0, 0, 1, 1, 1])
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "segment_duration": [Interval(numbers.Real, 0, None, closed="neither")],
        "hop_duration": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "voting": [StrOptions({"soft", "hard"})],
        "short_clips": [StrOptions({"pad", "raise"})],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(self, estimator, *, segment_duration=3.0, hop_duration=None, sr=22050,
                 voting="soft", short_clips="pad", n_jobs=None):
        self.estimator = estimator
        self.segment_duration = segment_duration
        self.hop_duration = hop_duration
        self.sr = sr
        self.voting = voting
        self.short_clips = short_clips
        self.n_jobs = n_jobs

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Cut the clips into segments and fit the estimator on them.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips at ``sr``.
        y : array-like of shape (n_clips,)
            The label of each clip; every segment gets its clip's label.

        Returns
        -------
        self : SegmentVotingClassifier
        """
        if self.voting == "soft" and not hasattr(self.estimator, "predict_proba"):
            raise VotingError(
                f"voting='soft' averages segment probabilities, but "
                f"{type(self.estimator).__name__} has no predict_proba. Use voting='hard', "
                f"or a probabilistic classifier: wrap it in "
                f"sklearn.calibration.CalibratedClassifierCV(..., ensemble=False)."
            )
        record_input_columns(self, X, y)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None; "
                f"pass one label per clip."
            )
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.segment_samples_, self.hop_samples_ = self._lengths()
        segments, clip_index = self._segments(X)
        n_clips = int(clip_index[-1]) + 1
        if len(y) != n_clips:
            raise ValueError(
                f"X holds {n_clips} clips but y holds {len(y)} labels; pass one label per clip."
            )
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        y_segments = encoder.transform(y)[clip_index].astype(np.int64)
        self.estimator_ = clone(self.estimator).fit(segments, y_segments)
        self.n_segments_fit_ = len(segments)
        return self

    def predict(self, X):
        """Predict the class of every clip by voting over its segments.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips at ``sr``;
            any length.

        Returns
        -------
        y_pred : ndarray of shape (n_clips,)
            One label of ``classes_`` per clip.
        """
        check_is_fitted(self)
        segments, clip_index = self._check_segments(X)
        n_clips, n_classes = int(clip_index[-1]) + 1, len(self.classes_)
        if self.voting == "soft":
            proba = self._aggregate_proba(segments, clip_index)
            return self.classes_[np.argmax(proba, axis=1)]
        votes = np.zeros((n_clips, n_classes))
        np.add.at(votes, (clip_index, self._inner_predict(segments)), 1.0)
        top = votes == votes.max(axis=1, keepdims=True)
        tied = np.flatnonzero(top.sum(axis=1) > 1)
        if tied.size and hasattr(self.estimator_, "predict_proba"):
            rows = np.isin(clip_index, tied)
            summed = self._aggregate_proba(segments[rows], clip_index[rows], n_clips, mean=False)
            # among the tied classes only; argmax keeps the first of equal sums
            votes[tied] += top[tied] * summed[tied] / (summed[tied].sum(axis=1, keepdims=True) + 1)
        return self.classes_[np.argmax(votes, axis=1)]

    @available_if(_soft_and_has_proba)
    def predict_proba(self, X):
        """Mean segment probabilities of every clip (``voting="soft"`` only).

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips at ``sr``;
            any length.

        Returns
        -------
        proba : ndarray of shape (n_clips, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        check_is_fitted(self)
        segments, clip_index = self._check_segments(X)
        return self._aggregate_proba(segments, clip_index)

    def predict_segments(self, X, *, method="predict"):
        """The inner estimator's output for every segment, and its clip.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips at ``sr``.
        method : {"predict", "predict_proba"}, default="predict"
            Segment labels (from ``classes_``) or segment probabilities
            (columns in the order of ``classes_``).

        Returns
        -------
        output : ndarray of shape (n_segments,) or (n_segments, n_classes)
            One label, or one row of probabilities, per segment.
        clip_index : ndarray of shape (n_segments,), int64
            The clip (row of ``X``) each segment was cut from, in time order
            within a clip.
        """
        check_is_fitted(self)
        if method not in ("predict", "predict_proba"):
            raise ValueError(
                f"method must be 'predict' or 'predict_proba', got {method!r}."
            )
        segments, clip_index = self._check_segments(X)
        if method == "predict":
            return self.classes_[self._inner_predict(segments)], clip_index
        if not hasattr(self.estimator_, "predict_proba"):
            raise VotingError(
                f"method='predict_proba' needs an inner estimator with predict_proba; "
                f"{type(self.estimator_).__name__} has none. Use method='predict'."
            )
        return self._segment_proba(segments), clip_index

    def _lengths(self):
        return _segment_lengths(ClipWindow(self.sr), self.segment_duration, self.hop_duration)

    def _segments(self, X):
        return segment_clips(X, sr=self.sr, segment_duration=self.segment_duration,
                             hop_duration=self.hop_duration, short_clips=self.short_clips,
                             n_jobs=self.n_jobs)

    def _check_segments(self, X):
        if _is_numeric_table(X):
            check_feature_names(self, X, reset=False)
        return self._segments(X)

    def _inner_predict(self, segments):
        """Segment predictions as indices into ``classes_``."""
        return np.asarray(self.estimator_.predict(segments)).astype(np.int64)

    def _segment_proba(self, segments):
        """Segment probabilities with columns in the order of ``classes_``."""
        inner = np.asarray(self.estimator_.predict_proba(segments), dtype=np.float64)
        proba = np.zeros((len(segments), len(self.classes_)))
        proba[:, np.asarray(self.estimator_.classes_, dtype=np.int64)] = inner
        return proba

    def _aggregate_proba(self, segments, clip_index, n_clips=None, *, mean=True):
        n_clips = int(clip_index[-1]) + 1 if n_clips is None else n_clips
        summed = np.zeros((n_clips, len(self.classes_)))
        np.add.at(summed, clip_index, self._segment_proba(segments))
        if not mean:
            return summed
        return summed / np.bincount(clip_index, minlength=n_clips)[:, None]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = True
        return tags
