"""Compile the feature kernels in a helper process while the caller does other work.

On a fresh install the first clip compiles skaudio's numba kernels (about
3 s of one core; the features import no librosa module, so none of
librosa's eagerly compiled kernels). :func:`start` runs that compilation in
a helper process, which fills numba's on-disk cache, while the command
generates or lists its data on the other core; :func:`wait` is called
before the first clip is analysed, after which every process loads the
kernels from disk.

Two processes must never compile into one numba cache at once (numba issue
#10128 corrupts it), so the caller analyses no clip until the helper has
exited, helpers of concurrent commands take a file lock, and loky or Dask
workers only start after :func:`wait`. When the cache is already warm
(a stamp written by the helper matches the installed sources) nothing is
started: a warm run pays a few file ``stat`` calls. ``SKAUDIO_NO_WARMUP=1``
turns the helper off.
"""

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = []

_PENDING = []  # helper processes started by start(), waited for by wait()
_TIMEOUT = 900.0  # a helper still compiling after this long is stopped; the caller compiles
_LOCK_NAME = "skaudio-warm-up.lock"


def _not_compiled():  # pragma: no cover - located by numba, never compiled
    return 0


def _cache_dir():
    """The folder numba caches skaudio's kernels in; None when it has none."""
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"):
        return None
    try:
        import numba

        return Path(numba.njit(cache=True)(_not_compiled)._cache._cache_path)
    except Exception:  # no writable cache location, or numba's internals moved
        return None


def _package_files(origin):
    """``(path, mtime_ns, size)`` of every ``.py`` file of the package at ``origin``."""
    files = []
    for root, _, names in os.walk(Path(origin).parent):
        for name in names:
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(root, name))
                except OSError:  # removed meanwhile
                    continue
                files.append((os.path.join(root, name), st.st_mtime_ns, st.st_size))
    return sorted(files)


def _stamps(cache_dir, feature_sets):
    """Each preset's stamp: its kernels, compiled from these exact sources, are in ``cache_dir``.

    numba recompiles a kernel whose source file changed; so does a new
    Python, numba or librosa. Any of them gives the stamps other names.
    """
    key = {"python": sys.version, "executable": sys.executable, "cache": str(cache_dir)}
    for package in ("numba", "librosa", "skaudio"):
        spec = importlib.util.find_spec(package)
        key[package] = None if spec is None else _package_files(spec.origin)
    digest = hashlib.sha1(json.dumps(key).encode()).hexdigest()[:20]
    return {fs: Path(cache_dir) / f"skaudio-warm-{digest}-{fs}" for fs in feature_sets}


def is_warm(feature_sets=("gtzan",)):
    """Whether a helper already compiled these presets' kernels (or none could).

    Parameters
    ----------
    feature_sets : sequence of str, default=("gtzan",)
        :data:`~skaudio.features.PRESETS` names.

    Returns
    -------
    warm : bool
        True when each preset's stamp for the installed sources exists, or
        when numba has no on-disk cache to fill (a helper could not help).

    Examples
    --------
    >>> from skaudio import _warmup
    >>> isinstance(_warmup.is_warm(["gtzan"]), bool)
    True
    """
    cache_dir = _cache_dir()
    return cache_dir is None or all(p.exists() for p in _stamps(cache_dir, feature_sets).values())


def start(feature_sets=("gtzan",)):
    """Start compiling the kernels of ``LibrosaFeatures`` presets in a helper process.

    Does nothing when they are cached already (:func:`is_warm`) or when the
    environment variable ``SKAUDIO_NO_WARMUP`` is set (non-empty). The caller
    must call :func:`wait` before it analyses a clip, and :func:`cancel` when
    it ends without analysing one.

    Parameters
    ----------
    feature_sets : sequence of str, default=("gtzan",)
        The :data:`~skaudio.features.PRESETS` to run on a short generated clip.

    Returns
    -------
    started : bool
        Whether a helper process was started.
    """
    feature_sets = list(feature_sets)
    if not feature_sets or os.environ.get("SKAUDIO_NO_WARMUP") or is_warm(feature_sets):
        return False
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    try:
        _PENDING.append(subprocess.Popen(
            [sys.executable, "-m", "skaudio._warmup", *feature_sets],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=env,
        ))
    except OSError:  # no process to spare: the caller compiles, as without a helper
        return False
    return True


def wait():
    """Wait until every helper started by :func:`start` has exited (at most 15 min each).

    Examples
    --------
    >>> from skaudio import _warmup
    >>> _warmup.wait()  # nothing started: returns at once
    """
    while _PENDING:
        process = _PENDING[-1]  # still listed while waited for: cancel() stops it on Ctrl-C
        try:
            process.wait(timeout=_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _PENDING.pop()


def cancel():
    """Stop the helpers that nobody waited for (numba writes cache files atomically).

    Examples
    --------
    >>> from skaudio import _warmup
    >>> _warmup.cancel()
    """
    while _PENDING:
        process = _PENDING.pop()
        if process.poll() is None:
            process.kill()
        process.wait()


@contextmanager
def _locked(cache_dir):
    """Hold an exclusive lock on the cache folder (POSIX; elsewhere nothing is locked)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(Path(cache_dir) / _LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _clip(sr=22050, seconds=4.0):
    """A clip with notes, clicks and noise: every family (tempo included) has work to do."""
    import numpy as np

    t = np.arange(int(sr * seconds)) / sr
    notes = np.sin(2 * np.pi * 220 * 2 ** (np.floor(t * 2) / 12) * t)
    clicks = (np.mod(t, 0.5) < 0.01) * np.random.default_rng(0).standard_normal(t.size)
    noise = 0.01 * np.random.default_rng(1).standard_normal(t.size)
    return (0.3 * notes + 0.5 * clicks + noise).astype(np.float32)


def _compile(feature_sets):
    """Analyse one generated clip with each preset and stamp it (in the helper process)."""
    cache_dir = _cache_dir()
    if cache_dir is None:
        return
    with _locked(cache_dir):
        # a concurrent command's helper may have done it while this one waited
        stamps = _stamps(cache_dir, feature_sets)
        todo = [fs for fs, stamp in stamps.items() if not stamp.exists()]
        if not todo:
            return
        from .features import LibrosaFeatures

        clip = _clip()
        for feature_set in todo:
            LibrosaFeatures(features=feature_set).fit_transform([clip])
            stamps[feature_set].write_text(
                f"numba kernels of LibrosaFeatures(features={feature_set!r}) compiled "
                f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n")


if __name__ == "__main__":
    _compile(sys.argv[1:] or ["gtzan"])
