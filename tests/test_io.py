"""load_audio: formats, channels, rates, windows, and every way a file goes bad."""

import librosa
import numpy as np
import pytest
import soundfile as sf

from skaudio import AudioLoadError, SkaudioError, load_audio


def tone(sr, seconds=1.0, channels=1):
    t = np.arange(int(sr * seconds)) / sr
    y = 0.5 * np.sin(2 * np.pi * 440 * t)
    return np.stack([y, 0.5 * y], axis=1) if channels == 2 else y


@pytest.mark.parametrize("ext, subtype", [
    ("wav", "PCM_16"), ("wav", "PCM_24"), ("wav", "PCM_U8"), ("wav", "FLOAT"),
    ("flac", "PCM_16"), ("ogg", "VORBIS"), ("mp3", "MPEG_LAYER_III"),
])
def test_formats_decode_like_librosa(tmp_path, ext, subtype):
    path = tmp_path / f"tone.{ext}"
    sf.write(path, tone(16000), 16000, subtype=subtype)
    y = load_audio(path, sr=22050)
    reference, _ = librosa.load(path, sr=22050)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, reference)
    assert 0.3 < np.abs(y).max() < 0.7


@pytest.mark.parametrize("sr_native", [8000, 44100, 96000])
def test_any_rate_is_resampled(tmp_path, sr_native):
    path = tmp_path / "tone.wav"
    sf.write(path, tone(sr_native), sr_native)
    y = load_audio(path, sr=22050)
    assert y.shape == (22050,)
    peak_hz = np.argmax(np.abs(np.fft.rfft(y))) * 22050 / y.size
    assert abs(peak_hz - 440) < 2


def test_stereo_is_mixed_to_mono_or_kept(tmp_path):
    path = tmp_path / "stereo.wav"
    sf.write(path, tone(22050, channels=2), 22050, subtype="FLOAT")
    mono = load_audio(path)
    both = load_audio(path, mono=False)
    assert mono.shape == (22050,) and both.shape == (2, 22050)
    np.testing.assert_allclose(mono, both.mean(axis=0), atol=1e-7)


def test_multichannel_is_averaged(tmp_path):
    path = tmp_path / "six.wav"
    data = np.tile(tone(8000)[:, None], (1, 6)) * np.arange(1, 7) / 6
    sf.write(path, data, 8000, subtype="FLOAT")
    np.testing.assert_allclose(load_audio(path, sr=None), data.mean(axis=1), atol=1e-6)


def test_offset_and_duration(tmp_path):
    path = tmp_path / "ramp.wav"
    sf.write(path, np.linspace(-1, 1, 8000), 8000, subtype="FLOAT")
    y = load_audio(path, sr=None, offset=0.25, duration=0.5)
    assert y.shape == (4000,)
    np.testing.assert_allclose(y, np.linspace(-1, 1, 8000)[2000:6000], atol=1e-6)


def test_unicode_path(tmp_path):
    path = tmp_path / "chanson é 音楽.wav"
    sf.write(path, tone(8000), 8000)
    np.testing.assert_allclose(load_audio(path, sr=8000), tone(8000), atol=1e-4)  # 16-bit


def write_truncated_wav(path):
    sf.write(path, tone(8000, seconds=2.0), 8000)
    data = path.read_bytes()
    path.write_bytes(data[:44])  # a header that promises 2 s, and no samples


@pytest.mark.parametrize("make, cause", [
    (lambda p: None, "does not exist"),
    (lambda p: p.mkdir(), "directory"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_bytes(b"GIF89a not audio at all" * 50), "Cannot decode"),
    (lambda p: p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), "Cannot decode"),
    (write_truncated_wav, "no samples"),
    (lambda p: p.write_bytes(bytes(np.random.default_rng(0).integers(0, 255, 5000,
                                                                        dtype=np.uint8))),
     "Cannot decode"),
], ids=["missing", "directory", "empty", "not-audio", "truncated-header", "header-lies",
        "random-bytes"])
def test_bad_files_raise_naming_the_file(tmp_path, make, cause):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioLoadError, match=cause) as info:
        load_audio(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, SkaudioError)


def test_offset_past_the_end(tmp_path):
    path = tmp_path / "short.wav"
    sf.write(path, tone(8000), 8000)
    with pytest.raises(AudioLoadError, match="no samples.*offset"):
        load_audio(path, offset=5.0)
