"""Tests for skaudio.augment: the seeded numpy augmentation maths and the batch augmenter."""

import numpy as np
import pytest

from skaudio.augment import (
    BatchAugmenter,
    add_noise,
    check_augment,
    crop_starts,
    freq_shift,
    mixup_pairs,
    pitch_shift,
    random_crop,
    random_gain,
    spec_mask,
    time_shift,
)
from skaudio.exceptions import SkaudioError


def rng(seed=0):
    return np.random.default_rng(seed)


# -- the functions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_total", "length", "hop", "expected"),
    [
        (10, 4, None, [0, 2, 4, 6]),
        (11, 4, 4, [0, 4, 7]),
        (8, 4, 4, [0, 4]),
        (4, 4, 2, [0]),
        (3, 4, 1, [0]),
    ],
)
def test_crop_starts_cover_the_clip(n_total, length, hop, expected):
    starts = crop_starts(n_total, length=length, hop=hop)
    assert starts.tolist() == expected
    covered = np.zeros(n_total, bool)
    for s in starts:
        covered[s:s + length] = True
    assert covered.all()


def test_random_crop_takes_contiguous_windows_of_each_clip():
    X = np.arange(3 * 2 * 20, dtype=np.float32).reshape(3, 1, 2, 20)
    crops = random_crop(X, length=6, rng=rng())
    assert crops.shape == (3, 1, 2, 6) and crops.dtype == np.float32
    for clip, crop in zip(X, crops, strict=True):
        start = int(crop[0, 0, 0] - clip[0, 0, 0])
        np.testing.assert_array_equal(crop, clip[..., start:start + 6])
    starts = {int(random_crop(X, length=6, rng=rng(s))[0, 0, 0, 0]) for s in range(30)}
    assert len(starts) > 5  # the start varies with the seed
    np.testing.assert_array_equal(random_crop(X, length=6, rng=rng(4)),
                                  random_crop(X, length=6, rng=rng(4)))
    assert random_crop(X, length=30, rng=rng()) is X


def test_spec_mask_fills_bands_and_frames_with_the_clip_mean():
    S = np.random.default_rng(1).normal(size=(4, 1, 16, 30))
    out = spec_mask(S, rng=rng(), freq_width=4, time_width=5, n_masks=2)
    assert out.shape == S.shape and not np.shares_memory(out, S)
    draws = rng()  # replay: per clip and mask, (width, start) in freq then in time
    for clip, masked in zip(S, out, strict=True):
        expected = clip.copy()
        for _ in range(2):
            width = int(draws.integers(0, 5))
            start = int(draws.integers(0, 16 - width + 1))
            expected[:, start:start + width, :] = clip.mean()
            width = int(draws.integers(0, 6))
            start = int(draws.integers(0, 30 - width + 1))
            expected[:, :, start:start + width] = clip.mean()
        assert not np.array_equal(expected, clip)  # these draws mask something in each clip
        np.testing.assert_array_equal(masked, expected)
    np.testing.assert_array_equal(spec_mask(S, rng=rng()), S)  # widths 0: nothing


def test_random_gain_stays_within_range_and_keeps_dtype():
    X = np.ones((200, 1, 5), dtype=np.float32)
    out = random_gain(X, rng=rng(), max_db=6.0)
    gain_db = 20 * np.log10(out[:, 0, 0])
    assert out.dtype == np.float32
    assert gain_db.min() >= -6.0 - 1e-4 and gain_db.max() <= 6.0 + 1e-4
    assert gain_db.std() > 2.0
    np.testing.assert_allclose(out / out[:, :, :1], 1.0)  # one gain per clip


@pytest.mark.parametrize("snr_db", [0.0, 20.0])
def test_add_noise_hits_the_snr(snr_db):
    t = np.arange(40000)
    X = np.stack([np.sin(t / 7.0), 0.1 * np.sin(t / 3.0)])[:, None].astype(np.float32)
    noise = add_noise(X, rng=rng(), snr_db=snr_db) - X
    measured = 10 * np.log10(np.mean(X**2, axis=(1, 2)) / np.mean(noise**2, axis=(1, 2)))
    np.testing.assert_allclose(measured, snr_db, atol=0.1)
    silent = np.zeros((1, 1, 10), np.float32)
    np.testing.assert_array_equal(add_noise(silent, rng=rng(), snr_db=snr_db), silent)


def test_add_noise_draws_the_snr_from_a_range():
    X = np.sin(np.arange(20000) / 5.0)[None].repeat(50, axis=0)
    noise = add_noise(X, rng=rng(), snr_db=(10.0, 30.0)) - X
    snr = 10 * np.log10(np.mean(X**2, axis=1) / np.mean(noise**2, axis=1))
    assert 9.5 < snr.min() and snr.max() < 30.5 and snr.std() > 3
    with pytest.raises(SkaudioError, match="low must not exceed high"):
        add_noise(X, rng=rng(), snr_db=(30.0, 10.0))


def test_time_shift_rolls_each_clip():
    X = np.arange(40.0).reshape(4, 1, 10)
    out = time_shift(X, rng=rng(2), max_shift=3)
    expected = rng(2).integers(-3, 4, size=4)  # the draws time_shift made: [2, -2, -3, -1]
    assert np.any(expected != 0)
    for clip, shifted, k in zip(X, out, expected, strict=True):
        np.testing.assert_array_equal(shifted, np.roll(clip, k, axis=-1))


