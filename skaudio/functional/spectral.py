"""Spectral shape and waveform features of one clip, from a shared magnitude spectrogram.

Each function equals its librosa counterpart (named in its docstring) on
the same input; they take the spectrogram rather than the audio so one STFT
serves them all (see :func:`skaudio.functional.frame_features`).
"""

import warnings
from functools import lru_cache

import numba
import numpy as np

from ._filters import _hz_to_octs, chroma_filters, fft_frequencies
from ._scaling import normalize, power_to_db

__all__ = ["spectral_centroid_bandwidth", "spectral_contrast", "spectral_flatness",
           "spectral_rolloff", "zero_crossing_rate"]


def spectral_centroid_bandwidth(S, *, freqs):
    """``librosa.feature.spectral_centroid`` and ``spectral_bandwidth`` (p=2) of S.

    Both normalize each frame to unit sum (a frame summing to less than the
    smallest float is left as it is, as ``librosa.util.normalize`` does), so
    the centroid is the frame's mean frequency and the bandwidth its
    standard deviation: two matrix products serve both.

    Parameters
    ----------
    S : ndarray of shape (n_freqs, n_frames)
        Magnitude spectrogram.
    freqs : ndarray of shape (n_freqs,)
        Centre frequency of each bin (``librosa.fft_frequencies``).

    Returns
    -------
    centroid, bandwidth : ndarray of shape (n_frames,), float64

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[0.0], [1.0], [1.0]])
    >>> spectral_centroid_bandwidth(S, freqs=np.array([0.0, 100.0, 200.0]))
    (array([150.]), array([50.]))
    """
    S = np.asarray(S)
    m0, m1, m2 = np.empty((3, S.shape[-1]))
    _frequency_moments(S, np.asarray(freqs, dtype=np.float64), m0, m1, m2)
    total = m0.copy()
    total[total < np.finfo(S.dtype).tiny] = 1.0
    m0 /= total
    m1 /= total
    m2 /= total
    centroid = m1
    variance = m2 - 2 * centroid * m1 + centroid**2 * m0
    return centroid, np.sqrt(np.maximum(variance, 0.0))


@numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
def _frequency_moments(S, freqs, m0, m1, m2):  # pragma: no cover - compiled
    """Per frame, the sums of ``S``, ``freqs * S`` and ``freqs**2 * S`` into m0, m1, m2 (float64).

    One pass over ``S`` in its own dtype (no float64 copy); the sums are
    reassociated so that they vectorize, so they equal numpy's (pairwise
    sums and BLAS products of a float64 copy) up to a few units in the 16th
    digit.
    """
    n_freqs, n_frames = S.shape
    for t in range(n_frames):
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        for f in range(n_freqs):
            v = np.float64(S[f, t])
            weighted = freqs[f] * v
            s0 += v
            s1 += weighted
            s2 += freqs[f] * weighted
        m0[t] = s0
        m1[t] = s1
        m2[t] = s2


def spectral_rolloff(S, *, freqs, roll_percent=0.85):
    """``librosa.feature.spectral_rolloff``: the lowest frequency below which 85 % of S lies.

    Parameters
    ----------
    S : ndarray of shape (n_freqs, n_frames)
        Magnitude spectrogram.
    freqs : ndarray of shape (n_freqs,)
        Centre frequency of each bin.
    roll_percent : float, default=0.85
        The fraction of the frame's total.

    Returns
    -------
    rolloff : ndarray of shape (n_frames,)

    Examples
    --------
    >>> import numpy as np
    >>> spectral_rolloff(np.array([[1.0], [8.0], [1.0]]), freqs=np.array([0.0, 100.0, 200.0]))
    array([100.])
    """
    if S.dtype not in (np.float32, np.float64) or S.shape[0] == 0:
        cumulative = np.cumsum(S, axis=0)
        reached = cumulative >= roll_percent * cumulative[-1]
        return freqs[np.argmax(reached, axis=0)]
    # numpy's cumsum and threshold, in S's dtype and order, one compiled pass per frame
    index = np.zeros(S.shape[1], dtype=np.int64)
    _first_reaching(np.asfortranarray(S), S.dtype.type(roll_percent), index,
                    np.empty((S.shape[0], 4), dtype=S.dtype))
    return freqs[index]


