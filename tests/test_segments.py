"""Tests of skaudio.segments: cutting, voting, and leak-free cross-validation."""

import joblib
import numpy as np
import pytest
import soundfile as sf
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.metaestimators import available_if

from skaudio import (
    LibrosaFeatures,
    SegmentVotingClassifier,
    SkaudioError,
    VotingError,
    count_clips,
    load_audio,
)
from skaudio.datasets import make_genres
from skaudio.exceptions import AudioValueError
from skaudio.segments import segment_clips

SR = 8000


def _features():
    return LibrosaFeatures(sr=SR, n_fft=512, hop_length=256, features=["rms", "mfcc"], n_mfcc=8)


def _model(**kwargs):
    inner = make_pipeline(_features(), StandardScaler(), LogisticRegression(C=0.5))
    return SegmentVotingClassifier(inner, segment_duration=1.0, sr=SR, **kwargs)


@pytest.fixture(scope="module")
def genres():
    """Two genres, three 3 s clips per artist, two artists each, at 8 kHz."""
    return make_genres(n_per_class=6, n_classes=2, n_artists=2, duration=3.0, sr=SR,
                       difficulty=0.2, random_state=0)


@pytest.fixture(scope="module")
def fitted(genres):
    return _model().fit(genres.data, genres.target)


# --- cutting -------------------------------------------------------------------------------


def test_segment_clips_drops_remainder_and_overlaps():
    clips = [np.arange(10.0), np.arange(7.0)]
    segments, clip_index = segment_clips(clips, sr=1, segment_duration=3)
    np.testing.assert_array_equal(segments, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 1, 2],
                                             [3, 4, 5]])
    np.testing.assert_array_equal(clip_index, [0, 0, 0, 1, 1])
    assert segments.dtype == np.float32
    segments, clip_index = segment_clips(clips, sr=1, segment_duration=4, hop_duration=2)
    np.testing.assert_array_equal(segments[:, 0], [0, 2, 4, 6, 0, 2])
    np.testing.assert_array_equal(clip_index, [0, 0, 0, 0, 1, 1])


@pytest.mark.parametrize("params, match", [
    (dict(short_clips="bogus"), "short_clips"),
    (dict(segment_duration=0), "segment_duration"),
    (dict(hop_duration=-1.0), "hop_duration"),
    (dict(sr=0), "sr"),
    (dict(n_jobs=1.5), "n_jobs"),
])
def test_segment_clips_validates_its_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        segment_clips([np.zeros(10)], **{"sr": 1, "segment_duration": 4, **params})


def test_short_clips_pad_or_raise():
    clips = [np.ones(5), np.ones(2)]
    segments, clip_index = segment_clips(clips, sr=1, segment_duration=4)
    np.testing.assert_array_equal(segments, [[1, 1, 1, 1], [1, 1, 0, 0]])
    np.testing.assert_array_equal(clip_index, [0, 1])
    with pytest.raises(AudioValueError,
                       match=r"clip\[1\]: 2 samples, shorter than one segment.*short_clips='pad'"):
        segment_clips(clips, sr=1, segment_duration=4, short_clips="raise")
    with pytest.raises(AudioValueError, match="less than one sample"):
        segment_clips(clips, sr=1, segment_duration=0.1)


