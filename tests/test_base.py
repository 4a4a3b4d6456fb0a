"""The clip-transformer base: a new transformer is one function and a thin class."""

import numpy as np
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skaudio import BadClipsWarning, ClipFeatures, LibrosaFeatures, count_clips


def crest(y, *, sr, frame):
    """Peak over RMS in frames of `frame` samples: mean and max."""
    frames = y[: len(y) // frame * frame].reshape(-1, frame)
    ratio = np.abs(frames).max(axis=1) / np.maximum(np.sqrt((frames**2).mean(axis=1)), 1e-12)
    return np.array([ratio.mean(), ratio.max()])


class CrestFactor(ClipFeatures):
    clip_function = staticmethod(crest)
    feature_names = ("crest_mean", "crest_max")

    def __init__(self, *, frame=2048, sr=22050, offset=0.0, duration=None, n_jobs=None,
                 memory=None, on_error="raise", verbose=0):
        super().__init__(sr=sr, offset=offset, duration=duration, n_jobs=n_jobs,
                         memory=memory, on_error=on_error, verbose=verbose)
        self.frame = frame

    def _clip_params(self):
        return {"frame": self.frame}  # passed to crest(), and part of the cache key


def clips():
    t = np.arange(22050) / 22050
    rng = np.random.default_rng(0)
    tones = [np.sin(2 * np.pi * f * t) for f in (220, 330, 440)]
    clicks = [np.where(rng.random(t.size) < 0.002, 1.0, 0.01 * rng.standard_normal(t.size))
              for _ in range(3)]
    return np.stack(tones + clicks).astype(np.float32), ["tone"] * 3 + ["clicks"] * 3


def test_the_documented_example_computes_its_function_per_clip(tmp_path):
    X, y = clips()
    out = CrestFactor(frame=1024).fit_transform(X)
    np.testing.assert_allclose(out, np.stack([crest(x, sr=22050, frame=1024) for x in X]))
    assert out[0, 0] == pytest.approx(np.sqrt(2), rel=0.01)  # a sine's crest factor
    assert (out[3:, 0] > 5).all()
    paths = []
    for i, x in enumerate(X):
        paths.append(str(tmp_path / f"{i}.wav"))
        sf.write(paths[-1], x, 22050, subtype="FLOAT")
    np.testing.assert_array_equal(CrestFactor(frame=1024, n_jobs=2).fit_transform(paths), out)


def test_it_is_a_scikit_learn_estimator_like_the_others(tmp_path):
    X, y = clips()
    model = make_pipeline(FeatureUnion([("crest", CrestFactor()),
                                        ("lib", LibrosaFeatures(features=["rms"]))]),
                          StandardScaler(), SVC())
    search = GridSearchCV(model, {"featureunion__crest__frame": [512, 2048]}, cv=3).fit(X, y)
    assert search.best_score_ == 1.0
    assert clone(CrestFactor(frame=256)).get_params()["frame"] == 256
    frame = CrestFactor().set_output(transform="pandas").fit_transform(X)
    assert list(frame.columns) == ["crest_mean", "crest_max"]
    with count_clips() as counts:
        CrestFactor(memory=str(tmp_path)).fit_transform(X)
        CrestFactor(memory=str(tmp_path)).fit_transform(X)
        CrestFactor(frame=512, memory=str(tmp_path)).fit_transform(X)  # another key
    assert (counts.computed, counts.cached) == (12, 6)


def test_bad_clips_and_bad_parameters():
    X, _ = clips()
    with pytest.warns(BadClipsWarning, match="1 of 2 clips"):
        out = CrestFactor(on_error="nan").fit_transform([X[0], np.array([np.nan] * 10)])
    assert np.isnan(out[1]).all() and np.isfinite(out[0]).all()
    with pytest.raises(ValueError, match="on_error"):
        CrestFactor(on_error="skip").fit(X)
