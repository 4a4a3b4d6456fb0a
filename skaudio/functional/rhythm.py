"""Rhythm of one clip from its log-mel spectrogram: onsets, tempogram, tempo, pulse.

Everything starts from the onset-strength envelope of the log-mel
spectrogram that the other features share, so no rhythm feature computes
an STFT of its own. :func:`tempogram` is librosa's autocorrelation
tempogram, computed once and shared by the tempo and the rhythm
descriptors; :func:`tempo` is ``librosa.feature.tempo`` on it, i.e. the
tempo of ``librosa.beat.beat_track``.
"""

import numba
import numpy as np
import scipy.fft

from ._filters import hann_window, tempo_frequencies

__all__ = ["RHYTHM_DESCRIPTORS", "onset_envelope", "rhythm_descriptors", "tempo", "tempogram"]

RHYTHM_DESCRIPTORS = ("pulse_clarity", "tempo_confidence", "onset_rate")
"""The columns of :func:`rhythm_descriptors`, in order."""

_LANES = 32  # frames whose bands the onset median sorts side by side
_TEMPOGRAM_BLOCK = 128  # frames autocorrelated per FFT call: their spectra stay in L2


def onset_envelope(log_mel, *, sr, n_fft=2048, hop_length=512, aggregate=np.mean):
    """Onset strength (spectral flux) of a log-mel spectrogram.

    ``librosa.onset.onset_strength(S=log_mel, ...)`` (the positive rise of
    each band over the frame before, aggregated over bands, delayed by the
    centring of the frames' windows): with the default
    ``aggregate=np.mean`` it equals ``librosa.onset.onset_strength(y=y,
    sr=sr)``; with ``np.median`` it is the envelope behind the tempo of
    ``librosa.beat.beat_track``.

    Parameters
    ----------
    log_mel : ndarray of shape (n_mels, n_frames)
        ``librosa.power_to_db`` of a mel power spectrogram.
    sr : int
        Sample rate of the audio.
    n_fft, hop_length : int, default=2048, 512
        Frame settings of the spectrogram.
    aggregate : callable, default=np.mean
        How the per-band flux is combined across bands.

    Returns
    -------
    envelope : ndarray of shape (n_frames,)

    Examples
    --------
    >>> import numpy as np, librosa
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> log_mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=22050))
    >>> env = onset_envelope(log_mel, sr=22050)
    >>> bool(np.allclose(env, librosa.onset.onset_strength(y=y, sr=22050)))
    True
    """
    if aggregate is np.median and log_mel.ndim == 2 and log_mel.shape[-1] > 1 and \
            log_mel.dtype in (np.float32, np.float64) and not np.isnan(log_mel).any():
        envelope = np.zeros(log_mel.shape[-1], dtype=log_mel.dtype)
        lag = 1 + n_fft // (2 * hop_length)  # librosa's shift: the lag, plus half a frame
        if lag < envelope.size:
            _median_flux(np.ascontiguousarray(log_mel), log_mel.dtype.type(0.5), envelope[lag:],
                         _LANES)
        return envelope
    log_mel = np.atleast_2d(log_mel)
    flux = np.maximum(0.0, log_mel[..., 1:] - log_mel[..., :-1])
    envelope = np.asarray(aggregate(flux, axis=-2), dtype=flux.dtype)
    lag = 1 + n_fft // (2 * hop_length)
    padding = [(0, 0)] * (envelope.ndim - 1) + [(lag, 0)]
    return np.pad(envelope, padding)[..., :log_mel.shape[-1]]


