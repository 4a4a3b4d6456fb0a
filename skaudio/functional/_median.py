"""A compiled running median, equal to scipy's ``median_filter`` on one axis.

``librosa.decompose.hpss`` spends most of its time in
``scipy.ndimage.median_filter`` with a 1-D footprint, which sorts every
window afresh. :func:`median_filter_axis` keeps every window sorted and
slides it one sample at a time, and it slides many independent lines at
once: the lines lie side by side in memory (the filtered axis first), so
each step is a few branchless compare/min/max passes over contiguous lanes
that the compiler turns into SIMD instructions. A block of lines is first
copied into a contiguous tile (and its medians out of one), in the order
that reads the input and writes the output along their memory, so a
Fortran-ordered spectrogram is filtered along either axis at the same cost,
without a transposed copy. A step removes the outgoing value and inserts
the incoming one; with ``w`` the sorted window, ``old`` the outgoing and
``new`` the incoming value,

* ``r[i] = w[i] if w[i] < old else w[i + 1]`` removes one copy of ``old``,
* ``w'[i] = max(r[i - 1], min(r[i], new))`` inserts ``new``
  (``r[-1] = -inf``, ``r[size - 1] = +inf``).

Only comparisons and selections, no arithmetic: the result is exactly the
one of scipy, ties included (the median is a selection, not a sum). NaN and
negative zeros (whose order a comparison cannot see) are left to scipy. A
line shorter than half the window (the frames of a clip under about 0.35 s)
is extended by reflecting it again and again (numpy's ``symmetric``
padding), the values of scipy's 1-D ``median_filter``: its 2-D filter reads
past such a line (scipy 1.17, a Fortran-ordered spectrogram such as
librosa's: NaN, or values that change from one call to the next), so it is
not asked. The kernel is compiled by numba once and cached on disk.
"""

import numba
import numpy as np

__all__ = ["median_filter_axis", "median_filters_both_axes"]

_LANES = 64  # lines slid together: their window (31 x 64) stays in L1, their tiles in L2
_VECTOR = 16  # float32 lanes of one AVX-512 register: a last, narrower block rounds up to it


def median_filter_axis(x, *, size, axis):
    """Median filter of a 2-D array along one axis, ``mode="reflect"``.

    Equal to ``scipy.ndimage.median_filter(x, size=shape, mode="reflect")``
    where ``shape`` is ``size`` on ``axis`` and 1 elsewhere, bit for bit, for
    lines of at least ``size // 2`` values. A shorter line is extended by
    repeated reflection (numpy's ``symmetric`` padding: scipy's 1-D filter
    gives the same medians, its 2-D one reads past the line).

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
    return np.ascontiguousarray(_median_filter(x, size, axis))


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
    return (np.asarray(_median_filter(x, size, 1), order=order),
            np.asarray(_median_filter(x, size, 0), order=order))


def _scipy_median(x, size, axis):
    from scipy import ndimage  # here: the warm-up helper imports this module, not scipy's

    shape = [1, 1]
    shape[axis] = size
    return ndimage.median_filter(x, size=shape, mode="reflect")


def _median_filter(x, size, axis):
    """:func:`median_filter_axis` for float32/float64 without NaN or -0.0."""
    along_rows = axis in (0, -2)
    lines = x if along_rows else x.T  # (n_steps, n_lanes), read in place in C or F order
    if not lines.flags.f_contiguous:
        lines = np.ascontiguousarray(lines)
    half = size // 2
    index = np.pad(np.arange(lines.shape[0]), half, mode="symmetric")
    out = np.empty_like(lines, order="K")  # laid out as the input: no copy in or out
    # C-ordered arrays only (an F-ordered one as its transpose): one signature to compile
    lanes_first = not lines.flags.c_contiguous
    if lanes_first:
        _sliding_median(lines.T, True, index, size, out.T)
    else:
        _sliding_median(lines, False, index, size, out)
    return out if along_rows else out.T


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
def _sliding_median(x, lanes_first, index, size, out):  # pragma: no cover - compiled
    """Running medians down the columns of ``x``: ``out[j] = median(x[index[j:j + size]])``.

    With ``lanes_first``, ``x`` and ``out`` are given transposed (the
    columns are their rows): both are C-ordered either way, so one signature
    serves every layout. Columns are processed ``_LANES`` at a time (a last,
    narrower block rounded up to ``_VECTOR`` lanes, its spare lanes sliding
    zeros): copied into ``tile``, slid, their medians gathered in
    ``medians`` and copied out, each copy along the memory order of ``x`` or
    ``out``. ``window[i * _LANES + lane]`` is the i-th smallest value of the
    current window of column ``lane``; the first window is sorted by
    insertion (numba's own sort takes a second to compile). Blocks are
    counted rather than stepped through (``range(0, n, step)``) so that
    every index is provably non-negative and the lane loops compile to
    vector instructions.
    """
    n_lanes, n_steps = x.shape if lanes_first else (x.shape[1], x.shape[0])
    n_out = n_steps
    half = size // 2
    most = min(_LANES, -(-n_lanes // _VECTOR) * _VECTOR)  # lanes of the widest block
    # work arrays of two kinds of allocation only (1-D and 2-D, uninitialized: every value
    # read is written first): numba compiles each kind once (carry uses _LANES values)
    window = np.empty(size * _LANES, dtype=x.dtype)
    carry = np.empty(size * _LANES, dtype=x.dtype)
    tile = np.empty((n_steps, most), dtype=x.dtype)
    medians = np.empty((n_out, most), dtype=x.dtype)
    column = np.empty(size, dtype=x.dtype)
    for block in range(-(-n_lanes // _LANES)):
        start = block * _LANES
        width = min(_LANES, n_lanes - start)
        lanes = min(_LANES, -(-width // _VECTOR) * _VECTOR)
        if lanes_first:  # each column contiguous
            for lane in range(width):
                for s in range(n_steps):
                    tile[s, lane] = x[start + lane, s]
        else:
            for s in range(n_steps):
                for lane in range(width):
                    tile[s, lane] = x[s, start + lane]
        for s in range(n_steps):
            for lane in range(width, lanes):
                tile[s, lane] = 0
        for lane in range(lanes):
            for i in range(size):
                value = tile[index[i], lane]
                k = i
                while k > 0 and column[k - 1] > value:
                    column[k] = column[k - 1]
                    k -= 1
                column[k] = value
            for i in range(size):
                window[i * _LANES + lane] = column[i]
            medians[0, lane] = column[half]
        for j in range(1, n_out):
            row_old = index[j - 1]
            row_new = index[j + size - 1]
            for lane in range(lanes):
                carry[lane] = -np.inf
            for i in range(size - 1):
                base = i * _LANES
                for lane in range(lanes):  # vectorized
                    here = window[base + lane]
                    after = window[base + _LANES + lane]
                    o = tile[row_old, lane]
                    n = tile[row_new, lane]
                    c = carry[lane]
                    kept = here if here < o else after
                    low = kept if kept < n else n
                    window[base + lane] = c if c > low else low
                    carry[lane] = kept
            base = (size - 1) * _LANES
            for lane in range(lanes):
                c = carry[lane]
                n = tile[row_new, lane]
                window[base + lane] = c if c > n else n
                medians[j, lane] = window[half * _LANES + lane]
        if lanes_first:
            for lane in range(width):
                for j in range(n_out):
                    out[start + lane, j] = medians[j, lane]
        else:
            for j in range(n_out):
                for lane in range(width):
                    out[j, start + lane] = medians[j, lane]
