"""The feature families of a long clip, computed over blocks of frames in bounded memory.

:func:`~skaudio.functional.frame_features` holds a clip's whole STFT, its
power, both HPSS medians and its inverse transform at once: about 117 MB per
minute of audio. Every family is either local in time (a frame needs its
own window, HPSS a few frames either side, the inverse STFT the frames that
overlap a sample) or a function of small per-frame series (the mel power of
each frame, the tuning candidates of each frame, the onset envelope). So a
long clip is cut into blocks of frames with enough context either side,
each block is analysed like a clip, and only the block's own frames are
kept: the frame series of the whole clip are those of the blocks, one after
another. The steps that need the whole clip (dB scaling against the
loudest frame, the tuning estimate, the tempogram's average, the tempo)
then run on those small series exactly as for a short clip. Values equal
:func:`frame_features` up to float rounding (tests compare them).

Only the harmonic/percussive *waveforms* are as long as the audio: when
only their mean, variance or standard deviation is asked for, they are
reduced block by block (:class:`WaveformMoments`) and never held whole.
"""

from dataclasses import dataclass

import numpy as np

from ._scaling import power_to_db
from .families import _Clip
from .rhythm import tempogram
from .spectral import (
    _contrast_of_peaks_valleys,
    _contrast_peaks_valleys,
    _tuning_candidates,
    _tuning_of_candidates,
)

__all__ = ["BLOCK_FRAMES", "WaveformMoments", "blocks_supported", "blockwise_frame_features",
           "moment_families", "needs_blocks"]

BLOCK_FRAMES = 2048
"""Frames per block (47 s at 22,050 Hz with a hop of 512): the working set of a
block is that of a 47-s clip, whatever the clip's length."""

_LOCAL = ("rms", "zero_crossing_rate", "spectral_centroid", "spectral_bandwidth", "rolloff",
          "spectral_flatness", "harmonic_ratio")
"""Families whose every frame depends only on the audio around it."""
_FROM_MEL = ("mfcc", "mfcc_delta", "mfcc_delta2", "onset_strength", "tempo", "rhythm",
             "log_mel")
_FROM_CHROMA = ("chroma_stft", "chroma", "tonnetz")
_WAVEFORMS = ("harmony", "perceptr")
_MOMENT_STATS = frozenset({"mean", "var", "std"})


@dataclass(frozen=True)
class WaveformMoments:
    """Count, mean and sum of squared deviations of a waveform, gathered block by block.

    Attributes
    ----------
    count : int
    mean : float
    m2 : float
        Sum of squared deviations from the mean.
    """

    count: int
    mean: float
    m2: float

    @classmethod
    def of(cls, x):
        """The moments of one block of samples (in float64)."""
        x = np.asarray(x, dtype=np.float64)
        mean = float(x.mean()) if x.size else 0.0
        return cls(x.size, mean, float(np.sum((x - mean) ** 2)))

    def __add__(self, other):
        """The moments of two blocks together (Chan et al.'s pairwise update)."""
        count = self.count + other.count
        if not count:
            return self
        delta = other.mean - self.mean
        return WaveformMoments(count, self.mean + delta * other.count / count,
                               self.m2 + other.m2 + delta**2 * self.count * other.count / count)

    def summarize(self, stats):
        """The statistics ``stats`` (from mean, var, std) of the whole waveform."""
        var = self.m2 / self.count
        return np.array([{"mean": self.mean, "var": var, "std": np.sqrt(var)}[s] for s in stats],
                        dtype=np.float64)


def moment_families(plan, texture):
    """The waveform families of ``plan`` that can be reduced to :class:`WaveformMoments`."""
    if texture is not None:
        return frozenset()
    return frozenset(name for name, stats in plan
                     if name in _WAVEFORMS and set(stats) <= _MOMENT_STATS)


def needs_blocks(n_samples, *, hop_length, block_frames=None):
    """Whether a clip of ``n_samples`` is long enough to be analysed in blocks (over 2 blocks)."""
    block_frames = BLOCK_FRAMES if block_frames is None else block_frames
    return 1 + n_samples // hop_length > 2 * block_frames


