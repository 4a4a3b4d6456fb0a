"""The richer feature families, the presets and the texture windows of LibrosaFeatures.

Every family is checked against the plain librosa call on the same audio
(each of those computes its own STFT; skaudio shares one), and texture
windows against a hand computation.
"""

import librosa
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skaudio import LibrosaFeatures, SegmentVotingClassifier
from skaudio.features import PRESETS
from skaudio.functional import (
    FAMILIES,
    frame_features,
    rhythm_descriptors,
    tempogram,
    texture_windows,
)

SR = 22050


def plain_librosa(y, name):
    """The frame-wise values of one family, the way a librosa user computes them."""
    mfcc = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20)
    calls = {
        "spectral_contrast": lambda: librosa.feature.spectral_contrast(y=y, sr=SR),
        "spectral_flatness": lambda: librosa.feature.spectral_flatness(y=y)[0],
        "onset_strength": lambda: librosa.onset.onset_strength(y=y, sr=SR),
        "mfcc_delta": lambda: librosa.feature.delta(mfcc),
        "mfcc_delta2": lambda: librosa.feature.delta(mfcc, order=2),
        "chroma": lambda: librosa.feature.chroma_stft(y=y, sr=SR),
        "tonnetz": lambda: librosa.feature.tonnetz(
            chroma=librosa.feature.chroma_stft(y=y, sr=SR), sr=SR),
        "rms_db": lambda: librosa.amplitude_to_db(librosa.feature.rms(y=y)[0]),
        "log_mel": lambda: librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR)),
        "zero_crossing_rate": lambda: librosa.feature.zero_crossing_rate(y)[0],
    }
    return calls[name]()


NEW_FAMILIES = ["spectral_contrast", "spectral_flatness", "onset_strength", "mfcc_delta",
                "mfcc_delta2", "chroma", "tonnetz", "rms_db", "log_mel", "zero_crossing_rate"]


@pytest.mark.parametrize("name", NEW_FAMILIES)
def test_each_family_equals_its_plain_librosa_call(name, music_clips, fsdd_files):
    real = librosa.load(fsdd_files[0], sr=SR)[0]
    for y in [music_clips[0], music_clips[3], real]:
        ours = frame_features(y, sr=SR, features=[name])[name]
        reference = plain_librosa(y, name)
        assert ours.shape == reference.shape
        scale = np.abs(reference).max()
        np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-5 * scale)


def test_full_preset_works_at_any_sample_rate(fsdd_files):
    """Spectral contrast's octave bands fit under the Nyquist frequency of 8 kHz audio."""
    features = LibrosaFeatures(features="full", sr=8000, n_fft=512, hop_length=128, n_mels=40)
    out = features.fit_transform(fsdd_files[:2])
    assert out.shape == (2, len(features.get_feature_names_out())) and np.isfinite(out).all()
    y = librosa.load(fsdd_files[0], sr=8000)[0]
    ours = frame_features(y, sr=8000, n_fft=512, hop_length=128, n_mels=40,
                          features=["spectral_contrast"])["spectral_contrast"]
    reference = librosa.feature.spectral_contrast(y=y, sr=8000, n_fft=512, hop_length=128,
                                                  fmin=8000 / 2**7)
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-4)


def test_tempogram_and_rhythm_descriptors_follow_librosa(music_like):
    y = music_like(duration=8.0, bpm=120.0, seed=2)
    env = librosa.onset.onset_strength(y=y, sr=SR, aggregate=np.median)
    ours = frame_features(y, sr=SR, features=["rhythm", "tempo"])
    reference_tg = librosa.feature.tempogram(onset_envelope=env, sr=SR, win_length=344)
    np.testing.assert_allclose(tempogram(env, sr=SR), reference_tg, rtol=1e-5, atol=1e-6)
    assert ours["tempo"][0] == pytest.approx(librosa.beat.beat_track(y=y, sr=SR)[0][0])
    clarity, confidence, rate = ours["rhythm"]
    onsets = librosa.onset.onset_detect(onset_envelope=env, sr=SR)
    assert rate == pytest.approx(len(onsets) / (env.size * 512 / SR))
    assert 1.5 <= rate <= 4.0  # two beats a second: about one onset each
    # a steady pulse is clear; the same clip's samples shuffled have no pulse
    shuffled = np.random.default_rng(0).permutation(y)
    noise = frame_features(shuffled, sr=SR, features=["rhythm"])["rhythm"]
    assert clarity > 0.5 > noise[0] and confidence > 1.0


