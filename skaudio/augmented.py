"""AugmentedClassifier: fit any audio pipeline on its clips plus seeded augmented copies.

The copies (random gain, additive noise at an SNR, circular time shift,
pitch shift) are made inside ``fit`` from the clips ``fit`` receives, so a
cross-validation over clips never sees a copy of a test clip in training;
``predict`` passes the clips to the fitted estimator untouched. The maths
lives in :mod:`skaudio.augment`, shared with the nets' ``augment=``.
"""

import numbers

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import _estimator_has, _is_numeric_table, record_input_columns
from ._clips import as_clips
from ._parallel import map_clips
from ._sklearn_compat import HasMethods, Interval, check_feature_names, fit_context
from .augment import _uniform_range, add_noise, pitch_shift, random_gain, time_shift

__all__ = ["AugmentedClassifier", "augment_clip"]


def augment_clip(y, *, sr, seed, gain_db=None, snr_db=None, time_shift_s=None,
                 pitch_semitones=None):
    """One augmented copy of a waveform; every draw from ``np.random.default_rng(seed)``.

    The steps run in this order, each only when its setting is not None:
    pitch shift, circular time shift, gain, noise.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        A mono waveform at ``sr``.
    sr : int
        Its sample rate.
    seed : int
        Seed of the copy's random draws.
    gain_db, snr_db, time_shift_s, pitch_semitones : float or None
        As in :class:`AugmentedClassifier` (``time_shift_s`` is its
        ``time_shift``, in seconds; ``snr_db`` may be a ``(low, high)`` pair).

    Returns
    -------
    copy : ndarray of shape (n_samples,), float32

    Examples
    --------
    >>> import numpy as np
    >>> y = np.sin(np.arange(8000) / 3.0).astype(np.float32)
    >>> a = augment_clip(y, sr=8000, seed=1, gain_db=6.0, snr_db=20.0)
    >>> b = augment_clip(y, sr=8000, seed=1, gain_db=6.0, snr_db=20.0)
    >>> a.shape, a.dtype, bool(np.array_equal(a, b)), bool(np.array_equal(a, y))
    ((8000,), dtype('float32'), True, False)
    """
    rng = np.random.default_rng(seed)
    y = np.asarray(y, dtype=np.float32)
    if pitch_semitones:
        y = pitch_shift(y, sr=sr, rng=rng, max_semitones=pitch_semitones)
    batch = y[None]
    if time_shift_s:
        batch = time_shift(batch, rng=rng, max_shift=int(round(time_shift_s * sr)))
    if gain_db:
        batch = random_gain(batch, rng=rng, max_db=gain_db)
    if snr_db is not None:
        batch = add_noise(batch, rng=rng, snr_db=snr_db)
    return np.ascontiguousarray(batch[0], dtype=np.float32)


def _as_read(y, *, sr):
    """A clip as :func:`skaudio._parallel.map_clips` reads it (module level, for workers)."""
    return y