def blockwise_frame_features(y, *, sr, features, n_fft=2048, hop_length=512, n_mfcc=20,
                             n_chroma=12, n_mels=128, moments=frozenset(), block_frames=None):
    """:func:`~skaudio.functional.frame_features` of a long clip, block by block.

    Parameters
    ----------
    y, sr, features, n_fft, hop_length, n_mfcc, n_chroma, n_mels
        As :func:`~skaudio.functional.frame_features`.
    moments : set of str, default=frozenset()
        Waveform families (``"harmony"``, ``"perceptr"``) to return as
        :class:`WaveformMoments` instead of whole waveforms.
    block_frames : int or None, default=None
        Frames per block; None is :data:`BLOCK_FRAMES`.

    Returns
    -------
    values : dict of str to ndarray or WaveformMoments
        As :func:`~skaudio.functional.frame_features`.
    """
    block_frames = BLOCK_FRAMES if block_frames is None else int(block_frames)
    settings = (sr, n_fft, hop_length, n_mfcc, n_chroma, n_mels)
    features = list(features)
    reach = -(-n_fft // hop_length)  # frames a frame's window (or a sample's frames) reaches
    margin = 2 * reach + 31 // 2 + 2  # + half the HPSS median window
    n_frames = 1 + y.shape[-1] // hop_length
    blocks = [_Block(y, a, min(a + block_frames, n_frames), n_frames, margin, hop_length)
              for a in range(0, n_frames, block_frames)]

    local = [name for name in _LOCAL if name in features]
    waveforms = [name for name in _WAVEFORMS if name in features]
    wants = {
        "rms": "rms" in features or "rms_db" in features,
        "contrast": "spectral_contrast" in features,
        "chroma": any(name in features for name in _FROM_CHROMA),
        "mel": any(name in features for name in _FROM_MEL),
        "beat": "tempo" in features or "rhythm" in features,
    }
    series = {name: [] for name in (*local, *waveforms, "rms", "contrast", "candidates",
                                    "chroma", "mfcc", "log_mel", "beat_flux", "flux")}
    mel_peak = np.float32(0.0)
    # pass 1: everything local, and what the clip-wide steps need to know
    for block in blocks:
        clip, keep = block.clip(settings), block.frames
        for name in local:
            series[name].append(getattr(clip, name)[..., keep])
        if wants["rms"] and "rms" not in local:
            series["rms"].append(clip.rms[keep])
        if wants["contrast"]:  # in dB against the loudest frame of the whole clip: later
            series["contrast"].append(
                _contrast_peaks_valleys(clip.S[:, keep], sr=sr, n_fft=n_fft))
        if wants["chroma"]:
            series["candidates"].append(
                _tuning_candidates(clip.power[:, keep], sr=sr, n_fft=n_fft))
        if wants["mel"]:
            mel_peak = max(mel_peak, clip.mel_power[:, keep].max())
        for name in waveforms:
            part = getattr(clip, name)[block.samples]
            series[name].append(WaveformMoments.of(part) if name in moments else part)
        del clip
    # pass 2: the steps that depend on the whole clip's tuning and loudest mel band
    if wants["chroma"]:
        pitches, mags = zip(*series.pop("candidates"), strict=True)
        tuning = _tuning_of_candidates(np.concatenate(pitches), np.concatenate(mags),
                                       bins_per_octave=n_chroma)
    # librosa.power_to_db clips at 80 dB below the loudest mel band of the whole clip
    db_floor = power_to_db(np.array([mel_peak], dtype=np.float32))[0] - 80.0
    previous = None  # the last log-mel frame of the block before: the flux spans blocks
    for block in blocks if wants["chroma"] or wants["mel"] else ():
        clip, keep = block.clip(settings), block.frames
        if wants["chroma"]:
            clip.__dict__["tuning"] = tuning
            series["chroma"].append(clip.chroma_stft[:, keep])
        if wants["mel"]:
            log_mel = np.maximum(power_to_db(clip.mel_power[:, keep], top_db=None),
                                 db_floor)
            clip.__dict__["log_mel"] = log_mel
            series["mfcc"].append(clip.mfcc)
            if "log_mel" in features:
                series["log_mel"].append(log_mel)
            if wants["beat"]:
                series["beat_flux"].append(_flux(log_mel, previous, aggregate=np.median))
            if "onset_strength" in features:
                series["flux"].append(_flux(log_mel, previous, aggregate=np.mean))
            previous = log_mel[:, -1:]
        del clip

    whole = _Clip(y, *settings)
    for name in ("D", "S", "power", "mel_power", "log_mel"):  # never computed whole
        whole.__dict__[name] = None
    out = {name: np.concatenate(series.pop(name), axis=-1) for name in local}
    if wants["rms"]:
        whole.__dict__["rms"] = out.get("rms")
        if whole.rms is None:
            whole.__dict__["rms"] = np.concatenate(series.pop("rms"))
    if wants["contrast"]:
        peaks, valleys = zip(*series.pop("contrast"), strict=True)
        out["spectral_contrast"] = _contrast_of_peaks_valleys(
            np.concatenate(peaks, axis=-1), np.concatenate(valleys, axis=-1))
    if wants["chroma"]:
        whole.__dict__["chroma_stft"] = np.concatenate(series.pop("chroma"), axis=-1)
    if wants["mel"]:
        whole.__dict__["mfcc"] = np.concatenate(series.pop("mfcc"), axis=-1)
        lag = 1 + n_fft // (2 * hop_length)  # librosa.onset.onset_strength's centring
        if "log_mel" in features:
            out["log_mel"] = np.concatenate(series.pop("log_mel"), axis=-1)
        if "onset_strength" in features:
            out["onset_strength"] = _envelope(series.pop("flux"), lag, n_frames)
        if wants["beat"]:
            whole.__dict__["_beat_envelope"] = _envelope(series.pop("beat_flux"), lag,
                                                         n_frames)
            whole.__dict__["_tempogram"] = _mean_tempogram(
                whole._beat_envelope, sr=sr, hop_length=hop_length, block_frames=block_frames)
    for name in waveforms:
        parts = series.pop(name)
        out[name] = (sum(parts[1:], parts[0]) if name in moments
                     else np.concatenate(parts))
    for name in features:
        if name not in out:
            out[name] = getattr(whole, name)
    return {name: out[name] for name in features}


def _flux(log_mel, previous, *, aggregate):
    """Onset strength of each frame over the one before (the first frame of a clip has none).

    ``librosa.onset.onset_strength``'s difference step with ``lag=1``: the
    positive rise of each log-mel band, aggregated over bands.
    """
    frames = log_mel if previous is None else np.concatenate([previous, log_mel], axis=-1)
    return aggregate(np.maximum(0.0, frames[:, 1:] - frames[:, :-1]), axis=-2)


def _envelope(fluxes, lag, n_frames):
    """The onset envelope of the whole clip from its blocks' fluxes, shifted and trimmed."""
    return np.pad(np.concatenate(fluxes), (lag, 0))[:n_frames]


def blocks_supported(*, sr, n_fft, features):
    """Whether every family of ``features`` can be computed in blocks at these settings.

    The tuning estimate of the chroma families is gathered from per-frame
    candidates, which needs the 150-4000 Hz band inside the spectrum.
    """
    if not any(name in features for name in _FROM_CHROMA):
        return True
    empty = np.zeros((1 + n_fft // 2, 1), dtype=np.float32)
    return _tuning_candidates(empty, sr=sr, n_fft=n_fft) is not None


class _Block:
    """Frames ``[start, stop)`` of a clip, read with ``margin`` frames of context either side."""

    def __init__(self, y, start, stop, n_frames, margin, hop_length):
        first = max(0, start - margin)
        last = stop + margin
        self._y = y
        self._begin = first * hop_length
        self._end = y.shape[-1] if last >= n_frames else last * hop_length
        self.frames = slice(start - first, stop - first)
        end = y.shape[-1] if stop >= n_frames else stop * hop_length
        self.samples = slice(start * hop_length - self._begin, end - self._begin)

    def clip(self, settings):
        return _Clip(self._y[self._begin:self._end], *settings)


def _mean_tempogram(envelope, *, sr, hop_length, block_frames):
    """The tempogram of ``envelope`` averaged over frames, as a (win_length, 1) column.

    Each frame's column needs the envelope within half a window either
    side, so the tempogram is made block by block and only summed.
    """
    n = envelope.shape[-1]
    half = tempogram(envelope[:1], sr=sr, hop_length=hop_length).shape[0] // 2 + 1
    total = 0.0
    for start in range(0, n, block_frames):
        stop = min(start + block_frames, n)
        first, last = max(0, start - half), min(n, stop + half)
        block = tempogram(envelope[first:last], sr=sr, hop_length=hop_length)
        part = block[:, start - first:stop - first].sum(axis=-1, dtype=np.float64)
        total = total + part
    return (total / n)[:, np.newaxis]
