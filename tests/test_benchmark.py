"""Tests for skaudio.benchmark: the harness on tiny generated data, specs, errors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skaudio._benchmark_data import load_benchmark_data, make_splitter
from skaudio._benchmark_models import resolve_models
from skaudio.benchmark import list_models, run_benchmark, train_model
from skaudio.datasets import make_genres
from skaudio.exceptions import SkaudioError

GTZAN_FEATURES = (Path(__file__).resolve().parents[1].parent / "shared" / "data"
                  / "gtzan-features" / "features_30_sec.csv")

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


def test_group_split_keeps_artists_apart():
    data = load_benchmark_data(EASY)
    mask, cv, text = make_splitter("groups:2", data)
    assert mask.all() and "group 2-fold" in text
    for train, test in cv.split(data.y, data.y, data.groups):
        assert not set(data.groups[train]) & set(data.groups[test])


def test_bunch_input_and_precomputed_features(tmp_path):
    bunch = make_genres(n_per_class=4, duration=0.5, n_classes=2, sr=8000, random_state=0)
    results = run_benchmark(bunch, "groups:2", "dummy,lda", verbose=0)
    assert results.attrs["n_clips"] == 8
    # a feature table: feature models run, audio models are skipped with a reason
    csv = tmp_path / "features_30_sec.csv"
    names = list(list_models()["name"])
    from skaudio import LibrosaFeatures

    columns = list(LibrosaFeatures().get_feature_names_out())
    rng = np.random.default_rng(0)
    genres = ["blues", "rock"]
    rows = [{"filename": f"{genres[i % 2]}.{i:05d}.wav", "length": 661794,
             **dict(zip(columns, rng.normal(i % 2, 0.3, len(columns)), strict=True)),
             "label": genres[i % 2]} for i in range(12)]
    pd.DataFrame(rows).to_csv(csv, index=False)
    results = run_benchmark(f"features:{csv}", "cv:3", "default", verbose=0)
    assert "svm_vote" in results.attrs["skipped"] and "svm_vote" in names
    assert results.set_index("model").loc["svm", "accuracy_mean"] == 1.0
    assert results["input_ms_per_clip"].eq(0).all()


def test_segment_voting_on_long_clips():
    spec = "builtin:n_per_class=3,duration=6,n_classes=2,difficulty=0,sr=8000"
    results = run_benchmark(spec, "cv:3", "svm_vote", verbose=0)
    assert results.loc[0, "model"] == "svm_vote"
    assert results.loc[0, "accuracy_mean"] >= 0.8  # chance is 0.5; difficulty 0 is easy


def test_train_model_predicts_audio():
    model = train_model(EASY, "svm")
    clips = make_genres(n_per_class=2, duration=1.0, n_classes=2, difficulty=0, sr=8000,
                        random_state=1)
    proba = model.predict_proba(list(clips.data))  # ragged-list input works too
    assert proba.shape == (4, 2) and np.allclose(proba.sum(axis=1), 1)
    assert (model.predict(clips.data) == clips.target).mean() >= 0.75


@pytest.mark.skipif(not GTZAN_FEATURES.is_file(), reason="GTZAN feature table not present")
def test_fault_filtered_split_on_the_real_table():
    data = load_benchmark_data(f"features:{GTZAN_FEATURES}")
    mask, cv, text = make_splitter("fault-filtered", data)
    assert mask.sum() == 930 and cv.get_n_splits() == 1 and "290" in text


@pytest.mark.parametrize(
    ("data", "split", "models", "match"),
    [
        ("nope", "cv:5", "svm", "Unknown data spec 'nope'"),
        ("folder:", "cv:5", "svm", "needs a path"),
        ("builtin:n_per_class=x", "cv:5", "svm", "is not a int"),
        ("builtin:colour=red", "cv:5", "svm", "Bad builtin option"),
        (EASY, "kfold", "svm", "Unknown split spec"),
        (EASY, "cv:20", "svm", "at most cv:8"),
        (EASY, "groups:20", "svm", "at most groups:8"),
        (EASY, "fault-filtered", "svm", "needs GTZAN file names"),
        (EASY, "cv:2", "xgboost", "Unknown model 'xgboost'"),
        (EASY, "cv:2", "svm_vote", "shorter than two 3-s segments"),
        (EASY, "cv:2", "", "models is empty"),
    ],
)
def test_bad_specs_raise_skaudio_errors(data, split, models, match):
    with pytest.raises(SkaudioError, match=match):
        run_benchmark(data, split, models, verbose=0)


def test_presets():
    data = load_benchmark_data("builtin:n_per_class=2,duration=0.5,n_classes=2,sr=8000")
    chosen, skipped = resolve_models("default", data)
    assert [s.name for s in chosen][:3] == ["dummy", "logreg", "svm"]
    assert "svm_vote" in skipped
    chosen, _ = resolve_models(["svm", "classical"], data)
    assert [s.name for s in chosen].count("svm") == 1
