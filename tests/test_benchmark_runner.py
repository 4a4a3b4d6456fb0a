"""Tests for skaudio.benchmark.runner: run_benchmark and train_model on tiny generated data."""

import numpy as np
import pandas as pd
import pytest

import skaudio
from skaudio.benchmark import list_models, run_benchmark, train_model
from skaudio.datasets import make_genres
from skaudio.exceptions import SkaudioError

# An easy two-genre set at 8 kHz: a second per clip, 16 clips, 4 artists per genre.
EASY = "builtin:n_per_class=8,duration=1,n_classes=2,difficulty=0,sr=8000"


@pytest.fixture(scope="module")
def easy_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    results = run_benchmark(EASY, "cv:2", "dummy,svm,rf", out, verbose=0)
    return results, out


def test_results_table_and_files(easy_results):
    results, out = easy_results
    assert results["model"].tolist() == ["dummy", "svm", "rf"]
    assert set(results["n_folds"]) == {2}
    for name in ("results.csv", "folds.csv", "results.md"):
        assert (out / name).is_file()
    table = pd.read_csv(out / "results.csv")
    assert np.allclose(table["accuracy_mean"], results["accuracy_mean"])
    folds = pd.read_csv(out / "folds.csv")
    assert len(folds) == 6 and set(folds["n_test"]) == {8}
    markdown = (out / "results.md").read_text()
    assert "| svm |" in markdown and "stratified 2-fold" in markdown


def test_numbers_are_sane(easy_results):
    results, _ = easy_results
    acc = results.set_index("model")["accuracy_mean"]
    assert acc["dummy"] == pytest.approx(0.5)  # balanced classes: chance
    assert acc["svm"] >= 0.8 and acc["rf"] >= 0.8
    assert (results["fit_time_s"] >= 0).all() and (results["input_ms_per_clip"] > 0).all()
    # every model saw the same clips: confusion matrices sum to the data size
    for cm in results.attrs["confusion"].values():
        assert np.sum(cm) == 16


def test_plots_written(easy_results):
    pytest.importorskip("matplotlib")
    _, out = easy_results
    assert (out / "summary.png").stat().st_size > 1000
    assert (out / "confusion_svm.png").is_file()


@pytest.fixture
def feature_table(tmp_path):
    """A tiny GTZAN-style feature table: two well-separated genres, 12 rows."""
    from skaudio import LibrosaFeatures

    csv = tmp_path / "features_30_sec.csv"
    columns = list(LibrosaFeatures().fit([np.zeros(100)]).get_feature_names_out())
    rng = np.random.default_rng(0)
    genres = ["blues", "rock"]
    rows = [{"filename": f"{genres[i % 2]}.{i:05d}.wav", "length": 661794,
             **dict(zip(columns, rng.normal(i % 2, 0.3, len(columns)), strict=True)),
             "label": genres[i % 2]} for i in range(12)]
    pd.DataFrame(rows).to_csv(csv, index=False)
    return csv


def test_bunch_input_and_precomputed_features(feature_table):
    bunch = make_genres(n_per_class=4, duration=0.5, n_classes=2, sr=8000, random_state=0)
    results = run_benchmark(bunch, "groups:2", "dummy,lda", verbose=0)
    assert results.attrs["n_clips"] == 8
    # a feature table: feature models run, audio models are skipped with a reason
    results = run_benchmark(f"features:{feature_table}", "cv:3", "default", verbose=0)
    assert "svm_vote" in results.attrs["skipped"] and "svm_vote" in list(list_models()["name"])
    assert results.set_index("model").loc["svm", "accuracy_mean"] == 1.0
    assert results["input_ms_per_clip"].eq(0).all()


def test_train_model_on_a_feature_table_takes_audio(feature_table):
    model = train_model(f"features:{feature_table}", "svm")
    assert list(model.classes_) == ["blues", "rock"]
    clips = make_genres(n_per_class=1, duration=1.0, n_classes=2, random_state=0).data
    assert model.predict_proba(clips).shape == (2, 2)
    assert model.get_params()["features__duration"] == 30.0


def test_segment_voting_on_long_clips():
    spec = "builtin:n_per_class=3,duration=6,n_classes=2,difficulty=0,sr=8000"
    results = run_benchmark(spec, "cv:3", "svm_vote", verbose=0)
    assert results.loc[0, "model"] == "svm_vote"
    assert results.loc[0, "accuracy_mean"] >= 0.8  # chance is 0.5; difficulty 0 is easy


def test_train_model_predicts_audio():
    model = train_model(EASY, "svm", n_jobs=2, verbose=0)
    # n_jobs served the training features only; the saved front end keeps its default
    assert model.get_params()["features__n_jobs"] is None
    clips = make_genres(n_per_class=2, duration=1.0, n_classes=2, difficulty=0, sr=8000,
                        random_state=1)
    proba = model.predict_proba(list(clips.data))  # ragged-list input works too
    assert proba.shape == (4, 2) and np.allclose(proba.sum(axis=1), 1)
    assert (model.predict(clips.data) == clips.target).mean() >= 0.75


@pytest.mark.parametrize(
    ("data", "split", "models", "match"),
    [
        ("nope", "cv:5", "svm", "Unknown data spec 'nope'"),
        (EASY, "kfold", "svm", "Unknown split spec"),
        (EASY, "groups:20", "svm", "at most groups:8"),
        (EASY, "cv:2", "xgboost", "Unknown model 'xgboost'"),
    ],
)
def test_bad_specs_raise_skaudio_errors(data, split, models, match):
    with pytest.raises(SkaudioError, match=match):
        run_benchmark(data, split, models, verbose=0)


def test_top_level_run_benchmark_is_deprecated():
    with pytest.warns(FutureWarning, match="from skaudio.benchmark import run_benchmark"):
        old = skaudio.run_benchmark
    assert old is run_benchmark
    assert "run_benchmark" not in skaudio.__all__