@numba.njit(cache=True, nogil=True)
def _median_flux(log_mel, half, out, lanes):  # pragma: no cover - compiled
    """``np.median(np.maximum(0.0, log_mel[:, 1:] - log_mel[:, :-1]), axis=0)``, numpy's floats.

    ``out[t]`` is the median over bands of ``max(0, log_mel[:, t + 1] -
    log_mel[:, t])`` (for the ``out.size`` first frames): the middle value,
    or the mean of the two middle ones (their sum times one half), as numpy
    takes it. The bands of ``lanes`` frames at a time are sorted by a
    bitonic network (padded to a power of two with +inf), each comparator
    one branchless min/max pass over the frames. ``lanes`` is an argument
    rather than a constant: with a constant trip count the comparator loop
    does not vectorize.
    """
    n_bands = log_mel.shape[0]
    size = 1
    while size < n_bands:
        size *= 2
    zero = log_mel.dtype.type(0)
    column = np.empty(size * lanes, dtype=log_mel.dtype)
    for block in range(-(-out.size // lanes)):
        start = block * lanes
        width = min(lanes, out.size - start)
        column[:] = np.inf
        for b in range(n_bands):
            for lane in range(width):
                flux = log_mel[b, start + lane + 1] - log_mel[b, start + lane]
                column[b * lanes + lane] = zero if zero >= flux else flux  # np.maximum(0.0, .)
        k = 2
        while k <= size:  # bitonic sort of each column, ascending
            j = k // 2
            while j > 0:
                for i in range(size):
                    partner = i ^ j
                    if partner > i:
                        low, high = i * lanes, partner * lanes
                        if i & k:
                            low, high = high, low
                        for lane in range(lanes):
                            a = column[low + lane]
                            b = column[high + lane]
                            column[low + lane] = a if a < b else b
                            column[high + lane] = b if a < b else a
                j //= 2
            k *= 2
        middle = n_bands // 2
        for lane in range(width):
            if n_bands % 2:
                out[start + lane] = column[middle * lanes + lane]
            else:
                out[start + lane] = (column[(middle - 1) * lanes + lane]
                                     + column[middle * lanes + lane]) * half


def tempogram(envelope, *, sr, hop_length=512, ac_size=8.0):
    """Autocorrelation tempogram of an onset envelope, as ``librosa.feature.tempo`` makes it.

    Equal to ``librosa.feature.tempogram(onset_envelope=envelope, sr=sr,
    hop_length=hop_length, win_length=W)`` with ``W`` the frames in
    ``ac_size`` seconds: each frame's centred, Hann-windowed stretch of the
    envelope is autocorrelated and scaled to a maximum of 1. The transforms
    run in float64, as librosa's: in float32, near-equal tempo bins of short
    clips swap places.

    Parameters
    ----------
    envelope : ndarray of shape (n_frames,)
        Onset strength, e.g. from :func:`onset_envelope`.
    sr : int
        Sample rate of the audio.
    hop_length : int, default=512
        Hop of the envelope, in samples.
    ac_size : float, default=8.0
        Autocorrelation window, in seconds.

    Returns
    -------
    tempogram : ndarray of shape (win_length, n_frames)
        Row ``k`` is lag ``k`` frames.

    Examples
    --------
    >>> import numpy as np, librosa
    >>> env = np.random.default_rng(0).random(500).astype(np.float32)
    >>> tg = tempogram(env, sr=22050)
    >>> ref = librosa.feature.tempogram(onset_envelope=env, sr=22050, win_length=344)
    >>> tg.shape == ref.shape and bool(np.allclose(tg, ref, atol=1e-6))
    True
    """
    win_length = int(ac_size * sr) // hop_length  # librosa.time_to_frames
    n = envelope.shape[-1]
    half = win_length // 2
    padded = np.pad(envelope, (half, half), mode="linear_ramp", end_values=(0, 0))
    frames = np.lib.stride_tricks.sliding_window_view(padded, win_length)[:n]
    window = hann_window(win_length)
    n_pad = scipy.fft.next_fast_len(2 * win_length - 1, real=True)
    out = np.empty((n, win_length), dtype=np.result_type(envelope, window))
    for start in range(0, n, _TEMPOGRAM_BLOCK):  # blocks of frames: their spectra stay in L2
        spectrum = scipy.fft.rfft(frames[start:start + _TEMPOGRAM_BLOCK] * window, n=n_pad,
                                  axis=-1)
        power = spectrum.real**2 + spectrum.imag**2
        autocorr = scipy.fft.irfft(power, n=n_pad, axis=-1)[:, :win_length]
        # librosa.util.normalize(norm=np.inf): a frame whose peak is below the
        # smallest float is left as it is
        peak = np.abs(autocorr).max(axis=-1, keepdims=True)
        peak[peak < np.finfo(autocorr.dtype).tiny] = 1.0
        np.divide(autocorr, peak, out=out[start:start + _TEMPOGRAM_BLOCK])
    return out.T


def tempo(tempogram, *, sr, hop_length=512, start_bpm=120.0, std_bpm=1.0, max_tempo=320.0):
    """The global tempo (BPM) of a tempogram, as ``librosa.feature.tempo`` estimates it.

    The frame-averaged tempogram, weighted by a log-normal prior around
    ``start_bpm``, peaks at the tempo. From :func:`tempogram` of the
    median-aggregated onset envelope, this is the tempo of
    ``librosa.beat.beat_track(y=y, sr=sr)``.

    Parameters
    ----------
    tempogram : ndarray of shape (win_length, n_frames)
        From :func:`tempogram`.
    sr : int
        Sample rate of the audio.
    hop_length : int, default=512
        Hop of the envelope, in samples.
    start_bpm, std_bpm, max_tempo : float, default=120.0, 1.0, 320.0
        The prior (centre and spread in octaves) and the highest tempo.

    Returns
    -------
    bpm : float

    Examples
    --------
    >>> import numpy as np
    >>> env = np.zeros(1000, dtype=np.float32); env[::43] = 1.0  # 43 frames: a pulse a second
    >>> round(tempo(tempogram(env, sr=22050), sr=22050))
    60
    """
    mean_tg = np.mean(tempogram, axis=-1, keepdims=True)
    bpms = tempo_frequencies(tempogram.shape[-2], sr=sr, hop_length=hop_length)
    logprior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    logprior[:int(np.argmax(bpms < max_tempo))] = -np.inf
    # log1p (librosa's): the prior weighs against a compressed autocorrelation
    best = np.argmax(np.log1p(1e6 * mean_tg) + logprior[:, np.newaxis], axis=-2)
    return float(bpms[best[0]])


def rhythm_descriptors(envelope, tempogram, *, sr, hop_length=512, bpm=None):
    """Pulse clarity, tempo confidence and onset rate of a clip.

    Parameters
    ----------
    envelope : ndarray of shape (n_frames,)
        Onset strength (:func:`onset_envelope`).
    tempogram : ndarray of shape (win_length, n_frames)
        Its :func:`tempogram`.
    sr : int
        Sample rate of the audio.
    hop_length : int, default=512
        Hop of the envelope, in samples.
    bpm : float or None, default=None
        The clip's tempo; None estimates it with :func:`tempo`.

    Returns
    -------
    descriptors : ndarray of shape (3,), float64
        In the order of :data:`RHYTHM_DESCRIPTORS`:

        - ``pulse_clarity``: the highest peak of the autocorrelation of the
          mean-removed envelope over the whole clip, at lags of 30 to 300
          BPM (1: a perfectly periodic envelope, near 0: no pulse);
        - ``tempo_confidence``: the averaged tempogram at the tempo's lag,
          over its mean across lags (how much the chosen tempo stands out);
        - ``onset_rate``: onsets per second (``librosa.onset.onset_detect``
          on the envelope).

        A clip without onsets gives zeros.

    Examples
    --------
    >>> import numpy as np
    >>> env = np.zeros(1000, dtype=np.float32); env[::43] = 1.0
    >>> clarity, confidence, rate = rhythm_descriptors(env, tempogram(env, sr=22050), sr=22050)
    >>> bool(clarity > 0.9), round(float(rate), 1)
    (True, 1.0)
    >>> noise = np.random.default_rng(0).random(1000).astype(np.float32)
    >>> bool(rhythm_descriptors(noise, tempogram(noise, sr=22050), sr=22050)[0] < 0.2)
    True
    """
    if not envelope.any():
        return np.zeros(len(RHYTHM_DESCRIPTORS))
    if bpm is None:
        bpm = tempo(tempogram, sr=sr, hop_length=hop_length)
    clarity = _pulse_clarity(envelope, sr=sr, hop_length=hop_length)
    mean_tg = tempogram.mean(axis=-1, dtype=np.float64)
    bpms = tempo_frequencies(tempogram.shape[0], sr=sr, hop_length=hop_length)
    lag = int(np.argmin(np.abs(bpms[1:] - bpm))) + 1
    average = mean_tg[1:].mean()
    confidence = mean_tg[lag] / average if average > 0 else 0.0
    seconds = envelope.shape[-1] * hop_length / sr
    return np.array([clarity, confidence, _count_onsets(envelope, sr=sr, hop_length=hop_length)
                     / seconds], dtype=np.float64)


def _count_onsets(envelope, *, sr, hop_length):
    """``len(librosa.onset.onset_detect(onset_envelope=envelope, sr=sr, hop_length=hop_length))``.

    The envelope is scaled to [0, 1]; a frame is an onset when it is the
    maximum of its neighbourhood (30 ms before, the frame itself after), at
    least 0.07 above the mean of the 100 ms either side, and more than 30 ms
    after the onset before. The means are those of librosa's numba kernel:
    summed frame by frame in the envelope's dtype, divided in float64.
    """
    x = envelope - np.min(envelope, keepdims=True, axis=-1)
    x /= np.max(x, keepdims=True, axis=-1) + np.finfo(x.dtype).tiny
    if not x.any() or not np.all(np.isfinite(x)):
        return 0
    pre_max, pre_avg, wait = (int(np.ceil(seconds * sr // hop_length))
                              for seconds in (0.03, 0.10, 0.03))
    post_max, post_avg = 1, int(np.ceil(0.10 * sr // hop_length + 1))
    n = x.shape[-1]
    padded = np.pad(x, (pre_max, post_max - 1), constant_values=-np.inf)
    local_max = np.lib.stride_tricks.sliding_window_view(padded, pre_max + post_max).max(axis=-1)
    candidates = np.flatnonzero(x == local_max)
    windows = np.pad(x, (pre_avg, post_avg - 1))[
        candidates[:, np.newaxis] + np.arange(pre_avg + post_avg)]
    total = np.zeros(candidates.size, dtype=x.dtype)
    for column in windows.T:  # sequential sums, as the kernel's loop adds them
        total += column
    sizes = np.minimum(candidates + post_avg, n) - np.maximum(candidates - pre_avg, 0)
    strong = candidates[x[candidates] >= total / sizes + np.float64(np.float32(0.07))]
    count, next_allowed = 0, 0
    for frame in strong:  # each onset silences the next `wait` frames
        if frame >= next_allowed:
            count += 1
            next_allowed = frame + wait + 1
    return count


def _pulse_clarity(envelope, *, sr, hop_length, min_bpm=30.0, max_bpm=300.0):
    """Highest peak of the envelope's normalized (unbiased) autocorrelation within a BPM range."""
    x = envelope.astype(np.float64) - envelope.mean(dtype=np.float64)
    n = x.size
    n_fft = scipy.fft.next_fast_len(2 * n - 1, real=True)
    spectrum = scipy.fft.rfft(x, n=n_fft)
    ac = scipy.fft.irfft(spectrum.real**2 + spectrum.imag**2, n=n_fft)[:n]
    if ac[0] <= 0:
        return 0.0
    ac = ac / ac[0] * n / np.arange(n, 0, -1)  # unbiased: lag k sums n - k products
    frames_per_minute = 60.0 * sr / hop_length
    lo = max(1, int(np.floor(frames_per_minute / max_bpm)))
    hi = min(n // 2, int(np.ceil(frames_per_minute / min_bpm)))  # lags with enough overlap
    if hi - lo < 2:
        return 0.0
    segment = ac[lo - 1:hi + 1]
    inner = (segment[1:-1] >= segment[:-2]) & (segment[1:-1] >= segment[2:])
    peaks = segment[1:-1][inner]
    return float(np.clip(peaks.max(), 0.0, 1.0)) if peaks.size else 0.0