def test_pitch_shift_keeps_length_and_moves_the_pitch():
    sr = 8000
    y = np.sin(2 * np.pi * 500 * np.arange(sr) / sr).astype(np.float32)
    out = pitch_shift(y, sr=sr, rng=rng(), max_semitones=4.0)
    assert out.shape == y.shape and out.dtype == np.float32
    peak = np.argmax(np.abs(np.fft.rfft(out))) * sr / len(y)
    steps = float(rng().uniform(-4.0, 4.0))  # the draw pitch_shift made
    assert abs(peak - 500 * 2 ** (steps / 12)) < 15
    assert pitch_shift(y[:100], sr=sr, rng=rng(), max_semitones=1.0).shape == (100,)


def test_mixup_pairs():
    perm, lam = mixup_pairs(8, rng=rng(), alpha=0.4)
    draws = rng()  # replay: the weight first, then the permutation
    weight = float(draws.beta(0.4, 0.4))
    expected_perm = draws.permutation(8)
    assert perm.dtype == np.int64 and not np.array_equal(expected_perm, np.arange(8))
    np.testing.assert_array_equal(perm, expected_perm)
    assert lam == max(weight, 1.0 - weight) and 0.5 <= lam < 1.0


def test_check_augment_recipes_and_errors():
    assert check_augment(None, kind="waveform", shape=(1, 100)) == {}
    assert check_augment("default", kind="waveform", shape=(1, 100)) == {
        "gain_db": 6.0, "snr_db": (10.0, 40.0), "time_shift": 10, "time_mask": 10, "n_masks": 1}
    assert check_augment("default", kind="spectrogram", shape=(1, 40, 48)) == {
        "freq_mask": 5, "time_mask": 6, "time_shift": 6, "n_masks": 1, "mixup": 0.2}
    assert check_augment({"freq_mask": 3, "n_masks": 0}, kind="spectrogram",
                         shape=(1, 8, 8)) == {}
    assert check_augment({"mixup": 0, "time_shift": None}, kind="spectrogram",
                         shape=(1, 8, 8)) == {}
    with pytest.raises(SkaudioError, match="None, 'default' or a dict"):
        check_augment("heavy", kind="spectrogram", shape=(1, 8, 8))
    with pytest.raises(SkaudioError, match="unknown key.*gain_db"):
        check_augment({"gain_db": 3.0}, kind="spectrogram", shape=(1, 8, 8))
    with pytest.raises(SkaudioError, match="int >= 0"):
        check_augment({"time_mask": 2.5}, kind="spectrogram", shape=(1, 8, 8))
    with pytest.raises(SkaudioError, match="number or a .low, high. pair"):
        check_augment({"snr_db": "loud"}, kind="waveform", shape=(1, 8))


def test_batch_augmenter_is_seeded_and_keeps_dtype():
    X = np.random.default_rng(3).normal(size=(6, 1, 8, 30)).astype(np.float32)
    recipe = {**check_augment("default", kind="spectrogram", shape=(1, 8, 12)), "mixup": 0.2}
    a = BatchAugmenter(recipe, rng(5), crop=12)
    b = BatchAugmenter(recipe, rng(5), crop=12)
    for _ in range(3):
        (xa, pa, la), (xb, pb, lb) = a(X), b(X)
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(pa, pb)
        assert la == lb and xa.dtype == np.float32 and xa.shape == (6, 1, 8, 12)
        assert sorted(pa.tolist()) == list(range(6)) and 0.5 <= la < 1.0
    x5, _, _ = BatchAugmenter(recipe, rng(5), crop=12)(X)
    x6, _, _ = BatchAugmenter(recipe, rng(6), crop=12)(X)
    assert not np.allclose(x5, x6)  # another seed, another batch
    # the recipe does more than the crop it starts with (the crop is the first draw)
    assert not np.allclose(x5, random_crop(X, length=12, rng=rng(5)))
    x, perm, lam = BatchAugmenter({}, rng(), crop=None)(X)
    np.testing.assert_array_equal(x, X)
    assert perm is None and lam == 1.0
    waves = np.random.default_rng(3).normal(size=(4, 1, 50)).astype(np.float32)
    recipe = check_augment("default", kind="waveform", shape=(1, 50))
    augmented = BatchAugmenter(recipe, rng())(waves)[0]
    assert augmented.shape == (4, 1, 50) and not np.allclose(augmented, waves)


def test_freq_shift_moves_bands_and_repeats_the_edge():
    S = np.arange(6.0)[None, None, :, None].repeat(3, axis=0).repeat(4, axis=3)
    out = freq_shift(S, rng=rng(0), max_shift=2)
    shifts = rng(0).integers(-2, 3, size=3)  # the draws freq_shift made: [2, 1, 0]
    assert np.any(shifts != 0)
    for clip, shift in zip(out, shifts, strict=True):
        expected = np.clip(np.arange(6) + shift, 0, 5)  # band i takes band i + shift
        np.testing.assert_array_equal(clip[0, :, 0], expected)
        assert (clip == clip[..., :1]).all()  # the same shift for every frame
    assert check_augment({"freq_shift": 2}, kind="spectrogram", shape=(1, 6, 4)) == {
        "freq_shift": 2}
