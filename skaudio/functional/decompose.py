"""Harmonic/percussive source separation, librosa's result at a fraction of its cost."""

from functools import lru_cache

import numba
import numpy as np
import scipy.fft

from ._filters import hann_window
from ._median import median_filters_both_axes

__all__ = ["harmonic_mask", "harmonic_ratio", "hpss", "hpss_waveforms", "istft"]


def hpss(D, *, kernel_size=31):
    """Split a complex STFT into harmonic and percussive parts.

    Equal to ``librosa.decompose.hpss(D, kernel_size=kernel_size)`` (soft
    masks, power 2, margin 1): the running medians are computed by a
    compiled kernel rather than ``scipy.ndimage.median_filter``. With fewer
    than ``kernel_size // 2`` frames (or bins) the two differ: librosa's
    scipy filter reads past such short lines (NaN, or values that change
    between calls), and the medians here extend them by repeated reflection
    (see :func:`~skaudio.functional._median.median_filter_axis`).

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
    """``librosa.util.softmask(harm, perc, power=2, split_zeros=True)``, in one pass.

    ``harm**2 / (harm**2 + perc**2)`` written as ``1 / (1 + (perc/harm)**2)``
    so tiny magnitudes do not underflow; 0.5 where both are zero. The
    percussive mask of librosa is exactly one minus this one. Each element
    takes numpy's steps in the input's dtype (divide, square, add one,
    reciprocal), so the floats are those of the same expression in numpy.
    """
    order = "F" if harm.flags.f_contiguous and not harm.flags.c_contiguous else "C"
    harm, perc = np.asarray(harm, order=order), np.asarray(perc, order=order)
    mask = np.empty(harm.shape, dtype=np.result_type(harm, perc), order=order)
    one = mask.dtype.type(1)
    _soft_mask(harm.ravel(order="K"), perc.ravel(order="K"), mask.ravel(order="K"),
               one, one / 2)
    return mask


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _soft_mask(harm, perc, out, one, half):  # pragma: no cover - compiled
    """``out = 1 / (1 + (perc / harm)**2)``, ``half`` where both are zero (1-D, same order)."""
    for i in range(out.size):
        h = harm[i]
        p = perc[i]
        ratio = p / h
        ratio = ratio * ratio + one
        out[i] = half if h == 0 and p == 0 else one / ratio


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
    y_harm = _istft(D, mask, n_fft=n_fft, hop_length=hop_length, length=y.shape[-1],
                    dtype=y.dtype)
    # the masks sum to one and istft(D) is y: the percussive part is the rest
    return y_harm, y - y_harm


_STFT_BLOCK = 64  # frames transformed per FFT call: their float64 copy stays in L2


def _stft(y, *, n_fft, hop_length):
    """``librosa.stft(y, n_fft=n_fft, hop_length=hop_length)``, the same floats, faster.

    librosa's steps (centred frames padded with zeros, the float64 Hann
    window times the frame, librosa's FFT library, the result rounded to
    the complex dtype of ``y``) on blocks of whole frames, each transformed
    along contiguous memory and written straight into a frame-major array,
    whose transpose is returned (Fortran-ordered, as librosa's).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        A mono waveform.
    n_fft, hop_length : int
        Frame settings.

    Returns
    -------
    D : ndarray of shape (1 + n_fft // 2, 1 + n_samples // hop_length), complex
    """
    window = _hann(n_fft)
    padded = np.pad(y, n_fft // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop_length]
    # librosa.util.dtype_r2c: complex128 for float64 audio, complex64 for anything else
    dtype = np.complex128 if y.dtype == np.float64 else np.complex64
    out = np.empty((frames.shape[0], 1 + n_fft // 2), dtype=dtype)
    for start in range(0, frames.shape[0], _STFT_BLOCK):  # librosa's FFT library: scipy.fft
        out[start:start + _STFT_BLOCK] = scipy.fft.rfft(window * frames[start:start + _STFT_BLOCK],
                                                        axis=-1)
    return out.T


def istft(D, *, n_fft, hop_length, length, dtype=np.float32):
    """``librosa.istft(D, n_fft=n_fft, hop_length=hop_length, length=length)``, faster.

    The same windowed overlap-add of inverse FFTs (Hann window, centred
    frames), with every frame's transform along contiguous memory and the
    windowing, overlap-add and normalisation done in one compiled pass over
    the signal, a hop at a time. Equal to librosa's up to float rounding;
    settings where the hop does not divide ``n_fft`` go to librosa itself.

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
    return _istft(D, None, n_fft=n_fft, hop_length=hop_length, length=length, dtype=dtype)


def _istft(D, mask, *, n_fft, hop_length, length, dtype):
    """:func:`istft` of ``D * mask`` (of ``D`` when ``mask`` is None)."""
    if n_fft % hop_length:  # not on the default path: librosa itself
        import librosa

        masked = D if mask is None else D * mask
        return librosa.istft(masked, n_fft=n_fft, hop_length=hop_length, length=length,
                             dtype=dtype)
    frames = scipy.fft.irfft(_frames_first(D, mask), n=n_fft, axis=-1)
    window = _hann(n_fft)
    y = np.zeros(length, dtype=frames.dtype)
    squared = (window**2).astype(np.float32)
    _overlap_add_normalized(frames, window.astype(frames.dtype), squared, hop_length, n_fft // 2,
                            y, np.empty(hop_length, dtype=y.dtype),
                            np.empty(hop_length, dtype=squared.dtype), np.finfo(squared.dtype).tiny)
    return y.astype(dtype, copy=False)


def _frames_first(D, mask):
    """``(D * mask).T`` as a C-contiguous array: one row per frame, ready for the FFT.

    The product is taken on the real and imaginary parts, in one pass with
    the transposition: ``(a + bi) * m = a*m + (b*m)i``, the floats of numpy's
    complex product (up to the sign of a zero).
    """
    frames = np.ascontiguousarray(D.T)
    if mask is None:
        return frames
    if mask.dtype != frames.real.dtype:
        return np.ascontiguousarray((D * mask).T)
    out = np.empty_like(frames)
    n_frames, n_freqs = frames.shape
    _scale_pairs(frames.view(mask.dtype).reshape(n_frames, n_freqs, 2),
                 np.ascontiguousarray(mask.T), out.view(mask.dtype).reshape(n_frames, n_freqs, 2))
    return out


@numba.njit(cache=True, nogil=True)
def _scale_pairs(pairs, scale, out):  # pragma: no cover - compiled
    """``out[t, f, :] = pairs[t, f, :] * scale[t, f]``."""
    n_frames, n_freqs = scale.shape
    for t in range(n_frames):
        for f in range(n_freqs):
            s = scale[t, f]
            out[t, f, 0] = pairs[t, f, 0] * s
            out[t, f, 1] = pairs[t, f, 1] * s


@numba.njit(cache=True, nogil=True)
def _overlap_add_normalized(frames, window, squared, hop_length, start, out, block, norm,
                            tiny):  # pragma: no cover - compiled
    """Samples ``start`` onwards of the inverse STFT's windowed overlap-add of ``frames``.

    Per hop-long block of the signal: the frames over it, times the window,
    added in frame order (each product rounded: numpy's floats for
    ``frames * window`` summed by shifted additions), divided by the sum of
    the squared windows added the same way (librosa's ``window_sumsquare``,
    float32) where that exceeds the smallest normal float32. Samples past
    the last frame are left as they are (zeros). The normalisation is made
    here, for each clip's frames, so a clip of a new length costs no
    separate pass. ``block`` and ``norm`` are the caller's work arrays of
    ``hop_length`` values (of ``out``'s and of ``squared``'s dtype), ``tiny``
    the smallest normal float of ``squared``'s dtype.
    """
    n_frames, n_fft = frames.shape
    overlap = n_fft // hop_length
    first = start // hop_length
    last = min(n_frames + overlap - 1, -(-(start + out.size) // hop_length))
    for row in range(first, last):
        for s in range(hop_length):
            block[s] = 0
            norm[s] = 0
        for k in range(overlap):  # frame row - k contributes its k-th block
            t = row - k
            if 0 <= t < n_frames:
                offset = k * hop_length
                for s in range(hop_length):
                    block[s] += frames[t, offset + s] * window[offset + s]
                    norm[s] += squared[offset + s]
        for s in range(hop_length):
            i = row * hop_length + s - start
            if 0 <= i < out.size:
                out[i] = block[s] / norm[s] if norm[s] > tiny else block[s]


@lru_cache(maxsize=16)
def _hann(n_fft):
    """:func:`~skaudio.functional._filters.hann_window` (float64), made once."""
    window = hann_window(n_fft)
    window.flags.writeable = False
    return window
