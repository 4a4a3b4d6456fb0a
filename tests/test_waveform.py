"""RawWaveform: fixed-length tensors, normalization, every kind of X, resampling."""

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from skaudio import BadClipsWarning, RawWaveform, SkaudioError, load_audio


def test_shape_dtype_and_samples(music_clips):
    out = RawWaveform().fit_transform(music_clips.astype(np.float64))
    assert out.shape == (4, 1, 66150) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, 0], music_clips)


@pytest.mark.parametrize("pad_mode", ["constant", "wrap", "reflect"])
def test_duration_crops_and_pads(music_clips, pad_mode):
    short, long = music_clips[0][:5000], music_clips[1]
    out = RawWaveform(duration=0.5, pad_mode=pad_mode).fit_transform([short, long])
    assert out.shape == (2, 1, 11025)
    np.testing.assert_array_equal(out[0, 0], np.pad(short, (0, 6025), mode=pad_mode))
    np.testing.assert_array_equal(out[1, 0], long[:11025])


def test_offset_then_duration(music_clips):
    out = RawWaveform(offset=1.0, duration=1.0).fit_transform(music_clips)
    np.testing.assert_array_equal(out[:, 0], music_clips[:, 22050:44100])


def test_normalize_peak_and_rms(music_clips):
    clips = [0.3 * music_clips[0][:4000], 5.0 * music_clips[1][:8000]]
    peak = RawWaveform(duration=8000 / 22050, normalize="peak").fit_transform(clips)
    np.testing.assert_allclose(np.abs(peak).max(axis=(1, 2)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(peak[0, 0, :4000], clips[0] / np.abs(clips[0]).max(), rtol=1e-5)
    assert not peak[0, 0, 4000:].any()  # zero padding after normalization
    rms = RawWaveform(normalize="rms").fit_transform(np.stack([c[:4000] for c in clips]))
    np.testing.assert_allclose(np.sqrt(np.mean(rms.astype(np.float64) ** 2, axis=(1, 2))),
                               1.0, rtol=1e-5)


@pytest.mark.parametrize("normalize", ["peak", "rms"])
def test_silent_clip_stays_zero(normalize):
    out = RawWaveform(normalize=normalize).fit_transform(np.zeros((2, 1000)))
    assert np.isfinite(out).all() and not out.any()


def test_same_numbers_for_paths_array_and_ragged(music_clips, music_files):
    wave = RawWaveform(duration=2.0, normalize="rms")
    from_paths = wave.fit_transform(music_files)
    np.testing.assert_array_equal(from_paths, wave.fit_transform(music_clips))
    np.testing.assert_array_equal(from_paths, wave.fit_transform(list(music_clips)))


def test_files_are_resampled_as_librosa_loads_them(fsdd_files):
    files = fsdd_files[:6]
    out = RawWaveform(sr=16000, duration=0.4).fit_transform(files)
    for path, row in zip(files, out, strict=True):
        y, _ = librosa.load(path, sr=16000, duration=0.4)
        np.testing.assert_array_equal(row[0], librosa.util.fix_length(y, size=6400))
    # uncropped, a real file and its loaded samples give the same tensor
    one = files[:1]
    np.testing.assert_array_equal(RawWaveform(sr=16000).fit_transform(one)[0, 0],
                                  load_audio(one[0], sr=16000))


def test_unequal_lengths_need_a_duration(music_clips, music_files, tmp_path):
    with pytest.raises(SkaudioError, match=r"different lengths \(1000, 66150 samples"):
        RawWaveform().fit([music_clips[0][:1000], music_clips[1]])
    short = str(tmp_path / "short.wav")
    sf.write(short, music_clips[0][:5000], 22050)
    wave = RawWaveform().fit(music_files)
    assert wave.n_samples_ is None
    with pytest.raises(SkaudioError, match="duration"):
        wave.transform([*music_files, short])


def test_any_length_at_transform_unless_flattened(music_clips):
    wave = RawWaveform().fit(music_clips[:, :2000])
    np.testing.assert_array_equal(wave.transform(music_clips[:, :3000]),
                                  music_clips[:, None, :3000])
    flat = RawWaveform(flatten=True).fit(music_clips[:, :2000])
    with pytest.raises(SkaudioError, match="columns are fixed at fit"):
        flat.transform(music_clips[:, :3000])


def test_flatten_and_pandas_output(music_clips):
    wave = RawWaveform(sr=1000, duration=0.004, flatten=True).set_output(transform="pandas")
    df = wave.fit_transform(music_clips)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["sample0", "sample1", "sample2", "sample3"]
    np.testing.assert_array_equal(df.to_numpy(), music_clips[:, :4])
    with pytest.raises(SkaudioError, match="flatten=True"):
        RawWaveform().set_output(transform="pandas").fit_transform(music_clips)


def test_bad_clip_with_on_error_nan(music_clips):
    clips = [music_clips[0], np.full(100, np.nan), music_clips[1]]
    wave = RawWaveform(duration=0.1, on_error="nan")
    with pytest.warns(BadClipsWarning, match="1 of 3 clips") as caught:
        out = wave.fit_transform(clips)
    assert out.shape == (3, 1, 2205) and np.isnan(out[1]).all()
    np.testing.assert_array_equal(out[[0, 2], 0], music_clips[:2, :2205])  # good rows kept
    assert [b.index for b in caught[0].message.bad_clips] == [1]
    with pytest.raises(SkaudioError, match=r"clip\[1\].*NaN"):
        RawWaveform(duration=0.1).fit_transform(clips)


def test_invalid_parameters_are_refused(music_clips):
    with pytest.raises(ValueError, match="normalize"):
        RawWaveform(normalize="max").fit(music_clips)
    with pytest.raises(ValueError, match="pad_mode"):
        RawWaveform(pad_mode="edge").fit(music_clips)
