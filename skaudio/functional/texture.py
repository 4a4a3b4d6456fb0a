"""Texture windows: frame features summarized over windows of a few seconds.

Tzanetakis & Cook (2002) describe a clip by the means and variances, over
the clip, of each feature's mean and variance inside a sliding "texture
window" of about one second: the variance of the window means says how the
sound moves from second to second, which a mean over the whole clip hides.
"""

import numpy as np

__all__ = ["texture_windows", "window_length"]


def window_length(seconds, *, rate):
    """Values in a texture window of ``seconds`` at ``rate`` values per second (at least 1).

    Parameters
    ----------
    seconds : float
        Window length.
    rate : float
        Values per second: ``sr / hop_length`` for frames, ``sr`` for samples.

    Returns
    -------
    length : int

    Examples
    --------
    >>> window_length(1.0, rate=22050 / 512)
    43
    """
    return max(1, int(round(seconds * rate)))


def texture_windows(x, *, length, hop=None, pooled=False):
    """Mean and variance of ``x`` inside each window, along the last axis.

    Parameters
    ----------
    x : array-like of shape (..., n_values)
        A feature over time (frames, or samples of a waveform); leading
        axes are kept, so a (n_rows, n_frames) feature gives one summary
        per row, unless ``pooled``.
    length : int
        Values per window. A clip shorter than one window forms one window
        of all its values.
    hop : int or None, default=None
        Values between window starts; None is half a window (at least 1).
        The last window ends at or before the last value.
    pooled : bool, default=False
        Summarize all rows of a (n_rows, n_values) feature together (each
        window holds ``length`` values of every row), as the GTZAN chroma
        column summarizes all pitch classes at once.

    Returns
    -------
    summaries : ndarray of shape (..., 2, n_windows), float64
        ``summaries[..., 0, :]`` the window means, ``[..., 1, :]`` the
        window variances (ddof=0). With ``pooled``: shape (2, n_windows).

    Examples
    --------
    >>> texture_windows([1.0, 3.0, 5.0, 7.0, 9.0, 11.0], length=2)
    array([[ 2.,  4.,  6.,  8., 10.],
           [ 1.,  1.,  1.,  1.,  1.]])
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    length = min(int(length), n)
    hop = max(1, length // 2) if hop is None else int(hop)
    starts = np.arange(0, n - length + 1, hop)
    # window sums from cumulative sums of the values and their squares, centred
    # on the clip mean so the variance does not cancel catastrophically
    centred = x - x.mean(axis=-1, keepdims=True)
    zero = np.zeros(x.shape[:-1] + (1,))
    s1 = np.concatenate([zero, np.cumsum(centred, axis=-1)], axis=-1)
    s2 = np.concatenate([zero, np.cumsum(centred**2, axis=-1)], axis=-1)
    mean = (s1[..., starts + length] - s1[..., starts]) / length
    var = (s2[..., starts + length] - s2[..., starts]) / length - mean**2
    mean = mean + x.mean(axis=-1, keepdims=True)
    var = np.maximum(var, 0.0)
    if pooled:  # the law of total variance over equally sized rows
        pooled_mean = mean.mean(axis=0)
        var = (var + mean**2).mean(axis=0) - pooled_mean**2
        mean = pooled_mean
    return np.stack([mean, np.maximum(var, 0.0)], axis=-2)
