"""skaudio: audio, music above all, as a first-class citizen of scikit-learn.

Transformers turn audio (file paths, a 2-D array of equal-length clips, or
a list of 1-D waveforms) into features or tensors for any scikit-learn
estimator. ``import skaudio`` is fast: public names are imported on first
use, and torch, matplotlib and dask only ever by the parts that need them
(:mod:`skaudio.nets`, :mod:`skaudio.benchmark`'s plots, a Dask joblib backend).
"""

import importlib

from .exceptions import (
    AudioLoadError,
    AudioValueError,
    BadClipsWarning,
    InvalidInputError,
    SkaudioError,
    VotingError,
)

__version__ = "0.1.0"

# public name -> module that defines it, imported on first attribute access
_LAZY = {
    "AugmentedClassifier": ".augmented",
    "BadClip": "._parallel",
    "ClipCounts": "._parallel",
    "ClipFeatures": "._base",
    "count_clips": "._parallel",
    "load_model": ".persistence",
    "save_model": ".persistence",
    "LibrosaFeatures": ".features",
    "MelSpectrogram": ".spectrogram",
    "RawWaveform": ".waveform",
    "SegmentVotingClassifier": ".segments",
    "load_audio": ".io",
}
# deprecated public name -> its new home, still importable with a FutureWarning
_MOVED = {"run_benchmark": "skaudio.benchmark"}

__all__ = [
    "AudioLoadError",
    "AudioValueError",
    "BadClipsWarning",
    "InvalidInputError",
    "SkaudioError",
    "VotingError",
    "__version__",
    *sorted(_LAZY),
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    if name in _MOVED:
        import warnings

        warnings.warn(f"skaudio.{name} is deprecated; use 'from {_MOVED[name]} import {name}' "
                      "instead.", FutureWarning, stacklevel=2)
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'skaudio' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
