"""Frame-wise audio features of one clip, all from one shared STFT.

:func:`frame_features` computes exactly what the plain librosa calls
compute (``librosa.feature.chroma_stft(y=y, sr=sr)``,
``librosa.feature.mfcc(y=y, sr=sr)``, ``librosa.effects.hpss(y)``,
``librosa.beat.beat_track(y=y, sr=sr)[0]``, ...), but each of those calls
computes its own STFT (seven of them for the GTZAN set) while here one STFT,
one power spectrogram and one mel spectrogram serve them all.
"""

import warnings
from functools import lru_cache

import librosa
import numpy as np

from .decompose import hpss_waveforms

__all__ = ["FEATURES", "frame_features"]

FEATURES = (
    "chroma_stft",
    "rms",
    "spectral_centroid",
    "spectral_bandwidth",
    "rolloff",
    "zero_crossing_rate",
    "harmony",
    "perceptr",
    "tempo",
    "mfcc",
)
"""The GTZAN features, in the GTZAN table's column order."""

_NEEDS_STFT = {"chroma_stft", "spectral_centroid", "spectral_bandwidth", "rolloff",
               "harmony", "perceptr", "tempo", "mfcc"}


@lru_cache(maxsize=16)
def _mel_basis(sr, n_fft, n_mels):
    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)


def frame_features(y, *, sr, features=FEATURES, n_fft=2048, hop_length=512, n_mfcc=20,
                   n_chroma=12, n_mels=128):
    """Compute frame-wise features of one clip from a single STFT.

    Parameters
    ----------
    y : ndarray of shape (n_samples,), float32
        A finite mono waveform.
    sr : int
        Its sample rate.
    features : sequence of str, default=FEATURES
        Which of :data:`FEATURES` to compute.
    n_fft, hop_length : int, default=2048, 512
        Frame settings of the STFT every feature shares (also the frame of
        RMS and zero-crossing rate, as in librosa).
    n_mfcc, n_chroma, n_mels : int, default=20, 12, 128
        Number of MFCCs, chroma bins and mel bands.

    Returns
    -------
    values : dict of str to ndarray
        ``"chroma_stft"`` (n_chroma, n_frames), ``"mfcc"``
        (n_mfcc, n_frames), ``"harmony"``/``"perceptr"`` (n_samples,)
        waveforms, ``"tempo"`` shape (1,) in BPM (0 when the clip has no
        onsets, as ``librosa.beat.beat_track``), the others (n_frames,).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> v = frame_features(y, sr=22050, features=["spectral_centroid", "rms"])
    >>> round(float(np.median(v["spectral_centroid"])))
    440
    """
    with warnings.catch_warnings():
        # librosa's own remarks on short and silent clips: documented behaviour here
        warnings.filterwarnings("ignore", message="n_fft=.* is too large", category=UserWarning)
        warnings.filterwarnings("ignore", message="Trying to estimate tuning", category=UserWarning)
        return _frame_features(y, sr, set(features), n_fft, hop_length, n_mfcc, n_chroma, n_mels)


