"""The GTZAN-57 features the plain way: one librosa call per feature.

This is the recipe behind the GTZAN feature table and the usual way of
computing it: seven STFTs, HPSS through scipy's median filters, the beat
tracker for the tempo. :class:`skaudio.LibrosaFeatures` computes the same
numbers from one STFT; this function is the oracle its tests and the speed
benchmark (``benchmarks/feature_speed.py``) compare against.
"""

import librosa
import numpy as np

__all__ = ["gtzan_features_librosa"]


def gtzan_features_librosa(y, *, sr=22050):
    """The 57 GTZAN features of one clip, from plain librosa calls.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        A mono waveform.
    sr : int, default=22050
        Its sample rate.

    Returns
    -------
    features : ndarray of shape (57,), float64
        In the GTZAN table's column order (see
        ``LibrosaFeatures().get_feature_names_out()``).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> gtzan_features_librosa(y).shape
    (57,)
    """
    def mean_var(values):
        return [np.mean(values), np.var(values)]

    harmonic, percussive = librosa.effects.hpss(y)
    row = (
        mean_var(librosa.feature.chroma_stft(y=y, sr=sr))
        + mean_var(librosa.feature.rms(y=y))
        + mean_var(librosa.feature.spectral_centroid(y=y, sr=sr))
        + mean_var(librosa.feature.spectral_bandwidth(y=y, sr=sr))
        + mean_var(librosa.feature.spectral_rolloff(y=y, sr=sr))
        + mean_var(librosa.feature.zero_crossing_rate(y))
        + mean_var(harmonic) + mean_var(percussive)
        + [float(np.atleast_1d(librosa.beat.beat_track(y=y, sr=sr)[0])[0])]
    )
    for coefficient in librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20):
        row += mean_var(coefficient)
    return np.array(row, dtype=np.float64)
