"""Datasets: a built-in generated music dataset and loaders for local copies.

Nothing is downloaded: :func:`make_genres` generates audio offline; the
loaders read a dataset you already have and return a scikit-learn
:class:`~sklearn.utils.Bunch` with ``data`` (waveforms, file paths or a
feature table), ``target``, ``groups`` (artist / speaker / track, or None),
``frame`` (metadata), ``target_names`` and ``DESCR``.
"""

from ._features_table import load_gtzan_features
from ._fma import fma_audio_path, load_fma
from ._folder import load_audio_folder
from ._generate import make_genres
from ._gtzan import gtzan_split, gtzan_track_id, load_gtzan

__all__ = [
    "make_genres",
    "load_gtzan",
    "gtzan_split",
    "gtzan_track_id",
    "load_fma",
    "fma_audio_path",
    "load_audio_folder",
    "load_gtzan_features",
]