@numba.njit(cache=True, nogil=True)
def _first_reaching(S, fraction, out, running):  # pragma: no cover - compiled
    """Per column, the first row where the running sum reaches ``fraction`` of the total.

    The running sums are numpy's cumsum (in ``S``'s dtype, bin after bin),
    four columns at a time: four independent chains of additions keep the
    adder busy (the last block repeats the last column). The rows go to
    ``out`` (zeros); ``running`` is the caller's (n_freqs, 4) work array.
    """
    n_freqs, n_frames = S.shape
    for block in range(-(-n_frames // 4)):
        t0 = block * 4
        t3 = min(t0 + 3, n_frames - 1)
        t1, t2 = min(t0 + 1, t3), min(t0 + 2, t3)
        a0, a1, a2, a3 = S[0, t0], S[0, t1], S[0, t2], S[0, t3]
        running[0, 0], running[0, 1], running[0, 2], running[0, 3] = a0, a1, a2, a3
        for f in range(1, n_freqs):
            a0 += S[f, t0]
            a1 += S[f, t1]
            a2 += S[f, t2]
            a3 += S[f, t3]
            running[f, 0], running[f, 1], running[f, 2], running[f, 3] = a0, a1, a2, a3
        for column, t in enumerate((t0, t1, t2, t3)):
            threshold = fraction * running[n_freqs - 1, column]
            for f in range(n_freqs):
                if running[f, column] >= threshold:
                    out[t] = f
                    break


def _estimate_tuning(S, *, sr, n_fft, bins_per_octave=12, fmin=150.0, fmax=4000.0):
    """``librosa.estimate_tuning(S=S, ...)``, the same float, from the 150-4000 Hz bins only.

    ``librosa.piptrack`` interpolates peaks over every bin and then keeps
    those in the band; here only the band (and its two neighbours) is
    touched, with librosa's dtypes at every step (the parabolic shift in
    float64 rounded to ``S``'s dtype, as its numba stencil does).
    """
    candidates = _tuning_candidates(S, sr=sr, n_fft=n_fft, fmin=fmin, fmax=fmax)
    if candidates is None:  # an STFT too coarse or a rate too low for the band: librosa's path
        import librosa

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Trying to estimate tuning",
                                    category=UserWarning)
            return librosa.estimate_tuning(S=S, sr=sr, n_fft=n_fft,
                                           bins_per_octave=bins_per_octave)
    return _tuning_of_candidates(*candidates, bins_per_octave=bins_per_octave)


def _tuning_candidates(S, *, sr, n_fft, fmin=150.0, fmax=4000.0):
    """The interpolated spectral peaks (pitches, magnitudes) behind the tuning estimate.

    Each frame contributes its own peaks, so the candidates of consecutive
    blocks of frames, concatenated, are those of the whole spectrogram.
    None when the band does not fit inside ``S`` (librosa's own path is then
    the reference).
    """
    freqs = fft_frequencies(sr=sr, n_fft=n_fft)
    band = np.flatnonzero((max(fmin, 0) <= freqs) & (freqs < min(fmax, sr / 2)))
    if band.size == 0 or band[0] < 1 or band[-1] + 2 > S.shape[0]:
        return None
    lo, hi = band[0], band[-1] + 1
    win = S[lo - 1:hi + 1]
    masked = win * (win > 0.1 * S.max(axis=0))
    f, t = np.nonzero((masked[1:-1] > masked[:-2]) & (masked[1:-1] >= masked[2:]))
    below, peak, above = win[f, t], win[f + 1, t], win[f + 2, t]
    a = (above + below).astype(np.float64) - 2 * peak.astype(np.float64)
    b = (above - below).astype(np.float64) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a).astype(S.dtype)
    mags = peak + S.dtype.type(0.5) * ((above - below) / S.dtype.type(2.0)) * shift
    pitches = (((f + lo) + shift) * float(sr) / n_fft).astype(S.dtype)
    return pitches, mags


def _tuning_of_candidates(pitches, mags, *, bins_per_octave=12):
    """``librosa.estimate_tuning``'s last step: the tuning of the strongest half of the peaks."""
    voiced = pitches > 0
    threshold = np.median(mags[voiced]) if voiced.any() else 0.0
    return _pitch_tuning(pitches[(mags >= threshold) & voiced], bins_per_octave=bins_per_octave)


