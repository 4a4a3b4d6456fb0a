"""Tests for skaudio.augment (the seeded numpy augmentation maths) and AugmentedClassifier."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from skaudio import AugmentedClassifier, LibrosaFeatures
from skaudio.augment import (
    BatchAugmenter,
    add_noise,
    check_augment,
    crop_starts,
    freq_shift,
    mixup_pairs,
    pitch_shift,
    random_crop,
    random_gain,
    spec_mask,
    time_shift,
)
from skaudio.augmented import augment_clip
from skaudio.datasets import make_genres
from skaudio.exceptions import SkaudioError


def rng(seed=0):
    return np.random.default_rng(seed)


# -- the functions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_total", "length", "hop", "expected"),
    [
        (10, 4, None, [0, 2, 4, 6]),
        (11, 4, 4, [0, 4, 7]),
        (8, 4, 4, [0, 4]),
        (4, 4, 2, [0]),
        (3, 4, 1, [0]),
    ],
)
def test_crop_starts_cover_the_clip(n_total, length, hop, expected):
    starts = crop_starts(n_total, length=length, hop=hop)
    assert starts.tolist() == expected
    covered = np.zeros(n_total, bool)
    for s in starts:
        covered[s:s + length] = True
    assert covered.all()


def test_random_crop_takes_contiguous_windows_of_each_clip():
    X = np.arange(3 * 2 * 20, dtype=np.float32).reshape(3, 1, 2, 20)
    crops = random_crop(X, length=6, rng=rng())
    assert crops.shape == (3, 1, 2, 6) and crops.dtype == np.float32
    for clip, crop in zip(X, crops, strict=True):
        start = int(crop[0, 0, 0] - clip[0, 0, 0])
        np.testing.assert_array_equal(crop, clip[..., start:start + 6])
    starts = {int(random_crop(X, length=6, rng=rng(s))[0, 0, 0, 0]) for s in range(30)}
    assert len(starts) > 5  # the start varies with the seed
    np.testing.assert_array_equal(random_crop(X, length=6, rng=rng(4)),
                                  random_crop(X, length=6, rng=rng(4)))
    assert random_crop(X, length=30, rng=rng()) is X


def test_spec_mask_fills_bands_and_frames_with_the_clip_mean():
    S = np.random.default_rng(1).normal(size=(4, 1, 16, 30))
    out = spec_mask(S, rng=rng(), freq_width=4, time_width=5, n_masks=2)
    assert out.shape == S.shape and not np.shares_memory(out, S)
    for clip, masked in zip(S, out, strict=True):
        changed = masked != clip
        np.testing.assert_allclose(masked[changed], clip.mean())
        rows = changed[0].all(axis=1).sum()
        cols = changed[0].all(axis=0).sum()
        assert rows <= 8 and cols <= 10
    np.testing.assert_array_equal(spec_mask(S, rng=rng()), S)  # widths 0: nothing


def test_random_gain_stays_within_range_and_keeps_dtype():
    X = np.ones((200, 1, 5), dtype=np.float32)
    out = random_gain(X, rng=rng(), max_db=6.0)
    gain_db = 20 * np.log10(out[:, 0, 0])
    assert out.dtype == np.float32
    assert gain_db.min() >= -6.0 - 1e-4 and gain_db.max() <= 6.0 + 1e-4
    assert gain_db.std() > 2.0
    np.testing.assert_allclose(out / out[:, :, :1], 1.0)  # one gain per clip


@pytest.mark.parametrize("snr_db", [0.0, 20.0])
def test_add_noise_hits_the_snr(snr_db):
    t = np.arange(40000)
    X = np.stack([np.sin(t / 7.0), 0.1 * np.sin(t / 3.0)])[:, None].astype(np.float32)
    noise = add_noise(X, rng=rng(), snr_db=snr_db) - X
    measured = 10 * np.log10(np.mean(X**2, axis=(1, 2)) / np.mean(noise**2, axis=(1, 2)))
    np.testing.assert_allclose(measured, snr_db, atol=0.1)
    silent = np.zeros((1, 1, 10), np.float32)
    np.testing.assert_array_equal(add_noise(silent, rng=rng(), snr_db=snr_db), silent)


def test_add_noise_draws_the_snr_from_a_range():
    X = np.sin(np.arange(20000) / 5.0)[None].repeat(50, axis=0)
    noise = add_noise(X, rng=rng(), snr_db=(10.0, 30.0)) - X
    snr = 10 * np.log10(np.mean(X**2, axis=1) / np.mean(noise**2, axis=1))
    assert 9.5 < snr.min() and snr.max() < 30.5 and snr.std() > 3
    with pytest.raises(SkaudioError, match="low must not exceed high"):
        add_noise(X, rng=rng(), snr_db=(30.0, 10.0))


def test_time_shift_rolls_each_clip():
    X = np.arange(40.0).reshape(4, 1, 10)
    out = time_shift(X, rng=rng(2), max_shift=3)
    for clip, shifted in zip(X, out, strict=True):
        shifts = [k for k in range(-3, 4) if np.array_equal(np.roll(clip, k, axis=-1), shifted)]
        assert len(shifts) == 1


def test_pitch_shift_keeps_length_and_moves_the_pitch():
    sr = 8000
    y = np.sin(2 * np.pi * 500 * np.arange(sr) / sr).astype(np.float32)
    out = pitch_shift(y, sr=sr, rng=rng(), max_semitones=4.0)
    assert out.shape == y.shape and out.dtype == np.float32
    peak = np.argmax(np.abs(np.fft.rfft(out))) * sr / len(y)
    steps = float(rng().uniform(-4.0, 4.0))  # the draw pitch_shift made
    assert abs(peak - 500 * 2 ** (steps / 12)) < 15
    assert pitch_shift(y[:100], sr=sr, rng=rng(), max_semitones=1.0).shape == (100,)


def test_mixup_pairs():
    perm, lam = mixup_pairs(8, rng=rng(), alpha=0.4)
    assert sorted(perm.tolist()) == list(range(8)) and 0.5 <= lam <= 1.0


def test_check_augment_recipes_and_errors():
    assert check_augment(None, kind="waveform", shape=(1, 100)) == {}
    assert check_augment("default", kind="waveform", shape=(1, 100)) == {
        "gain_db": 6.0, "snr_db": (10.0, 40.0), "time_shift": 10, "time_mask": 10, "n_masks": 1}
    assert check_augment("default", kind="spectrogram", shape=(1, 40, 48)) == {
        "freq_mask": 5, "time_mask": 6, "time_shift": 6, "n_masks": 1, "mixup": 0.2}
    assert check_augment({"freq_mask": 3, "n_masks": 0}, kind="spectrogram",
                         shape=(1, 8, 8)) == {}
    assert check_augment({"mixup": 0, "time_shift": None}, kind="spectrogram",
                         shape=(1, 8, 8)) == {}
    with pytest.raises(SkaudioError, match="None, 'default' or a dict"):
        check_augment("heavy", kind="spectrogram", shape=(1, 8, 8))
    with pytest.raises(SkaudioError, match="unknown key.*gain_db"):
        check_augment({"gain_db": 3.0}, kind="spectrogram", shape=(1, 8, 8))
    with pytest.raises(SkaudioError, match="int >= 0"):
        check_augment({"time_mask": 2.5}, kind="spectrogram", shape=(1, 8, 8))
    with pytest.raises(SkaudioError, match="number or a .low, high. pair"):
        check_augment({"snr_db": "loud"}, kind="waveform", shape=(1, 8))


def test_batch_augmenter_is_seeded_and_keeps_dtype():
    X = np.random.default_rng(3).normal(size=(6, 1, 8, 30)).astype(np.float32)
    recipe = {**check_augment("default", kind="spectrogram", shape=(1, 8, 12)), "mixup": 0.2}
    a = BatchAugmenter(recipe, rng(5), crop=12)
    b = BatchAugmenter(recipe, rng(5), crop=12)
    for _ in range(3):
        (xa, pa, la), (xb, pb, lb) = a(X), b(X)
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(pa, pb)
        assert la == lb and xa.dtype == np.float32 and xa.shape == (6, 1, 8, 12)
    x, perm, lam = BatchAugmenter({}, rng(), crop=None)(X)
    np.testing.assert_array_equal(x, X)
    assert perm is None and lam == 1.0
    waves = np.random.default_rng(3).normal(size=(4, 1, 50)).astype(np.float32)
    recipe = check_augment("default", kind="waveform", shape=(1, 50))
    assert BatchAugmenter(recipe, rng())(waves)[0].shape == (4, 1, 50)


# -- AugmentedClassifier ------------------------------------------------------------


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
    y = (0.5 * np.cos(2 * np.pi * 300 * np.arange(sr) / sr) + 0.01).astype(np.float32)
    gain = augment_clip(y, sr=sr, seed=0, gain_db=6.0)
    ratio = gain / y
    assert np.allclose(ratio, ratio[0]) and 0.5 <= ratio[0] <= 2.0
    shifted = augment_clip(y, sr=sr, seed=0, time_shift_s=0.01)
    assert any(np.allclose(shifted, np.roll(y, k), atol=1e-6) for k in range(-80, 81))
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
    assert grid.best_estimator_.n_clips_fit_ in (8, 16)
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


def test_freq_shift_moves_bands_and_repeats_the_edge():
    S = np.arange(6.0)[None, None, :, None].repeat(3, axis=0).repeat(4, axis=3)
    out = freq_shift(S, rng=rng(0), max_shift=2)
    for clip in out:
        column = clip[0, :, 0]
        shift = int(column[0] - 0) if column[0] > 0 else -int(np.sum(column == 0) - 1)
        expected = np.clip(np.arange(6) + shift, 0, 5)
        np.testing.assert_array_equal(column, expected)
        assert (clip == clip[..., :1]).all()  # the same shift for every frame
    assert check_augment({"freq_shift": 2}, kind="spectrogram", shape=(1, 6, 4)) == {
        "freq_shift": 2}
