"""Every feature family of one clip, all from one shared STFT.

:func:`frame_features` computes exactly what the plain librosa calls
compute (``librosa.feature.chroma_stft(y=y, sr=sr)``,
``librosa.feature.mfcc(y=y, sr=sr)``, ``librosa.effects.hpss(y)``,
``librosa.beat.beat_track(y=y, sr=sr)[0]``, ...), but each of those calls
computes its own STFT (seven for the GTZAN set) while here one STFT, one
power spectrogram, one mel spectrogram and one onset envelope serve them
all, each computed only when a requested family needs it.
"""

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import scipy.fft
import scipy.signal

from ._filters import fft_frequencies
from ._scaling import amplitude_to_db, normalize, power_to_db
from .decompose import _stft, harmonic_mask, harmonic_ratio, hpss_waveforms
from .mel import _mel_power
from .rhythm import RHYTHM_DESCRIPTORS, onset_envelope, rhythm_descriptors, tempo, tempogram
from .spectral import (
    _chroma,
    _estimate_tuning,
    _rms,
    spectral_centroid_bandwidth,
    spectral_contrast,
    spectral_flatness,
    spectral_rolloff,
    zero_crossing_rate,
)

__all__ = ["FAMILIES", "FEATURES", "Family", "frame_features", "row_labels"]


@dataclass(frozen=True)
class Family:
    """How a feature family is shaped and summarized.

    Attributes
    ----------
    kind : {"pooled", "rows", "values", "waveform"}
        ``"pooled"``: one statistic over all its values (frames, and bins
        for chroma); ``"rows"``: statistics per row (per MFCC, per band);
        ``"values"``: fixed values per clip, not summarized;
        ``"waveform"``: a signal at the audio's rate, summarized over samples.
    description : str
        What it is and which librosa call it equals.

    Examples
    --------
    >>> FAMILIES["mfcc"].kind, FAMILIES["tempo"].kind, FAMILIES["harmony"].kind
    ('rows', 'values', 'waveform')
    """

    kind: str
    description: str


FAMILIES = {
    "chroma_stft": Family("pooled", "chroma of the power spectrogram, all 12 pitch classes "
                          "together (librosa.feature.chroma_stft)"),
    "rms": Family("pooled", "frame energy (librosa.feature.rms)"),
    "spectral_centroid": Family("pooled", "mean frequency (librosa.feature.spectral_centroid)"),
    "spectral_bandwidth": Family("pooled", "spread around the centroid "
                                 "(librosa.feature.spectral_bandwidth)"),
    "rolloff": Family("pooled", "frequency below which 85 % of the magnitude lies "
                      "(librosa.feature.spectral_rolloff)"),
    "zero_crossing_rate": Family("pooled", "sign changes per sample "
                                 "(librosa.feature.zero_crossing_rate)"),
    "harmony": Family("waveform", "harmonic waveform of HPSS (librosa.effects.hpss)"),
    "harmonic_ratio": Family("pooled", "share of each frame's energy in the harmonic part "
                             "of HPSS (skaudio.functional.harmonic_ratio)"),
    "perceptr": Family("waveform", "percussive waveform of HPSS (librosa.effects.hpss)"),
    "tempo": Family("values", "tempo in BPM (librosa.beat.beat_track); 0 without onsets"),
    "mfcc": Family("rows", "MFCCs (librosa.feature.mfcc): columns mfcc1..mfcc{n_mfcc}"),
    "mfcc_delta": Family("rows", "first derivative of the MFCCs (librosa.feature.delta): "
                         "mfcc_delta1.."),
    "mfcc_delta2": Family("rows", "second derivative of the MFCCs "
                          "(librosa.feature.delta, order=2): mfcc_delta2_1.."),
    "spectral_contrast": Family("rows", "peak-to-valley ratio in dB in 7 octave bands "
                                "(librosa.feature.spectral_contrast): contrast1..contrast7"),
    "spectral_flatness": Family("pooled", "noisiness, geometric over arithmetic mean "
                                "(librosa.feature.spectral_flatness)"),
    "onset_strength": Family("pooled", "spectral flux of the log-mel spectrogram "
                             "(librosa.onset.onset_strength)"),
    "rms_db": Family("pooled", "frame energy in dB (librosa.amplitude_to_db of the RMS)"),
    "chroma": Family("rows", "chroma per pitch class (librosa.feature.chroma_stft): "
                     "chroma1..chroma{n_chroma}"),
    "tonnetz": Family("rows", "tonal centroids of the chroma (librosa.feature.tonnetz of "
                      "chroma_stft): tonnetz1..tonnetz6"),
    "log_mel": Family("rows", "log-mel band energies in dB (librosa.power_to_db of "
                      "librosa.feature.melspectrogram): mel1..mel{n_mels}"),
    "rhythm": Family("values", "pulse_clarity, tempo_confidence and onset_rate from the "
                     "tempogram and onsets (skaudio.functional.rhythm_descriptors)"),
}
"""Every feature family :func:`frame_features` computes, by name."""