def _frame_features(y, sr, wanted, n_fft, hop_length, n_mfcc, n_chroma, n_mels):
    out = {}
    if "rms" in wanted:
        out["rms"] = librosa.feature.rms(y=y, frame_length=n_fft, hop_length=hop_length)[0]
    if "zero_crossing_rate" in wanted:
        out["zero_crossing_rate"] = librosa.feature.zero_crossing_rate(
            y, frame_length=n_fft, hop_length=hop_length)[0]
    if not wanted & _NEEDS_STFT:
        return out

    D = librosa.stft(y, n_fft=n_fft, hop_length=hop_length)
    S = np.abs(D)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    if wanted & {"spectral_centroid", "spectral_bandwidth"}:
        out["spectral_centroid"], out["spectral_bandwidth"] = _centroid_bandwidth(S, freqs)
    if "rolloff" in wanted:
        out["rolloff"] = _rolloff(S, freqs)
    if wanted & {"chroma_stft", "tempo", "mfcc"}:
        power = S**2
    if "chroma_stft" in wanted:
        tuning = _estimate_tuning(power, sr=sr, n_fft=n_fft, bins_per_octave=n_chroma)
        out["chroma_stft"] = librosa.feature.chroma_stft(
            S=power, sr=sr, n_fft=n_fft, hop_length=hop_length, n_chroma=n_chroma,
            tuning=tuning)
    if wanted & {"tempo", "mfcc"}:
        mel = _mel_basis(sr, n_fft, n_mels) @ power
        log_mel = librosa.power_to_db(mel)
    if "tempo" in wanted:
        out["tempo"] = _tempo(log_mel, sr=sr, n_fft=n_fft, hop_length=hop_length)
    if "mfcc" in wanted:
        out["mfcc"] = librosa.feature.mfcc(S=log_mel, sr=sr, n_mfcc=n_mfcc)
    if wanted & {"harmony", "perceptr"}:
        out["harmony"], out["perceptr"] = hpss_waveforms(
            y, D=D, n_fft=n_fft, hop_length=hop_length)
    return out


def _centroid_bandwidth(S, freqs):
    """``librosa.feature.spectral_centroid`` and ``spectral_bandwidth`` (p=2) of S.

    Both normalize each frame to unit sum (a frame summing to less than the
    smallest float is left as it is, as ``librosa.util.normalize`` does), so
    the centroid is the frame's mean frequency and the bandwidth its
    standard deviation: two matrix products serve both.
    """
    total = S.sum(axis=0, dtype=np.float64)
    total[total < np.finfo(S.dtype).tiny] = 1.0
    m0 = S.sum(axis=0, dtype=np.float64) / total
    m1 = (freqs @ S.astype(np.float64)) / total
    m2 = ((freqs**2) @ S.astype(np.float64)) / total
    centroid = m1
    variance = m2 - 2 * centroid * m1 + centroid**2 * m0
    return centroid, np.sqrt(np.maximum(variance, 0.0))


def _rolloff(S, freqs, roll_percent=0.85):
    """``librosa.feature.spectral_rolloff``: the first frequency holding 85 % of the energy."""
    cumulative = np.cumsum(S, axis=0)
    reached = cumulative >= roll_percent * cumulative[-1]
    return freqs[np.argmax(reached, axis=0)]


def _estimate_tuning(S, *, sr, n_fft, bins_per_octave=12, fmin=150.0, fmax=4000.0):
    """``librosa.estimate_tuning(S=S, ...)``, the same float, from the 150-4000 Hz bins only.

    ``librosa.piptrack`` interpolates peaks over every bin and then keeps
    those in the band; here only the band (and its two neighbours) is
    touched, with librosa's dtypes at every step (the parabolic shift in
    float64 rounded to ``S``'s dtype, as its numba stencil does).
    """
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    band = np.flatnonzero((max(fmin, 0) <= freqs) & (freqs < min(fmax, sr / 2)))
    if band.size == 0 or band[0] < 1 or band[-1] + 2 > S.shape[0]:
        return librosa.estimate_tuning(S=S, sr=sr, n_fft=n_fft, bins_per_octave=bins_per_octave)
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
    voiced = pitches > 0
    threshold = np.median(mags[voiced]) if voiced.any() else 0.0
    return librosa.pitch_tuning(pitches[(mags >= threshold) & voiced],
                                bins_per_octave=bins_per_octave)


def _tempo(log_mel, *, sr, n_fft, hop_length):
    """Tempo as ``librosa.beat.beat_track`` estimates it, from a log-mel spectrogram."""
    onset_env = librosa.onset.onset_strength(
        S=log_mel, sr=sr, n_fft=n_fft, hop_length=hop_length, aggregate=np.median)
    if not onset_env.any():  # beat_track's answer for a clip without onsets
        return np.zeros(1)
    return np.atleast_1d(librosa.feature.tempo(
        onset_envelope=onset_env, sr=sr, hop_length=hop_length)).astype(np.float64)
