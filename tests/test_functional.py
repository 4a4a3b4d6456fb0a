"""skaudio.functional: the running median is scipy's bit for bit, the rest is librosa's."""

import itertools

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import ndimage

from skaudio.datasets import make_genres
from skaudio.functional import frame_features, hpss, hpss_waveforms
from skaudio.functional._median import median_filter_axis, median_filters_both_axes
from skaudio.functional.decompose import _harmonic_mask, _stft, harmonic_mask, istft
from skaudio.functional.mel import _mel_basis, _mel_power
from skaudio.functional.rhythm import onset_envelope, tempogram
from skaudio.functional.spectral import (
    _chroma,
    _estimate_tuning,
    _rms,
    spectral_centroid_bandwidth,
    spectral_rolloff,
)
from skaudio.functional.stats import summarize_rows

SR = 22050


def scipy_median(x, size, axis):
    shape = [1, 1]
    shape[axis] = size
    return ndimage.median_filter(x, size=shape, mode="reflect")


def assert_bitwise_equal(got, expected):
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(np.ascontiguousarray(got).view(np.uint8),
                          np.ascontiguousarray(expected).view(np.uint8))


def values(kind, shape, rng):
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "ties":
        return rng.integers(0, 4, shape).astype(float)
    if kind == "zeros":
        return np.abs(rng.standard_normal(shape)) * (rng.random(shape) < 0.3)
    return rng.choice([1e-300, -1e300, 1e300, 1e-45, 3e38, -np.inf, np.inf, 0.0, 1.0], shape)


@pytest.fixture(scope="module")
def clip():
    return make_genres(n_per_class=1, duration=5.0, random_state=0).data[0]


@pytest.mark.parametrize("kind", ["normal", "ties", "zeros", "extreme"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 3, 5, 31, 33])
@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_median_is_scipys_bit_for_bit(kind, dtype, size, axis):
    rng = np.random.default_rng(0)
    for shape in itertools.product([1, 3, 4, 16, 17, 40, 129, 300], [1, 5, 130]):
        if shape[axis] <= 2 or size // 2 > shape[axis]:
            continue  # scipy's own padding there, and it is not always deterministic
        with np.errstate(over="ignore"):
            x = values(kind, shape, rng).astype(dtype)
        assert_bitwise_equal(median_filter_axis(x, size=size, axis=axis),
                             scipy_median(x, size, axis))


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(st.sampled_from([np.float32, np.float64]),
                    hnp.array_shapes(min_dims=2, max_dims=2, min_side=3, max_side=70),
                    elements=st.floats(-1e6, 1e6, width=32, allow_subnormal=True)),
       size=st.sampled_from([1, 3, 7, 31]), axis=st.sampled_from([0, 1]))
def test_median_random_arrays(x, size, axis):
    x = x + 0.0  # scipy's order of -0.0 and 0.0 is its own
    if size // 2 <= x.shape[axis]:
        assert_bitwise_equal(median_filter_axis(x, size=size, axis=axis),
                             scipy_median(x, size, axis))


@pytest.mark.parametrize("special", [np.nan, -0.0])
def test_median_leaves_nan_and_negative_zero_to_scipy(special):
    x = np.random.default_rng(1).standard_normal((40, 50))
    x[3, 4] = special
    for axis in (0, 1):
        np.testing.assert_array_equal(median_filter_axis(x, size=31, axis=axis),
                                      scipy_median(x, 31, axis))


def test_median_short_lines_and_other_dtypes():
    x = np.random.default_rng(2).standard_normal((2, 50)) + 10
    assert_bitwise_equal(median_filter_axis(x, size=3, axis=0), scipy_median(x, 3, 0))
    ints = np.random.default_rng(3).integers(0, 100, (40, 40))
    assert_bitwise_equal(median_filter_axis(ints, size=5, axis=1), scipy_median(ints, 5, 1))


