"""Per-clip result cache behind every transformer's ``memory=`` parameter.

An entry is keyed on the clip's identity (path, size and modification time,
or a hash of its samples), the function, the skaudio version and only the
parameters that change its output (never ``n_jobs``, ``verbose``,
``memory`` or ``on_error``), so a grid search over classifier parameters
computes each clip once, and one over audio parameters once per (clip,
setting).

An entry is one ``.npy`` file followed by a 20-byte trailer: a marker and a
BLAKE2b digest of the entry's key together with the ``.npy`` bytes (so of
the clip identity, function, parameters, dtype, shape and values). It is
written to a unique temporary file in the entry's directory and moved into
place with :func:`os.replace`, which is atomic: two processes may write the
same entry at once (the last one wins; both hold the same array), and a crash
mid-write leaves at most a stray ``*.tmp`` file, which is never read.

An entry is served only when its digest matches its own key and its header
describes exactly the bytes that follow. One that does not (truncated,
zero-filled after a power loss, overwritten by hand, or copied or renamed
from another clip's entry) is deleted and recomputed, never served. On
POSIX systems an entry is served only when it belongs to the current user:
entries written by another account are ignored (and replaced), so whoever
else can write to a shared cache directory cannot choose your features.
Entries are read with ``allow_pickle=False``: an entry can never run code.

The digest guards against accidents and against other users, not against
someone who can write files as you: treat the cache directory like your
data.
"""

import hashlib
import io
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["ClipCache", "check_memory"]

_MARKER = b"SKAC"  # "skaudio cache" trailer marker, followed by the digest
_DIGEST = 16
_FORMAT = 2  # bump when the entry layout or key recipe changes


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
        """The cached array for ``key``, or None on a miss or a rejected entry."""
        return self.lookup(key)[0]

    def lookup(self, key):
        """The cached array for ``key`` and how the lookup went.

        Returns
        -------
        value : ndarray or None
        status : {"hit", "miss", "rejected"}
            "rejected" for an entry that exists but is not served: damaged,
            not matching its key, or owned by another user (POSIX).
        """
        path = self._path(key)
        try:
            with open(path, "rb") as f:
                if not _owned_by_me(os.fstat(f.fileno())):
                    return None, "rejected"  # another user's file: left alone, replaced
                data = f.read()
        except OSError:  # missing (the usual miss) or unreadable
            return None, "miss"
        body, trailer = data[:-len(_MARKER) - _DIGEST], data[-len(_MARKER) - _DIGEST:]
        if trailer == _MARKER + _digest(key, body):
            value = _load_npy(body)
            if value is not None:
                return value, "hit"
        # damaged, or another key's entry: drop it so the fresh result replaces it
        try:
            path.unlink(missing_ok=True)
        except OSError:  # a read-only cache: the entry stays, and is never served
            pass
        return None, "rejected"

    def put(self, key, value):
        """Store ``value`` under ``key`` atomically (temporary file + rename).

        Raises
        ------
        OSError
            When the entry cannot be written (read-only directory, disk full).
        """
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(value), allow_pickle=False)
        body = buffer.getvalue()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key[:16]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
                f.write(_MARKER + _digest(key, body))
            os.chmod(tmp, 0o644)  # mkstemp makes 0600: let other cluster users read
            try:
                os.replace(tmp, path)
            except PermissionError:
                if os.name != "nt":
                    raise
                # Windows: a reader holds the entry open; it is already there
        finally:
            Path(tmp).unlink(missing_ok=True)

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


def _digest(key, body):
    """BLAKE2b of an entry's key and its ``.npy`` bytes: an entry vouches for its key."""
    h = hashlib.blake2b(digest_size=_DIGEST)
    h.update(key.encode())
    h.update(body)
    return h.digest()


def _load_npy(body):
    """The array in ``.npy`` bytes, or None unless the header describes exactly the data.

    The header is read first, so an entry whose header claims a huge shape
    is rejected without allocating it; object arrays are never loaded.
    """
    try:
        fp = io.BytesIO(body)
        version = np.lib.format.read_magic(fp)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read_header(fp)
        if dtype.hasobject or math.prod(shape) * dtype.itemsize != len(body) - fp.tell():
            return None
        return np.load(io.BytesIO(body), allow_pickle=False)
    except (ValueError, EOFError, OSError, TypeError):
        return None


def _owned_by_me(st):
    """Whether a file belongs to the current user (always True off POSIX)."""
    return not hasattr(os, "getuid") or st.st_uid == os.getuid()


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
