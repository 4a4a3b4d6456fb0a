"""Tests for skaudio.benchmark.runner: run_benchmark and train_model on tiny generated data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin

import skaudio
from skaudio.benchmark import (
    list_models,
    load_benchmark_data,
    resolve_feature_sets,
    run_benchmark,
    train_model,
)
from skaudio.datasets import make_genres
from skaudio.exceptions import SkaudioError

# An easy two-genre set at 8 kHz: a second per clip, 16 clips, 4 artists per genre.
EASY = "builtin:n_per_class=8,duration=1,n_classes=2,difficulty=0,sr=8000"


@pytest.fixture(scope="module")
def easy_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    results = run_benchmark(EASY, "cv:2", "dummy,svm,rf", out, feature_sets="gtzan", verbose=0)
    return results, out


def test_results_table_and_files(easy_results):
    results, out = easy_results
    assert results["model"].tolist() == ["dummy", "svm", "rf"]
    assert results["features"].tolist() == ["-", "gtzan", "gtzan"]
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
    assert (out / "confusion_svm_gtzan.png").is_file() and (out / "confusion_dummy.png").is_file()


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
    bunch = make_genres(n_per_class=4, duration=0.5, n_classes=2, n_artists=2, sr=8000,
                        random_state=0)
    results = run_benchmark(bunch, "groups:2", "dummy,lda", verbose=0)
    assert results.attrs["n_clips"] == 8
    # a feature table: feature models run, audio models are skipped with a reason
    results = run_benchmark(f"features:{feature_table}", "cv:3", "default", verbose=0)
    skipped = results.attrs["skipped"]
    assert "svm_vote" in skipped and "svm_vote" in list(list_models()["name"])
    assert skipped["full features"] == "the feature table holds the GTZAN set only"
    assert set(results["features"]) == {"-", "gtzan"} and results.attrs["feature_sets"] == ["gtzan"]
    assert results.set_index("model").loc["svm", "accuracy_mean"] == 1.0
    assert results["input_ms_per_clip"].eq(0).all()
    with pytest.raises(SkaudioError, match="holds the GTZAN set only"):
        run_benchmark(f"features:{feature_table}", "cv:3", "svm", feature_sets="full")
    # the 30-s table: one track per row, no artists; a group split would be a random split
    with pytest.raises(SkaudioError, match="group of its own.*GTZAN lists no artists.*"
                                           "fault-filtered"):
        run_benchmark(f"features:{feature_table}", "groups:3", "svm", verbose=0)


def test_train_model_on_a_feature_table_takes_audio(feature_table):
    model = train_model(f"features:{feature_table}", "svm")
    assert list(model.classes_) == ["blues", "rock"]
    clips = make_genres(n_per_class=1, duration=1.0, n_classes=2, random_state=0).data
    assert model.predict_proba(clips).shape == (2, 2)
    assert model.get_params()["features__max_duration"] == 30.0


def test_segment_voting_on_long_clips():
    spec = "builtin:n_per_class=3,duration=6,n_classes=2,difficulty=0,sr=8000"
    results = run_benchmark(spec, "cv:3", "svm_vote", feature_sets="gtzan", verbose=0)
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


def _counting_frontend(monkeypatch, fail=None):
    """Record the runner's front ends; make the feature set ``fail`` raise."""
    from skaudio.benchmark import runner

    calls, frontend = [], runner.frontend

    class Failing(BaseEstimator, TransformerMixin):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            raise SkaudioError("Failed to process clip[0]: bands above Nyquist")

    def counting_frontend(kind, data, **kwargs):
        calls.append((kind, kwargs["feature_set"]))
        return Failing() if kwargs["feature_set"] == fail else frontend(kind, data, **kwargs)

    monkeypatch.setattr(runner, "frontend", counting_frontend)
    return calls


FULL = "full" in resolve_feature_sets(None, load_benchmark_data(EASY))[0]
EASY_22K = "builtin:n_per_class=8,duration=1,n_classes=2,difficulty=0"


def test_each_feature_set_is_computed_once(monkeypatch):
    calls = _counting_frontend(monkeypatch)
    results = run_benchmark(EASY_22K, "cv:2", "dummy,logreg,svm,svm_tuned", verbose=0)
    sets = results.attrs["feature_sets"]
    assert sets == (["gtzan", "full"] if FULL else ["gtzan"])
    assert calls == [("features", fs) for fs in sets]
    assert len(results) == 1 + 3 * len(sets)
    rows = results.set_index(["model", "features"])
    for fs in sets:  # every model of a set reports the same one-off input cost
        assert rows.loc[("logreg", fs), "input_ms_per_clip"] == rows.loc[("svm", fs),
                                                                         "input_ms_per_clip"]
    assert set(results.attrs["confusion"]) == {
        "dummy", *(f"{m} [{fs}]" for m in ("logreg", "svm", "svm_tuned") for fs in sets)}


@pytest.mark.skipif(not FULL, reason="LibrosaFeatures has no 'full' preset in this checkout")
def test_a_default_feature_set_that_fails_on_the_data_is_skipped(monkeypatch):
    _counting_frontend(monkeypatch, fail="full")
    results = run_benchmark(EASY, "cv:2", "svm", verbose=0)
    assert results["features"].tolist() == ["gtzan"]
    assert "bands above Nyquist" in results.attrs["skipped"]["full features"]
    with pytest.raises(SkaudioError, match="bands above Nyquist"):  # asked for by name
        run_benchmark(EASY, "cv:2", "svm", feature_sets="gtzan,full", verbose=0)


