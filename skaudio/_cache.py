"""Per-clip result cache behind every transformer's ``memory=`` parameter.

An entry is keyed on the clip's identity (path, size and modification time,
or a hash of its samples), the function and only the parameters that change
its output, so a grid search over classifier parameters computes each clip
once, and one over audio parameters once per (clip, setting).

Entries are single ``.npy`` files written to a temporary name and moved into
place with :func:`os.replace`, which is atomic: two processes may write the
same entry at once, and a crash mid-write leaves at most a stray temporary
file, never a corrupt entry that would be served.
"""

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["ClipCache", "check_memory"]


class ClipCache:
    """A directory of cached per-clip arrays.

    Parameters
    ----------
    location : str or os.PathLike
        The cache directory; created when first written.
    """

    def __init__(self, location):
        self.location = Path(location) / "skaudio"

    def key(self, clip_key, func_name, params):
        """Hash a clip identity, a function name and its output-relevant params."""
        blob = json.dumps([clip_key, func_name, params], sort_keys=True, default=repr)
        return hashlib.sha256(blob.encode()).hexdigest()

    def _path(self, key):
        return self.location / key[:2] / f"{key}.npy"

    def get(self, key):
        """The cached array for ``key``, or None on a miss or unreadable entry."""
        path = self._path(key)
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None

    def put(self, key, value):
        """Store ``value`` under ``key`` atomically."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, np.asarray(value), allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def __len__(self):
        """How many entries are stored."""
        return sum(1 for _ in self.location.glob("*/*.npy")) if self.location.exists() else 0


def check_memory(memory):
    """Turn a ``memory=`` parameter into a :class:`ClipCache` or None.

    Parameters
    ----------
    memory : None, str, os.PathLike or joblib.Memory
        Where to cache; a ``joblib.Memory`` contributes its ``location``
        (a Memory without location means no cache).
    """
    if memory is None:
        return None
    if isinstance(memory, (str, os.PathLike)):
        return ClipCache(memory)
    location = getattr(memory, "location", None)
    if hasattr(memory, "cache"):
        return None if location is None else ClipCache(location)
    raise ValueError(
        "memory must be None, a directory path or a joblib.Memory, got "
        f"{type(memory).__name__}."
    )