def test_tempo_equals_beat_tracks_on_many_real_recordings(fsdd_folder):
    """Short real clips have flat tempograms where near-equal bins compete: no swaps allowed."""
    for path in sorted(fsdd_folder.glob("*.wav"))[::60]:
        y = librosa.load(path, sr=SR)[0]
        ours = frame_features(y, sr=SR, features=["tempo"])["tempo"][0]
        reference = np.atleast_1d(librosa.beat.beat_track(y=y, sr=SR)[0])[0]
        assert ours == pytest.approx(reference, rel=1e-9), path


def test_harmonic_ratio_is_the_harmonic_share_of_librosas_hpss(music_clips):
    y = music_clips[2]
    ours = frame_features(y, sr=SR, features=["harmonic_ratio"])["harmonic_ratio"]
    H, P = librosa.decompose.hpss(librosa.stft(y))
    harmonic, percussive = (np.abs(H) ** 2).sum(axis=0), (np.abs(P) ** 2).sum(axis=0)
    np.testing.assert_allclose(ours, harmonic / (harmonic + percussive), rtol=1e-4)
    tone = np.sin(2 * np.pi * 440 * np.arange(SR) / SR).astype(np.float32)
    clicks = np.zeros(SR, dtype=np.float32)
    clicks[::2205] = 1.0

    def share(x):  # energy-weighted mean over frames
        S = np.abs(librosa.stft(x))
        return np.average(frame_features(x, sr=SR, features=["harmonic_ratio"])["harmonic_ratio"],
                          weights=(S**2).sum(axis=0))

    assert share(tone) > 0.95 and share(clicks) < 0.2
    assert share(0.01 * tone) == pytest.approx(share(tone))  # the recording level plays no part


def test_rhythm_of_silence_is_zero():
    assert not rhythm_descriptors(np.zeros(200, np.float32), np.zeros((344, 200)), sr=SR).any()


def test_gtzan_preset_is_the_default_and_unchanged(music_clips):
    default = LibrosaFeatures().fit(music_clips)
    named = LibrosaFeatures(features="gtzan").fit(music_clips)
    assert list(default.get_feature_names_out()) == list(named.get_feature_names_out())
    assert len(default.get_feature_names_out()) == 57
    np.testing.assert_array_equal(default.transform(music_clips), named.transform(music_clips))


def test_full_preset_names_every_column_and_holds_every_family(music_clips):
    features = LibrosaFeatures(features="full").fit(music_clips)
    names = list(features.get_feature_names_out())
    out = features.transform(music_clips)
    assert out.shape == (4, len(names)) and len(set(names)) == len(names)
    assert np.isfinite(out).all()
    families = {name for name, _ in PRESETS["full"]}
    # all but the level-bound HPSS waveforms and the 128 raw mel bands (see PRESETS)
    assert families == set(FAMILIES) - {"log_mel", "harmony", "perceptr"}
    assert len(names) == 1113
    for column in ["mfcc1_kurtosis", "mfcc_delta20_std", "contrast7_q75", "tonnetz6_mean",
                   "mfcc2_dct3", "chroma5_slope", "harmonic_ratio_dct1", "tonnetz3_dct3",
                   "pulse_clarity", "onset_rate", "tempo", "spectral_flatness_median",
                   "harmonic_ratio_q25", "chroma12_std", "rms_db_max"]:
        assert column in names
    # each column is the named statistic of the named family
    mfcc = librosa.feature.mfcc(y=music_clips[1], sr=SR)
    np.testing.assert_allclose(out[1, names.index("mfcc3_q75")], np.quantile(mfcc[2], 0.75),
                               rtol=1e-4)
    n = mfcc.shape[1]
    arch = np.cos(2 * np.pi * (np.arange(n) + 0.5) / n)
    np.testing.assert_allclose(out[1, names.index("mfcc3_dct2")], 2 / n * mfcc[2] @ arch,
                               rtol=1e-4, atol=1e-4 * np.abs(mfcc[2]).max())


