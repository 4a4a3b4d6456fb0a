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

A cache problem never costs a row: an entry that is damaged, is another
clip's, or has another shape than the other clips' is recomputed; a cache
directory that cannot be written to gives one warning, and the clips are
computed without storing them. Calls from several threads at once are safe:
BLAS thread pools (process-wide) are limited while any call runs and
restored when the last one ends.

:func:`count_clips` counts, for the calls made inside it, how many clips were
computed and how many were served by the cache.
"""

import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import threadpoolctl
from joblib import Parallel, delayed, effective_n_jobs
from threadpoolctl import ThreadpoolController

from . import io as _audio_io
from ._cache import check_memory
from ._clips import ClipWindow, clip_key
from .exceptions import BadClipsWarning, SkaudioError

__all__ = ["BadClip", "ClipCounts", "count_clips", "map_clips"]


@dataclass(frozen=True)
class BadClip:
    """A clip that could not be processed: its row index, name and reason.

    Examples
    --------
    >>> BadClip(index=3, name="song.mp3", reason="Audio file 'song.mp3' is empty")
    BadClip(index=3, name='song.mp3', reason="Audio file 'song.mp3' is empty")
    """

    index: int
    name: str
    reason: str


@dataclass
class ClipCounts:
    """Clips the transformers processed inside a :func:`count_clips` block.

    Attributes
    ----------
    computed : int
        Clips whose result was computed (cache misses, or no cache).
    cached : int
        Clips whose result was served by the cache.
    failed : int
        Clips that gave a NaN row (``on_error="nan"``).
    rejected : int
        Cache entries found but not served (damaged, another clip's, of
        another shape, or another user's); their clips were recomputed and
        are counted in ``computed``.
    bad_clips : list of BadClip
        The clips that gave a NaN row, in the order they were found (each
        ``index`` is the clip's row in its own call).

    Examples
    --------
    >>> import numpy as np
    >>> from skaudio import LibrosaFeatures, count_clips
    >>> with count_clips() as counts:
    ...     _ = LibrosaFeatures(features=["rms"]).fit_transform(np.ones((3, 2048)))
    >>> counts.computed, counts.cached, counts.bad_clips
    (3, 0, [])
    """

    computed: int = 0
    cached: int = 0
    failed: int = 0
    rejected: int = 0
    bad_clips: list = field(default_factory=list, repr=False)


_COUNTERS = []
_COUNTERS_LOCK = threading.Lock()


@contextmanager
def count_clips():
    """Count clip computations, cache hits and bad clips of the transforms inside.

    Every skaudio transformer computes its clips through the same path, so
    this counts for all of them. Calls made in this process are counted,
    whatever ``n_jobs`` or backend the transformers use; calls made inside
    other processes (e.g. a ``GridSearchCV(n_jobs=2)`` fitting pipelines in
    workers) are not.

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
    ClipCounts(computed=2, cached=0, failed=0, rejected=0)

    Collect the clips that gave rows of NaN with ``on_error="nan"``:

    >>> import warnings
    >>> from skaudio import BadClipsWarning
    >>> with count_clips() as counts, warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", BadClipsWarning)
    ...     _ = LibrosaFeatures(on_error="nan").fit_transform([X[0], X[1][:0]])
    >>> [(b.index, b.name) for b in counts.bad_clips]
    [(1, 'clip[1]')]
    """
    counts = ClipCounts()
    with _COUNTERS_LOCK:
        _COUNTERS.append(counts)
    try:
        yield counts
    finally:
        with _COUNTERS_LOCK:
            _COUNTERS.remove(counts)


def _count(local):
    with _COUNTERS_LOCK:
        for counts in _COUNTERS:
            for name in ("computed", "cached", "failed", "rejected"):
                setattr(counts, name, getattr(counts, name) + getattr(local, name))
            counts.bad_clips.extend(local.bad_clips)


def map_clips(func, clips, *, sr=None, params, offset=0.0, duration=None, window=None,
              n_jobs=None, memory=None, on_error="raise", verbose=0, out_shape=None,
              stack=True):
    """Apply ``func(y, sr=sr, **params)`` to every clip and stack the results.

    The clips are read as ``window`` says, a :class:`skaudio._clips.ClipWindow`;
    ``sr``, ``offset`` and ``duration`` are the short form of
    ``window=ClipWindow(sr, offset, duration)``.

    Parameters
    ----------
    func : callable
        A pure, module-level function of a float32 mono waveform returning an
        array of one fixed shape. Its module and name are part of the cache key.
    clips : ClipSequence
        The clips, from :func:`skaudio._clips.as_clips`.
    sr : int or None
        Sample rate the clips are loaded at (arrays are assumed at ``sr``);
        None when ``window`` is given.
    params : dict
        Keyword arguments of ``func``; all of them are part of the cache key,
        so they must be exactly the parameters that change the output.
    offset, duration : float, float or None
        The window of each clip to analyse, in seconds (part of the key).
    window : ClipWindow or None
        How every clip is read (its ``key()`` is part of the cache key);
        instead of ``sr``, ``offset`` and ``duration``.
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
    stack : bool
        Stack the results into one array (every clip must give one shape), or
        return them as a list (any shapes; None for a bad clip).

    Returns
    -------
    out : ndarray of shape (n_clips, *out_shape), or list of ndarray
    bad : list of BadClip
    """
    if window is None:
        if sr is None:
            raise TypeError("map_clips needs sr= or window=.")
        window = ClipWindow(sr, offset, duration)
    elif sr is not None or offset != 0.0 or duration is not None:
        raise TypeError("map_clips takes window= or sr=/offset=/duration=, not both.")
    cache = check_memory(memory)
    func_name = f"{func.__module__}.{func.__qualname__}"
    # read here, in the caller's process, so a raised limit reaches every worker
    job = _Job(func, window, params, func_name, {**window.key(), **params}, on_error,
               _audio_io.MAX_SAMPLES)
    writable = [cache is not None]  # False after the first failed write: warn once, go on

    def task(i, read=True):
        return job, clips.items[i], clips.name(i), cache, read, writable[0]

    out = _Rows(len(clips), out_shape) if stack else _Ragged(len(clips))
    bad, redo, counts = [], [], ClipCounts()
    try:
        # One BLAS thread per clip here as in the workers: results do not depend
        # on n_jobs, and the sequential case does not compete with other work.
        with _limit_threads():
            first = 0
            # the kernels a call compiles depend on its parameters (a preset, texture windows)
            ran_key = (func_name, repr(sorted(params.items())))
            if len(clips) > 1 and effective_n_jobs(n_jobs) > 1 and ran_key not in _RAN_HERE:
                # numba compiles librosa's and skaudio's kernels on first use and caches
                # them on disk; workers compiling at once can write a mismatched cache
                # that later crashes every process (numba issue #10128). The first clip
                # runs here, so workers find every kernel compiled.
                redo += _place(out, 0, _run_one(*task(0)), clips, bad, counts, writable,
                               cache)
                first = 1
                _RAN_HERE.add(ran_key)
            # generator: results are consumed as they arrive and joblib keeps at
            # most pre_dispatch batches in flight, so memory does not grow with X
            # max_nbytes=None: clips are pickled to the workers, not memory-mapped (a
            # temporary folder written and removed on every call cost ~0.1 s a call)
            results = Parallel(n_jobs=n_jobs, return_as="generator", pre_dispatch="2*n_jobs",
                               max_nbytes=None)(
                delayed(_run_one)(*task(i)) for i in range(first, len(clips)))
            if verbose:
                from tqdm.auto import tqdm

                results = tqdm(results, total=len(clips), initial=first,
                               desc=func.__name__.strip("_"), unit="clip")
            for i, result in enumerate(results, start=first):
                redo += _place(out, i, result, clips, bad, counts, writable, cache)
            # entries of a foreign shape are misses: compute those clips here
            for i in redo:
                counts.cached -= 1
                counts.rejected += 1
                _place(out, i, _run_one(*task(i, read=False)), clips, bad, counts, writable,
                       cache)
    finally:
        counts.bad_clips = list(bad)
        _count(counts)
    return out.finish(bad), _report(bad, len(clips))


# (function, parameters) whose first clip already ran in this process, compiling
# their kernels into the on-disk cache: later calls send every clip to the workers.
_RAN_HERE = set()


@dataclass(frozen=True)
class _Job:
    """What every clip of one :func:`map_clips` call shares (sent once per task)."""

    func: object
    window: ClipWindow
    params: dict
    func_name: str
    cache_params: dict
    on_error: str
    max_samples: int


def _place(out, i, result, clips, bad, counts, writable, cache):
    """Put one result in place; return [i] when a cached result must be recomputed."""
    status, value, rejected, write_error = result
    counts.rejected += rejected
    if write_error is not None and writable[0]:
        writable[0] = False
        warnings.warn(
            f"The skaudio cache {cache.location} cannot be written to ({write_error}); "
            f"clips are computed without being cached. Make the directory writable, or "
            f"pass another memory= location (or memory=None).",
            UserWarning,
            stacklevel=4,
        )
    setattr(counts, status, getattr(counts, status) + 1)
    if status == "failed":
        bad.append(BadClip(i, clips.name(i), value))
        return []
    if not out.fits(value):
        if status == "cached":
            return [i]  # an entry of another shape than the computed clips': a miss
        if out.unconfirmed:
            # the shape so far came from cache entries only: they are the foreign ones
            return out.reset() + _place(out, i, result, clips, bad, ClipCounts(),
                                        writable, cache)
    out.set(i, value, clips.name(i), cached=status == "cached")
    return []


def _run_one(job, item, name, cache, read, write):
    """Load, look up, compute and store one clip.

    Returns
    -------
    status : {"computed", "cached", "failed"}
    value : ndarray or str
        The result, or the reason of a failure.
    rejected : int
        1 when a cache entry was found but not served.
    write_error : str or None
        Why the result could not be cached.
    """
    rejected, write_error = 0, None
    try:
        key = None
        if cache is not None:
            key = cache.key(clip_key(item), job.func_name, job.cache_params)
            if read:
                hit, state = cache.lookup(key)
                if hit is not None:
                    return "cached", hit, 0, None
                rejected = int(state == "rejected")
        sr = job.window.sr
        y = job.window.read(item, name=name, max_samples=job.max_samples)
        # every worker, process or thread, Dask's included: one BLAS/OpenMP
        # thread per clip (OpenMP limits are per thread, so set them here)
        with _limit_threads():
            try:
                out = job.func(y, sr=sr, **job.params)
            except SkaudioError as exc:  # the function cannot know which clip it had
                raise type(exc)(f"{name}: {exc}") from exc
            except MemoryError:
                raise SkaudioError(
                    f"Not enough memory to process {name} ({y.size / sr / 60:.1f} min "
                    f"of audio at {sr} Hz). Analyse a window of it (max_duration= of a "
                    f"feature transformer, duration= of a tensor one, and offset=), or use "
                    f"fewer n_jobs."
                ) from None
        _refresh_controller_once()
        if cache is not None and write:
            try:
                cache.put(key, out)
            except OSError as exc:  # read-only or full: the result is still good
                write_error = f"{type(exc).__name__}: {exc.strerror or exc}"
        return "computed", out, rejected, write_error
    except SkaudioError as exc:
        if job.on_error == "raise":
            raise
        return "failed", str(exc), rejected, write_error
    except Exception as exc:  # an unexpected failure: still name the clip
        if job.on_error == "raise":
            raise SkaudioError(f"Failed to process {name}: {type(exc).__name__}: {exc}") from exc
        return "failed", f"{type(exc).__name__}: {exc}", rejected, write_error


# threadpool_limits() inspects every loaded library (~10 ms); a controller
# made once per process limits in ~20 µs. It is made again after the first
# clip, so that libraries the first clip loaded lazily are limited too.
_CONTROLLER = None
_CONTROLLER_REFRESHED = False
# BLAS thread pools are process-wide, so overlapping calls from several
# threads share one limit: the first call in sets it, the last one out
# restores the sizes found by the first (never a size another call had set).
_LIMIT_LOCK = threading.Lock()
_BLAS_USERS = 0
_BLAS_LIMITERS = []  # one per set of BLAS libraries limited, restored in reverse
_BLAS_LIMITED = set()  # their file paths


def _controller():
    global _CONTROLLER
    with _LIMIT_LOCK:
        if _CONTROLLER is None:
            _CONTROLLER = ThreadpoolController()
        return _CONTROLLER


def _release_openblas():
    """Let the next thread change OpenBLAS's pool (threadpoolctl >= 3.8 lets one
    thread at a time do so; this only releases it when this thread holds it)."""
    openblas = getattr(threadpoolctl, "OpenBLASController", None)
    release = getattr(openblas, "clear_controlling_thread", None)
    if release is not None:
        release()


@contextmanager
def _limit_threads():
    """One BLAS and one OpenMP thread inside, from any number of threads at once.

    BLAS libraries (OpenBLAS, MKL, ...) hold one thread pool per process: it is
    limited while at least one caller is inside, and its original size is
    restored when the last one leaves, whichever thread that is. OpenMP limits
    belong to the calling thread, so each caller sets and restores its own.
    """
    global _BLAS_USERS
    controller = _controller()
    with _LIMIT_LOCK:
        blas = controller.select(user_api="blas")
        new = [lib.filepath for lib in blas.lib_controllers if lib.filepath not in _BLAS_LIMITED]
        if new:  # the first caller in, or a BLAS library loaded since
            _BLAS_LIMITERS.append(blas.select(filepath=new).limit(limits=1))
            _BLAS_LIMITED.update(new)
            _release_openblas()
        _BLAS_USERS += 1
    try:
        with controller.select(user_api="openmp").limit(limits=1):
            yield
    finally:
        with _LIMIT_LOCK:
            _BLAS_USERS -= 1
            if _BLAS_USERS == 0:
                while _BLAS_LIMITERS:
                    _BLAS_LIMITERS.pop().restore_original_limits()
                _BLAS_LIMITED.clear()
                _release_openblas()


def _refresh_controller_once():
    global _CONTROLLER, _CONTROLLER_REFRESHED
    with _LIMIT_LOCK:
        if not _CONTROLLER_REFRESHED:
            _CONTROLLER, _CONTROLLER_REFRESHED = None, True


class _Rows:
    """The output array, allocated at the first good row and filled in place.

    Its shape is ``out_shape`` when given, else the first row's. While only
    cached rows have set it, it is unconfirmed: a computed row of another
    shape then shows those entries to be foreign, and :meth:`reset` hands
    them back to be recomputed.
    """

    def __init__(self, n, out_shape):
        self.n, self.shape, self.array = n, out_shape, None
        self.cached_rows = []  # rows set while the shape is unconfirmed
        self.unconfirmed = out_shape is None

    def fits(self, value):
        shape = np.shape(value)
        if self.array is not None:
            return shape == self.array.shape[1:]
        return self.shape is None or shape == tuple(self.shape)

    def set(self, i, value, name, cached=False):
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
        if self.unconfirmed and cached:
            self.cached_rows.append(i)
        else:
            self.unconfirmed = False
        self.array[i] = value

    def reset(self):
        """Forget the rows set from cache entries; return their indices."""
        rows, self.cached_rows, self.array = self.cached_rows, [], None
        return rows

    def finish(self, bad):
        if self.array is None:
            if self.shape is None:
                raise SkaudioError(
                    "Every clip failed; first reason: " + bad[0].reason if bad else "no clips."
                )
            self.array = np.full((self.n, *self.shape), np.nan, dtype=np.float64)
        return self.array


class _Ragged:
    """The results as a list, of any shapes (``stack=False``); None for a bad clip."""

    unconfirmed = False

    def __init__(self, n):
        self.values = [None] * n

    def fits(self, value):
        return True

    def set(self, i, value, name, cached=False):
        self.values[i] = np.asarray(value)

    def finish(self, bad):
        if len(bad) == len(self.values):
            raise SkaudioError("Every clip failed; first reason: " + bad[0].reason)
        return self.values


def _report(bad, n_clips):
    if bad:
        listing = "\n".join(f"  [{b.index}] {b.name}: {b.reason}" for b in bad[:20])
        more = f"\n  ... and {len(bad) - 20} more" if len(bad) > 20 else ""
        warnings.warn(BadClipsWarning(
            f"{len(bad)} of {n_clips} clips could not be processed and gave rows of "
            f"NaN (on_error='nan'); this warning's bad_clips attribute, or "
            f"skaudio.count_clips, gives them as data:\n{listing}{more}", bad), stacklevel=3)
    return bad
