"""MelSpectrogram: librosa parity, one fixed shape, every kind of X, sklearn manners."""

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from joblib import parallel_backend
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from skaudio import BadClipsWarning, MelSpectrogram, SkaudioError, count_clips, load_audio
from skaudio.functional.mel import mel_spectrogram

SMALL = dict(n_fft=512, hop_length=256, n_mels=32)


def librosa_mel(y, *, sr, n_fft=2048, hop_length=512, n_mels=128, fmin=0.0, fmax=None,
                power=2.0, to_db=True, top_db=80.0):
    """The reference: plain librosa calls."""
    S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length,
                                       n_mels=n_mels, fmin=fmin, fmax=fmax, power=power)
    return librosa.power_to_db(S, ref=1.0, top_db=top_db) if to_db else S


@pytest.mark.parametrize("params", [
    {},
    {"n_fft": 1024, "hop_length": 256, "n_mels": 64, "fmin": 50.0, "fmax": 8000.0},
    {"power": 1.0, "top_db": None},
    {"top_db": 40.0, "n_mels": 40},
])
def test_equals_librosa_on_generated_music(music_clips, params):
    out = MelSpectrogram(**params).fit_transform(music_clips)
    ref = np.stack([librosa_mel(y, sr=22050, **params) for y in music_clips])[:, None]
    assert out.dtype == np.float32
    n_frames = 1 + 66150 // params.get("hop_length", 512)
    assert out.shape == ref.shape == (4, 1, params.get("n_mels", 128), n_frames)
    assert np.max(np.abs(out - ref)) < 1e-4


def test_mel_power_without_db(music_clips):
    out = MelSpectrogram(to_db=False, **SMALL).fit_transform(music_clips[:2])
    ref = np.stack([librosa_mel(y, sr=22050, to_db=False, **SMALL) for y in music_clips[:2]])
    np.testing.assert_allclose(out[:, 0], ref, rtol=1e-4, atol=1e-6 * ref.max())
    assert out.min() >= 0  # power, not decibels