def _reflected_median(line, size):
    """The median of each window of ``line`` extended by repeated reflection, one by one."""
    index = np.pad(np.arange(line.size), size // 2, mode="symmetric")
    return np.array([np.median(line[index[j:j + size]]) for j in range(line.size)])


@pytest.mark.parametrize("order", ["C", "F"])
def test_median_of_lines_shorter_than_half_the_window(order):
    """The frames of a very short clip: reflected again and again, the same on every call.

    scipy's 2-D median_filter reads past such lines on a Fortran-ordered
    array (librosa's STFT layout): NaN, or values that change between calls.
    """
    rng = np.random.default_rng(5)
    for n in range(1, 16):
        x = np.asarray(rng.random((257, n), dtype=np.float32), order=order)
        expected = np.stack([_reflected_median(row, 31) for row in x]).astype(np.float32)
        harmonic, percussive = median_filters_both_axes(x, size=31)
        assert_bitwise_equal(harmonic, expected)
        assert_bitwise_equal(median_filter_axis(x.T.copy(order=order), size=31, axis=0),
                             expected.T)
        if n >= 3:  # scipy's 1-D filter, line by line, agrees (at n = 2 it has its own way)
            assert_bitwise_equal(expected[0], ndimage.median_filter(x[0].copy(), 31,
                                                                    mode="reflect"))


@pytest.mark.parametrize("order", ["C", "F"])
def test_median_both_axes_keeps_the_memory_order(order):
    x = np.asarray(np.random.default_rng(4).random((200, 90), dtype=np.float32), order=order)
    along_cols, along_rows = median_filters_both_axes(x, size=31)
    assert along_cols.flags[f"{order}_CONTIGUOUS"] and along_rows.flags[f"{order}_CONTIGUOUS"]
    assert_bitwise_equal(along_cols, scipy_median(x, 31, 1))
    assert_bitwise_equal(along_rows, scipy_median(x, 31, 0))


@pytest.mark.parametrize("size", [0, 4, -3])
def test_median_rejects_even_sizes(size):
    with pytest.raises(ValueError, match="odd positive"):
        median_filter_axis(np.zeros((4, 4)), size=size, axis=0)
    with pytest.raises(ValueError, match="odd positive"):
        median_filters_both_axes(np.zeros((4, 4)), size=size)


def test_hpss_is_librosas(clip):
    D = librosa.stft(clip)
    for ours, ref in zip(hpss(D), librosa.decompose.hpss(D), strict=True):
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6 * np.abs(D).max())


def test_hpss_waveforms_are_librosas(clip):
    D = librosa.stft(clip)
    ours = hpss_waveforms(clip, D=D, n_fft=2048, hop_length=512)
    for wave, ref in zip(ours, librosa.effects.hpss(clip), strict=True):
        assert wave.dtype == ref.dtype == clip.dtype
        np.testing.assert_allclose(wave, ref, rtol=0, atol=1e-5 * np.abs(clip).max())


def test_frame_features_are_librosas(clip):
    y = clip
    got = frame_features(y, sr=SR)
    reference = {
        "chroma_stft": librosa.feature.chroma_stft(y=y, sr=SR),
        "rms": librosa.feature.rms(y=y)[0],
        "spectral_centroid": librosa.feature.spectral_centroid(y=y, sr=SR)[0],
        "spectral_bandwidth": librosa.feature.spectral_bandwidth(y=y, sr=SR)[0],
        "rolloff": librosa.feature.spectral_rolloff(y=y, sr=SR)[0],
        "zero_crossing_rate": librosa.feature.zero_crossing_rate(y)[0],
        "tempo": np.atleast_1d(librosa.beat.beat_track(y=y, sr=SR)[0]),
        "mfcc": librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20),
    }
    reference["harmony"], reference["perceptr"] = librosa.effects.hpss(y)
    assert set(got) == set(reference)
    for name, ref in reference.items():
        scale = np.abs(ref).max()
        np.testing.assert_allclose(got[name], ref, rtol=1e-4, atol=1e-4 * scale, err_msg=name)


@pytest.mark.filterwarnings("ignore:Trying to estimate tuning")
def test_tuning_is_librosas_to_the_bit():
    clips = list(make_genres(n_per_class=2, duration=4.0, random_state=1).data)
    for y in clips + [np.zeros(8192, np.float32)]:
        for power in (1, 2):
            S = np.abs(librosa.stft(y)) ** power
            assert _estimate_tuning(S, sr=SR, n_fft=2048) == librosa.estimate_tuning(S=S, sr=SR)


