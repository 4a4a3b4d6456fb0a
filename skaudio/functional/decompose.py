"""Harmonic/percussive source separation, librosa's result at a fraction of its cost."""

from functools import lru_cache

import librosa
import numpy as np
import scipy.fft

from ._median import median_filters_both_axes

__all__ = ["harmonic_mask", "harmonic_ratio", "hpss", "hpss_waveforms", "istft"]


def hpss(D, *, kernel_size=31):
    """Split a complex STFT into harmonic and percussive parts.

    Equal to ``librosa.decompose.hpss(D, kernel_size=kernel_size)`` (soft
    masks, power 2, margin 1): the running medians are computed by a
    compiled kernel rather than ``scipy.ndimage.median_filter``.

    Parameters
    ----------
    D : ndarray of shape (n_freqs, n_frames), complex
        The STFT.
    kernel_size : int, default=31
        Odd median window, in frames (harmonic) and bins (percussive).

    Returns
    -------
    D_harmonic, D_percussive : ndarray of shape (n_freqs, n_frames), complex

    Examples
    --------
    >>> import numpy as np, librosa
    >>> y = np.random.default_rng(0).standard_normal(4096).astype(np.float32)
    >>> D = librosa.stft(y)
    >>> H, P = hpss(D)
    >>> H_ref, P_ref = librosa.decompose.hpss(D)
    >>> bool(np.allclose(H, H_ref, atol=1e-5) and np.allclose(P, P_ref, atol=1e-5))
    True
    """
    harm, perc = median_filters_both_axes(np.abs(D), size=kernel_size)
    mask_harm = _harmonic_mask(harm, perc)
    return D * mask_harm, D * (1 - mask_harm)


