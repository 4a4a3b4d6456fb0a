"""LibrosaFeatures: librosa-exact values, any kind of X, parameters, bad input."""

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skaudio import LibrosaFeatures, SkaudioError, load_audio
from skaudio.functional.reference import gtzan_features_librosa

GTZAN_COLUMNS = (
    ["chroma_stft_mean", "chroma_stft_var", "rms_mean", "rms_var", "spectral_centroid_mean",
     "spectral_centroid_var", "spectral_bandwidth_mean", "spectral_bandwidth_var",
     "rolloff_mean", "rolloff_var", "zero_crossing_rate_mean", "zero_crossing_rate_var",
     "harmony_mean", "harmony_var", "perceptr_mean", "perceptr_var", "tempo"]
    + [f"mfcc{k}_{s}" for k in range(1, 21) for s in ("mean", "var")]
)


def assert_matches_librosa(ours, reference):
    """Each feature within 1e-3 relative, or 1e-3 of its spread over the clips."""
    spread = reference.std(axis=0)
    tolerance = np.maximum(1e-3 * np.abs(reference), 1e-3 * spread)
    bad = np.abs(ours - reference) > tolerance
    assert not bad.any(), [GTZAN_COLUMNS[j] for j in np.flatnonzero(bad.any(axis=0))]


def test_default_names_are_the_gtzan_table_columns(gtzan_features_csv):
    names = LibrosaFeatures().fit(np.zeros((1, 4096))).get_feature_names_out()
    assert list(names) == GTZAN_COLUMNS
    if gtzan_features_csv is not None:
        header = pd.read_csv(gtzan_features_csv, nrows=0).columns
        assert list(names) == [c for c in header if c not in ("filename", "length", "label")]


def test_generated_clips_match_plain_librosa(music_clips):
    ours = LibrosaFeatures().fit_transform(music_clips)
    reference = np.stack([gtzan_features_librosa(y) for y in music_clips])
    assert_matches_librosa(ours, reference)


def test_real_recordings_match_plain_librosa(fsdd_files):
    files = fsdd_files[:12]
    ours = LibrosaFeatures().fit_transform(files)
    reference = np.stack([gtzan_features_librosa(librosa.load(f, sr=22050)[0]) for f in files])
    assert ours.shape == (12, 57)
    assert_matches_librosa(ours, reference)


def test_every_kind_of_x_gives_the_same_numbers(tmp_path, music_clips):
    paths = []
    for i, y in enumerate(music_clips):
        paths.append(str(tmp_path / f"clip{i}.wav"))
        sf.write(paths[-1], y, 22050, subtype="FLOAT")
    features = LibrosaFeatures(features=["rms", "mfcc", "tempo"], n_mfcc=5)
    from_array = features.fit_transform(music_clips)
    from_list = features.fit_transform(list(music_clips))
    from_paths = features.fit_transform(paths)
    from_frame = features.fit_transform(pd.DataFrame(music_clips))
    np.testing.assert_array_equal(from_array, from_list)
    np.testing.assert_array_equal(from_array, from_paths)
    np.testing.assert_array_equal(from_array, from_frame)


def test_ragged_clips_give_one_row_each(music_clips):
    ragged = [music_clips[0], music_clips[1][:30000], music_clips[2][:5000]]
    out = LibrosaFeatures().fit_transform(ragged)
    assert out.shape == (3, 57)
    assert np.isfinite(out).all()
    alone = LibrosaFeatures().fit_transform([ragged[1]])
    np.testing.assert_array_equal(out[1], alone[0])


def test_features_and_stats_choose_the_columns(music_clips):
    features = LibrosaFeatures(features=["mfcc", "rms"], n_mfcc=3,
                               stats=["mean", "std", "min", "max", "median", "skew", "kurtosis"])
    out = features.fit_transform(music_clips)
    names = list(features.get_feature_names_out())
    assert names[:2] == ["mfcc1_mean", "mfcc1_std"] and names[-1] == "rms_kurtosis"
    assert out.shape == (4, 4 * 7)
    rms = librosa.feature.rms(y=music_clips[0])[0]
    expected = [rms.mean(), rms.std(), rms.min(), rms.max(), np.median(rms)]
    np.testing.assert_allclose(out[0, 21:26], expected, rtol=1e-6)
    from scipy import stats as scipy_stats

    np.testing.assert_allclose(out[0, 26], scipy_stats.skew(rms), rtol=1e-5)
    np.testing.assert_allclose(out[0, 27], scipy_stats.kurtosis(rms), rtol=1e-5)


