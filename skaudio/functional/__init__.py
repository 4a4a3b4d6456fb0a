"""The maths of skaudio: pure, keyword-only functions on numpy arrays.

No estimators here; the transformers of :mod:`skaudio` hold parameters and
validation and call these functions clip by clip.
"""

from .decompose import harmonic_mask, harmonic_ratio, hpss, hpss_waveforms, istft
from .families import FAMILIES, FEATURES, Family, frame_features, row_labels
from .mel import fix_length, mel_spectrogram, n_frames
from .rhythm import RHYTHM_DESCRIPTORS, onset_envelope, rhythm_descriptors, tempo, tempogram
from .spectral import (
    spectral_centroid_bandwidth,
    spectral_contrast,
    spectral_flatness,
    spectral_rolloff,
    zero_crossing_rate,
)
from .stats import STATS, summarize, summarize_rows
from .texture import texture_windows, window_length

__all__ = [
    "FAMILIES",
    "FEATURES",
    "Family",
    "RHYTHM_DESCRIPTORS",
    "STATS",
    "fix_length",
    "frame_features",
    "harmonic_mask",
    "harmonic_ratio",
    "hpss",
    "hpss_waveforms",
    "istft",
    "mel_spectrogram",
    "n_frames",
    "onset_envelope",
    "rhythm_descriptors",
    "row_labels",
    "spectral_centroid_bandwidth",
    "spectral_contrast",
    "spectral_flatness",
    "spectral_rolloff",
    "summarize",
    "summarize_rows",
    "tempo",
    "tempogram",
    "texture_windows",
    "window_length",
    "zero_crossing_rate",
]
