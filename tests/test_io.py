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
    (write_truncated_wav, "truncated: its header declares 32,000 bytes"),
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


# --------------------------------------------------------------------------
# resource guards: a header cannot ask for unbounded memory
# --------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [1, 999, 768_001, 10**9])
def test_absurd_sample_rate_is_refused(tmp_path, rate):
    # a 4 KB file at 1 Hz would be resampled to 44.1 M samples at 22050 Hz
    path = tmp_path / "bomb.wav"
    sf.write(path, 0.1 * np.ones(2000), rate, subtype="PCM_16")
    assert path.stat().st_size < 5000
    with pytest.raises(AudioLoadError, match=rf"sample rate of {rate} Hz.*leave it out") as info:
        load_audio(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("rate", [1000, 768_000])
def test_sample_rate_bounds_are_inclusive(tmp_path, rate):
    path = tmp_path / "edge.wav"
    sf.write(path, 0.1 * np.ones(rate // 100), rate, subtype="PCM_16")
    assert load_audio(path, sr=None).shape == (rate // 100,)


def test_size_limit_is_checked_before_decoding(tmp_path, monkeypatch):
    path = tmp_path / "two_seconds.wav"
    sf.write(path, tone(8000, seconds=2.0), 8000)  # 44100 samples at 22050 Hz
    assert load_audio(path, max_samples=44100).shape == (44100,)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded before the size check")

    monkeypatch.setattr(sf.SoundFile, "read", no_decoding)
    with pytest.raises(AudioLoadError, match=r"44,100 samples.*limit of 44,099.*"
                                             r"duration=.*skaudio\.io\.MAX_SAMPLES") as info:
        load_audio(path, max_samples=44099)
    assert str(path) in str(info.value)
    # the module-level limit is the default
    monkeypatch.setattr("skaudio.io.MAX_SAMPLES", 22050)
    with pytest.raises(AudioLoadError, match="limit of 22,050 samples"):
        load_audio(path)
    # a window within the limit is fine, and is what the message suggests
    monkeypatch.undo()
    assert load_audio(path, duration=1.0, max_samples=22050).shape == (22050,)


def test_size_limit_counts_every_channel_returned(tmp_path):
    path = tmp_path / "stereo.wav"
    sf.write(path, tone(22050, channels=2), 22050)
    assert load_audio(path, max_samples=22050).shape == (22050,)  # mixed down
    with pytest.raises(AudioLoadError, match="44,100 samples"):
        load_audio(path, mono=False, max_samples=22050)


@pytest.mark.parametrize("rate", [8000, 44100, 96000])
@pytest.mark.parametrize("channels", [1, 2, 6])
@pytest.mark.parametrize("mono", [True, False])
def test_block_decoding_equals_librosa(tmp_path, rate, channels, mono):
    # longer than one decoding block, in every layout, resampled or not
    path = tmp_path / "long.wav"
    rng = np.random.default_rng(rate + channels)
    sf.write(path, 0.3 * rng.standard_normal((int(2.3 * rate), channels)), rate,
             subtype="FLOAT")
    y = load_audio(path, sr=22050, mono=mono)
    reference, _ = librosa.load(path, sr=22050, mono=mono)
    assert y.shape == reference.shape and y.flags.c_contiguous
    np.testing.assert_array_equal(y, reference)
    # a window across a block boundary, at the file's own rate
    windowed = load_audio(path, sr=None, mono=mono, offset=1.4, duration=0.5)
    raw, _ = sf.read(path, dtype="float32", always_2d=True)
    raw = raw[round(1.4 * rate):][:round(0.5 * rate)].T
    raw = raw.mean(axis=0) if mono else (raw[0] if channels == 1 else raw)
    np.testing.assert_array_equal(windowed, raw)


@pytest.mark.parametrize("fmt, subtype", [("WAV", "PCM_16"), ("WAV", "FLOAT"), ("AIFF", "PCM_24"),
                                          ("WAVEX", "PCM_16")])
def test_truncated_file_is_an_error_naming_it(tmp_path, fmt, subtype):
    """A download cut short must not load as a shorter clip (libsndfile reads what is there)."""
    y = (0.1 * np.random.default_rng(0).standard_normal(22050 * 3)).astype(np.float32)
    whole = tmp_path / f"whole.{fmt.lower()}"
    sf.write(whole, y, 22050, format=fmt, subtype=subtype)
    assert load_audio(str(whole), sr=None).shape == (y.size,)  # the intact file loads
    cut = tmp_path / f"cut.{fmt.lower()}"
    cut.write_bytes(whole.read_bytes()[:5000])
    with pytest.raises(AudioLoadError, match=r"cut\.\w+'? is truncated.*Re-download"):
        load_audio(str(cut))


def test_wav_with_extra_chunks_and_streaming_sizes_loads(tmp_path):
    y = (0.1 * np.random.default_rng(1).standard_normal(4000)).astype(np.float32)
    path = tmp_path / "tagged.wav"
    sf.write(path, y, 22050, subtype="PCM_16")
    data = path.read_bytes()
    fmt_end = 12 + 8 + int.from_bytes(data[16:20], "little")
    odd_chunk = b"LIST" + (3).to_bytes(4, "little") + b"abc\x00"  # odd size, padded
    tagged = data[:fmt_end] + odd_chunk + data[fmt_end:]
    path.write_bytes(tagged)
    np.testing.assert_allclose(load_audio(str(path), sr=None), y, atol=1e-4)
    at = tagged.index(b"data") + 4
    streamed = tagged[:at] + b"\xff\xff\xff\xff" + tagged[at + 4:]  # size left unset
    path.write_bytes(streamed)
    assert load_audio(str(path), sr=None).size == y.size


def test_truncated_mp3_with_a_length_header_is_an_error(tmp_path):
    """An MP3 cut short loaded as a third of the clip; its Xing header says how long it is."""
    y = (0.1 * np.random.default_rng(2).standard_normal(22050 * 5)).astype(np.float32)
    whole = tmp_path / "whole.mp3"
    try:
        sf.write(whole, y, 22050, format="MP3")
    except (sf.LibsndfileError, TypeError, ValueError) as exc:  # libsndfile without MP3
        pytest.skip(f"this libsndfile cannot write MP3: {exc}")
    assert b"Xing" in whole.read_bytes()[:4096] or b"Info" in whole.read_bytes()[:4096]
    assert abs(load_audio(str(whole), sr=None).size - y.size) < 2 * 1152  # intact: loads
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 3])
    with pytest.raises(AudioLoadError, match=r"cut\.mp3'? is truncated or damaged.*Re-download"):
        load_audio(str(cut))