FEATURES = ("chroma_stft", "rms", "spectral_centroid", "spectral_bandwidth", "rolloff",
            "zero_crossing_rate", "harmony", "perceptr", "tempo", "mfcc")
"""The GTZAN features, in the GTZAN table's column order."""


def row_labels(name, *, n_mfcc=20, n_chroma=12, n_mels=128):
    """Labels of a family's rows (``"rows"``) or values (``"values"``); None for the others.

    Parameters
    ----------
    name : str
        A family of :data:`FAMILIES`.
    n_mfcc, n_chroma, n_mels : int, default=20, 12, 128
        Rows of the MFCC, chroma and log-mel families.

    Returns
    -------
    labels : list of str or None

    Examples
    --------
    >>> row_labels("mfcc", n_mfcc=3)
    ['mfcc1', 'mfcc2', 'mfcc3']
    >>> row_labels("rhythm")
    ['pulse_clarity', 'tempo_confidence', 'onset_rate']
    """
    counts = {"mfcc": ("mfcc", n_mfcc), "mfcc_delta": ("mfcc_delta", n_mfcc),
              "mfcc_delta2": ("mfcc_delta2_", n_mfcc), "spectral_contrast": ("contrast", 7),
              "chroma": ("chroma", n_chroma), "tonnetz": ("tonnetz", 6),
              "log_mel": ("mel", n_mels)}
    if name in counts:
        prefix, n = counts[name]
        return [f"{prefix}{k}" for k in range(1, n + 1)]
    return {"tempo": ["tempo"], "rhythm": list(RHYTHM_DESCRIPTORS)}.get(name)


def frame_features(y, *, sr, features=FEATURES, n_fft=2048, hop_length=512, n_mfcc=20,
                   n_chroma=12, n_mels=128):
    """Compute feature families of one clip from a single STFT.

    Parameters
    ----------
    y : ndarray of shape (n_samples,), float32
        A finite mono waveform.
    sr : int
        Its sample rate.
    features : sequence of str, default=FEATURES
        Which of :data:`FAMILIES` to compute.
    n_fft, hop_length : int, default=2048, 512
        Frame settings of the STFT every feature shares (also the frame of
        RMS and zero-crossing rate, as in librosa).
    n_mfcc, n_chroma, n_mels : int, default=20, 12, 128
        Number of MFCCs, chroma bins and mel bands.

    Returns
    -------
    values : dict of str to ndarray
        ``"pooled"`` families: (n_frames,), or (n_chroma, n_frames) for
        ``"chroma_stft"``; ``"rows"`` families: (n_rows, n_frames);
        ``"waveform"`` families: (n_samples,); ``"values"`` families:
        (n_values,), e.g. ``"tempo"`` (1,) in BPM.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> v = frame_features(y, sr=22050, features=["spectral_centroid", "rms"])
    >>> round(float(np.median(v["spectral_centroid"])))
    440
    """
    clip = _Clip(y, sr, n_fft, hop_length, n_mfcc, n_chroma, n_mels)
    return {name: getattr(clip, name) for name in features}


