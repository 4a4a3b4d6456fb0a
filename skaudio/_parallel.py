"""Run a per-clip function over many clips: joblib, cache, errors, progress.

Every skaudio transformer computes its output clip by clip through
:func:`map_clips`. It loads each clip inside the worker, so with paths as
``X`` only the clips in flight are in memory (joblib dispatches at most
``pre_dispatch="2*n_jobs"`` batches ahead, and results are written into the
output array as they arrive). It caps BLAS/OpenMP threads at one per clip in
every worker (process or thread), so ``n_jobs`` workers do not oversubscribe
the cores, looks each result up in the optional per-clip cache, and turns a
bad clip either into an error naming it (``on_error="raise"``) or into a NaN
row reported once (``on_error="nan"``). It runs on any joblib backend, a Dask
cluster included (``with joblib.parallel_backend("dask"): ...``).

:func:`count_clips` counts, for the calls made inside it, how many clips were
computed and how many were served by the cache.
"""

import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import ThreadpoolController

from ._cache import check_memory
from ._clips import clip_key, load_clip
from .exceptions import SkaudioError

__all__ = ["BadClip", "ClipCounts", "count_clips", "map_clips"]


@dataclass(frozen=True)
class BadClip:
    """A clip that could not be processed: its row index, name and reason."""

    index: int
    name: str
    reason: str


@dataclass
class ClipCounts:
    """Clips seen by :func:`map_clips` inside a :func:`count_clips` block.

    Attributes
    ----------
    computed : int
        Clips whose result was computed (cache misses, or no cache).
    cached : int
        Clips whose result was served by the cache.
    failed : int
        Clips that gave a NaN row (``on_error="nan"``).
    """

    computed: int = 0
    cached: int = 0
    failed: int = 0


_COUNTERS = []
_COUNTERS_LOCK = threading.Lock()


@contextmanager
def count_clips():
    """Count clip computations and cache hits of the ``map_clips`` calls inside.

    Calls made in this process are counted, whatever ``n_jobs`` or backend
    the transformers use; calls made inside other processes (e.g. a
    ``GridSearchCV(n_jobs=2)`` fitting pipelines in workers) are not.

    Yields
    ------
    counts : ClipCounts

    Examples
    --------
    >>> import numpy as np
    >>> from skaudio import LibrosaFeatures
    >>> X = np.random.default_rng(0).standard_normal((2, 4096))
    >>> with count_clips() as counts:
    ...     _ = LibrosaFeatures(features=["rms"]).fit_transform(X)
    >>> counts
    ClipCounts(computed=2, cached=0, failed=0)
    """
    counts = ClipCounts()
    with _COUNTERS_LOCK:
        _COUNTERS.append(counts)
    try:
        yield counts
    finally:
        with _COUNTERS_LOCK:
            _COUNTERS.remove(counts)


def _count(status):
    with _COUNTERS_LOCK:
        for counts in _COUNTERS:
            setattr(counts, status, getattr(counts, status) + 1)


def map_clips(func, clips, *, sr, params, offset=0.0, duration=None, n_jobs=None,
              memory=None, on_error="raise", verbose=0, out_shape=None):
    """Apply ``func(y, sr=sr, **params)`` to every clip and stack the results.

    Parameters
    ----------
    func : callable
        A pure, module-level function of a float32 mono waveform returning an
        array of one fixed shape. Its module and name are part of the cache key.
    clips : ClipSequence
        The clips, from :func:`skaudio._clips.as_clips`.
    sr : int
        Sample rate the clips are loaded at (arrays are assumed at ``sr``).
    params : dict
        Keyword arguments of ``func``; all of them are part of the cache key,
        so they must be exactly the parameters that change the output.
    offset, duration : float, float or None
        The window of each clip to analyse, in seconds (part of the key).
    n_jobs : int or None
        joblib's ``n_jobs``; the active joblib backend is used.
    memory : None, str or joblib.Memory
        Per-clip cache location.
    on_error : {"raise", "nan"}
        What a bad clip gives: an error naming it, or a row of NaN.
    verbose : int
        Show a progress bar when > 0.
    out_shape : tuple or None
        Shape of one result, used for the NaN rows of bad clips; inferred
        from the first good clip when None.

    Returns
    -------
    out : ndarray of shape (n_clips, *out_shape)
    bad : list of BadClip
    """
    cache = check_memory(memory)
    cache_params = {"sr": sr, "offset": offset, "duration": duration, **params}
    func_name = f"{func.__module__}.{func.__qualname__}"
    tasks = (
        delayed(_run_one)(func, clips.items[i], clips.name(i), sr, params, offset, duration,
                          cache, func_name, cache_params, on_error)
        for i in range(len(clips))
    )
    out = _Rows(len(clips), out_shape)
    bad = []
    # One BLAS thread per clip here as in the workers: results do not depend
    # on n_jobs, and the sequential case does not compete with other work.
    with _limit_threads():
        # generator: results are consumed as they arrive and joblib keeps at
        # most pre_dispatch batches in flight, so memory does not grow with X
        results = Parallel(n_jobs=n_jobs, return_as="generator", pre_dispatch="2*n_jobs")(tasks)
        if verbose:
            from tqdm.auto import tqdm

            results = tqdm(results, total=len(clips), desc=func.__name__.strip("_"), unit="clip")
        for i, (status, value) in enumerate(results):
            _count(status)
            if status == "failed":
                bad.append(BadClip(i, clips.name(i), value))
            else:
                out.set(i, value, clips.name(i))
    return out.finish(bad), _report(bad, len(clips))


