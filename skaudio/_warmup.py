"""Compile the feature kernels on a fresh install, half in a helper process.

skaudio's feature kernels are numba functions cached on disk. On a fresh
install (or with an empty ``NUMBA_CACHE_DIR``) the first clip compiles them:
about 2.5 s of one core, more than the whole warm first clip. Two things
hide most of it:

* :func:`start`, called when :mod:`skaudio.features` is imported, starts a
  helper process that compiles the kernels of :data:`KERNELS` in that order,
  while the caller goes on importing scikit-learn. The helper imports numpy,
  numba and the kernels' own modules only (run as a file, with the
  packages' ``__init__`` left out), so it starts compiling a few tenths of a
  second later.
* :func:`ready`, called before the first clip is analysed, compiles the
  kernels in the opposite order. Each kernel is compiled under its own file
  lock: a process that finds a kernel locked goes on to the next one and
  comes back to it at the end, when numba loads it from the cache the other
  process wrote. The two meet in the middle and no kernel is compiled twice.

Whichever process finishes writes a stamp for the installed sources; when
it exists nothing starts and :func:`ready` returns after a few ``stat``
calls. numba writes each cache file to a temporary name and renames it, so
a process reading a kernel another one is writing sees it whole or not at
all (the corruption of numba issue #10128 concerns ``guvectorize`` kernels,
written as two files; these are ``njit`` functions). ``SKAUDIO_NO_WARMUP=1``
turns the helper off; numba then compiles each kernel on its first call.
"""

import atexit
import hashlib
import importlib
import json
import os
import subprocess
import sys
import time
import types
from contextlib import contextmanager
from pathlib import Path

__all__ = []

# (module in skaudio.functional, kernel, the numba signature of its one use), the longest
# to compile first: the helper takes them from the top, the caller from the bottom.
KERNELS = (
    ("_median", "_sliding_median",
     "(float32[:, ::1], boolean, int64[::1], int64, float32[:, ::1])"),
    ("rhythm", "_median_flux", "(float32[:, ::1], float32, float32[::1], int64)"),
    ("decompose", "_overlap_add_normalized",
     "(float32[:, ::1], float32[::1], float32[::1], int64, int64, float32[::1], float32[::1],"
     " float32[::1], float32)"),
    ("stats", "_mean_var_rows", "(float32[:, ::1], float64[::1], float64[::1])"),
    ("spectral", "_first_reaching", "(float32[::1, :], float32, int64[::1], float32[:, ::1])"),
    ("spectral", "_frequency_moments",
     "(float32[::1, :], float64[::1], float64[::1], float64[::1], float64[::1])"),
    ("mel", "_banded_product",
     "(float64[::1], int64[::1], int64[::1], float32[::1, :], float32[:, ::1])"),
    ("decompose", "_scale_pairs", "(float32[:, :, ::1], float32[:, ::1], float32[:, :, ::1])"),
    ("decompose", "_soft_mask", "(float32[::1], float32[::1], float32[::1], float32, float32)"),
    ("_median", "_count_nan_or_negative_zero", "(int32[::1], int32, int32)"),
)
_LOCK_WAIT = 120.0  # seconds to wait for a kernel another process is compiling (~1 s)
_HELPER_LOCK = "skaudio-warm-up.lock"  # held by the helper: one helper per cache folder
_HELPER = []  # the helper process this process started (kept: no ResourceWarning at exit)
_READY = False  # ready() ran in this process


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


def _stamp(cache_dir):
    """The stamp saying: :data:`KERNELS`, compiled from these exact sources, are in ``cache_dir``.

    numba recompiles a kernel whose source file changed; so does a new
    Python or numba. Any of them gives the stamp another name. (numba by its
    version: its ~700 files would take 30 ms to list, twice per process.)
    """
    import numba

    key = {"python": sys.version, "executable": sys.executable, "cache": str(cache_dir),
           "kernels": KERNELS, "numba": numba.__version__,
           # this file's package, found the same way in the helper (run as a file)
           "skaudio": _package_files(Path(__file__).resolve())}
    digest = hashlib.sha1(json.dumps(key).encode()).hexdigest()[:20]
    return Path(cache_dir) / f"skaudio-kernels-{digest}"


def is_warm():
    """Whether the kernels are compiled in numba's cache already (or cannot be cached).

    Returns
    -------
    warm : bool
        True when the stamp for the installed sources exists, or when numba
        has no on-disk cache to fill (a helper could not help).

    Examples
    --------
    >>> from skaudio import _warmup
    >>> isinstance(_warmup.is_warm(), bool)
    True
    """
    cache_dir = _cache_dir()
    return cache_dir is None or _stamp(cache_dir).exists()


def _can_lock():
    try:
        import fcntl  # noqa: F401
    except ImportError:  # pragma: no cover - Windows: no helper, numba compiles lazily
        return False
    return True


