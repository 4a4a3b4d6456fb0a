"""A compiled running median, equal to scipy's ``median_filter`` on one axis.

``librosa.decompose.hpss`` spends most of its time in
``scipy.ndimage.median_filter`` with a 1-D footprint, which sorts every
window afresh. :func:`median_filter_axis` keeps every window sorted and
slides it one sample at a time, and it slides many independent lines at
once: the lines lie side by side in memory (the filtered axis first), so
each step is a few branchless compare/min/max passes over contiguous lanes
that the compiler turns into SIMD instructions. Lines whose lanes are
strided (a Fortran-ordered spectrogram filtered along frequency) are first
copied into place tile by tile, and the result copied back: that costs less
than gathering the lanes at every step. A step removes the outgoing value
and inserts the incoming one; with ``w`` the sorted window, ``old``
the outgoing and ``new`` the incoming value,

* ``r[i] = w[i] if w[i] < old else w[i + 1]`` removes one copy of ``old``,
* ``w'[i] = max(r[i - 1], min(r[i], new))`` inserts ``new``
  (``r[-1] = -inf``, ``r[size - 1] = +inf``).

Only comparisons and selections, no arithmetic: the result is exactly the
one of scipy, ties included (the median is a selection, not a sum). NaN,
negative zeros (whose order a comparison cannot see) and lines too short for
the window (of at most 2 samples, or shorter than half the window, which
scipy pads its own way) are left to scipy. The
kernel is compiled by numba once and cached on disk.
"""

import numba
import numpy as np
from scipy import ndimage

__all__ = ["median_filter_axis", "median_filters_both_axes"]

_LANES = 128  # lines slid together; a window of 31 x 128 float64 stays in L1
_VECTOR = 16  # float32 lanes of one AVX-512 register: a last, narrower block rounds up to it
_TILE = 32  # tile edge of the layout-changing copies