def _pitch_tuning(frequencies, *, bins_per_octave=12, resolution=0.01):
    """``librosa.pitch_tuning``: the most common deviation of ``frequencies`` from the scale.

    In fractions of a bin, from -0.5 to 0.5 (a histogram of ``resolution``
    wide bins); 0.0 when no frequency is positive. The residuals are taken
    against the 12-tone scale whatever ``bins_per_octave`` (librosa's
    ``hz_to_octs`` default), then scaled by it.
    """
    frequencies = np.atleast_1d(frequencies)
    frequencies = frequencies[frequencies > 0]
    if not np.any(frequencies):
        return 0.0
    residual = np.mod(bins_per_octave * _hz_to_octs(frequencies), 1.0)
    residual[residual >= 0.5] -= 1.0  # 0.95 of a bin up is 0.05 below the next one
    bins = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    counts, tuning = np.histogram(residual, bins)
    return tuning[np.argmax(counts)]


def _chroma(power, *, sr, n_fft, n_chroma, tuning):
    """``librosa.feature.chroma_stft(S=power, ...)`` at the given settings and ``tuning``.

    librosa's steps, with the chroma filter bank made once per setting and
    tuning (tunings are multiples of 0.01 bin: a hundred banks at most)
    rather than once per clip.
    """
    bank = _chroma_filters(sr, n_fft, n_chroma, float(tuning))
    raw = np.einsum("cf,...ft->...ct", bank, power, optimize=True)
    return normalize(raw, norm=np.inf, axis=-2)


@lru_cache(maxsize=128)
def _chroma_filters(sr, n_fft, n_chroma, tuning):
    bank = chroma_filters(sr=sr, n_fft=n_fft, tuning=tuning, n_chroma=n_chroma)
    bank.flags.writeable = False  # shared between calls
    return bank


def spectral_contrast(S, *, sr, n_fft=2048, n_bands=6, fmin=None):
    """Spectral contrast of S in ``n_bands + 1`` octave bands, in dB.

    ``librosa.feature.spectral_contrast(S=S, sr=sr, n_fft=n_fft, fmin=fmin)``:
    per band and frame, the mean of the top 2 % of bins over the mean of the
    bottom 2 % — peaks against valleys, high for tonal sounds, low for noise.

    Parameters
    ----------
    S : ndarray of shape (1 + n_fft // 2, n_frames)
        Magnitude spectrogram.
    sr : int
        Sample rate.
    n_fft : int, default=2048
        FFT size behind S.
    n_bands : int, default=6
        Octave bands above ``fmin`` (plus one band below it).
    fmin : float or None, default=None
        Upper edge of the lowest band, in Hz. None is librosa's 200 Hz, or,
        where the top band would start above the Nyquist frequency (``sr``
        below 12.8 kHz), ``sr / 2 ** (n_bands + 1)``: the same number of
        bands at any sample rate (62.5 Hz at 8 kHz).

    Returns
    -------
    contrast : ndarray of shape (n_bands + 1, n_frames)

    Examples
    --------
    >>> import numpy as np, librosa
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> spectral_contrast(np.abs(librosa.stft(y)), sr=22050).shape
    (7, 44)
    """
    peak, valley = _contrast_peaks_valleys(S, sr=sr, n_fft=n_fft, n_bands=n_bands, fmin=fmin)
    return _contrast_of_peaks_valleys(peak, valley)


def _contrast_of_peaks_valleys(peak, valley):
    """The spectral contrast in dB of per-frame peak and valley powers.

    ``librosa.power_to_db`` clips each at 80 dB below its loudest frame, so
    this step needs the whole clip; :func:`_contrast_peaks_valleys` is per
    frame, and blocks of frames can be gathered before it.
    """
    return power_to_db(peak) - power_to_db(valley)


def _contrast_peaks_valleys(S, *, sr, n_fft=2048, n_bands=6, fmin=None, quantile=0.02):
    """Per band and frame, the mean of the top and of the bottom ``quantile`` of the bins.

    The bands and the order of every operation are librosa's
    (``librosa.feature.spectral_contrast``), so the values are its floats.
    """
    if fmin is None:
        fmin = 200.0 if 200.0 * 2 ** (n_bands - 1) < sr / 2 else sr / 2 ** (n_bands + 1)
    freq = fft_frequencies(sr=sr, n_fft=n_fft)
    octaves = np.zeros(n_bands + 2)
    octaves[1:] = fmin * (2.0 ** np.arange(0, n_bands + 1))
    if fmin <= 0 or np.any(octaves[:-1] >= 0.5 * sr):
        raise ValueError(f"spectral contrast: {n_bands + 1} octave bands from fmin={fmin} Hz "
                         f"reach the Nyquist frequency ({sr / 2} Hz); reduce fmin or n_bands.")
    if freq.size != S.shape[-2]:
        raise ValueError(f"S has {S.shape[-2]} frequency bins; n_fft={n_fft} gives {freq.size}.")
    shape = (*S.shape[:-2], n_bands + 1, S.shape[-1])
    valley, peak = np.zeros(shape), np.zeros(shape)
    for k, (low, high) in enumerate(zip(octaves[:-1], octaves[1:], strict=True)):
        band = (freq >= low) & (freq <= high)
        idx = np.flatnonzero(band)
        if k > 0:
            band[idx[0] - 1] = True
        if k == n_bands:
            band[idx[-1] + 1:] = True
        sub_band = S[..., band, :]
        if k < n_bands:
            sub_band = sub_band[..., :-1, :]
        n_edge = max(int(np.rint(quantile * np.sum(band))), 1)  # at least one bin each side
        ordered = np.sort(sub_band, axis=-2)
        valley[..., k, :] = np.mean(ordered[..., :n_edge, :], axis=-2)
        peak[..., k, :] = np.mean(ordered[..., -n_edge:, :], axis=-2)
    return peak, valley