def _python():
    """The interpreter to run the helper with, or None when there is no plain one.

    A frozen application's or an embedding server's ``sys.executable`` (a
    PyInstaller bundle, uWSGI) is not a Python that would run a script.
    """
    if getattr(sys, "frozen", False) or not sys.executable:
        return None
    return sys.executable if Path(sys.executable).name.startswith("python") else None


def start():
    """Start compiling the kernels in a helper process, unless they are cached already.

    Does nothing when this process started one already, when :func:`is_warm`,
    when the environment variable ``SKAUDIO_NO_WARMUP`` is set (non-empty;
    the helper sets it for itself), where files cannot be locked (Windows)
    or where ``sys.executable`` is not a Python interpreter (a frozen or
    embedded one). A helper still compiling when the caller exits is
    stopped there (a caller that analysed a clip has waited for every
    kernel; what the helper finished stays cached).

    Returns
    -------
    started : bool
        Whether a helper process was started.
    """
    python = _python()
    if _HELPER or os.environ.get("SKAUDIO_NO_WARMUP") or not _can_lock() or python is None:
        return False
    cache_dir = _cache_dir()
    if cache_dir is None or _stamp(cache_dir).exists():
        return False
    env = dict(os.environ, SKAUDIO_NO_WARMUP="1", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        _HELPER.append(subprocess.Popen(
            [python, __file__, str(cache_dir)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=env,
        ))
    except OSError:  # no process to spare: ready() compiles them all
        return False
    atexit.register(_stop_helper)
    return True


def _stop_helper():
    """At the caller's exit, stop a helper still compiling and reap it (no process left over)."""
    for process in _HELPER:
        if process.poll() is None:
            process.kill()
        process.wait()


def ready():
    """Make sure the kernels are compiled or cached, sharing the work with a running helper.

    Called before a clip is analysed; after the first call in a process it
    returns at once. With the stamp present it only checks for it.

    Examples
    --------
    >>> from skaudio import _warmup
    >>> _warmup.ready()
    """
    global _READY
    if _READY:
        return
    _READY = True  # first: whatever fails below, numba still compiles each kernel on first call
    cache_dir = _cache_dir()
    if cache_dir is None or not _can_lock() or _stamp(cache_dir).exists():
        return
    from numba.core.errors import NumbaError

    try:
        _compile(KERNELS[::-1], cache_dir)
    except (OSError, ImportError, AttributeError, NumbaError):
        # a cache folder gone read-only, a numba whose internals moved: each kernel left
        # is compiled on its first call, as without this function
        pass


@contextmanager
def _locked(path, *, wait=0.0):
    """Hold an exclusive lock on the file ``path``, waiting up to ``wait`` s; yield if taken."""
    import fcntl

    give_up = time.monotonic() + wait
    with open(path, "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    yield False
                    return
                time.sleep(0.02)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _compile(kernels, cache_dir):
    """Compile ``kernels`` (rows of :data:`KERNELS`) into ``cache_dir``, then stamp it.

    A kernel whose lock another process holds is skipped and, once every
    other one is done, waited for and loaded from the cache.
    """
    from numba.core.sigutils import normalize_signature

    def compile_one(row, wait):
        module, name, signature = row
        with _locked(Path(cache_dir) / f"skaudio-kernel-{name}.lock", wait=wait) as taken:
            # compiled, or loaded if another process saved it meanwhile; after a long wait
            # (a process stopped while it held the lock) compiled anyway, unlocked
            if taken or wait:
                kernel = getattr(importlib.import_module(f"skaudio.functional.{module}"), name)
                kernel.compile(normalize_signature(signature)[0])
            return taken

    busy = [row for row in kernels if not compile_one(row, wait=0.0)]
    for row in busy:
        compile_one(row, wait=_LOCK_WAIT)
    stamp = _stamp(cache_dir)
    partial = stamp.with_name(f"{stamp.name}.{os.getpid()}")
    partial.write_text(f"skaudio's numba kernels compiled {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    partial.replace(stamp)


def _helper(cache_dir):
    """The helper process: import the kernels' modules alone and compile them all."""
    root = Path(__file__).resolve().parent
    # run as a file, Python put this folder first on the path: skaudio's io.py, datasets/,
    # cli.py ... would shadow any module of that name that numba or scipy imports
    sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != root]
    for name, path in (("skaudio", root), ("skaudio.functional", root / "functional")):
        package = types.ModuleType(name)  # the package without its __init__ (scikit-learn)
        package.__path__ = [str(path)]
        sys.modules[name] = package
    with _locked(Path(cache_dir) / _HELPER_LOCK) as taken:
        if taken and not _stamp(cache_dir).exists():
            _compile(KERNELS, cache_dir)


if __name__ == "__main__":
    _helper(sys.argv[1])