def test_short_real_recordings_are_padded_and_classified(fsdd_files):
    # FSDD digits last 0.14-2.3 s: with 1 s segments most are shorter than one segment
    digits = [f.split("/")[-1].split("_")[0] for f in fsdd_files]
    model = _model().fit(fsdd_files, digits)
    lengths = [len(load_audio(f, sr=SR)) for f in fsdd_files]
    expected = sum(max(1, n // SR) for n in lengths)
    assert model.n_segments_fit_ == expected
    assert model.predict(fsdd_files).shape == (len(fsdd_files),)
    with pytest.raises(AudioValueError, match="shorter than one segment"):
        _model(short_clips="raise").fit(fsdd_files, digits)


def test_clips_are_read_through_map_clips_in_parallel(music_files, music_clips):
    # the path every transformer reads through: counted, parallel, errors named
    with count_clips() as counts:
        one = segment_clips(music_files, sr=22050, segment_duration=0.7, hop_duration=0.4)
    assert counts.computed == len(music_files)
    two = segment_clips(music_files, sr=22050, segment_duration=0.7, hop_duration=0.4,
                        n_jobs=2)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    assert one[0].shape == (4 * 6, 15435)  # four 3 s clips: starts at 0, 0.4, ..., 2.0 s
    np.testing.assert_array_equal(one[0][1], music_clips[0][8820:8820 + 15435])
    with pytest.raises(SkaudioError, match="missing.wav"):
        segment_clips([music_files[0], "missing.wav"], n_jobs=2)


def test_n_jobs_1_and_2_give_identical_predictions(fsdd_files):
    digits = [f.split("/")[-1].split("_")[0] for f in fsdd_files]
    one = _model(n_jobs=1).set_params(segment_duration=0.25).fit(fsdd_files, digits)
    two = clone(one).set_params(n_jobs=2).fit(fsdd_files, digits)
    assert two.n_segments_fit_ == one.n_segments_fit_
    np.testing.assert_array_equal(two.predict_proba(fsdd_files), one.predict_proba(fsdd_files))
    np.testing.assert_array_equal(one.predict_segments(fsdd_files, method="predict_proba")[0],
                                  one.set_params(n_jobs=2).predict_segments(
                                      fsdd_files, method="predict_proba")[0])
    with pytest.raises(ValueError, match="n_jobs"):
        _model(n_jobs="two").fit(fsdd_files, digits)


# --- fitting and predicting on real signals ------------------------------------------------


def test_fit_predict_string_labels(genres, fitted):
    assert fitted.classes_.tolist() == sorted(set(genres.target))
    assert fitted.n_features_in_ == genres.data.shape[1]
    assert fitted.n_segments_fit_ == 3 * len(genres.data)
    assert fitted.estimator_.classes_.tolist() == [0, 1]
    pred = fitted.predict(genres.data)
    assert pred.dtype.kind == "U" and set(pred) <= set(fitted.classes_)
    assert np.mean(pred == genres.target) > 0.9  # training clips, easy setting
    proba = fitted.predict_proba(genres.data)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(fitted.classes_[proba.argmax(axis=1)], pred)


def test_predict_proba_is_mean_of_segment_probabilities(genres, fitted):
    seg_proba, clip_index = fitted.predict_segments(genres.data[:4], method="predict_proba")
    np.testing.assert_array_equal(clip_index, np.repeat(np.arange(4), 3))
    expected = seg_proba.reshape(4, 3, -1).mean(axis=1)
    np.testing.assert_allclose(fitted.predict_proba(genres.data[:4]), expected)
    labels, _ = fitted.predict_segments(genres.data[:4])
    assert set(labels) <= set(fitted.classes_)
    with pytest.raises(ValueError, match="method must be"):
        fitted.predict_segments(genres.data[:4], method="decision_function")


def test_longer_and_ragged_clips_at_predict(genres, fitted):
    long_clip = np.concatenate(genres.data[:2])  # 6 s: 6 segments
    labels, clip_index = fitted.predict_segments([long_clip, genres.data[2][:SR + 10]])
    np.testing.assert_array_equal(clip_index, [0] * 6 + [1])
    # the 6 s clip's segments are those of the two 3 s clips: its vote is their mean
    halves = fitted.predict_proba(genres.data[:2])
    np.testing.assert_allclose(fitted.predict_proba([long_clip])[0], halves.mean(axis=0),
                               rtol=1e-6)
    # 1 s + 10 samples: one segment, the clip's first, the remainder dropped
    first, _ = fitted.predict_segments(genres.data[2:3])
    assert labels[6] == first[0]
    np.testing.assert_array_equal(
        fitted.predict([long_clip, genres.data[2]]),
        [fitted.classes_[halves.mean(axis=0).argmax()], fitted.predict(genres.data[2:3])[0]])


def test_paths_equal_arrays(tmp_path, genres, fitted):
    paths = []
    for i, y in enumerate(genres.data[:6]):
        paths.append(str(tmp_path / f"clip{i}.wav"))
        sf.write(paths[-1], y, SR, subtype="FLOAT")
    np.testing.assert_array_equal(fitted.predict_proba(paths),
                                  fitted.predict_proba(genres.data[:6]))
    from_paths = _model().fit(paths, genres.target[:6])
    from_arrays = _model().fit(genres.data[:6], genres.target[:6])
    assert from_paths.n_features_in_ == 1
    np.testing.assert_allclose(from_paths.predict_proba(genres.data),
                               from_arrays.predict_proba(genres.data))


def test_real_recordings_paths_equal_loaded_arrays(fsdd_files):
    digits = [f.split("/")[-1].split("_")[0] for f in fsdd_files]
    model = _model().set_params(segment_duration=0.25).fit(fsdd_files, digits)
    arrays = [load_audio(f, sr=SR) for f in fsdd_files]
    np.testing.assert_array_equal(model.predict_proba(fsdd_files), model.predict_proba(arrays))


def test_y_length_and_soft_voting_need_proba(genres):
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        _model().fit(genres.data, genres.target[:-1])
    with pytest.raises(ValueError, match="y holds 3 labels"):
        _model().fit(list(genres.data[:4]), genres.target[:3])
    model = SegmentVotingClassifier(make_pipeline(_features(), SVC()), segment_duration=1.0,
                                    sr=SR)
    with pytest.raises(VotingError, match="no predict_proba.*voting='hard'") as exc:
        model.fit(genres.data, genres.target)
    # public, under the root error and ValueError (what sklearn's checks expect)
    assert isinstance(exc.value, SkaudioError) and isinstance(exc.value, ValueError)
    hard = model.set_params(voting="hard").fit(genres.data, genres.target)
    assert not hasattr(hard, "predict_proba")
    with pytest.raises(VotingError, match="method='predict'"):
        hard.predict_segments(genres.data[:1], method="predict_proba")
    # three segments a clip, two classes: the majority of the segment labels, no tie
    labels, clip_index = hard.predict_segments(genres.data[:3])
    majority = [max(set(labels[clip_index == i]), key=list(labels[clip_index == i]).count)
                for i in range(3)]
    assert hard.predict(genres.data[:3]).tolist() == majority


# --- voting rules ---------------------------------------------------------------------------


class _LevelClassifier(ClassifierMixin, BaseEstimator):
    """Two classes; a segment's probability of class 1 is its mean level, clipped."""

    def __init__(self, with_proba=True):
        self.with_proba = with_proba

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def _proba(self, X):
        p1 = np.clip(np.asarray(X).mean(axis=1), 0.0, 1.0)
        return np.column_stack([1 - p1, p1])

    @available_if(lambda self: self.with_proba)
    def predict_proba(self, X):
        return self._proba(X)

    def predict(self, X):
        return self.classes_[(self._proba(X)[:, 1] > 0.5).astype(int)]


def _levels(*levels, n=10):
    return np.repeat(np.asarray(levels, dtype=np.float32), n)


def test_hard_and_soft_voting_differ():
    clip = _levels(0.45, 0.45, 1.0)  # two weak votes for "a", one sure vote for "b"
    X, y = [clip, _levels(0.0, 0.0, 0.0)], ["a", "b"]
    soft = SegmentVotingClassifier(_LevelClassifier(), segment_duration=1.0, sr=10).fit(X, y)
    hard = clone(soft).set_params(voting="hard").fit(X, y)
    assert hard.predict([clip]).tolist() == ["a"]
    assert soft.predict([clip]).tolist() == ["b"]
    np.testing.assert_allclose(soft.predict_proba([clip]), [[1.1 / 3, 1.9 / 3]], rtol=1e-6)


@pytest.mark.parametrize(("with_proba", "expected"), [(True, ["b", "a"]), (False, ["a", "a"])])
def test_hard_voting_ties(with_proba, expected):
    # one vote each; summed probabilities favour "b" in the first clip, "a" in the second
    X = [_levels(0.4, 0.9), _levels(0.1, 0.6)]
    model = SegmentVotingClassifier(_LevelClassifier(with_proba=with_proba), voting="hard",
                                    segment_duration=1.0, sr=10)
    assert model.fit(X, ["a", "b"]).predict(X).tolist() == expected


# --- cross-validation never leaks ----------------------------------------------------------

_FITS = []  # the clip tags each recorder was fitted on, in fit order


class _Recorder(ClassifierMixin, BaseEstimator):
    """Records which clips (tagged by their DC level) its training segments came from."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        tags = np.round(np.asarray(X).mean(axis=1)).astype(int)
        self.seen_ = frozenset(tags.tolist())
        self.n_rows_ = len(X)
        self.classes_ = np.unique(y)
        _FITS.append(self.seen_)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


@pytest.fixture
def tagged():
    """12 clips of 3.5 s at 100 Hz; clip i is a tone riding on the DC level i + 1."""
    t = np.arange(350) / 100
    X = np.stack([i + 1 + 0.1 * np.sin(2 * np.pi * 5 * t) for i in range(12)])
    y = np.array(["x", "y", "z"] * 4)
    _FITS.clear()
    return X, y


def test_cross_validate_never_trains_on_test_clips(tagged):
    X, y = tagged
    model = SegmentVotingClassifier(_Recorder(), segment_duration=1.0, sr=100)
    cv = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    res = cross_validate(model, X, y, cv=cv, return_estimator=True, return_indices=True)
    for est, train, test in zip(res["estimator"], res["indices"]["train"],
                                res["indices"]["test"], strict=True):
        assert est.estimator_.seen_ == frozenset((train + 1).tolist())
        assert est.estimator_.seen_.isdisjoint((test + 1).tolist())
        assert est.estimator_.n_rows_ == 3 * len(train)  # 3 segments a clip, remainder dropped


def test_grid_search_never_trains_on_test_clips(tagged):
    X, y = tagged
    model = SegmentVotingClassifier(_Recorder(), segment_duration=1.0, sr=100)
    splits = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(X, y))
    search = GridSearchCV(model, {"estimator__alpha": [0.1, 1.0]}, cv=splits).fit(X, y)
    train_sets = {frozenset((train + 1).tolist()) for train, _ in splits}
    assert len(_FITS) == 2 * 3 + 1
    assert set(_FITS[:-1]) == train_sets  # every fold's fit saw exactly its training clips
    assert _FITS[-1] == frozenset(range(1, 13))  # the refit saw all
    assert search.best_estimator_.estimator_.alpha == search.best_params_["estimator__alpha"]


def test_segmenting_before_splitting_does_leak(tagged):
    # the same check catches the naive protocol: segments of a test clip in training
    X, y = tagged
    segments, clip_index = segment_clips(X, sr=100, segment_duration=1.0)
    cv = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    res = cross_validate(_Recorder(), segments, y[clip_index], cv=cv, return_estimator=True,
                         return_indices=True)
    leaked = [est.seen_ & set((clip_index[test] + 1).tolist())
              for est, test in zip(res["estimator"], res["indices"]["test"], strict=True)]
    assert all(leaked)


# --- scikit-learn manners -------------------------------------------------------------------


def test_clone_get_params_nesting_and_grid_search(genres):
    model = _model()
    params = model.get_params()
    assert params["estimator__logisticregression__C"] == 0.5
    assert params["estimator__librosafeatures__sr"] == SR
    copy = clone(model)
    assert copy.estimator is not model.estimator
    assert copy.get_params()["segment_duration"] == 1.0
    search = GridSearchCV(model, {"estimator__logisticregression__C": [0.01, 1.0]},
                          cv=StratifiedKFold(2, shuffle=True, random_state=0))
    search.fit(genres.data, genres.target)
    assert search.best_estimator_.estimator_[-1].C == search.best_params_[
        "estimator__logisticregression__C"]


def test_joblib_round_trip(tmp_path, genres, fitted):
    joblib.dump(fitted, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(genres.data),
                                  fitted.predict_proba(genres.data))
    np.testing.assert_array_equal(loaded.classes_, fitted.classes_)


def test_music_like_clips_any_length(music_like):
    # a generated 2.5 s tune against noise: padding and trailing remainders at work
    X = [music_like(2.5, SR, seed=s) for s in range(4)] + [
        np.random.default_rng(s).standard_normal(int(2.5 * SR)).astype(np.float32) * 0.3
        for s in range(4)]
    y = ["tune"] * 4 + ["noise"] * 4
    model = _model(voting="hard").fit(X, y)
    assert model.n_segments_fit_ == 16
    assert model.predict([music_like(0.5, SR, seed=9)]).tolist() == ["tune"]