def _run_one(func, item, name, sr, params, offset, duration, cache, func_name,
             cache_params, on_error):
    """Load, look up, compute and store one clip; return (status, result or reason)."""
    try:
        key = None
        if cache is not None:
            key = cache.key(clip_key(item), func_name, cache_params)
            hit = cache.get(key)
            if hit is not None:
                return "cached", hit
        y = load_clip(item, name=name, sr=sr, offset=offset, duration=duration)
        # every worker, process or thread, Dask's included: one BLAS/OpenMP
        # thread per clip (OpenMP limits are per thread, so set them here)
        with _limit_threads():
            try:
                out = func(y, sr=sr, **params)
            except SkaudioError as exc:  # the function cannot know which clip it had
                raise type(exc)(f"{name}: {exc}") from exc
        _refresh_controller_once()
        if cache is not None:
            cache.put(key, out)
        return "computed", out
    except SkaudioError as exc:
        if on_error == "raise":
            raise
        return "failed", str(exc)
    except Exception as exc:  # an unexpected failure: still name the clip
        if on_error == "raise":
            raise SkaudioError(f"Failed to process {name}: {type(exc).__name__}: {exc}") from exc
        return "failed", f"{type(exc).__name__}: {exc}"


# threadpool_limits() inspects every loaded library (~10 ms); a controller
# made once per process limits in ~20 µs. It is made again after the first
# clip, so that libraries the first clip loaded lazily are limited too.
_CONTROLLER = None
_CONTROLLER_REFRESHED = False


def _limit_threads():
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1)


def _refresh_controller_once():
    global _CONTROLLER, _CONTROLLER_REFRESHED
    if not _CONTROLLER_REFRESHED:
        _CONTROLLER, _CONTROLLER_REFRESHED = None, True


class _Rows:
    """The output array, allocated at the first good row and filled in place."""

    def __init__(self, n, out_shape):
        self.n, self.shape, self.array, self.pending_nan = n, out_shape, None, []

    def set(self, i, value, name):
        value = np.asarray(value)
        if self.array is None:
            shape = value.shape if self.shape is None else tuple(self.shape)
            dtype = np.result_type(value.dtype, np.float32)  # room for NaN rows
            self.array = np.full((self.n, *shape), np.nan, dtype=dtype)
        if value.shape != self.array.shape[1:]:
            raise SkaudioError(
                f"{name} gave a result of shape {value.shape}, but earlier clips gave "
                f"{self.array.shape[1:]}; every clip must give the same shape (set a "
                f"fixed duration, or pad/trim the clips)."
            )
        self.array[i] = value

    def finish(self, bad):
        if self.array is None:
            if self.shape is None:
                raise SkaudioError(
                    "Every clip failed; first reason: " + bad[0].reason if bad else "no clips."
                )
            self.array = np.full((self.n, *self.shape), np.nan, dtype=np.float64)
        return self.array


def _report(bad, n_clips):
    if bad:
        listing = "\n".join(f"  [{b.index}] {b.name}: {b.reason}" for b in bad[:20])
        more = f"\n  ... and {len(bad) - 20} more" if len(bad) > 20 else ""
        warnings.warn(
            f"{len(bad)} of {n_clips} clips could not be processed and gave rows of "
            f"NaN (on_error='nan'); see the fitted attribute bad_clips_:\n{listing}{more}",
            UserWarning,
            stacklevel=3,
        )
    return bad
