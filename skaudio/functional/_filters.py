"""Frequency grids, filter banks and windows, equal to librosa's, without importing it.

Every ``librosa`` module imports ``librosa.util``, which compiles numba
kernels for all their signatures on a fresh install (about 15 s of CPU):
skaudio's feature path uses these copies instead. Each function takes
librosa's steps in librosa's dtypes, so the floats are its floats (tests
compare them with ``librosa.filters`` and ``librosa.core.convert``).
"""

import warnings

import numpy as np

from ._scaling import normalize

__all__ = ["chroma_filters", "fft_frequencies", "hann_window", "mel_filters",
           "mel_frequencies", "tempo_frequencies"]

_MEL_LINEAR_STEP = 200.0 / 3  # Hz per mel below 1 kHz (Slaney)
_MEL_LOG_START_HZ = 1000.0
_MEL_LOG_STEP = np.log(6.4) / 27.0


def fft_frequencies(*, sr, n_fft):
    """``librosa.fft_frequencies``: the centre frequency of each STFT bin, in Hz.

    Examples
    --------
    >>> fft_frequencies(sr=8, n_fft=4)
    array([0., 2., 4.])
    """
    return np.fft.rfftfreq(n=n_fft, d=1.0 / sr)


def tempo_frequencies(n_bins, *, sr, hop_length):
    """``librosa.tempo_frequencies``: the tempo (BPM) of each autocorrelation lag.

    Examples
    --------
    >>> tempo_frequencies(3, sr=22050, hop_length=512)
    array([         inf, 2583.984375 , 1291.9921875])
    """
    bpms = np.zeros(int(n_bins), dtype=np.float64)
    bpms[0] = np.inf
    bpms[1:] = 60.0 * sr / (hop_length * np.arange(1.0, n_bins))
    return bpms


def _hz_to_mel(frequencies):
    """``librosa.hz_to_mel`` (Slaney) of an array."""
    frequencies = np.asanyarray(frequencies)
    mels = frequencies / _MEL_LINEAR_STEP
    log_t = frequencies >= _MEL_LOG_START_HZ
    mels[log_t] = (_MEL_LOG_START_HZ / _MEL_LINEAR_STEP
                   + np.log(frequencies[log_t] / _MEL_LOG_START_HZ) / _MEL_LOG_STEP)
    return mels


def _mel_to_hz(mels):
    """``librosa.mel_to_hz`` (Slaney) of an array."""
    freqs = _MEL_LINEAR_STEP * mels
    log_t = mels >= _MEL_LOG_START_HZ / _MEL_LINEAR_STEP
    freqs[log_t] = _MEL_LOG_START_HZ * np.exp(
        _MEL_LOG_STEP * (mels[log_t] - _MEL_LOG_START_HZ / _MEL_LINEAR_STEP))
    return freqs


def mel_frequencies(n_mels, *, fmin, fmax):
    """``librosa.mel_frequencies``: ``n_mels`` frequencies evenly spaced in mels (Slaney).

    Examples
    --------
    >>> mel_frequencies(3, fmin=0.0, fmax=2000.0).round(1)
    array([   0. ,  836.1, 2000. ])
    """
    low, high = _hz_to_mel(np.array([fmin, fmax], dtype=np.float64))
    return _mel_to_hz(np.linspace(low, high, n_mels))


def mel_filters(*, sr, n_fft, n_mels=128, fmin=0.0, fmax=None):
    """``librosa.filters.mel``: Slaney mel filters with Slaney normalisation, float32.

    Examples
    --------
    >>> bank = mel_filters(sr=22050, n_fft=2048, n_mels=64)
    >>> bank.shape, bank.dtype
    ((64, 1025), dtype('float32'))
    """
    if fmax is None:
        fmax = float(sr) / 2
    n_mels = int(n_mels)
    weights = np.zeros((n_mels, int(1 + n_fft // 2)), dtype=np.float32)
    mel_f = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_frequencies(sr=sr, n_fft=n_fft))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, np.newaxis]
    if not np.all((mel_f[:-2] == 0) | (weights.max(axis=1) > 0)):
        warnings.warn("Empty filters detected in mel frequency basis. Some channels will "
                      "produce empty responses. Try increasing your sampling rate (and fmax) "
                      "or reducing n_mels.", stacklevel=2)
    return weights


def _hz_to_octs(frequencies, *, tuning=0.0, bins_per_octave=12):
    """``librosa.hz_to_octs``: octaves above C0 (A4 = 440 Hz shifted by ``tuning`` bins)."""
    a440 = 440.0 * 2.0 ** (tuning / bins_per_octave)
    return np.log2(np.asanyarray(frequencies) / (float(a440) / 16))


def chroma_filters(*, sr, n_fft, n_chroma=12, tuning=0.0):
    """``librosa.filters.chroma`` (its defaults: octaves around C5, two wide, from C), float32.

    Examples
    --------
    >>> bank = chroma_filters(sr=22050, n_fft=2048)
    >>> bank.shape, bank.dtype
    ((12, 1025), dtype('float32'))
    """
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    frqbins = n_chroma * _hz_to_octs(frequencies, tuning=tuning, bins_per_octave=n_chroma)
    # the 0 Hz bin: 1.5 octaves below bin 1 (librosa's made-up value)
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    D = np.remainder(D + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    wts = np.exp(-0.5 * (2 * D / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
    wts = normalize(wts, norm=2, axis=0)
    wts *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - 5.0) / 2) ** 2)), (n_chroma, 1))
    wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    return np.ascontiguousarray(wts[:, :int(1 + n_fft / 2)], dtype=np.float32)


def hann_window(n):
    """``librosa.filters.get_window("hann", n, fftbins=True)``: the periodic Hann window.

    Examples
    --------
    >>> hann_window(4)
    array([0. , 0.5, 1. , 0.5])
    """
    import scipy.signal  # here: scipy.signal takes 0.1-0.4 s to import, the window microseconds

    return scipy.signal.get_window("hann", n, fftbins=True)
