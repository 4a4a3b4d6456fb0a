"""Summary statistics that turn a frame-wise feature into a fixed-size vector."""

import numba
import numpy as np

__all__ = ["STATS", "summarize", "summarize_rows"]


def _standard_moments(x):
    """Skew and excess kurtosis of each row (0 and 0 for a (near) constant row)."""
    centered = x - x.mean(axis=-1, keepdims=True)
    squared = centered * centered
    m2 = squared.mean(axis=-1)
    m3 = (squared * centered).mean(axis=-1)
    m4 = (squared * squared).mean(axis=-1)
    constant = m2 <= 1e-24 * np.maximum(1.0, np.mean(x * x, axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.where(constant, 0.0, m3 / m2**1.5)
        kurtosis = np.where(constant, 0.0, m4 / (m2 * m2) - 3.0)
    return skew, kurtosis


def _skew(x):
    return _standard_moments(x)[0]


def _kurtosis(x):
    return _standard_moments(x)[1]


def _slope(x):
    """Least-squares slope of each row against time running from 0 to 1."""
    n = x.shape[-1]
    if n < 2:
        return np.zeros(x.shape[:-1])
    t = np.linspace(-0.5, 0.5, n)
    return ((x - x.mean(axis=-1, keepdims=True)) @ t) / (t @ t)


def _third(k):
    """Mean of the k-th third of each row (the middle third when a row is shorter than 3)."""
    def mean_of_third(x):
        n = x.shape[-1]
        lo, hi = (k * n) // 3, max((k + 1) * n // 3, (k * n) // 3 + 1)
        return x[..., min(lo, n - 1):min(hi, n)].mean(axis=-1)
    return mean_of_third


def _quantile(q):
    return lambda x: np.quantile(x, q, axis=-1)


STATS = {
    "mean": lambda x: np.mean(x, axis=-1),
    "var": lambda x: np.var(x, axis=-1),
    "std": lambda x: np.std(x, axis=-1),
    "min": lambda x: np.min(x, axis=-1),
    "max": lambda x: np.max(x, axis=-1),
    "median": _quantile(0.5),
    "q25": _quantile(0.25),
    "q75": _quantile(0.75),
    "iqr": lambda x: np.subtract(*np.quantile(x, [0.75, 0.25], axis=-1)),
    "skew": _skew,
    "kurtosis": _kurtosis,
    "slope": _slope,
    "third1": _third(0),
    "third2": _third(1),
    "third3": _third(2),
}
"""Every statistic :func:`summarize` knows: population variance (ddof=0)
as in the GTZAN table; skew and excess (Fisher) kurtosis are 0 for a
constant feature. ``slope`` (the least-squares trend, per clip length) and
``third1``/``third2``/``third3`` (the means of the first, middle and last
third of the frames) describe how a feature moves through the clip: the
shape of a word or of a note's attack and decay."""

_ORDER_STATS = {"median": 0.5, "q25": 0.25, "q75": 0.75}
_MOMENTS = {"mean", "var", "std"}
_TIME_STATS = {"slope", "third1", "third2", "third3"}


def _sorted_quantile(ordered, q):
    """``np.quantile(x, q, axis=-1)`` (linear method, the same float) of rows sorted already."""
    n = ordered.shape[-1]
    virtual = (n - 1) * q
    lo = int(np.floor(virtual))
    hi = min(lo + 1, n - 1)
    gamma = virtual - lo
    below, above = ordered[..., lo], ordered[..., hi]
    diff = above - below
    # numpy's _lerp: from the nearer end, so the result stays within [below, above]
    return above - diff * (1 - gamma) if gamma >= 0.5 else below + diff * gamma


def summarize(x, stats):
    """Summarize all values of ``x`` by each statistic in ``stats``.

    Parameters
    ----------
    x : array-like
        Values of one feature (over frames, bins or samples), any shape.
    stats : sequence of str
        Names from :data:`STATS`.

    Returns
    -------
    values : ndarray of shape (len(stats),), float64

    Examples
    --------
    >>> summarize([1.0, 2.0, 3.0, 4.0], ["mean", "var", "skew"])
    array([2.5 , 1.25, 0.  ])
    """
    return summarize_rows(np.ravel(x)[np.newaxis], stats)[0]


def summarize_rows(x, stats):
    """Summarize each row of ``x`` by each statistic in ``stats``, all rows at once.

    Row ``i`` of the result equals ``summarize(x[i], stats)``; the order
    statistics (median, quartiles, IQR) share one sort of the rows.

    Parameters
    ----------
    x : array-like of shape (n_rows, n_values)
        One feature per row (e.g. the MFCCs over frames).
    stats : sequence of str
        Names from :data:`STATS`.

    Returns
    -------
    values : ndarray of shape (n_rows, len(stats)), float64

    Examples
    --------
    >>> summarize_rows([[1.0, 2.0, 3.0], [0.0, 0.0, 3.0]], ["mean", "median", "max"])
    array([[2., 2., 3.],
           [1., 0., 3.]])
    """
    x = np.asarray(x)
    found = {}
    if _MOMENTS.intersection(stats) and x.ndim == 2 and x.shape[-1] and x.dtype == np.float32:
        # in one compiled pass each, from float32: no float64 copy of a long waveform (float64
        # rows are numpy's; one dtype and layout: one signature to compile on a fresh install)
        found["mean"], found["var"] = np.empty((2, x.shape[0]))
        _mean_var_rows(np.ascontiguousarray(x), found["mean"], found["var"])
        found["std"] = np.sqrt(found["var"])
        if set(stats) <= _MOMENTS:
            return np.stack([found[s] for s in stats], axis=-1)
    x = np.asarray(x, dtype=np.float64)
    found.update({s: STATS[s](x) for s in _TIME_STATS.intersection(stats)})  # before sorting
    if {"median", "q25", "q75", "iqr"}.intersection(stats):
        ordered = np.sort(x, axis=-1)  # one sort serves every quantile
        found.update({s: _sorted_quantile(ordered, q) for s, q in _ORDER_STATS.items()})
        found["iqr"] = found["q75"] - found["q25"]
    if {"skew", "kurtosis"}.intersection(stats):
        found["skew"], found["kurtosis"] = _standard_moments(x)
    columns = [found[s] if s in found else STATS[s](x) for s in stats]
    return np.stack(columns, axis=-1).astype(np.float64, copy=False)


@numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
def _mean_var_rows(x, mean, var):  # pragma: no cover - compiled
    """Mean and population variance of each row into ``mean``, ``var``, in float64 (two passes).

    ``np.mean(x, axis=-1)`` and ``np.var(x, axis=-1)`` of ``x`` in float64,
    equal up to the order of the additions (reassociated here so that they
    vectorize, pairwise in numpy): a few units in the 16th digit.
    """
    n_rows, n = x.shape
    for r in range(n_rows):
        total = 0.0
        for i in range(n):
            total += np.float64(x[r, i])
        m = total / n
        squares = 0.0
        for i in range(n):
            d = np.float64(x[r, i]) - m
            squares += d * d
        mean[r] = m
        var[r] = squares / n


_COSINES = {}  # frames -> basis of the cosine statistics, for the most recent lengths


def _cosines(n):
    """``(2 / n) cos(pi k (t + 1/2) / n)`` for k = 1 .. 4 (rows) over t < n, read-only."""
    basis = _COSINES.get(n)
    if basis is None:
        k = np.arange(1, 5)[:, np.newaxis]
        basis = np.cos(np.pi * k * (np.arange(n) + 0.5) / n) * (2.0 / n)
        basis.flags.writeable = False
        if len(_COSINES) >= 64:
            _COSINES.clear()
        _COSINES[n] = basis
    return basis


def _dct(k):
    """The k-th cosine coefficient of each row's trajectory (0 for a row of one value)."""
    def cosine_coefficient(x):
        n = x.shape[-1]
        if n < 2:
            return np.zeros(x.shape[:-1])
        return x @ _cosines(n)[k - 1]
    return cosine_coefficient


STATS.update({f"dct{k}": _dct(k) for k in range(1, 5)})
"""``dct1`` .. ``dct4`` join :data:`STATS`: the first cosine coefficients of
a feature's trajectory over the clip, ``(2 / n) * sum_t x[t] cos(pi k (t + 1/2) / n)``
(the DCT-II, scaled so that a half-cosine of amplitude ``a`` gives ``a``).
``dct1`` is the overall fall (positive) or rise, ``dct2`` an arch (negative)
or a bowl, ``dct3`` and ``dct4`` finer ups and downs: a smooth contour of a
word, of a note's attack and decay, in four numbers that do not depend on
the clip's length."""