class _Clip:
    """One clip's features as lazily computed attributes sharing their intermediates."""

    def __init__(self, y, sr, n_fft, hop_length, n_mfcc, n_chroma, n_mels):
        self.y, self.sr, self.n_fft, self.hop_length = y, sr, n_fft, hop_length
        self.n_mfcc, self.n_chroma, self.n_mels = n_mfcc, n_chroma, n_mels

    # shared intermediates
    @cached_property
    def D(self):
        return _stft(self.y, n_fft=self.n_fft, hop_length=self.hop_length)

    @cached_property
    def S(self):
        return np.abs(self.D)

    @cached_property
    def power(self):
        return self.S**2

    @cached_property
    def freqs(self):
        return fft_frequencies(sr=self.sr, n_fft=self.n_fft)

    @cached_property
    def _centroid_bandwidth(self):
        return spectral_centroid_bandwidth(self.S, freqs=self.freqs)

    @cached_property
    def mel_power(self):
        return _mel_power(self.power, sr=self.sr, n_fft=self.n_fft, n_mels=self.n_mels)

    @cached_property
    def log_mel(self):
        return power_to_db(self.mel_power)

    @cached_property
    def _beat_envelope(self):  # the onset envelope behind beat_track's tempo
        return onset_envelope(self.log_mel, sr=self.sr, n_fft=self.n_fft,
                              hop_length=self.hop_length, aggregate=np.median)

    @cached_property
    def _tempogram(self):
        return tempogram(self._beat_envelope, sr=self.sr, hop_length=self.hop_length)

    @cached_property
    def _harmonic_mask(self):
        return harmonic_mask(self.S)

    @cached_property
    def _hpss(self):
        return hpss_waveforms(self.y, D=self.D, n_fft=self.n_fft, hop_length=self.hop_length,
                              mask=self._harmonic_mask)

    @property
    def harmonic_ratio(self):
        return harmonic_ratio(self.S, mask=self._harmonic_mask)

    # the families, by name
    @cached_property
    def tuning(self):
        return _estimate_tuning(self.power, sr=self.sr, n_fft=self.n_fft,
                                bins_per_octave=self.n_chroma)

    @cached_property
    def chroma_stft(self):
        return _chroma(self.power, sr=self.sr, n_fft=self.n_fft, n_chroma=self.n_chroma,
                       tuning=self.tuning)

    @property
    def chroma(self):
        return self.chroma_stft

    @cached_property
    def rms(self):
        return _rms(self.y, frame_length=self.n_fft, hop_length=self.hop_length)

    @property
    def rms_db(self):
        return amplitude_to_db(self.rms)

    @property
    def zero_crossing_rate(self):
        return zero_crossing_rate(self.y, frame_length=self.n_fft, hop_length=self.hop_length)

    @property
    def spectral_centroid(self):
        return self._centroid_bandwidth[0]

    @property
    def spectral_bandwidth(self):
        return self._centroid_bandwidth[1]

    @property
    def rolloff(self):
        return spectral_rolloff(self.S, freqs=self.freqs)

    @property
    def spectral_contrast(self):
        return spectral_contrast(self.S, sr=self.sr, n_fft=self.n_fft)

    @property
    def spectral_flatness(self):
        return spectral_flatness(self.S)

    @property
    def harmony(self):
        return self._hpss[0]

    @property
    def perceptr(self):
        return self._hpss[1]

    @cached_property
    def tempo(self):
        if not self._beat_envelope.any():  # beat_track's answer for a clip without onsets
            return np.zeros(1)
        return np.array([tempo(self._tempogram, sr=self.sr, hop_length=self.hop_length)])

    @property
    def rhythm(self):
        return rhythm_descriptors(self._beat_envelope, self._tempogram, sr=self.sr,
                                  hop_length=self.hop_length, bpm=float(self.tempo[0]))

    @property
    def onset_strength(self):
        return onset_envelope(self.log_mel, sr=self.sr, n_fft=self.n_fft,
                              hop_length=self.hop_length)

    @cached_property
    def mfcc(self):
        # librosa.feature.mfcc(S=log_mel): its DCT (scipy.fft's), first n_mfcc rows
        return scipy.fft.dct(self.log_mel, axis=-2, type=2, norm="ortho")[..., :self.n_mfcc, :]

    @property
    def mfcc_delta(self):
        return _delta(self.mfcc, order=1)

    @property
    def mfcc_delta2(self):
        return _delta(self.mfcc, order=2)

    @property
    def tonnetz(self):
        return _tonnetz(self.chroma_stft)


def _delta(x, *, order):
    """``librosa.feature.delta`` (width 9, or the clip's odd length when shorter).

    librosa's Savitzky-Golay filter fits a polynomial at each edge for every
    call (most of its cost on short clips); the filter is linear, so its
    whole action on a window of ``width`` values is one matrix, made once:
    the middle row slides over the interior, the others give the edges.
    """
    n = x.shape[-1]
    width = min(9, n if n % 2 else n - 1)
    if width < 3:
        return np.zeros_like(x)
    operator = _savgol_operator(width, order).astype(x.dtype)
    half = width // 2
    out = np.empty_like(x)
    windows = np.lib.stride_tricks.sliding_window_view(x, width, axis=-1)
    out[..., half:n - half] = windows @ operator[half]
    out[..., :half] = x[..., :width] @ operator[:half].T
    out[..., n - half:] = x[..., n - width:] @ operator[half + 1:].T
    return out


@lru_cache(maxsize=8)
def _savgol_operator(width, order):
    """``librosa.feature.delta`` of every unit signal of length ``width``: its matrix.

    librosa's delta is scipy's Savitzky-Golay filter: a polynomial of degree
    ``order``, its ``order``-th derivative, the edges interpolated.
    """
    operator = scipy.signal.savgol_filter(np.eye(width), width, polyorder=order, deriv=order,
                                          axis=0, mode="interp")
    operator.flags.writeable = False
    return operator


def _tonnetz(chroma):
    """``librosa.feature.tonnetz(chroma=chroma)``: the chroma projected on three circles.

    The fifths, minor thirds and major thirds circles (sine and cosine
    each) of the L1-normalized chroma, with librosa's weights and steps.
    """
    dim_map = np.linspace(0, 12, num=chroma.shape[-2], endpoint=False)
    scale = np.asarray([7.0 / 6, 7.0 / 6, 3.0 / 2, 3.0 / 2, 2.0 / 3, 2.0 / 3])
    V = np.multiply.outer(scale, dim_map)
    V[::2] -= 0.5  # even rows: sines
    R = np.array([1, 1, 1, 1, 0.5, 0.5])  # fifths, minor thirds, major thirds
    phi = R[:, np.newaxis] * np.cos(np.pi * V)
    return np.einsum("pc,...ci->...pi", phi, normalize(chroma, norm=1, axis=-2), optimize=True)
