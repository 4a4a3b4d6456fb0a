"""Decibels and normalisation, librosa's floats without importing librosa.

``librosa.power_to_db``, ``librosa.amplitude_to_db`` and
``librosa.util.normalize``, step for step and dtype for dtype (see
:mod:`skaudio.functional._filters` for why librosa is not imported).
"""

import numpy as np

__all__ = ["amplitude_to_db", "normalize", "power_to_db"]


def power_to_db(S, *, amin=1e-10, top_db=80.0):
    """``librosa.power_to_db(S, ref=1.0, amin=amin, top_db=top_db)``.

    ``10 * log10(max(amin, S))``, floored at ``top_db`` below its maximum
    (None: no floor).

    Examples
    --------
    >>> power_to_db(np.array([1.0, 0.1, 1e-12]))
    array([  0., -10., -80.])
    >>> power_to_db(np.array([1.0, 1e-12]), top_db=None)
    array([   0., -100.])
    """
    log_spec = 10.0 * np.log10(np.maximum(amin, np.asarray(S)))
    log_spec -= 10.0 * np.log10(np.maximum(amin, 1.0))  # ref=1.0, as librosa subtracts it
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def amplitude_to_db(S, *, amin=1e-5, top_db=80.0):
    """``librosa.amplitude_to_db(S, ref=1.0, amin=amin, top_db=top_db)``: ``power_to_db(S**2)``.

    Examples
    --------
    >>> amplitude_to_db(np.array([1.0, 0.1, 1e-3]))
    array([  0., -20., -60.])
    """
    magnitude = np.abs(S)
    return power_to_db(np.square(magnitude, out=magnitude), amin=amin**2, top_db=top_db)


def normalize(S, *, norm, axis):
    """``librosa.util.normalize(S, norm=norm, axis=axis)``, for the max norm or a p-norm.

    Each slice along ``axis`` is divided by its norm (taken in float64),
    unless the norm is below the smallest float of ``S``'s dtype; the result
    has ``S``'s dtype.

    Examples
    --------
    >>> normalize(np.array([[1.0, 0.0], [3.0, 0.0]]), norm=np.inf, axis=0)
    array([[0.33333333, 0.        ],
           [1.        , 0.        ]])
    >>> normalize(np.array([1.0, 3.0]), norm=1, axis=0)
    array([0.25, 0.75])
    """
    if not np.all(np.isfinite(S)):
        raise ValueError("normalize: the input must be finite.")
    mag = np.abs(S).astype(float)
    if norm == np.inf:
        length = np.max(mag, axis=axis, keepdims=True)
    elif norm > 0:
        length = np.sum(mag**norm, axis=axis, keepdims=True) ** (1.0 / norm)
    else:
        raise ValueError(f"normalize: norm must be np.inf or positive; got {norm!r}.")
    length[length < _tiny(S)] = 1.0  # slices with (almost) nothing in them stay as they are
    out = np.empty_like(S)
    out[:] = S / length
    return out


def _tiny(x):
    """``librosa.util.tiny``: the smallest normal float of ``x``'s dtype (float32 for others)."""
    dtype = np.asarray(x).dtype
    return np.finfo(dtype if np.issubdtype(dtype, np.inexact) else np.float32).tiny
