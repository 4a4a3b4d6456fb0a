"""Long clips analysed block by block give the values of the whole-clip analysis."""

from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf

import skaudio.features
from skaudio import LibrosaFeatures
from skaudio.functional import _blockwise
from skaudio.functional._blockwise import (
    WaveformMoments,
    blocks_supported,
    blockwise_frame_features,
    needs_blocks,
)
from skaudio.functional.families import FAMILIES, frame_features

FSDD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fsdd" / "recordings"


def _speech_and_music(sr):
    """Real spoken digits, then a loud chord, then near-silence and a quiet tone: ~14 s.

    The loudness spans far more than 80 dB, so every step that clips in dB
    against the loudest frame (log-mel, MFCC, spectral contrast, RMS in dB)
    clips differently in a block than in the whole clip.
    """
    if not FSDD.is_dir():
        pytest.skip(f"real recordings not found at {FSDD}")
    files = sorted(FSDD.glob("*_jackson_*.wav"))[:12]
    speech = np.concatenate([librosa.load(f, sr=sr)[0] for f in files])
    t = np.arange(3 * sr) / sr
    chord = 0.6 * sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) / 3
    rng = np.random.default_rng(0)
    quiet = 1e-6 * rng.standard_normal(2 * sr) + 1e-5 * np.sin(2 * np.pi * 440 * t[:2 * sr])
    return np.concatenate([speech, chord, quiet, np.zeros(sr // 3)]).astype(np.float32)


@pytest.fixture(scope="module")
def long_clip():
    return _speech_and_music(22050)


def _assert_same(whole, blocks, name):
    if isinstance(blocks, WaveformMoments):
        whole = whole.astype(np.float64)
        np.testing.assert_allclose(blocks.summarize(["mean", "var"]),
                                   [whole.mean(), whole.var()], rtol=1e-9, atol=1e-15,
                                   err_msg=name)
        return
    assert np.shape(blocks) == np.shape(whole), name
    scale = max(float(np.max(np.abs(whole))), 1e-12)
    np.testing.assert_allclose(blocks, whole, rtol=1e-6, atol=1e-6 * scale, err_msg=name)


@pytest.mark.parametrize("block_frames", [40, 128])
def test_every_family_equals_the_whole_clip(long_clip, block_frames):
    features = list(FAMILIES)
    whole = frame_features(long_clip, sr=22050, features=features)
    blocks = blockwise_frame_features(long_clip, sr=22050, features=features,
                                      block_frames=block_frames, moments={"harmony"})
    assert isinstance(blocks["harmony"], WaveformMoments)
    assert blocks["perceptr"].shape == long_clip.shape  # not reduced: returned whole
    for name in features:
        _assert_same(whole[name], blocks[name], name)


def test_other_frame_settings_and_a_ragged_end():
    y = _speech_and_music(16000)[:-77]  # not a whole number of hops
    settings = dict(sr=16000, n_fft=1024, hop_length=160, n_mfcc=13, n_mels=64)
    features = ["mfcc", "spectral_contrast", "chroma_stft", "harmony", "tempo", "rhythm",
                "zero_crossing_rate", "rms_db"]
    whole = frame_features(y, features=features, **settings)
    blocks = blockwise_frame_features(y, features=features, block_frames=200, **settings)
    for name in features:
        _assert_same(whole[name], blocks[name], name)


def test_waveform_moments_combine_like_the_whole():
    rng = np.random.default_rng(1)
    parts = [rng.standard_normal(n) * scale + shift
             for n, scale, shift in [(1000, 1.0, 0.0), (0, 1.0, 0.0), (7, 1e-3, 5.0),
                                     (20000, 3.0, -1.0)]]
    moments = sum((WaveformMoments.of(p) for p in parts[1:]), WaveformMoments.of(parts[0]))
    whole = np.concatenate(parts)
    np.testing.assert_allclose(moments.summarize(["mean", "var", "std"]),
                               [whole.mean(), whole.var(), whole.std()], rtol=1e-12)


def test_blocks_only_for_clips_longer_than_two_blocks():
    assert not needs_blocks(2 * 2048 * 512 - 512, hop_length=512, block_frames=2048)
    assert needs_blocks(2 * 2048 * 512, hop_length=512, block_frames=2048)
    # the tuning candidates need a bin in 150-4000 Hz: 16 points at 768 kHz are 48 kHz apart
    assert not blocks_supported(sr=768000, n_fft=16, features=["chroma_stft"])
    assert blocks_supported(sr=768000, n_fft=16, features=["mfcc"])
    assert blocks_supported(sr=22050, n_fft=2048, features=["chroma_stft"])


@pytest.mark.parametrize(("params", "reduced"), [
    ({}, {"harmony", "perceptr"}),  # the GTZAN 57: waveform mean and variance, reduced
    ({"features": "full"}, set()),
    ({"features": ["mfcc", "harmony", "perceptr"], "stats": ["mean", "median", "skew"]}, set()),
    ({"features": ["mfcc", "spectral_contrast", "harmony"], "texture_window": 1.0}, set()),
])
def test_librosa_features_of_a_long_file_equal_the_whole_clip(long_clip, tmp_path,
                                                                monkeypatch, params, reduced):
    path = str(tmp_path / "long.wav")
    sf.write(path, long_clip, 22050, subtype="FLOAT")
    calls = []
    original = skaudio.features.blockwise_frame_features

    def counting(*args, **kwargs):
        calls.append(kwargs.get("moments"))
        return original(*args, **kwargs)

    monkeypatch.setattr(skaudio.features, "blockwise_frame_features", counting)
    monkeypatch.setattr(_blockwise, "BLOCK_FRAMES", 10**9)

    def rows():  # of a file and of an array
        return np.vstack([LibrosaFeatures(**params).fit_transform(X)
                          for X in ([path], [long_clip])])

    whole = rows()
    assert not calls
    monkeypatch.setattr(_blockwise, "BLOCK_FRAMES", 100)
    blocks = rows()
    assert len(calls) == 2  # both clips went through the blocks
    assert calls[0] == reduced  # waveforms held whole only when a statistic needs them
    np.testing.assert_allclose(blocks, whole, rtol=1e-6, atol=1e-9)


def test_a_long_silent_clip_gives_the_whole_clip_values():
    y = np.zeros(22050 * 8, dtype=np.float32)
    features = list(FAMILIES)
    whole = frame_features(y, sr=22050, features=features)
    blocks = blockwise_frame_features(y, sr=22050, features=features, block_frames=64)
    for name in features:
        np.testing.assert_array_equal(np.asarray(blocks[name], dtype=np.float64),
                                      np.asarray(whole[name], dtype=np.float64), err_msg=name)