def spectral_flatness(S):
    """Spectral flatness of the power spectrum: geometric over arithmetic mean, per frame.

    ``librosa.feature.spectral_flatness(S=S)``: 1 for white noise, near 0
    for a pure tone.

    Parameters
    ----------
    S : ndarray of shape (n_freqs, n_frames)
        Magnitude spectrogram.

    Returns
    -------
    flatness : ndarray of shape (n_frames,)

    Examples
    --------
    >>> import numpy as np
    >>> spectral_flatness(np.ones((8, 2)))
    array([1., 1.])
    """
    if np.any(S < 0):
        raise ValueError("spectral_flatness: S must be a magnitude spectrogram (no negative "
                         "values).")
    power = np.maximum(1e-10, S**2.0)  # librosa's amin and power
    return np.exp(np.mean(np.log(power), axis=-2)) / np.mean(power, axis=-2)


def _rms(y, *, frame_length=2048, hop_length=512):
    """``librosa.feature.rms(y=y, frame_length=..., hop_length=...)[0]`` (centred frames).

    A frame's energy is the sum of the ``frame_length // hop_length``
    hop-long blocks it spans: each block's sum of squares is taken once, in
    float64 (librosa squares every sample of every overlapping frame and
    averages in float32), so the values are librosa's up to its float32
    rounding. A hop that does not divide the frame goes to librosa.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Waveform.
    frame_length, hop_length : int, default=2048, 512
        Frame settings.

    Returns
    -------
    rms : ndarray of shape (1 + n_samples // hop_length,), float32
    """
    if frame_length % hop_length:  # not on the default path: librosa itself
        import librosa

        return librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop_length)[0]
    padded = np.pad(y.astype(np.float64), frame_length // 2)
    n_frames = 1 + (padded.size - frame_length) // hop_length
    per_frame = frame_length // hop_length
    blocks = padded[:(n_frames - 1 + per_frame) * hop_length].reshape(-1, hop_length)
    energy = np.einsum("ij,ij->i", blocks, blocks)
    frames = np.lib.stride_tricks.sliding_window_view(energy, per_frame).sum(axis=-1)
    return np.sqrt(frames / frame_length).astype(np.float32)


def zero_crossing_rate(y, *, frame_length=2048, hop_length=512, threshold=1e-10):
    """``librosa.feature.zero_crossing_rate(y, ...)`` (centred frames), in one pass.

    librosa looks at every sample four times (once per overlapping frame);
    here each pair of neighbouring samples is tested once and the frames
    count their crossings from a cumulative sum. The counts are integers,
    so the result is librosa's exactly.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Waveform.
    frame_length, hop_length : int, default=2048, 512
        Frame settings.
    threshold : float, default=1e-10
        Samples within this of zero count as zero (positive).

    Returns
    -------
    zcr : ndarray of shape (n_frames,), float64
        Fraction of the frame's samples at which the sign changes.

    Examples
    --------
    >>> import numpy as np
    >>> zero_crossing_rate(np.array([1.0, -1.0] * 8), frame_length=4, hop_length=4)
    array([0.25, 0.75, 0.75, 0.75, 0.25])
    """
    padded = np.pad(y, frame_length // 2, mode="edge")
    negative = np.signbit(padded) & (np.abs(padded) > threshold)
    crossings = np.concatenate([[0], np.cumsum(negative[1:] != negative[:-1])])
    starts = np.arange(1 + (padded.size - frame_length) // hop_length) * hop_length
    return (crossings[starts + frame_length - 1] - crossings[starts]) / frame_length