def median_filter_axis(x, *, size, axis):
    """Median filter of a 2-D array along one axis, ``mode="reflect"``.

    Equal to ``scipy.ndimage.median_filter(x, size=shape, mode="reflect")``
    where ``shape`` is ``size`` on ``axis`` and 1 elsewhere, bit for bit.

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_cols)
        Real values. float32 and float64 take the compiled path; other
        dtypes, NaN and negative zeros go to scipy.
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
    if not _plain_floats(x):
        return _scipy_median(x, size, axis)
    return _in_order(_median_filter(x, size, axis), "C")


def _plain_floats(x):
    """Whether ``x`` is a non-empty float32/float64 array free of NaN and -0.0."""
    if x.dtype not in (np.float32, np.float64) or x.size == 0:
        return False
    info = np.finfo(x.dtype)
    bits = x.ravel(order="K").view(np.dtype(f"i{info.bits // 8}"))
    negative_zero = bits.dtype.type(np.array(-0.0, x.dtype).view(bits.dtype))
    infinity = bits.dtype.type(np.array(np.inf, x.dtype).view(bits.dtype))
    return not _count_nan_or_negative_zero(bits, negative_zero, infinity)


def median_filters_both_axes(x, *, size):
    """The medians along both axes of a 2-D array, in ``x``'s memory order.

    ``(median_filter_axis(x, size=size, axis=1), median_filter_axis(x,
    size=size, axis=0))``, the two running medians of HPSS, checking ``x``
    once and laying both results out as ``x`` is laid out (C or Fortran).

    Parameters
    ----------
    x : ndarray of shape (n_rows, n_cols)
        Real values.
    size : int
        Odd window length on both axes.

    Returns
    -------
    along_cols, along_rows : ndarray of shape (n_rows, n_cols)
        Filtered along axis 1 (within each row) and along axis 0.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[3., 1., 2.], [9., 4., 0.], [5., 5., 7.]])
    >>> h, p = median_filters_both_axes(x, size=3)
    >>> h[0], p[:, 0]
    (array([3., 2., 2.]), array([3., 5., 5.]))
    """
    if size % 2 != 1 or size < 1:
        raise ValueError(f"size must be an odd positive integer, got {size}.")
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D, got shape {x.shape}.")
    if not _plain_floats(x):
        return _scipy_median(x, size, 1), _scipy_median(x, size, 0)
    order = "F" if x.flags.f_contiguous and not x.flags.c_contiguous else "C"
    return (_in_order(_median_filter(x, size, 1), order),
            _in_order(_median_filter(x, size, 0), order))


def _scipy_median(x, size, axis):
    shape = [1, 1]
    shape[axis] = size
    return ndimage.median_filter(x, size=shape, mode="reflect")


def _median_filter(x, size, axis):
    """:func:`median_filter_axis` for float32/float64 without NaN or -0.0, in any layout."""
    n = x.shape[axis]
    if n <= 2 or size // 2 > n:  # windows reaching past one reflection: scipy's own way
        return _scipy_median(x, size, axis)
    along_rows = axis in (0, -2)
    lines = _in_order(x if along_rows else x.T, "C")  # (n_steps, n_lanes), lanes contiguous
    half = size // 2
    index = np.pad(np.arange(lines.shape[0]), half, mode="symmetric")
    out = np.empty_like(lines)
    _sliding_median(lines, index, size, out)
    return out if along_rows else out.T


def _in_order(x, order):
    """``np.asarray(x, order=order)`` for a 2-D array, changing its layout tile by tile."""
    if x.flags[f"{order}_CONTIGUOUS"]:
        return x
    if order == "F":
        return _in_order(x.T, "C").T
    out = np.empty(x.shape, dtype=x.dtype)
    _copy_tiles(x, out)
    return out


@numba.njit(cache=True, nogil=True)
def _count_nan_or_negative_zero(bits, negative_zero, infinity):  # pragma: no cover
    """How many of the IEEE floats with these bit patterns are NaN or -0.0.

    ``negative_zero`` is the sign bit alone; a NaN is above ``infinity``
    once its sign bit is cleared. (An indexed loop: it vectorizes, an
    iterator over the array does not.)
    """
    count = 0
    for i in range(bits.size):
        b = bits[i]
        count += (b == negative_zero) | ((b & ~negative_zero) > infinity)
    return count


@numba.njit(cache=True, nogil=True)
def _copy_tiles(x, out):  # pragma: no cover - compiled
    """``out[:] = x`` from a Fortran-ordered ``x``, in tiles that stay in L1."""
    n_rows, n_cols = x.shape
    for row_block in range(-(-n_rows // _TILE)):
        row_start = row_block * _TILE
        row_stop = min(row_start + _TILE, n_rows)
        for col_block in range(-(-n_cols // _TILE)):
            col_start = col_block * _TILE
            col_stop = min(col_start + _TILE, n_cols)
            for j in range(col_start, col_stop):
                for i in range(row_start, row_stop):
                    out[i, j] = x[i, j]


@numba.njit(cache=True, nogil=True)
def _sliding_median(x, index, size, out):  # pragma: no cover - compiled
    """Running medians down the columns of ``x``: ``out[j] = median(x[index[j:j + size]])``.

    Columns are processed ``_LANES`` at a time (a last, narrower block
    ``width`` rounded up to ``_VECTOR``, its spare lanes sliding zeros);
    ``window[i * _LANES + lane]`` is the i-th smallest value of the current
    window of column ``lane``. Blocks are counted rather than stepped
    through (``range(0, n, step)``) so that every index is provably
    non-negative and the lane loops compile to vector instructions.
    """
    n_out, n_lanes = out.shape
    half = size // 2
    window = np.zeros(size * _LANES, dtype=x.dtype)
    carry = np.empty(_LANES, dtype=x.dtype)
    old = np.zeros(_LANES, dtype=x.dtype)
    new = np.zeros(_LANES, dtype=x.dtype)
    column = np.empty(size, dtype=x.dtype)
    for block in range(-(-n_lanes // _LANES)):
        start = block * _LANES
        width = min(_LANES, n_lanes - start)
        lanes = min(_LANES, -(-width // _VECTOR) * _VECTOR)
        for lane in range(width):
            for i in range(size):
                column[i] = x[index[i], start + lane]
            column.sort()
            for i in range(size):
                window[i * _LANES + lane] = column[i]
            out[0, start + lane] = column[half]
        for lane in range(width, lanes):
            old[lane] = 0
            new[lane] = 0
            for i in range(size):
                window[i * _LANES + lane] = 0
        for j in range(1, n_out):
            row_old = index[j - 1]
            row_new = index[j + size - 1]
            for lane in range(width):
                old[lane] = x[row_old, start + lane]
                new[lane] = x[row_new, start + lane]
            for lane in range(lanes):
                carry[lane] = -np.inf
            for i in range(size - 1):
                base = i * _LANES
                for lane in range(lanes):  # vectorized
                    here = window[base + lane]
                    after = window[base + _LANES + lane]
                    o = old[lane]
                    n = new[lane]
                    c = carry[lane]
                    kept = here if here < o else after
                    low = kept if kept < n else n
                    window[base + lane] = c if c > low else low
                    carry[lane] = kept
            base = (size - 1) * _LANES
            for lane in range(lanes):
                c = carry[lane]
                n = new[lane]
                window[base + lane] = c if c > n else n
            for lane in range(width):
                out[j, start + lane] = window[half * _LANES + lane]
