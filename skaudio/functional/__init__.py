"""The maths of skaudio: pure, keyword-only functions on numpy arrays.

No estimators here; the transformers of :mod:`skaudio` hold parameters and
validation and call these functions clip by clip.
"""

from .decompose import hpss, hpss_waveforms
from .spectral import FEATURES, frame_features
from .stats import STATS, summarize

__all__ = ["FEATURES", "STATS", "frame_features", "hpss", "hpss_waveforms", "summarize"]
