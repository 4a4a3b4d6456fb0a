"""A compiled running median, equal to scipy's ``median_filter`` on one axis.

``librosa.decompose.hpss`` spends most of its time in
``scipy.ndimage.median_filter`` with a 1-D footprint, which sorts every
window afresh. :func:`median_filter_axis` keeps each window sorted and
slides it one sample at a time (remove the outgoing value, insert the
incoming one), which costs O(size) per output instead of O(size log size),
and returns exactly the same values: the median is a selection, not a sum.
The kernel is compiled by numba once and cached on disk.
"""

import numba
import numpy as np
from scipy import ndimage

__all__ = ["median_filter_axis"]


def median_filter_axis(x, *, size, axis):
    """Median filter of a 2-D array along one axis, ``mode="reflect"``.

    Equal to ``scipy.ndimage.median_filter(x, size=shape, mode="reflect")``
    where ``shape`` is ``size`` on ``axis`` and 1 elsewhere.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_cols)
        Finite real values.
    size : int
        Odd window length.
    axis : {0, 1, -1, -2}
        Axis to filter along.

    Returns
    -------
    out : ndarray, same shape and dtype as ``x``

    Examples
    --------
    >>> import numpy as np
    >>> median_filter_axis(np.array([[3., 1., 2., 9., 4.]]), size=3, axis=1)
    array([[3., 2., 2., 4., 4.]])
    """
    if size % 2 != 1 or size < 1:
        raise ValueError(f"size must be an odd positive integer, got {size}.")
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D, got shape {x.shape}.")
    if x.shape[axis] <= 2:  # scipy reflects a 2-sample line its own way
        shape = [1, 1]
        shape[axis] = size
        return ndimage.median_filter(x, size=shape, mode="reflect")
    rows = np.ascontiguousarray(x if axis in (1, -1) else x.T)
    half = size // 2
    padded = np.pad(rows, ((0, 0), (half, half)), mode="symmetric")
    out = np.empty_like(rows)
    _running_median_rows(padded, size, out)
    return out if axis in (1, -1) else np.ascontiguousarray(out.T)


@numba.njit(cache=True, nogil=True)
def _running_median_rows(padded, size, out):  # pragma: no cover - compiled
    n_rows, n_out = out.shape
    half = size // 2
    window = np.empty(size, dtype=padded.dtype)
    for r in range(n_rows):
        row = padded[r]
        window[:] = row[:size]
        window.sort()
        out[r, 0] = window[half]
        for j in range(1, n_out):
            old = row[j - 1]
            new = row[j + size - 1]
            idx = np.searchsorted(window, old)
            if new > old:
                while idx + 1 < size and window[idx + 1] < new:
                    window[idx] = window[idx + 1]
                    idx += 1
            else:
                while idx > 0 and window[idx - 1] > new:
                    window[idx] = window[idx - 1]
                    idx -= 1
            window[idx] = new
            out[r, j] = window[half]