def test_duration_is_a_deprecated_alias_of_max_duration(music_clips):
    """max_duration reads at most that many seconds; the old duration= warns, same rows."""
    X, features = music_clips[:2], ["rms", "zero_crossing_rate"]
    cut = LibrosaFeatures(features=features, max_duration=1.0).fit_transform(X)
    assert not np.allclose(cut, LibrosaFeatures(features=features).fit_transform(X))
    with pytest.warns(FutureWarning, match="max_duration"):
        old = LibrosaFeatures(features=features, duration=1.0).fit_transform(X)
    np.testing.assert_array_equal(old, cut)
    params = LibrosaFeatures().get_params()
    assert params["max_duration"] is None and params["duration"] == "deprecated"


@pytest.mark.parametrize("n_fft, hop_length", [(1024, 256), (4096, 1024)])
def test_frame_settings_reach_every_feature(music_clips, n_fft, hop_length):
    y = music_clips[0]
    out = LibrosaFeatures(features=["spectral_centroid", "zero_crossing_rate", "mfcc"],
                          n_fft=n_fft, hop_length=hop_length, n_mfcc=13).fit_transform(y[None])
    centroid = librosa.feature.spectral_centroid(y=y, n_fft=n_fft, hop_length=hop_length)
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length=hop_length)
    mfcc = librosa.feature.mfcc(y=y, n_mfcc=13, n_fft=n_fft, hop_length=hop_length)
    np.testing.assert_allclose(out[0, :2], [centroid.mean(), centroid.var()], rtol=1e-5)
    np.testing.assert_allclose(out[0, 2:4], [zcr.mean(), zcr.var()], rtol=1e-6)
    np.testing.assert_allclose(out[0, 4::2], mfcc.mean(axis=1), rtol=1e-4, atol=1e-4)
    assert out.shape == (1, 4 + 26)


def test_offset_and_duration_select_a_window(tmp_path, music_clips):
    y = np.concatenate([music_clips[0], music_clips[1]])
    path = str(tmp_path / "two.wav")
    sf.write(path, y, 22050, subtype="FLOAT")
    features = LibrosaFeatures(features=["rms", "spectral_centroid"], offset=3.0, max_duration=3.0)
    from_file = features.fit_transform([path])
    from_array = features.fit_transform([y])
    second = LibrosaFeatures(features=["rms", "spectral_centroid"]).fit_transform(
        music_clips[1][None])
    np.testing.assert_allclose(from_file[0], second[0], rtol=1e-6)
    np.testing.assert_allclose(from_array[0], second[0], rtol=1e-6)


def test_resampled_on_load_like_librosa(fsdd_files):
    y = load_audio(fsdd_files[0], sr=22050)
    reference, _ = librosa.load(fsdd_files[0], sr=22050)
    np.testing.assert_array_equal(y, reference)


def test_n_jobs_gives_identical_rows(music_clips):
    one = LibrosaFeatures(n_jobs=1).fit_transform(music_clips)
    two = LibrosaFeatures(n_jobs=2).fit_transform(music_clips)
    np.testing.assert_array_equal(one, two)


def test_statistics_in_small_batches_give_the_same_row(monkeypatch, music_clips):
    """A long clip's rows are summarized in batches to bound memory: same values."""
    from skaudio import features

    whole = LibrosaFeatures(features="full").fit_transform(music_clips[:1])
    monkeypatch.setattr(features, "_STACK_VALUES", 1000)  # every block alone
    batched = LibrosaFeatures(features="full").fit_transform(music_clips[:1])
    np.testing.assert_allclose(batched, whole, rtol=1e-12, atol=1e-12)  # BLAS blocking


def test_pandas_output_keeps_names(music_clips):
    features = LibrosaFeatures(features=["rms", "tempo"]).set_output(transform="pandas")
    frame = features.fit_transform(music_clips)
    assert list(frame.columns) == ["rms_mean", "rms_var", "tempo"]
    assert len(frame) == 4