def test_median_of_a_spectrogram_is_scipys_bit_for_bit(clip):
    S = np.abs(librosa.stft(clip))  # Fortran-ordered, 1025 bins: a narrow last block of lanes
    along_cols, along_rows = median_filters_both_axes(S, size=31)
    assert along_cols.flags.f_contiguous and along_rows.flags.f_contiguous
    assert_bitwise_equal(np.ascontiguousarray(along_cols), scipy_median(S, 31, 1))
    assert_bitwise_equal(np.ascontiguousarray(along_rows), scipy_median(S, 31, 0))


@pytest.mark.filterwarnings("ignore:n_fft=.* is too large")
@pytest.mark.parametrize(("n_fft", "hop_length"), [(2048, 512), (1024, 256), (512, 160)])
def test_stft_is_librosas_to_the_bit(clip, n_fft, hop_length):
    rng = np.random.default_rng(5)
    for y in [clip, clip.astype(np.float64), *(rng.standard_normal(n).astype(np.float32)
                                              for n in (1, 100, n_fft - 1, n_fft, 5000))]:
        ours = _stft(y, n_fft=n_fft, hop_length=hop_length)
        ref = librosa.stft(y, n_fft=n_fft, hop_length=hop_length)
        assert ours.flags.f_contiguous
        assert_bitwise_equal(np.asfortranarray(ours).T, np.asfortranarray(ref).T)


def _numpy_istft(D, n_fft, hop_length, length):
    """The windowed overlap-add of numpy operations, one shifted addition per block."""
    frames = np.fft.irfft(np.ascontiguousarray(D.T), n=n_fft, axis=-1)
    window = librosa.filters.get_window("hann", n_fft, fftbins=True)
    frames *= window.astype(frames.dtype)
    overlap, n_frames = n_fft // hop_length, frames.shape[0]
    blocks = frames.reshape(n_frames, overlap, hop_length)
    y = np.zeros((n_frames + overlap - 1, hop_length), dtype=frames.dtype)
    norm = np.zeros((n_frames + overlap - 1, hop_length), dtype=np.float32)
    squared = (window**2).astype(np.float32).reshape(overlap, hop_length)
    for k in range(overlap):
        y[k:k + n_frames] += blocks[:, k]
        norm[k:k + n_frames] += squared[k]
    y, norm = y.ravel()[n_fft // 2:][:length], norm.ravel()[n_fft // 2:][:length]
    nonzero = norm > np.finfo(norm.dtype).tiny
    y[nonzero] /= norm[nonzero]
    return librosa.util.fix_length(y, size=length)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_istft_and_hpss_waveforms_are_the_numpy_overlap_add_to_the_bit(clip, dtype):
    y = clip.astype(dtype)
    D = librosa.stft(y)
    mask = harmonic_mask(np.abs(D))
    for length in (y.size, y.size - 700, y.size + 3000):
        ours = istft(D, n_fft=2048, hop_length=512, length=length, dtype=dtype)
        assert_bitwise_equal(ours, _numpy_istft(D, 2048, 512, length))
    harmonic, percussive = hpss_waveforms(y, D=D, n_fft=2048, hop_length=512, mask=mask)
    ref = _numpy_istft(D * mask, 2048, 512, y.size)
    assert_bitwise_equal(harmonic, ref)
    assert_bitwise_equal(percussive, y - ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_harmonic_mask_is_the_numpy_expression_to_the_bit(dtype, order):
    rng = np.random.default_rng(6)
    harm, perc = (np.asarray(np.abs(rng.standard_normal((300, 200)))
                             * (rng.random((300, 200)) < 0.7), dtype=dtype, order=order)
                  for _ in range(2))
    harm[0, :6], perc[0, :6] = [1e-30, 1e30, 0, 3e38, 1e-45, 0], [1e30, 1e-30, 0, 1e-3, 0, 2]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.divide(perc, harm)
        ref = np.reciprocal(ratio * ratio + 1)
    ref[(harm == 0) & (perc == 0)] = 0.5
    ours = _harmonic_mask(harm, perc)
    assert ours.flags[f"{order}_CONTIGUOUS"]
    assert_bitwise_equal(np.ascontiguousarray(ours), np.ascontiguousarray(ref))


@pytest.mark.parametrize("n_mels", [128, 40, 7, 1])
def test_median_onset_envelope_is_librosas_to_the_bit(clip, n_mels):
    quiet = np.zeros_like(clip)
    quiet[5000:5100] = 0.1  # a click in silence: flux of zero in most bands
    for y in (clip, quiet, clip[:3000]):
        log_mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, n_mels=n_mels))
        for n_fft, hop_length in ((2048, 512), (512, 512)):
            ours = onset_envelope(log_mel, sr=SR, n_fft=n_fft, hop_length=hop_length,
                                  aggregate=np.median)
            ref = librosa.onset.onset_strength(S=log_mel, sr=SR, n_fft=n_fft,
                                               hop_length=hop_length, aggregate=np.median)
            assert_bitwise_equal(ours, ref)