def _harmonic_mask(harm, perc):
    """``librosa.util.softmask(harm, perc, power=2, split_zeros=True)``, in fewer passes.

    ``harm**2 / (harm**2 + perc**2)`` written as ``1 / (1 + (perc/harm)**2)``
    so tiny magnitudes do not underflow; 0.5 where both are zero. The
    percussive mask of librosa is exactly one minus this one.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(perc, harm)
        ratio *= ratio
        ratio += 1
        mask = np.reciprocal(ratio, out=ratio)  # 0 where harm == 0 < perc
    mask[(harm == 0) & (perc == 0)] = 0.5
    return mask


def harmonic_mask(S, *, kernel_size=31):
    """The soft harmonic mask of :func:`hpss` for a magnitude spectrogram.

    ``librosa.util.softmask(H, P, power=2)`` with ``H`` and ``P`` the
    running medians of ``S`` along time and frequency; the percussive mask
    is one minus it.

    Parameters
    ----------
    S : ndarray of shape (n_freqs, n_frames)
        Magnitude spectrogram.
    kernel_size : int, default=31
        Odd median window, in frames (harmonic) and bins (percussive).

    Returns
    -------
    mask : ndarray of shape (n_freqs, n_frames)
        In [0, 1]; 0.5 where both medians are zero.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.ones((40, 40)); S[:, 20] = 100.0  # a click in frame 20
    >>> mask = harmonic_mask(S)
    >>> float(mask[10, 5]), float(mask[10, 20])
    (0.5, 0.0)
    """
    return _harmonic_mask(*median_filters_both_axes(S, size=kernel_size))


def harmonic_ratio(S, *, kernel_size=31, mask=None):
    """The share of each frame's energy that HPSS puts in the harmonic part.

    With the soft masks of :func:`hpss`, the harmonic part of a frame holds
    ``sum(mask**2 * S**2)`` and the percussive part
    ``sum((1 - mask)**2 * S**2)``; the ratio is the first over their sum:
    near 1 for sustained tones, near 0 for drums and clicks, and unchanged
    by the recording's level. No inverse STFT is needed.

    Parameters
    ----------
    S : ndarray of shape (n_freqs, n_frames)
        Magnitude spectrogram.
    kernel_size : int, default=31
        Median window of :func:`hpss`.
    mask : ndarray of shape (n_freqs, n_frames) or None, default=None
        :func:`harmonic_mask` of ``S``, when already computed.

    Returns
    -------
    ratio : ndarray of shape (n_frames,), float64
        In [0, 1]; 0.5 for a silent frame.

    Examples
    --------
    >>> import numpy as np, librosa
    >>> t = np.arange(22050) / 22050
    >>> tone = np.abs(librosa.stft(np.sin(2 * np.pi * 440 * t).astype(np.float32)))
    >>> clicks = np.zeros(22050, dtype=np.float32); clicks[::2205] = 1.0
    >>> clicks = np.abs(librosa.stft(clicks))
    >>> round(float(np.median(harmonic_ratio(tone))), 2)
    1.0
    >>> bool(np.average(harmonic_ratio(clicks), weights=(clicks**2).sum(axis=0)) < 0.2)
    True
    """
    if mask is None:
        mask = harmonic_mask(S, kernel_size=kernel_size)
    power = (S * S).astype(np.float64)
    harmonic = np.einsum("ft,ft,ft->t", mask, mask, power)
    percussive = np.einsum("ft,ft,ft->t", 1 - mask, 1 - mask, power)
    total = harmonic + percussive
    silent = total <= 0
    return np.where(silent, 0.5, harmonic / np.where(silent, 1.0, total))


def hpss_waveforms(y, *, D, n_fft, hop_length, kernel_size=31, mask=None):
    """The harmonic and percussive waveforms of ``y``, as ``librosa.effects.hpss``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        The waveform ``D`` was computed from.
    D : ndarray of shape (1 + n_fft // 2, n_frames), complex
        ``librosa.stft(y, n_fft=n_fft, hop_length=hop_length)``, shared with
        the other features.
    n_fft, hop_length : int
        The frame settings of ``D``.
    kernel_size : int, default=31
        Median window of :func:`hpss`.
    mask : ndarray of shape (1 + n_fft // 2, n_frames) or None, default=None
        :func:`harmonic_mask` of ``abs(D)``, when already computed.

    Returns
    -------
    y_harmonic, y_percussive : ndarray of shape (n_samples,)

    Notes
    -----
    The two soft masks sum to one and ``istft`` inverts ``stft``, so the
    percussive waveform is ``y - y_harmonic``: one inverse STFT instead of
    two, equal to librosa's up to float rounding.

    Examples
    --------
    >>> import numpy as np, librosa
    >>> y = np.random.default_rng(0).standard_normal(8192).astype(np.float32)
    >>> D = librosa.stft(y)
    >>> h, p = hpss_waveforms(y, D=D, n_fft=2048, hop_length=512)
    >>> h_ref, p_ref = librosa.effects.hpss(y)
    >>> bool(np.allclose(h, h_ref, atol=1e-5) and np.allclose(p, p_ref, atol=1e-5))
    True
    """
    if mask is None:
        mask = harmonic_mask(np.abs(D), kernel_size=kernel_size)
    y_harm = istft(D * mask, n_fft=n_fft, hop_length=hop_length,
                   length=y.shape[-1], dtype=y.dtype)
    # the masks sum to one and istft(D) is y: the percussive part is the rest
    return y_harm, y - y_harm


def istft(D, *, n_fft, hop_length, length, dtype=np.float32):
    """``librosa.istft(D, n_fft=n_fft, hop_length=hop_length, length=length)``, faster.

    The same windowed overlap-add of inverse FFTs (Hann window, centred
    frames), with every frame's transform along contiguous memory and the
    overlap-add done as ``n_fft // hop_length`` shifted array additions.
    Equal to librosa's up to float rounding; settings where the hop does
    not divide ``n_fft`` go to librosa itself.

    Parameters
    ----------
    D : ndarray of shape (1 + n_fft // 2, n_frames), complex
        A centred STFT with a Hann window.
    n_fft, hop_length : int
        Its frame settings.
    length : int
        Samples in the output.
    dtype : numpy dtype, default=np.float32
        Output dtype.

    Returns
    -------
    y : ndarray of shape (length,)

    Examples
    --------
    >>> import numpy as np, librosa
    >>> y = np.random.default_rng(0).standard_normal(5000).astype(np.float32)
    >>> back = istft(librosa.stft(y), n_fft=2048, hop_length=512, length=y.size)
    >>> bool(np.allclose(back, y, atol=1e-5))
    True
    """
    if n_fft % hop_length:
        return librosa.istft(D, n_fft=n_fft, hop_length=hop_length, length=length, dtype=dtype)
    n_frames = D.shape[-1]
    frames = scipy.fft.irfft(np.ascontiguousarray(D.T), n=n_fft, axis=-1)
    frames *= librosa.filters.get_window("hann", n_fft, fftbins=True).astype(frames.dtype)
    start = n_fft // 2
    y = _overlap_add(frames, hop_length)[start:start + length]
    norm = _window_sumsquare(n_frames, n_fft, hop_length)[start:start + length]
    nonzero = norm > np.finfo(norm.dtype).tiny
    y[nonzero] /= norm[nonzero]
    return librosa.util.fix_length(y.astype(dtype, copy=False), size=length)


@lru_cache(maxsize=16)
def _window_sumsquare(n_frames, n_fft, hop_length):
    """``librosa.filters.window_sumsquare`` (Hann, float32) for a hop dividing ``n_fft``.

    The squared windows overlap-added as shifted array additions, in numpy:
    librosa's numba kernel costs seconds of compilation on a fresh install.
    """
    squared = (librosa.filters.get_window("hann", n_fft, fftbins=True) ** 2).astype(np.float32)
    norm = _overlap_add(np.broadcast_to(squared, (n_frames, n_fft)), hop_length)
    norm.flags.writeable = False
    return norm


def _overlap_add(frames, hop_length):
    """Sum (n_frames, n_fft) frames placed ``hop_length`` apart, for a hop dividing n_fft.

    ``n_fft // hop_length`` shifted array additions instead of one per frame.
    """
    n_frames, n_fft = frames.shape
    overlap = n_fft // hop_length
    blocks = frames.reshape(n_frames, overlap, hop_length)
    out = np.zeros((n_frames + overlap - 1, hop_length), dtype=frames.dtype)
    for k in range(overlap):
        out[k:k + n_frames] += blocks[:, k]
    return out.ravel()
