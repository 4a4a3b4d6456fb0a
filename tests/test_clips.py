"""The X adapter: every kind of audio input seen as clips, and what is refused."""

import numpy as np
import pytest
import soundfile as sf

from skaudio import LibrosaFeatures, MelSpectrogram, load_audio
from skaudio._clips import ClipWindow, as_clips, as_float_audio
from skaudio.exceptions import AudioValueError, InvalidInputError

SR = 22050


@pytest.mark.parametrize("subtype, dtype", [("PCM_16", np.int16), ("PCM_32", np.int32)])
def test_integer_pcm_gives_the_numbers_of_its_wav_file(tmp_path, subtype, dtype):
    y = 0.3 * np.sin(2 * np.pi * 440 * np.arange(8192) / SR)
    path = tmp_path / "tone.wav"
    sf.write(path, y, SR, subtype=subtype)
    pcm = sf.read(path, dtype=np.dtype(dtype).name)[0]  # the file's integer samples
    for transformer in [LibrosaFeatures(features=["rms", "mfcc"], n_mfcc=4),
                        MelSpectrogram(duration=0.3, n_mels=16)]:
        from_file = transformer.fit_transform([str(path)])
        np.testing.assert_allclose(transformer.fit_transform(pcm[None]), from_file,
                                   rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(transformer.fit_transform([pcm]), from_file,
                                   rtol=1e-4, atol=1e-4)


def test_as_float_audio_scales_like_soundfile():
    np.testing.assert_array_equal(as_float_audio(np.array([-128, 64], np.int8)), [-1.0, 0.5])
    np.testing.assert_array_equal(as_float_audio(np.array([2**30], np.int32)), [0.5])
    np.testing.assert_array_equal(as_float_audio(np.array([0, 128, 255], np.uint8)),
                                  [-1.0, 0.0, 127 / 128])
    np.testing.assert_array_equal(as_float_audio(np.array([0.25, -1.0])), [0.25, -1.0])
    assert as_float_audio(np.array([3], np.int64))[0] == 3.0  # no PCM format: as it is


@pytest.mark.parametrize("X, match", [
    (np.ones((2, 100), dtype=bool), "booleans"),
    ([np.ones(100, dtype=bool)], r"X\[0\] must be a 1-D numeric waveform"),
    ((np.ones(100) for _ in range(2)), r"iterator.*list\(X\)"),
    (iter([np.ones(100)]), "iterator"),
])
def test_non_audio_inputs_are_refused_with_the_remedy(X, match):
    with pytest.raises(InvalidInputError, match=match):
        as_clips(X)
    with pytest.raises(InvalidInputError, match=match):
        LibrosaFeatures(features=["rms"]).fit(X)


def test_the_three_kinds_of_x():
    assert as_clips(np.zeros((2, 50), np.float32)).kind == "array"
    assert as_clips([np.zeros(50), np.zeros(60)]).kind == "ragged"
    assert as_clips(["a.wav", "b.flac"]).kind == "paths"


def test_a_window_reads_files_as_load_audio_and_arrays_by_slicing(music_clips, music_files):
    window = ClipWindow(SR, offset=0.5, duration=1.25)
    assert (window.start, window.n_samples, window.target_samples) == (11025, 27562, None)
    np.testing.assert_array_equal(window.read(music_files[1], name="x"),
                                  load_audio(music_files[1], sr=SR, offset=0.5, duration=1.25))
    np.testing.assert_array_equal(window.read(music_clips[1], name="x"),
                                  music_clips[1][11025:11025 + 27562])
    # the file at 22050 Hz holds exactly the array's samples: one window, one waveform
    np.testing.assert_array_equal(window.read(music_files[1], name="x"),
                                  window.read(music_clips[1], name="x"))
    assert window.read(music_files[0], name="x").dtype == np.float32


def test_a_window_gives_the_analysed_length_of_each_policy():
    at_most = ClipWindow(100, offset=0.5, duration=1.0)
    exactly = ClipWindow(100, offset=0.5, duration=1.0, fixed_length=True)
    whole = ClipWindow(100, offset=0.5)
    # clips of 30, 120 and 300 samples: 50 are skipped, then at most / exactly 100 read
    assert [at_most.length(n) for n in (30, 120, 300)] == [0, 70, 100]
    assert [exactly.length(n) for n in (30, 120, 300)] == [100, 100, 100]
    assert [whole.length(n) for n in (30, 120, 300)] == [0, 70, 250]
    assert exactly.target_samples == 100 and at_most.target_samples is None
    assert at_most.key() == {"sr": 100, "offset": 0.5, "duration": 1.0} == exactly.key()
    with pytest.raises(AttributeError):
        at_most.sr = 8000  # frozen: one value for every clip of a call
    with pytest.raises(AudioValueError, match="offset/duration select nothing"):
        at_most.read(np.ones(30), name="clip[0]")