def test_time_statistics_follow_the_shape_of_a_clip():
    """slope and thirds tell a rising sweep from a falling one; order-free statistics cannot."""
    t = np.arange(2 * SR) / SR
    rising = np.sin(2 * np.pi * (300 * t + 400 * t**2)).astype(np.float32)  # 300 -> 1900 Hz
    falling = rising[::-1].copy()
    features = LibrosaFeatures(features=["spectral_centroid"],
                               stats=["mean", "slope", "third1", "third2", "third3"])
    up, down = features.fit_transform(np.stack([rising, falling]))
    assert up[0] == pytest.approx(down[0], rel=0.01)  # same mean
    assert up[1] > 1000 > -1000 > down[1]  # Hz per clip length
    assert up[2] < up[3] < up[4] and down[2] > down[3] > down[4]
    centroid = librosa.feature.spectral_centroid(y=rising, sr=SR)[0]
    n = centroid.size
    thirds = [centroid[:n // 3], centroid[n // 3:2 * n // 3], centroid[2 * n // 3:]]
    np.testing.assert_allclose(up[2:], [third.mean() for third in thirds], rtol=1e-5)
    slope = np.polyfit(np.linspace(0, 1, n), centroid, 1)[0]
    assert up[1] == pytest.approx(slope, rel=1e-5)


def test_cosine_statistics_tell_a_rise_from_a_fall_and_an_arch_from_a_bowl():
    """dct1 is the overall fall, dct2 the arch; the distribution alone cannot tell them."""
    t = np.arange(2 * SR) / SR
    rising = np.sin(2 * np.pi * (300 * t + 400 * t**2)).astype(np.float32)  # 300 -> 1900 Hz
    up_down = np.concatenate([rising[::2], rising[::-2]])  # 600 -> 3800 -> 600 Hz
    down_up = np.concatenate([rising[::-2], rising[::2]])
    features = LibrosaFeatures(features=["spectral_centroid"],
                               stats=["mean", "q25", "q75", "dct1", "dct2"])
    rise, fall, arch, bowl = features.fit_transform(
        np.stack([rising, rising[::-1], up_down, down_up]))
    for a, b in [(rise, fall), (arch, bowl)]:
        np.testing.assert_allclose(a[:3], b[:3], rtol=0.03)  # the same distribution
    assert fall[3] > 400 > -400 > rise[3]  # Hz of the half-cosine
    assert bowl[4] > 400 > -400 > arch[4]
    assert abs(arch[3]) < 50 and abs(rise[4]) < 0.2 * abs(rise[3])


def test_explicit_stats_override_the_presets_own(music_clips):
    features = LibrosaFeatures(features="full", stats=["median"]).fit(music_clips)
    names = list(features.get_feature_names_out())
    assert all(n.endswith("_median") for n in names
               if n not in {"tempo", "pulse_clarity", "tempo_confidence", "onset_rate"})
    assert LibrosaFeatures(features=["rms"]).fit(music_clips).get_feature_names_out().tolist() \
        == ["rms_mean", "rms_var"]


def test_texture_windows_match_a_hand_computation(music_like):
    y = music_like(duration=4.0, seed=3)
    features = LibrosaFeatures(features=["rms", "mfcc"], n_mfcc=2, stats=["mean", "std"],
                               texture_window=1.0)
    out = features.fit_transform(y[None])[0]
    names = list(features.get_feature_names_out())
    assert names[:4] == ["rms_win_mean_mean", "rms_win_mean_std", "rms_win_var_mean",
                         "rms_win_var_std"]
    assert len(names) == 3 * 4
    rms = librosa.feature.rms(y=y)[0].astype(np.float64)
    length, hop = round(SR / 512), round(0.5 * SR / 512)  # frames in 1 s and in 0.5 s
    starts = range(0, rms.size - length + 1, hop)
    means = np.array([rms[s:s + length].mean() for s in starts])
    variances = np.array([rms[s:s + length].var() for s in starts])
    np.testing.assert_allclose(out[:4], [means.mean(), means.std(), variances.mean(),
                                         variances.std()], rtol=1e-6)
    mfcc2 = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=2)[1]
    means = np.array([mfcc2[s:s + length].mean() for s in starts])
    np.testing.assert_allclose(out[names.index("mfcc2_win_mean_std")], means.std(), rtol=1e-4)


def test_texture_windows_pool_chroma_bins_and_waveforms(music_like):
    x = np.random.default_rng(0).random((3, 50))
    pooled = texture_windows(x, length=10, hop=10, pooled=True)
    expected = [(x[:, s:s + 10].mean(), x[:, s:s + 10].var()) for s in range(0, 41, 10)]
    np.testing.assert_allclose(pooled.T, expected)
    y = music_like(duration=2.0, seed=4)
    out = LibrosaFeatures(features=["harmony"], stats=["mean"], texture_window=0.5,
                          texture_hop=0.5).fit_transform(y[None])[0]
    harmonic = librosa.effects.hpss(y)[0]
    windows = harmonic[: 4 * 11025].reshape(4, 11025)
    np.testing.assert_allclose(out, [windows.mean(axis=1).mean(), windows.var(axis=1).mean()],
                               rtol=1e-3, atol=1e-7)


def test_a_clip_shorter_than_one_texture_window_is_one_window(music_clips):
    short = music_clips[0][:SR // 2]  # half a second, windows of two
    windowed = LibrosaFeatures(features=["spectral_centroid"], stats=["mean", "var"],
                               texture_window=2.0).fit_transform(short[None])[0]
    whole = LibrosaFeatures(features=["spectral_centroid"]).fit_transform(short[None])[0]
    # one window: the mean over windows is the clip's mean (and variance), their spread 0
    np.testing.assert_allclose(windowed, [whole[0], 0.0, whole[1], 0.0], rtol=1e-9, atol=1e-9)


def test_texture_windows_follow_offset_duration_and_segments(music_clips, music_like):
    y = np.concatenate(music_clips)
    windowed = dict(features=["rms"], texture_window=0.5)
    cut = LibrosaFeatures(offset=3.0, max_duration=3.0, **windowed).fit_transform(y[None])
    alone = LibrosaFeatures(**windowed).fit_transform(music_clips[1][None])
    np.testing.assert_allclose(cut, alone, rtol=1e-6)
    X = np.stack([music_like(duration=6.0, seed=s, f0=f) for s, f in
                  [(0, 200.0), (1, 210.0), (2, 900.0), (3, 950.0)]])
    voting = SegmentVotingClassifier(
        make_pipeline(LibrosaFeatures(**windowed), StandardScaler(), SVC()),
        segment_duration=2.0, voting="hard", sr=SR).fit(X, ["low", "low", "high", "high"])
    assert list(voting.predict(X)) == ["low", "low", "high", "high"]


def test_texture_window_is_part_of_the_cache_key(tmp_path, music_clips):
    plain = LibrosaFeatures(features=["rms"], memory=str(tmp_path)).fit_transform(music_clips)
    windowed = LibrosaFeatures(features=["rms"], texture_window=1.0,
                               memory=str(tmp_path)).fit_transform(music_clips)
    assert plain.shape == (4, 2) and windowed.shape == (4, 4)
    again = LibrosaFeatures(features=["rms"], texture_window=1.0,
                            memory=str(tmp_path)).fit_transform(music_clips)
    np.testing.assert_array_equal(windowed, again)


@pytest.mark.parametrize("params, match", [
    (dict(features="richest"), "features"),
    (dict(texture_window=0.0), "texture_window"),
    (dict(texture_window=1.0, texture_hop=-1.0), "texture_hop"),
    (dict(features=["rhythm", "loudness"]), "loudness"),
])
def test_invalid_preset_and_windows_are_named(params, match, music_clips):
    with pytest.raises(ValueError, match=match):
        LibrosaFeatures(**params).fit(music_clips)


def test_presets_clone_and_grid_search_like_any_parameter(music_clips):
    """A preset and a texture window are grid-searched like any parameter, and take effect."""
    from sklearn.model_selection import GridSearchCV

    X = np.concatenate([music_clips, music_clips[:, ::-1].copy()])
    y = ["a"] * 4 + ["b"] * 4
    full = LibrosaFeatures(features="full", texture_window=1.5)
    gtzan = clone(full).set_params(features="gtzan", texture_window=None)
    assert gtzan.fit_transform(X).shape == (8, 57)
    assert full.fit_transform(X).shape[1] == len(full.get_feature_names_out()) > 57
    pipe = Pipeline([("feat", LibrosaFeatures()), ("scale", StandardScaler()), ("svm", SVC())])
    grid = {"feat__features": ["gtzan", "full"], "feat__texture_window": [None, 1.0]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    chosen = {k.removeprefix("feat__"): v for k, v in search.best_params_.items()}
    # the refit model computes the columns of the chosen preset and window
    expected = LibrosaFeatures(**chosen).fit(X).get_feature_names_out()
    assert search.best_estimator_[0].transform(X).shape == (8, len(expected))
    assert list(search.best_estimator_[0].get_feature_names_out()) == list(expected)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 31, 1293])
def test_quantile_statistics_are_numpys_to_the_bit(n):
    from skaudio.functional import summarize_rows

    x = np.random.default_rng(n).standard_normal((5, n)) * 1e3
    got = summarize_rows(x, ["q25", "median", "q75", "iqr"])
    q25, median, q75 = np.quantile(x, [0.25, 0.5, 0.75], axis=-1)
    np.testing.assert_array_equal(got, np.stack([q25, median, q75, q75 - q25], axis=-1))