def test_tempo_follows_the_pulse(music_like):
    tempi = LibrosaFeatures(features=["tempo"]).fit_transform(
        np.stack([music_like(duration=8.0, bpm=bpm, seed=1) for bpm in (90.0, 150.0)]))
    assert abs(tempi[0, 0] - 90) < 6 and abs(tempi[1, 0] - 150) < 10


@pytest.mark.parametrize("clip", [
    np.zeros(22050), np.full(22050, 0.5), np.zeros(10), np.array([0.3]),
    1e-30 * np.ones(4096),
], ids=["silence", "dc", "shorter-than-a-frame", "one-sample", "denormal-quiet"])
def test_degenerate_clips_give_finite_documented_values(clip):
    features = LibrosaFeatures()
    out = features.fit_transform(clip[None])
    assert np.isfinite(out).all()
    names = list(features.get_feature_names_out())
    assert out[0, names.index("tempo")] == 0.0  # no onsets, as beat_track
    if not clip.any():
        assert out[0, names.index("spectral_centroid_mean")] == 0.0


@pytest.mark.parametrize("bad, match", [
    ([np.array([], dtype=np.float32)], "no samples"),
    ([np.array([0.1, np.nan, 0.2] * 1000)], "NaN or infinite"),
    ([np.array([0.1, np.inf] * 1000)], "NaN or infinite"),
])
def test_bad_waveforms_raise_naming_the_clip(bad, match):
    with pytest.raises(SkaudioError, match=match) as info:
        LibrosaFeatures(features=["rms"]).fit_transform(bad)
    assert "clip[0]" in str(info.value)


def test_bad_file_raises_naming_the_file(tmp_path, music_clips):
    good = str(tmp_path / "good.wav")
    sf.write(good, music_clips[0], 22050)
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"this is not audio" * 100)
    with pytest.raises(SkaudioError, match="junk.mp3"):
        LibrosaFeatures(features=["rms"]).fit_transform([good, str(junk)])


@pytest.mark.parametrize("params, match", [
    (dict(features=["tempo", "loudness"]), "loudness"),
    (dict(stats=["mean", "mode"]), "mode"),
    (dict(features=[]), "non-empty"),
    (dict(n_fft=0), "n_fft"),
    (dict(on_error="skip"), "on_error"),
])
def test_invalid_parameters_are_named(params, match, music_clips):
    with pytest.raises(ValueError, match=match):
        LibrosaFeatures(**params).fit(music_clips)


def test_grid_search_over_audio_and_model_parameters(music_clips):
    X = np.concatenate([music_clips, music_clips[:, ::-1].copy()])
    y = ["a"] * 4 + ["b"] * 4
    pipe = Pipeline([("feat", LibrosaFeatures(features=["rms", "mfcc"])), ("svm", SVC())])
    search = GridSearchCV(pipe, {"feat__n_mfcc": [5, 8], "feat__n_fft": [1024, 2048],
                                 "svm__C": [1.0]}, cv=2).fit(X, y)
    assert sorted((p["feat__n_mfcc"], p["feat__n_fft"]) for p in search.cv_results_["params"]) \
        == [(5, 1024), (5, 2048), (8, 1024), (8, 2048)]
    best = search.best_estimator_
    assert {k: best.get_params()[k] for k in search.best_params_} == search.best_params_
    # the refit model's features follow the chosen parameters: rms + n_mfcc MFCCs, mean/var
    assert best[:-1].transform(X).shape == (8, 2 * (1 + search.best_params_["feat__n_mfcc"]))
    fitted = clone(best).fit(X, y)
    np.testing.assert_array_equal(fitted.predict(X), search.predict(X))


@pytest.mark.parametrize("dtype", [None, "string", object])
def test_a_column_of_paths_of_any_pandas_string_dtype(tmp_path, music_clips, dtype):
    """pandas 3 stores str as StringDtype: a documented input, not a numeric table."""
    paths = []
    for i, y in enumerate(music_clips[:2]):
        paths.append(str(tmp_path / f"clip{i}.wav"))
        sf.write(paths[-1], y, 22050, subtype="FLOAT")
    frame = pd.DataFrame({"path": paths}, dtype=dtype)
    features = LibrosaFeatures(features=["rms", "spectral_centroid"])
    np.testing.assert_array_equal(features.fit_transform(frame), features.fit_transform(paths))
    assert features.n_features_in_ == 1
