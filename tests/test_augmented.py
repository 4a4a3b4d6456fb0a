"""Tests for skaudio.augmented: AugmentedClassifier's seeded copies, made inside fit only,
and its reading through the shared, counted, parallel path."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from skaudio import AugmentedClassifier, LibrosaFeatures, SkaudioError, count_clips, load_audio
from skaudio.augmented import augment_clip
from skaudio.datasets import make_genres


class Spy(ClassifierMixin, BaseEstimator):
    """Records what it was fitted on; predicts from the first sample's sign."""

    def fit(self, X, y):
        self.X_fit_ = X
        self.y_fit_ = np.asarray(y)
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        first = np.array([len(x) % 3 - 1.0 if isinstance(x, str)
                          else np.asarray(x, dtype=float).ravel()[0] for x in X])
        p = 1 / (1 + np.exp(-first))
        return np.column_stack([1 - p, p])[:, : len(self.classes_)]

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


@pytest.fixture(scope="module")
def clips():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 400)).astype(np.float32)
    y = np.repeat(["a", "b"], 6)
    return X, y


def test_fit_adds_seeded_copies_and_predict_passes_X_through(clips):
    X, y = clips
    model = AugmentedClassifier(Spy(), n_copies=2, pitch_shift=None, sr=1000, random_state=0)
    assert model.fit(X, y) is model
    X_fit = model.estimator_.X_fit_
    assert isinstance(X_fit, np.ndarray) and X_fit.shape == (36, 400)
    np.testing.assert_array_equal(X_fit[:12], X)  # the originals first
    np.testing.assert_array_equal(model.estimator_.y_fit_, np.tile(y, 3))
    assert not np.allclose(X_fit[12:24], X) and not np.allclose(X_fit[12:24], X_fit[24:])
    assert model.n_clips_fit_ == 36 and model.n_features_in_ == 400
    assert list(model.classes_) == ["a", "b"]
    np.testing.assert_array_equal(model.predict_proba(X), model.estimator_.predict_proba(X))
    np.testing.assert_array_equal(model.predict(X), model.estimator_.predict(X))

    again = clone(model).fit(X, y)
    np.testing.assert_array_equal(again.estimator_.X_fit_, X_fit)  # same seed, same copies
    other = clone(model).set_params(random_state=1).fit(X, y)
    assert not np.allclose(other.estimator_.X_fit_[12:], X_fit[12:])
    parallel = clone(model).set_params(n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(parallel.estimator_.X_fit_, X_fit)


def test_each_setting_changes_the_copies_as_documented():
    sr = 8000
    noise = (0.5 * np.random.default_rng(7).normal(size=sr)).astype(np.float32)  # no period
    # each call draws from a fresh default_rng(0): replay its one draw
    gain = 10 ** (np.random.default_rng(0).uniform(-6.0, 6.0) / 20)
    assert abs(gain - 1.0) > 0.05
    np.testing.assert_allclose(augment_clip(noise, sr=sr, seed=0, gain_db=6.0), gain * noise,
                               rtol=1e-6)
    k = int(np.random.default_rng(0).integers(-80, 81))  # 0.01 s at 8 kHz: up to 80 samples
    assert k != 0
    np.testing.assert_array_equal(augment_clip(noise, sr=sr, seed=0, time_shift_s=0.01),
                                  np.roll(noise, k))
    y = (0.5 * np.cos(2 * np.pi * 300 * np.arange(sr) / sr) + 0.01).astype(np.float32)
    noisy = augment_clip(y, sr=sr, seed=0, snr_db=10.0)
    snr = 10 * np.log10(np.mean(y**2) / np.mean((noisy - y) ** 2))
    assert abs(snr - 10.0) < 0.2
    pitched = augment_clip(y, sr=sr, seed=0, pitch_semitones=3.0)
    peak = np.argmax(np.abs(np.fft.rfft(pitched))) * sr / len(y)
    assert peak != 300 and 300 * 2 ** (-3 / 12) - 5 < peak < 300 * 2 ** (3 / 12) + 5
    np.testing.assert_array_equal(augment_clip(y, sr=sr, seed=0), y)  # nothing asked


def test_copies_never_cross_folds(clips):
    X, y = clips
    model = AugmentedClassifier(Spy(), n_copies=1, snr_db=None, time_shift=None,
                                pitch_shift=None, sr=1000, random_state=0)
    result = cross_validate(model, X, y, cv=3, return_estimator=True,
                            return_indices=True)
    for fitted, train, test in zip(result["estimator"], result["indices"]["train"],
                                   result["indices"]["test"], strict=True):
        copies = fitted.estimator_.X_fit_[len(train):]
        # gain only: each copy is a multiple of one training clip, of no test clip
        for copy, source in zip(copies, train, strict=True):
            ratio = copy / X[source]
            np.testing.assert_allclose(ratio, ratio[0], rtol=1e-5)
        for copy in copies:
            for j in test:
                assert not np.allclose(copy / X[j], (copy / X[j])[0], rtol=1e-3)


def test_paths_and_ragged_clips_give_lists_of_waveforms(fsdd_files):
    files = fsdd_files[:4]
    labels = ["x", "y"] * 2
    model = AugmentedClassifier(Spy(), sr=8000, random_state=0).fit(files, labels)
    X_fit = model.estimator_.X_fit_
    assert isinstance(X_fit, list) and len(X_fit) == 8
    assert [len(w) for w in X_fit[4:]] == [len(w) for w in X_fit[:4]]
    assert model.n_features_in_ == 1
    assert model.predict(files).shape == (4,)
    ragged = AugmentedClassifier(Spy(), pitch_shift=None, sr=8000, random_state=0).fit(
        X_fit[:4], labels)
    assert isinstance(ragged.estimator_.X_fit_, list)


def test_with_a_real_pipeline_and_grid_search():
    bunch = make_genres(n_per_class=4, n_classes=2, duration=1.0, sr=8000, random_state=0)
    inner = make_pipeline(
        LibrosaFeatures(sr=8000, n_fft=256, hop_length=128, features=["rms", "mfcc"], n_mfcc=6),
        StandardScaler(), LogisticRegression())
    grid = GridSearchCV(AugmentedClassifier(inner, pitch_shift=None, sr=8000, random_state=0),
                        {"n_copies": [0, 1]}, cv=2).fit(bunch.data, bunch.target)
    # refit on all 8 clips, plus n_copies copies of each
    best = grid.best_params_["n_copies"]
    assert grid.best_estimator_.n_clips_fit_ == 8 * (1 + best)
    other = clone(grid.best_estimator_).set_params(n_copies=1 - best)  # the losing value
    assert other.fit(bunch.data, bunch.target).n_clips_fit_ == 8 * (2 - best)
    assert grid.predict(bunch.data).shape == (8,)


def test_parameters_are_validated_at_fit(clips):
    X, y = clips
    model = AugmentedClassifier(Spy(), snr_db=(30, 10))
    assert model.snr_db == (30, 10)  # stored untouched
    with pytest.raises(SkaudioError, match="low must not exceed high"):
        model.fit(X, y)
    with pytest.raises(InvalidParameterError, match="n_copies"):
        AugmentedClassifier(Spy(), n_copies=-1).fit(X, y)
    with pytest.raises(ValueError, match="12 clips but y holds 3"):
        AugmentedClassifier(Spy()).fit(list(X), y[:3])
    with pytest.raises(NotFittedError):
        AugmentedClassifier(Spy()).predict(X)
    assert hasattr(AugmentedClassifier(Spy()), "predict_proba")
    assert not hasattr(AugmentedClassifier(LinearSVC()), "predict_proba")
    assert hasattr(AugmentedClassifier(LinearSVC()), "decision_function")


class Recorder(DummyClassifier):
    """A dummy classifier that keeps the clips it was fitted on."""

    def fit(self, X, y):
        self.X_fit_ = X
        return super().fit(X, y)


def test_training_clips_are_read_once_each_through_map_clips(fsdd_files):
    files, labels = fsdd_files[:4], ["zero", "one"] * 2
    model = AugmentedClassifier(Recorder(), n_copies=2, pitch_shift=None, sr=8000,
                                n_jobs=2, random_state=0)
    with count_clips() as counts:
        model.fit(files, labels)
    assert (counts.computed, counts.failed) == (4, 0)  # the copies are made, not read
    parallel = model.estimator_.X_fit_
    for wave, path in zip(parallel[:4], files, strict=True):
        np.testing.assert_array_equal(wave, load_audio(path, sr=8000))
    serial = clone(model).set_params(n_jobs=None).fit(files, labels).estimator_.X_fit_
    assert len(serial) == len(parallel) == 12
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_a_bad_training_file_is_named(fsdd_files, tmp_path, n_jobs):
    missing = str(tmp_path / "missing.wav")
    model = AugmentedClassifier(Recorder(), pitch_shift=None, sr=8000, n_jobs=n_jobs)
    with pytest.raises(SkaudioError, match="missing.wav"):
        model.fit([fsdd_files[0], missing, fsdd_files[1]], ["a", "b", "a"])
