"""Mel spectrograms of one clip, equal to librosa's, and fixed-length waveforms.

:func:`mel_spectrogram` computes exactly
``librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, ...),
ref=1.0, top_db=top_db)`` (centred frames, Hann window, zero padding, Slaney
mel filters), with the mel filter bank built once per setting instead of
once per clip. :func:`fix_length` crops or pads a waveform to a given
number of samples.
"""

from functools import lru_cache

import numba
import numpy as np

from ._filters import mel_filters
from ._scaling import power_to_db
from .decompose import _stft

__all__ = ["fix_length", "mel_spectrogram", "n_frames"]


@lru_cache(maxsize=16)
def _mel_basis(sr, n_fft, n_mels, fmin, fmax):
    basis = mel_filters(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    basis.flags.writeable = False  # shared between calls
    return basis


def _mel_power(power, *, sr, n_fft, n_mels, fmin=0.0, fmax=None):
    """``_mel_basis(sr, n_fft, n_mels, fmin, fmax) @ power``, from each filter's band only.

    A Slaney mel filter is non-zero on a few neighbouring bins (4 to 53 of
    1025 at the defaults): summing over those alone is 1/65 of the dense
    product's work. The band sums are taken in float64 and rounded once, so
    each value is the exact product's to the last bit of ``power``'s dtype;
    the dense float32 BLAS product differs from it by its own rounding (a
    few units in the last place).

    Parameters
    ----------
    power : ndarray of shape (1 + n_fft // 2, n_frames)
        Power spectrogram.
    sr, n_fft, n_mels, fmin, fmax
        Settings of the filter bank (:func:`_mel_basis`).

    Returns
    -------
    mel : ndarray of shape (n_mels, n_frames), in the dtype of the dense product
    """
    weights, starts, stops = _mel_bands(sr, n_fft, n_mels, fmin, fmax)
    out = np.empty((n_mels, power.shape[-1]), dtype=np.result_type(np.float32, power))
    _banded_product(weights, starts, stops, power, out)
    return out


@lru_cache(maxsize=16)
def _mel_bands(sr, n_fft, n_mels, fmin, fmax):
    """The non-zero band of each mel filter: its weights (float64, end to end) and bin range."""
    basis = _mel_basis(sr, n_fft, n_mels, fmin, fmax)
    nonzero = basis != 0
    empty = ~nonzero.any(axis=1)
    starts = np.where(empty, 0, np.argmax(nonzero, axis=1))
    stops = np.where(empty, 0, basis.shape[1] - np.argmax(nonzero[:, ::-1], axis=1))
    bands = enumerate(zip(starts, stops, strict=True))
    weights = np.concatenate([basis[m, a:b] for m, (a, b) in bands])
    return weights.astype(np.float64), starts, stops


@numba.njit(cache=True, nogil=True)
def _banded_product(weights, starts, stops, power, out):  # pragma: no cover - compiled
    """``out[m, t] = sum(weights[band m] * power[starts[m]:stops[m], t])``, in float64.

    Four frames at a time (the last block repeats the last frame): their
    columns stay in L1 across all the filters, and four independent sums
    keep the adder busy.
    """
    n_frames = power.shape[1]
    for block in range(-(-n_frames // 4)):
        t0 = block * 4
        t3 = min(t0 + 3, n_frames - 1)
        t1, t2 = min(t0 + 1, t3), min(t0 + 2, t3)
        offset = 0
        for m in range(starts.size):
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            for k in range(starts[m], stops[m]):
                w = weights[offset + k - starts[m]]
                a0 += w * power[k, t0]
                a1 += w * power[k, t1]
                a2 += w * power[k, t2]
                a3 += w * power[k, t3]
            out[m, t0] = a0
            out[m, t1] = a1
            out[m, t2] = a2
            out[m, t3] = a3
            offset += stops[m] - starts[m]


def n_frames(n_samples, *, n_fft, hop_length):
    """Number of centred STFT frames of a clip of ``n_samples`` samples.

    Parameters
    ----------
    n_samples : int
        Samples in the clip.
    n_fft, hop_length : int
        Frame settings of the STFT.

    Returns
    -------
    n_frames : int

    Examples
    --------
    >>> n_frames(22050, n_fft=2048, hop_length=512)
    44
    """
    return 1 + (n_samples + 2 * (n_fft // 2) - n_fft) // hop_length


def mel_spectrogram(y, *, sr, n_fft=2048, hop_length=512, n_mels=128, fmin=0.0, fmax=None,
                    power=2.0, to_db=True, top_db=80.0):
    """The (log-)mel spectrogram of one clip, as librosa computes it.

    Parameters
    ----------
    y : ndarray of shape (n_samples,), float32
        A finite mono waveform.
    sr : int
        Its sample rate.
    n_fft, hop_length : int, default=2048, 512
        FFT size and hop of the centred, zero-padded STFT.
    n_mels : int, default=128
        Number of mel bands.
    fmin, fmax : float, float or None, default=0.0, None
        Frequency range of the mel bands; ``fmax=None`` is ``sr / 2``.
    power : float, default=2.0
        Exponent of the magnitude: 2 for power, 1 for magnitude.
    to_db : bool, default=True
        Convert to decibels with ``librosa.power_to_db(S, ref=1.0,
        top_db=top_db)``.
    top_db : float or None, default=80.0
        Floor of the decibel values below the clip's maximum; None keeps
        every value (down to -100 dB, librosa's ``amin=1e-10``).

    Returns
    -------
    S : ndarray of shape (n_mels, n_frames), float32
        ``n_frames`` is ``1 + n_samples // hop_length`` for an even
        ``n_fft``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> S = mel_spectrogram(y, sr=22050, n_mels=64)
    >>> S.shape, S.dtype
    ((64, 44), dtype('float32'))
    >>> from skaudio.functional._filters import mel_frequencies
    >>> mel_hz = mel_frequencies(64, fmin=0.0, fmax=11025.0)
    >>> bool(abs(mel_hz[S[:, 20].argmax()] - 440) < 30)  # the band of the tone
    True
    """
    # a clip shorter than one frame is analysed zero-padded, as librosa does
    S = np.abs(_stft(y, n_fft=n_fft, hop_length=hop_length)) ** power
    mel = _mel_basis(sr, n_fft, n_mels, float(fmin), None if fmax is None else float(fmax)) @ S
    if to_db:
        mel = power_to_db(mel, top_db=top_db)
    return mel.astype(np.float32, copy=False)


def fix_length(y, *, size, pad_mode="constant"):
    """Crop ``y`` to its first ``size`` samples, or pad it at the end to ``size``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        A non-empty waveform.
    size : int
        The number of samples wanted.
    pad_mode : {"constant", "wrap", "reflect"}, default="constant"
        How a short clip is extended: zeros (silence), repetitions of the
        clip (a loop), or mirror images of it (``numpy.pad`` modes).

    Returns
    -------
    y : ndarray of shape (size,)

    Examples
    --------
    >>> import numpy as np
    >>> fix_length(np.array([1.0, 2.0, 3.0]), size=5, pad_mode="wrap")
    array([1., 2., 3., 1., 2.])
    >>> fix_length(np.array([1.0, 2.0, 3.0]), size=2)
    array([1., 2.])
    """
    if y.shape[0] >= size:
        return y[:size]
    return np.pad(y, (0, size - y.shape[0]), mode=pad_mode)
