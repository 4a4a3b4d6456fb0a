"""Run a per-clip function over many clips: joblib, cache, errors, progress.

Every skaudio transformer computes its output clip by clip through
:func:`map_clips`. It loads each clip inside the worker (so paths stream and
at most a few waveforms are in memory at once), caps BLAS/OpenMP threads in
parallel workers so they do not oversubscribe the cores, looks each result up
in the optional per-clip cache, and turns a bad clip either into an error
naming it (``on_error="raise"``) or into a NaN row reported once
(``on_error="nan"``). It runs on any joblib backend, a Dask cluster included
(``with joblib.parallel_backend("dask"): ...``).
"""

import os
import warnings
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from ._cache import check_memory
from ._clips import clip_key, load_clip
from .exceptions import SkaudioError

__all__ = ["BadClip", "map_clips"]


@dataclass(frozen=True)
class BadClip:
    """A clip that could not be processed: its row index, name and reason."""

    index: int
    name: str
    reason: str


def map_clips(func, clips, *, sr, params, offset=0.0, duration=None, n_jobs=None,
              memory=None, on_error="raise", verbose=0, out_shape=None):
    """Apply ``func(y, sr=sr, **params)`` to every clip and stack the results.

    Parameters
    ----------
    func : callable
        A pure function of a float32 mono waveform returning an array of
        one fixed shape. Its module and name are part of the cache key.
    clips : ClipSequence
        The clips, from :func:`skaudio._clips.as_clips`.
    sr : int
        Sample rate the clips are loaded at (arrays are assumed at ``sr``).
    params : dict
        Keyword arguments of ``func``; all of them are part of the cache key.
    offset, duration : float, float or None
        The window of each clip to analyse, in seconds.
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
    parent = os.getpid()
    tasks = (
        delayed(_run_one)(func, clips.items[i], clips.name(i), sr, params, offset, duration,
                          cache, func_name, cache_params, on_error, parent)
        for i in range(len(clips))
    )
    rows, bad = [], []
    # One BLAS thread per clip, in this process and in workers alike: workers
    # do not oversubscribe the cores, and results do not depend on n_jobs.
    with threadpool_limits(limits=1):
        results = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
        if verbose:
            from tqdm.auto import tqdm

            results = tqdm(results, total=len(clips), desc=func.__name__.strip("_"), unit="clip")
        for i, (ok, value) in enumerate(results):
            if ok:
                rows.append(value)
            else:
                rows.append(None)
                bad.append(BadClip(i, clips.name(i), value))
    return _stack(rows, bad, out_shape), _report(bad, len(clips))


def _run_one(func, item, name, sr, params, offset, duration, cache, func_name,
             cache_params, on_error, parent):
    """Load, look up, compute and store one clip; return (ok, result or reason)."""
    try:
        key = None
        if cache is not None:
            key = cache.key(clip_key(item), func_name, cache_params)
            hit = cache.get(key)
            if hit is not None:
                return True, hit
        y = load_clip(item, name=name, sr=sr, offset=offset, duration=duration)
        if os.getpid() != parent:  # a worker process: cap its BLAS threads too
            with threadpool_limits(limits=1):
                out = func(y, sr=sr, **params)
        else:
            out = func(y, sr=sr, **params)
        if cache is not None:
            cache.put(key, out)
        return True, out
    except SkaudioError as exc:
        if on_error == "raise":
            raise
        return False, str(exc)
    except Exception as exc:  # an unexpected failure: still name the clip
        if on_error == "raise":
            raise SkaudioError(f"Failed to process {name}: {type(exc).__name__}: {exc}") from exc
        return False, f"{type(exc).__name__}: {exc}"


def _stack(rows, bad, out_shape):
    if out_shape is None:
        good = next((r for r in rows if r is not None), None)
        if good is None:
            raise SkaudioError(
                "Every clip failed; first reason: " + bad[0].reason if bad else "no clips."
            )
        out_shape = good.shape
    dtype = next((r.dtype for r in rows if r is not None), np.float64)
    nan_row = np.full(out_shape, np.nan, dtype=np.result_type(dtype, np.float32))
    return np.stack([nan_row if r is None else r for r in rows])


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