class AugmentedClassifier(ClassifierMixin, BaseEstimator):
    """Fit a classifier on the training clips and seeded augmented copies of them.

    ``fit`` loads every clip at ``sr``, makes ``n_copies`` augmented copies
    of each (pitch shift, circular time shift, gain, additive white noise;
    each step skipped when its setting is None, every draw from
    ``random_state``) and fits a clone of ``estimator`` on the originals and
    the copies, each copy with its clip's label. ``predict`` and
    ``predict_proba`` pass ``X`` to the fitted estimator unchanged:
    augmentation never runs at inference. Because the copies are made
    inside ``fit``, a cross-validation over clips never has a copy of a
    test clip in its training set.

    Parameters
    ----------
    estimator : estimator object
        A classifier taking audio at ``sr``, typically a Pipeline starting
        with a skaudio transformer (``make_pipeline(LibrosaFeatures(),
        StandardScaler(), SVC())``). It is fitted on a 2-D float32 array of
        waveforms when ``X`` is one, else on a list of 1-D waveforms.
    n_copies : int, default=1
        Augmented copies per training clip (0: fit on the originals only).
    gain_db : float or None, default=6.0
        Largest random gain, uniform in ``[-gain_db, gain_db]`` dB.
    snr_db : float, (float, float) or None, default=(20.0, 40.0)
        Signal-to-noise ratio of the added white noise in dB, or a range to
        draw it from uniformly.
    time_shift : float or None, default=0.5
        Largest circular shift in seconds, uniform in both directions.
    pitch_shift : float or None, default=1.0
        Largest pitch shift in semitones (``librosa.effects.pitch_shift``,
        the slow step: about a tenth of a second per 30 s clip).
    sr : int, default=22050
        Sample rate in Hz: files are read at it, arrays are taken to be at
        it. Give the inner transformer the same ``sr``.
    n_jobs : int or None, default=None
        Parallel jobs reading the clips and making the copies (joblib); the
        copies do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds every copy.

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the clips and their copies.
    classes_ : ndarray of shape (n_classes,)
        The class labels (those of ``estimator_``).
    n_features_in_ : int
        Samples per clip when fitted on a 2-D array, else 1 (one column of
        audio).
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X, when it has string column names.
    n_clips_fit_ : int
        Clips the inner estimator was fitted on: ``(1 + n_copies)`` times
        the number of training clips.

    See Also
    --------
    skaudio.augment : the augmentation functions.
    skaudio.nets.CNNClassifier : ``augment=`` augments the nets' batches.

    Notes
    -----
    All training clips and their copies are held in memory as float32
    during ``fit``. The copies are new arrays, so a ``memory=`` cache of
    the inner transformer keys them by their own samples: cached features
    of one copy are never served for another, nor for the original.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skaudio import AugmentedClassifier, LibrosaFeatures
    >>> from skaudio.datasets import make_genres
    >>> bunch = make_genres(n_per_class=4, n_classes=2, duration=2.0, sr=8000,
    ...                     random_state=0)
    >>> inner = make_pipeline(LibrosaFeatures(sr=8000, n_fft=512, hop_length=256,
    ...                                       features=["rms", "mfcc"], n_mfcc=8),
    ...                       StandardScaler(), LogisticRegression())
    >>> model = AugmentedClassifier(inner, n_copies=2, pitch_shift=None, sr=8000,
    ...                             random_state=0)
    >>> model.fit(bunch.data, bunch.target).n_clips_fit_
    24
    >>> model.predict_proba(bunch.data[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "n_copies": [Interval(numbers.Integral, 0, None, closed="left")],
        "gain_db": [Interval(numbers.Real, 0, None, closed="left"), None],
        "snr_db": [numbers.Real, "array-like", None],
        "time_shift": [Interval(numbers.Real, 0, None, closed="left"), None],
        "pitch_shift": [Interval(numbers.Real, 0, None, closed="left"), None],
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, *, n_copies=1, gain_db=6.0, snr_db=(20.0, 40.0),
                 time_shift=0.5, pitch_shift=1.0, sr=22050, n_jobs=None,
                 random_state=None):
        self.estimator = estimator
        self.n_copies = n_copies
        self.gain_db = gain_db
        self.snr_db = snr_db
        self.time_shift = time_shift
        self.pitch_shift = pitch_shift
        self.sr = sr
        self.n_jobs = n_jobs
        self.random_state = random_state

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit a clone of the estimator on the clips and their augmented copies.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips at ``sr``.
        y : array-like of shape (n_clips,)
            The label of each clip; its copies get the same label.

        Returns
        -------
        self : AugmentedClassifier
        """
        if self.snr_db is not None:
            _uniform_range(self.snr_db, "snr_db")
        record_input_columns(self, X, y)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None; "
                f"pass one label per clip."
            )
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        clips = as_clips(X)
        if len(y) != len(clips):
            raise ValueError(
                f"X holds {len(clips)} clips but y holds {len(y)} labels; pass one label per "
                f"clip."
            )
        waves, _ = map_clips(_as_read, clips, sr=self.sr, params={}, n_jobs=self.n_jobs,
                             stack=False)
        seeds = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=(self.n_copies, len(waves)))
        settings = dict(sr=self.sr, gain_db=self.gain_db, snr_db=self.snr_db,
                        time_shift_s=self.time_shift, pitch_semitones=self.pitch_shift)
        copies = Parallel(n_jobs=self.n_jobs)(
            delayed(augment_clip)(wave, seed=int(seed), **settings)
            for copy_seeds in seeds for wave, seed in zip(waves, copy_seeds, strict=True)
        )
        X_fit = waves + copies
        if clips.kind == "array":  # equal lengths: keep the 2-D array form
            X_fit = np.stack(X_fit)
        y_fit = np.concatenate([y] * (1 + self.n_copies))
        self.estimator_ = clone(self.estimator).fit(X_fit, y_fit)
        self.classes_ = self.estimator_.classes_
        self.n_clips_fit_ = len(y_fit)
        return self

    def _inner_X(self, X):
        check_is_fitted(self)
        if _is_numeric_table(X):
            check_feature_names(self, X, reset=False)
            return np.asarray(X)
        return X

    def predict(self, X):
        """Predict with the fitted estimator; ``X`` is not augmented.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips at ``sr``.

        Returns
        -------
        y_pred : ndarray of shape (n_clips,)
        """
        X = self._inner_X(X)  # checks that fit ran first
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted estimator; ``X`` is not augmented.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips at ``sr``.

        Returns
        -------
        proba : ndarray of shape (n_clips, n_classes)
            Columns in the order of ``classes_``.
        """
        X = self._inner_X(X)  # checks that fit ran first
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted estimator; ``X`` is not augmented.

        Parameters
        ----------
        X : list of str, array-like of shape (n_clips, n_samples), or list \
                of 1-D arrays
            Paths, equal-length clips at ``sr``, or ragged clips at ``sr``.

        Returns
        -------
        scores : ndarray of shape (n_clips,) or (n_clips, n_classes)
        """
        X = self._inner_X(X)  # checks that fit ran first
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = True
        return tags