@pytest.mark.parametrize("split", ["cv:2", "groups:2"])
def test_tuned_svm_is_tuned_inside_the_training_fold(split, monkeypatch):
    from sklearn.model_selection import GridSearchCV

    seen = []
    fit = GridSearchCV.fit

    def spy(self, X, y=None, **params):
        seen.append((len(X), params.get("groups"), type(self.cv).__name__))
        return fit(self, X, y, **params)

    monkeypatch.setattr(GridSearchCV, "fit", spy)
    results = run_benchmark(EASY, split, "svm_tuned", feature_sets="gtzan", verbose=0)
    assert results.loc[0, "accuracy_mean"] >= 0.75
    folds = results.attrs["folds"]
    assert [n for n, _, _ in seen] == folds["n_train"].tolist()  # training rows only
    if split == "groups:2":  # tuned by artists too: no artist in both inner sides
        assert all(g is not None and len(g) == n for n, g, _ in seen)
        assert {cv for _, _, cv in seen} == {"StratifiedGroupKFold"}
    else:
        assert {cv for _, _, cv in seen} == {"StratifiedKFold"}


def test_train_tuned_svm_with_probabilities():
    model = train_model(EASY, "svm_tuned")
    clips = make_genres(n_per_class=2, duration=1.0, n_classes=2, difficulty=0, sr=8000,
                        random_state=1)
    proba = model.predict_proba(clips.data)
    assert proba.shape == (4, 2) and np.allclose(proba.sum(axis=1), 1)


def test_bad_feature_sets():
    with pytest.raises(SkaudioError, match="Unknown feature set 'mfcc'"):
        run_benchmark(EASY, "cv:2", "svm", feature_sets="mfcc", verbose=0)
    with pytest.raises(SkaudioError, match="feature_sets is empty"):
        run_benchmark(EASY, "cv:2", "svm", feature_sets=[], verbose=0)


def test_top_level_run_benchmark_is_deprecated():
    with pytest.warns(FutureWarning, match="from skaudio.benchmark import run_benchmark"):
        old = skaudio.run_benchmark
    assert old is run_benchmark
    assert "run_benchmark" not in skaudio.__all__


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory):
    """12 good wav files in two label folders; a copy of them with two corrupt files."""
    import shutil

    import soundfile as sf

    good = tmp_path_factory.mktemp("good")
    bunch = make_genres(n_per_class=6, duration=1.0, n_classes=2, difficulty=0, sr=8000,
                        random_state=0)
    for i, (y, label) in enumerate(zip(bunch.data, bunch.target, strict=True)):
        (good / label).mkdir(exist_ok=True)
        sf.write(good / label / f"{label}_{i:02d}.wav", y, 8000)
    bad = tmp_path_factory.mktemp("bad") / "songs"
    shutil.copytree(good, bad)
    first, second = sorted(set(bunch.target))
    (bad / first / "zz_not_audio.wav").write_bytes(b"RIFF not really audio")
    (bad / second / "aa_empty.wav").write_bytes(b"")
    return good, bad


def test_bad_files_are_left_out_and_listed_together(bad_folder):
    good, bad = bad_folder
    kwargs = dict(split="cv:2", models="dummy,svm", feature_sets="gtzan", verbose=0)
    clean = run_benchmark(f"folder:{good}", **kwargs)
    with pytest.warns(skaudio.BadClipsWarning,
                      match=r"(?s)2 of 14 clips.*zz_not_audio.*aa_empty") as caught:
        results = run_benchmark(f"folder:{bad}", **kwargs)
    assert len(caught) == 1  # one report, not one per front end
    assert sorted(Path(b.name).name for b in caught[0].message.bad_clips) == [
        "aa_empty.wav", "zz_not_audio.wav"]
    assert sorted(Path(p).name for p in results.attrs["bad_clips"]) == ["aa_empty.wav",
                                                                        "zz_not_audio.wav"]
    assert "2 unreadable clips left out" in results.attrs["data"]
    assert results.attrs["n_clips"] == 12
    # the good clips give exactly the results they give without the bad files
    pd.testing.assert_frame_equal(results.drop(columns=["fit_time_s", "predict_ms_per_clip",
                                                        "input_ms_per_clip"]),
                                  clean.drop(columns=["fit_time_s", "predict_ms_per_clip",
                                                      "input_ms_per_clip"]))
    assert results.attrs["confusion"] == clean.attrs["confusion"]
    with pytest.raises(SkaudioError, match=r"(?s)2 of 14 clips.*zz_not_audio.*aa_empty.*"
                                           r"on_error='skip'"):
        run_benchmark(f"folder:{bad}", on_error="raise", **kwargs)
    with pytest.raises(SkaudioError, match="on_error must be 'skip' or 'raise'"):
        run_benchmark(f"folder:{bad}", on_error="nan", **kwargs)


def test_bad_files_without_a_front_end_are_found_by_reading(bad_folder):
    from skaudio.benchmark.runner import _probe

    data = load_benchmark_data(f"folder:{bad_folder[1]}")
    bad = _probe(data, np.arange(len(data.y)))
    assert sorted(Path(b.name).name for b in bad.values()) == ["aa_empty.wav",
                                                               "zz_not_audio.wav"]
    assert sorted(bad) == [i for i, path in enumerate(data.X)
                           if Path(path).name in ("aa_empty.wav", "zz_not_audio.wav")]


def test_train_model_skips_bad_files(bad_folder):
    with pytest.warns(skaudio.BadClipsWarning, match="2 of 14 clips"):
        model = train_model(f"folder:{bad_folder[1]}", "logreg", features={"sr": 8000})
    clips = make_genres(n_per_class=2, duration=1.0, n_classes=2, difficulty=0, sr=8000,
                        random_state=1)
    assert (model.predict(clips.data) == clips.target).mean() >= 0.75
    with pytest.raises(SkaudioError, match=r"(?s)zz_not_audio.*aa_empty"):
        train_model(f"folder:{bad_folder[1]}", "logreg", on_error="raise")