@pytest.mark.parametrize(("frame_length", "hop_length"), [(2048, 512), (1024, 256), (400, 160)])
def test_rms_is_librosas(clip, frame_length, hop_length):
    rng = np.random.default_rng(7)
    for y in (clip, 1e-6 * clip, np.zeros(3000, np.float32), rng.standard_normal(1000)):
        ours = _rms(y, frame_length=frame_length, hop_length=hop_length)
        ref = librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop_length)[0]
        assert ours.dtype == ref.dtype and ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, rtol=3e-7, atol=0)  # librosa's float32 rounding


@pytest.mark.filterwarnings("ignore:Empty filters detected")
@pytest.mark.parametrize(("sr", "n_fft", "n_mels"), [(22050, 2048, 128), (8000, 512, 40),
                                                      (22050, 1024, 256)])
def test_banded_mel_power_is_the_exact_product_rounded(clip, sr, n_fft, n_mels):
    basis = _mel_basis(sr, n_fft, n_mels, 0.0, None)
    for power in (np.abs(librosa.stft(clip, n_fft=n_fft)) ** 2,
                  np.abs(librosa.stft(clip[:3000].astype(np.float64), n_fft=n_fft)) ** 2):
        ours = _mel_power(power, sr=sr, n_fft=n_fft, n_mels=n_mels)
        exact = basis.astype(np.float64) @ power.astype(np.float64)
        assert ours.dtype == (basis @ power).dtype
        if ours.dtype == np.float32:
            assert_bitwise_equal(ours, exact.astype(np.float32))
        np.testing.assert_allclose(ours, basis @ power, rtol=1e-6, atol=0)  # BLAS's rounding


