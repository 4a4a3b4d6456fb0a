"""The clip-transformer base: a new transformer is one function and a thin class."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skaudio import BadClipsWarning, LibrosaFeatures, RawWaveform, count_clips

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user-guide" / "features.md"


def _guide_example():
    """The code block of the guide's "Write your own transformer" section."""
    section = GUIDE.read_text().split("## Write your own transformer", 1)[1]
    return section.split("```python\n", 1)[1].split("\n```", 1)[0]


# the documented example, run as written (as code of this module, so workers find it)
_example = {"__name__": __name__}
exec(compile(_guide_example(), str(GUIDE), "exec"), _example)
crest, CrestFactor = _example["crest"], _example["CrestFactor"]


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


# -- the per-batch hook of the tensor base (_FixedShapeTransformer) --------------------

class BatchPeak(RawWaveform):
    """The peak of every clip, taken once per transform over RawWaveform's stacked rows."""

    batches = []  # the shapes the batch step saw, in order

    def _row_shape(self, n_samples):
        return (1, n_samples)

    def _clip_shape(self, n_samples):
        return (1,)

    def _column_names(self, shape):
        return ["peak"]

    def _transform_batch(self, rows):
        type(self).batches.append(rows.shape)
        return np.abs(rows).max(axis=2)


def test_the_batch_step_runs_once_per_transform_on_the_stacked_rows():
    X, _ = clips()
    X = X * np.arange(1, 7, dtype=np.float32)[:, None] / 8
    BatchPeak.batches.clear()
    model = BatchPeak(duration=0.5, flatten=True, n_jobs=2).fit(X)
    state = dict(vars(model))
    out = model.transform(X)
    np.testing.assert_allclose(out[:, 0], np.abs(X[:, :11025]).max(axis=1))
    assert out.dtype == np.float32 and BatchPeak.batches == [(6, 1, 11025)]
    assert vars(model) == state  # transform sets nothing
    assert model.get_feature_names_out().tolist() == ["peak"]


def test_the_batch_step_keeps_a_bad_clip_a_row_of_nan():
    X, _ = clips()
    BatchPeak.batches.clear()
    with pytest.warns(BadClipsWarning, match="1 of 3 clips"):
        out = BatchPeak(duration=0.5, on_error="nan").fit_transform(
            [X[0], np.array([np.nan] * 10), X[3]])
    assert BatchPeak.batches == [(3, 1, 11025)]
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()
    assert out[0, 0] == pytest.approx(1.0, abs=1e-3)  # a full-scale sine
