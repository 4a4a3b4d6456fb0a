"""Per-clip result cache behind every transformer's ``memory=`` parameter.

An entry is keyed on the clip's identity (path, size and modification time,
or a hash of its samples), the function, the skaudio version and only the
parameters that change its output (never ``n_jobs``, ``verbose``,
``memory`` or ``on_error``), so a grid search over classifier parameters
computes each clip once, and one over audio parameters once per (clip,
setting).

An entry is one ``.npy`` file followed by a 20-byte trailer (a marker and a
BLAKE2b digest of the ``.npy`` bytes). It is written to a unique temporary
file in the entry's directory and moved into place with :func:`os.replace`,
which is atomic: two processes may write the same entry at once (the last
one wins; both hold the same array), and a crash mid-write leaves at most a
stray ``*.tmp`` file, which is never read. An entry that fails its digest
(truncated, zero-filled after a power loss, overwritten by hand) is deleted
and recomputed, never served.
"""

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["ClipCache", "check_memory"]

_MARKER = b"SKAC"  # "skaudio cache" trailer marker, followed by the digest
_DIGEST = 16
_FORMAT = 1  # bump when the entry layout or key recipe changes


class ClipCache:
    """A directory of cached per-clip arrays, safe across processes.

    Parameters
    ----------
    location : str or os.PathLike
        The cache root; entries go to ``location/skaudio/`` (created on first
        write), so the root may be shared with a ``joblib.Memory``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> cache = ClipCache(tempfile.mkdtemp())
    >>> key = cache.key("array:abc:3", "f", {"n_mfcc": 13})
    >>> cache.get(key) is None
    True
    >>> cache.put(key, np.arange(3.0))
    >>> cache.get(key)
    array([0., 1., 2.])
    """

    def __init__(self, location):
        self.location = Path(location).expanduser() / "skaudio"

    def __repr__(self):
        return f"ClipCache({str(self.location.parent)!r})"

    def key(self, clip_key, func_name, params):
        """Hash a clip identity, a function name and its output-relevant params.

        Parameters
        ----------
        clip_key : str
            From :func:`skaudio._clips.clip_key`.
        func_name : str
            Module and qualified name of the per-clip function.
        params : dict
            The parameters that change the output, and only those.

        Returns
        -------
        key : str
            64 hex digits.
        """
        from . import __version__

        blob = json.dumps([_FORMAT, __version__, clip_key, func_name, _canonical(params)],
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def _path(self, key):
        return self.location / key[:2] / f"{key}.npy"

    def get(self, key):
        """The cached array for ``key``, or None on a miss or a damaged entry."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:  # missing (the usual miss) or unreadable
            return None
        body, trailer = data[:-len(_MARKER) - _DIGEST], data[-len(_MARKER) - _DIGEST:]
        if trailer == _MARKER + hashlib.blake2b(body, digest_size=_DIGEST).digest():
            try:
                return np.load(io.BytesIO(body), allow_pickle=False)
            except (ValueError, EOFError, OSError):
                pass
        # truncated, zero-filled or foreign: drop it so the fresh result replaces it
        path.unlink(missing_ok=True)
        return None

    def put(self, key, value):
        """Store ``value`` under ``key`` atomically (temporary file + rename)."""
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(value), allow_pickle=False)
        body = buffer.getvalue()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key[:16]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
                f.write(_MARKER + hashlib.blake2b(body, digest_size=_DIGEST).digest())
            os.chmod(tmp, 0o644)  # mkstemp makes 0600: let other cluster users read
            os.replace(tmp, path)
        except PermissionError:  # Windows: a reader holds the entry; it is already there
            Path(tmp).unlink(missing_ok=True)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def __len__(self):
        """How many entries are stored."""
        return sum(1 for _ in self._entries())

    def _entries(self):
        return self.location.glob("*/*.npy") if self.location.exists() else iter(())

    def clear(self):
        """Delete every entry and any temporary file left by a crash."""
        if self.location.exists():
            for path in self.location.glob("*/*"):
                path.unlink(missing_ok=True)


def _canonical(obj):
    """A JSON-able, value-based form of a parameter (numpy scalars, tuples, arrays)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, np.ndarray):
        a = np.ascontiguousarray(obj)
        return ["ndarray", a.dtype.str, list(a.shape),
                hashlib.blake2b(a.tobytes(), digest_size=16).hexdigest()]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if callable(obj) and hasattr(obj, "__qualname__"):
        return f"{obj.__module__}.{obj.__qualname__}"
    return repr(obj)


def check_memory(memory):
    """Turn a ``memory=`` parameter into a :class:`ClipCache` or None.

    Parameters
    ----------
    memory : None, str, os.PathLike or joblib.Memory
        Where to cache; a ``joblib.Memory`` contributes its ``location``
        (a Memory without location means no cache).

    Returns
    -------
    cache : ClipCache or None

    Raises
    ------
    ValueError
        When ``memory`` is none of these.
    """
    if memory is None:
        return None
    if isinstance(memory, ClipCache):
        return memory
    if isinstance(memory, (str, os.PathLike)):
        return ClipCache(memory)
    location = getattr(memory, "location", None)
    if hasattr(memory, "cache"):
        return None if location is None else ClipCache(location)
    raise ValueError(
        "memory must be None, a directory path or a joblib.Memory, got "
        f"{type(memory).__name__}; pass e.g. memory='~/.cache/skaudio' or "
        "memory=joblib.Memory('cachedir', verbose=0)."
    )