def test_mel_power_keeps_the_tempo(music_clips):
    # the envelope behind the tempo comes from the log-mel spectrogram: a tie broken the
    # other way by the rounding of the mel product would change the tempo
    for y in [*music_clips, *make_genres(n_per_class=1, duration=8.0, random_state=2).data]:
        features = frame_features(y, sr=SR, features=["tempo"])
        assert features["tempo"][0] == np.atleast_1d(librosa.beat.beat_track(y=y, sr=SR)[0])[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_moments_of_long_rows_are_numpys(clip, dtype):
    rows = np.stack([clip, clip[::-1] * 1e-4 + 1e-3]).astype(dtype)
    for x in (rows, rows[:, ::3], rows[:1, :1]):
        ours = summarize_rows(x, ["var", "mean", "std"])
        x64 = x.astype(np.float64)
        np.testing.assert_allclose(ours, np.stack([x64.var(-1), x64.mean(-1), x64.std(-1)], -1),
                                   rtol=1e-12, atol=0)
        mixed = summarize_rows(x, ["mean", "median", "var"])
        np.testing.assert_allclose(mixed[:, [0, 2]], ours[:, [1, 0]], rtol=0, atol=0)


def test_dct_statistics_are_scipys_cosine_coefficients_of_real_trajectories(clip):
    from scipy.fft import dct

    mfcc = frame_features(clip, sr=SR, features=["mfcc"])["mfcc"].astype(np.float64)
    for rows in (mfcc, mfcc[:, :7], mfcc[:3, :5]):
        n = rows.shape[-1]
        ours = summarize_rows(rows, ["dct1", "dct2", "dct3", "dct4", "mean"])
        np.testing.assert_allclose(ours[:, :4], dct(rows, type=2, axis=-1)[:, 1:5] / n,
                                   rtol=1e-10, atol=1e-10 * np.abs(rows).max())
        np.testing.assert_allclose(ours[:, 4], rows.mean(axis=-1), rtol=1e-12)
    assert not summarize_rows(mfcc[:, :1], ["dct1", "dct4"]).any()  # one frame: no contour


@pytest.mark.parametrize("n", [40, 41, 400])
def test_dct_statistics_describe_a_contour_whatever_its_length(n):
    t = (np.arange(n) + 0.5) / n
    fall, arch = np.cos(np.pi * t), -np.cos(2 * np.pi * t)
    contours = np.stack([3.0 * fall + 5.0, -3.0 * fall, 2.0 * arch, np.full(n, 7.0)])
    ours = summarize_rows(contours, ["dct1", "dct2", "dct3", "dct4"])
    expected = [[3, 0, 0, 0], [-3, 0, 0, 0], [0, -2, 0, 0], [0, 0, 0, 0]]
    np.testing.assert_allclose(ours, expected, atol=1e-9)


def test_centroid_bandwidth_and_rolloff_are_numpys(clip):
    freqs = librosa.fft_frequencies(sr=SR, n_fft=2048)
    S = np.abs(librosa.stft(clip))
    for x in (S, S.astype(np.float64), np.ascontiguousarray(S), S[:, :5], np.zeros((1025, 3))):
        ours = spectral_centroid_bandwidth(x, freqs=freqs)
        x64 = x.astype(np.float64)
        total = np.where(x64.sum(axis=0) < np.finfo(x.dtype).tiny, 1.0, x64.sum(axis=0))
        centroid = (freqs @ x64) / total
        deviation = (freqs[:, np.newaxis] - centroid) ** 2 * (x64 / total)
        np.testing.assert_allclose(ours[0], centroid, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(ours[1], np.sqrt(deviation.sum(axis=0)), rtol=1e-9, atol=1e-6)
        # the rolloff compares running float sums with a threshold: exactly numpy's cumsum
        cumulative = np.cumsum(x, axis=0)
        expected = freqs[np.argmax(cumulative >= x.dtype.type(0.85) * cumulative[-1], axis=0)]
        assert_bitwise_equal(spectral_rolloff(x, freqs=freqs), expected)


@pytest.mark.parametrize(("n_fft", "n_chroma"), [(2048, 12), (1024, 24)])
def test_chroma_is_librosas_to_the_bit(clip, n_fft, n_chroma):
    for y in (clip, np.zeros(4096, np.float32)):
        power = np.abs(librosa.stft(y, n_fft=n_fft)) ** 2
        for tuning in (0.0, -0.13, 0.27):
            ref = librosa.feature.chroma_stft(S=power, sr=SR, n_fft=n_fft, n_chroma=n_chroma,
                                              tuning=tuning)
            assert_bitwise_equal(_chroma(power, sr=SR, n_fft=n_fft, n_chroma=n_chroma,
                                         tuning=tuning), ref)


def test_tempogram_in_blocks_is_the_whole_transform_to_the_bit(clip):
    rng = np.random.default_rng(8)
    envelope = librosa.onset.onset_strength(y=clip, sr=SR, aggregate=np.median)
    for env in (envelope, np.tile(envelope, 3), rng.random(130).astype(np.float32), np.zeros(50)):
        win = 344
        padded = np.pad(env, (win // 2, win // 2), mode="linear_ramp", end_values=(0, 0))
        frames = np.lib.stride_tricks.sliding_window_view(padded, win)[:env.size]
        spectrum = np.fft.rfft(frames * librosa.filters.get_window("hann", win, fftbins=True),
                               n=720, axis=-1)
        autocorr = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, n=720, axis=-1)[:, :win]
        peak = np.abs(autocorr).max(axis=-1, keepdims=True)
        peak[peak < np.finfo(peak.dtype).tiny] = 1.0
        assert_bitwise_equal(np.ascontiguousarray(tempogram(env, sr=SR)),
                             np.ascontiguousarray((autocorr / peak).T))