def test_equals_librosa_on_real_recordings(fsdd_files):
    """Files are resampled on load, exactly as librosa.load does, then cropped/padded."""
    files = fsdd_files[:8]
    out = MelSpectrogram(duration=0.5).fit_transform(files)
    for path, S in zip(files, out, strict=True):
        y, _ = librosa.load(path, sr=22050, duration=0.5)
        y = librosa.util.fix_length(y, size=11025)
        assert np.max(np.abs(S[0] - librosa_mel(y, sr=22050))) < 1e-4
    assert out.shape == (8, 1, 128, 1 + 11025 // 512)


def test_same_numbers_for_paths_array_and_ragged(music_clips, music_files):
    mel = MelSpectrogram(**SMALL)
    from_paths = mel.fit_transform(music_files)
    from_array = mel.fit_transform(music_clips)
    from_list = mel.fit_transform(list(music_clips))
    np.testing.assert_array_equal(from_paths, from_array)
    np.testing.assert_array_equal(from_list, from_array)
    # ragged clips padded to a common duration equal the pre-padded 2-D array
    ragged = [music_clips[0][:20000], music_clips[1]]
    padded = np.stack([np.pad(ragged[0], (0, 66150 - 20000)), music_clips[1]])
    mel = MelSpectrogram(duration=3.0, **SMALL)
    np.testing.assert_array_equal(mel.fit_transform(ragged), mel.fit_transform(padded))


def test_real_files_equal_their_loaded_arrays(fsdd_files):
    """At the files' own rate (8 kHz), a path and its samples give the same tensor."""
    files = fsdd_files[:4]
    mel = MelSpectrogram(sr=8000, duration=0.6, **SMALL)
    arrays = [load_audio(f, sr=8000) for f in files]
    np.testing.assert_array_equal(mel.fit_transform(files), mel.fit_transform(arrays))


@pytest.mark.parametrize("pad_mode", ["constant", "wrap", "reflect"])
def test_duration_crops_and_pads(music_clips, pad_mode):
    short, long = music_clips[0][:5000], music_clips[1]
    mel = MelSpectrogram(duration=1.0, pad_mode=pad_mode, **SMALL)
    out = mel.fit_transform([short, long])
    assert out.shape == (2, 1, 32, 1 + 22050 // 256)
    expected_short = np.pad(short, (0, 22050 - 5000), mode=pad_mode)
    np.testing.assert_array_equal(out[0, 0], mel_spectrogram(expected_short, sr=22050, **SMALL))
    np.testing.assert_array_equal(out[1, 0], mel_spectrogram(long[:22050], sr=22050, **SMALL))


def test_offset_starts_later(music_clips):
    out = MelSpectrogram(offset=1.0, duration=1.0, **SMALL).fit_transform(music_clips[:1])
    ref = mel_spectrogram(music_clips[0][22050:44100], sr=22050, **SMALL)
    np.testing.assert_array_equal(out[0, 0], ref)


def test_unequal_lengths_need_a_duration(music_clips, music_files, tmp_path):
    with pytest.raises(SkaudioError, match=r"different lengths.*set duration"):
        MelSpectrogram(**SMALL).fit([music_clips[0][:1000], music_clips[1]])
    short = str(tmp_path / "short.wav")
    sf.write(short, music_clips[0][:5000], 22050)
    mel = MelSpectrogram(**SMALL).fit(music_files)
    with pytest.raises(SkaudioError, match="duration"):
        mel.transform([short, *music_files])


def test_bad_file_gives_nan_tensor_with_on_error_nan(music_files, tmp_path):
    missing = str(tmp_path / "missing.wav")
    mel = MelSpectrogram(duration=1.0, on_error="nan", **SMALL).fit([missing, *music_files])
    with count_clips() as counts, pytest.warns(BadClipsWarning, match="1 of 5 clips"):
        out = mel.transform([music_files[0], missing, *music_files[1:]])
    assert np.isnan(out[1]).all()
    good = MelSpectrogram(duration=1.0, **SMALL).fit_transform(music_files)
    np.testing.assert_array_equal(out[[0, 2, 3, 4]], good)  # good rows are untouched
    assert [(b.index, b.name) for b in counts.bad_clips] == [(1, missing)]
    with pytest.raises(SkaudioError, match="missing.wav"):
        MelSpectrogram(duration=1.0, **SMALL).fit_transform([missing])


def test_flatten_gives_named_table_and_pandas_output(music_clips):
    mel = MelSpectrogram(flatten=True, n_fft=512, hop_length=256, n_mels=4, duration=0.05)
    mel.set_output(transform="pandas")
    df = mel.fit_transform(music_clips)
    assert isinstance(df, pd.DataFrame) and df.shape == (4, 4 * 5)
    assert list(df.columns[:6]) == ["mel0_t0", "mel0_t1", "mel0_t2", "mel0_t3", "mel0_t4",
                                    "mel1_t0"]
    tensor = clone(mel).set_params(flatten=False).set_output(transform="default")
    np.testing.assert_array_equal(df.to_numpy(), tensor.fit_transform(music_clips)
                                  .reshape(4, -1))
    with pytest.raises(SkaudioError, match="columns are fixed at fit"):
        mel.fit(music_clips[:, :1000]).set_params(duration=None).transform(music_clips)


def test_pandas_output_of_a_tensor_raises_clearly(music_clips):
    mel = MelSpectrogram(**SMALL).set_output(transform="pandas").fit(music_clips)
    with pytest.raises(SkaudioError, match="flatten=True"):
        mel.transform(music_clips)


def test_feature_names_need_a_known_length(music_files):
    with pytest.raises(SkaudioError, match="set duration"):
        MelSpectrogram(**SMALL).fit(music_files).get_feature_names_out()
    names = MelSpectrogram(duration=1.0, **SMALL).fit(music_files).get_feature_names_out()
    assert len(names) == 32 * (1 + 22050 // 256) and names[-1] == "mel31_t86"


def test_fmin_above_fmax_is_refused(music_clips):
    with pytest.raises(ValueError, match="fmin must be below fmax"):
        MelSpectrogram(fmin=5000, fmax=4000).fit(music_clips)
    with pytest.raises(ValueError, match="n_mels"):
        MelSpectrogram(n_mels=0).fit(music_clips)


def test_parallel_and_cached_results_are_identical(music_clips, tmp_path):
    ref = MelSpectrogram(**SMALL).fit_transform(music_clips)
    with parallel_backend("threading"), count_clips() as first:  # threads: no process start-up
        parallel = MelSpectrogram(n_jobs=2, memory=str(tmp_path), **SMALL).fit_transform(
            music_clips)
    np.testing.assert_array_equal(parallel, ref)
    assert (first.computed, first.cached) == (len(music_clips), 0)
    with count_clips() as again:
        cached = MelSpectrogram(memory=str(tmp_path), **SMALL).fit_transform(music_clips)
    np.testing.assert_array_equal(cached, ref)
    assert (again.computed, again.cached) == (0, len(music_clips))  # read back, not redone
    other = MelSpectrogram(memory=str(tmp_path), top_db=20.0, **SMALL).fit_transform(music_clips)
    assert not np.array_equal(other, ref)  # another setting is another cache entry


def test_pipeline_with_cnn_classifier(music_like):
    pytest.importorskip("torch")
    nets = pytest.importorskip("skaudio.nets")
    rng = np.random.default_rng(0)
    clips = np.stack([music_like(0.5, 8000, seed=i, f0=f0) for i, f0 in
                      enumerate([150, 160, 170, 1500, 1600, 1700] * 2)])
    clips += 0.01 * rng.standard_normal(clips.shape).astype(np.float32)
    labels = np.array(["low", "low", "low", "high", "high", "high"] * 2)
    model = Pipeline([
        ("mel", MelSpectrogram(sr=8000, n_fft=256, hop_length=128, n_mels=16, duration=0.5)),
        ("cnn", nets.CNNClassifier(n_blocks=1, channels=4, max_epochs=1, batch_size=4,
                                   random_state=0)),
    ])
    model.fit(clips, labels)
    assert model[-1].input_shape_ == (1, 16, 1 + 4000 // 128)
    assert list(model.classes_) == ["high", "low"]
    proba = model.predict_proba(clips)
    assert proba.shape == (12, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(model.predict(clips), model.classes_[proba.argmax(axis=1)])
    # the net sees exactly the mel tensors the first step makes
    np.testing.assert_array_equal(proba, model[-1].predict_proba(model[0].transform(clips)))
