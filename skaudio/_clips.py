"""The X adapter: any kind of audio input, seen as a sequence of clips.

skaudio transformers accept three kinds of ``X``:

* paths: a list, tuple, 1-D array, or pandas Series/one-column DataFrame of
  file names (str or os.PathLike), read with :func:`skaudio.load_audio`;
* a 2-D float array (or DataFrame) of equal-length clips, one per row, at
  the transformer's ``sr``;
* a list of 1-D float arrays of any lengths ("ragged"), at ``sr``.

:func:`as_clips` turns each into a :class:`ClipSequence` that loads one
clip at a time, so paths are streamed and never all held in memory.
"""

import hashlib
import numbers
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .exceptions import AudioValueError, InvalidInputError
from .io import load_audio

__all__ = ["ClipSequence", "ClipWindow", "as_clips", "as_float_audio", "check_amplitude",
           "check_waveform"]


@dataclass(frozen=True)
class ClipWindow:
    """How the clips of one call are read: sample rate, window and length policy.

    One value passed down from an estimator to every clip it reads, so that
    seconds become samples in one place.

    Attributes
    ----------
    sr : int
        Sample rate the clips are read at (arrays are taken to be at it).
    offset : float, default=0.0
        Seconds skipped at the start of each clip.
    duration : float or None, default=None
        Seconds read after ``offset``: at most this many, or with
        ``fixed_length`` exactly this many; None reads to the end.
    fixed_length : bool, default=False
        Crop or pad every clip to exactly ``duration`` (the tensor
        transformers) rather than read at most ``duration`` (features).
    pad_mode : {"constant", "wrap", "reflect"}, default="constant"
        How a clip shorter than ``duration`` is padded when ``fixed_length``.

    Examples
    --------
    >>> window = ClipWindow(sr=100, offset=0.5, duration=0.2)
    >>> window.start, window.n_samples
    (50, 20)
    >>> window.read(np.arange(300.0), name="clip[0]")
    array([50., 51., 52., 53., 54., 55., 56., 57., 58., 59., 60., 61., 62., 63., 64., 65.,
           66., 67., 68., 69.], dtype=float32)
    >>> ClipWindow(sr=100, duration=0.2, fixed_length=True).length(5), window.length(5)
    (20, 0)
    """

    sr: int
    offset: float = 0.0
    duration: float | None = None
    fixed_length: bool = False
    pad_mode: str = "constant"

    def samples(self, seconds):
        """``seconds`` at ``sr``, rounded to whole samples."""
        return int(round(seconds * self.sr))

    @property
    def start(self):
        """Samples skipped at the start of each clip."""
        return self.samples(self.offset)

    @property
    def n_samples(self):
        """Samples read after ``start`` at most (exactly with ``fixed_length``), or None."""
        return None if self.duration is None else self.samples(self.duration)

    @property
    def target_samples(self):
        """The length every clip is cropped or padded to, or None when lengths vary."""
        return self.n_samples if self.fixed_length else None

    def length(self, n):
        """Samples analysed of a waveform of ``n`` samples at ``sr``."""
        if self.target_samples is not None:
            return self.target_samples
        n = max(n - self.start, 0)
        return n if self.n_samples is None else min(n, self.n_samples)

    def read(self, item, *, name, max_samples=None):
        """Load one item (path or 1-D array) as a checked, windowed float32 waveform.

        A file is decoded from ``offset`` for at most ``duration`` seconds (then
        resampled, as ``librosa.load`` does); an array is sliced. Cropping or
        padding to exactly ``duration`` is left to the per-clip function, which
        may first need the clip's own samples (e.g. to normalize them).
        ``max_samples`` bounds a file's waveform (see :func:`skaudio.load_audio`).
        """
        if isinstance(item, str):
            return load_audio(item, sr=self.sr, offset=self.offset, duration=self.duration,
                              max_samples=max_samples)
        stop = None if self.n_samples is None else self.start + self.n_samples
        y = as_float_audio(np.asarray(item)[self.start:stop])
        return check_waveform(y, name=name)

    def key(self):
        """The reading settings that change a clip's samples (part of a cache key)."""
        return {"sr": self.sr, "offset": self.offset, "duration": self.duration}


@dataclass(frozen=True)
class ClipSequence:
    """A validated sequence of clips (read through :class:`ClipWindow`).

    Attributes
    ----------
    kind : {"paths", "array", "ragged"}
        How the clips arrived.
    items : list
        Paths (str) or 1-D float arrays, one per clip.
    """

    kind: str
    items: list

    def __len__(self):
        return len(self.items)

    def name(self, i):
        """A readable name of clip ``i``: its path, or ``"clip[i]"``."""
        return self.items[i] if self.kind == "paths" else f"clip[{i}]"


# integer PCM as soundfile reads it: full scale is 1.0
_PCM_SCALE = {np.dtype(np.int8): 2.0**7, np.dtype(np.int16): 2.0**15,
              np.dtype(np.int32): 2.0**31}


def as_float_audio(samples):
    """Samples as float32 audio, integer PCM scaled as ``soundfile`` reads it.

    int8, int16 and int32 samples are divided by their full scale (2**7,
    2**15, 2**31) and uint8 is centred on 128, so an array of PCM samples
    gives the numbers its WAV file gives. Floats (and int64 and other
    integer types, which no PCM format uses) are taken as they are.

    Examples
    --------
    >>> as_float_audio(np.array([0, 16384, -32768], dtype=np.int16))
    array([ 0. ,  0.5, -1. ], dtype=float32)
    >>> as_float_audio(np.array([128, 192], dtype=np.uint8))
    array([0. , 0.5], dtype=float32)
    """
    samples = np.asarray(samples)
    if samples.dtype in _PCM_SCALE:
        return (samples / _PCM_SCALE[samples.dtype]).astype(np.float32)
    if samples.dtype == np.uint8:
        return ((samples.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    return samples.astype(np.float32)


def clip_key(item):
    """Identify a path (name, size, mtime) or an array (hash of its samples)."""
    if isinstance(item, str):
        try:
            st = os.stat(item)
        except OSError:
            return f"path:{os.path.abspath(item)}:missing"
        return f"path:{os.path.abspath(item)}:{st.st_size}:{st.st_mtime_ns}"
    y = np.ascontiguousarray(item, dtype=np.float32)
    return "array:" + hashlib.blake2b(y.tobytes(), digest_size=16).hexdigest() + f":{y.size}"


def check_waveform(y, *, name="clip"):
    """Check that ``y`` is a non-empty, finite 1-D waveform.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The samples.
    name : str, default="clip"
        How to name the clip in an error message.

    Returns
    -------
    y : ndarray of shape (n_samples,), float32

    Raises
    ------
    AudioValueError
        When ``y`` is empty, not 1-D, or holds NaN or infinite values.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise AudioValueError(f"{name}: a clip must be a 1-D waveform, got shape {y.shape}.")
    if y.size == 0:
        raise AudioValueError(
            f"{name} holds no samples (zero length, or offset/duration select "
            f"nothing); remove it or change the window."
        )
    if not np.all(np.isfinite(y)):
        n_bad = int(np.count_nonzero(~np.isfinite(y)))
        raise AudioValueError(
            f"{name} holds {n_bad} NaN or infinite sample(s); clean the audio "
            f"(e.g. np.nan_to_num) or use on_error='nan' to get a NaN row for it."
        )
    return y


MAX_AMPLITUDE = 1e14
"""Largest sample magnitude whose spectral powers stay finite in float32.

Audio is expected in [-1, 1]; raw integer PCM (up to 2**31) is still fine.
Beyond this, squared STFT magnitudes overflow float32 to inf."""


def check_amplitude(y):
    """Raise AudioValueError when ``y`` is too loud for finite spectral powers.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        A finite waveform.

    Examples
    --------
    >>> import numpy as np
    >>> check_amplitude(np.array([0.5, -1.0]))
    >>> check_amplitude(np.array([1e20]))
    Traceback (most recent call last):
    ...
    skaudio.exceptions.AudioValueError: samples reach 1e+20, beyond 1e+14: ...
    """
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > MAX_AMPLITUDE:
        raise AudioValueError(
            f"samples reach {peak:.3g}, beyond {MAX_AMPLITUDE:.0e}: spectral powers would "
            f"overflow. Audio is expected in [-1, 1]; normalize it first, e.g. "
            f"y / np.abs(y).max()."
        )


def as_clips(X):
    """Validate any kind of audio ``X`` and return a :class:`ClipSequence`.

    Parameters
    ----------
    X : list of str or os.PathLike, array-like of shape (n_clips, n_samples), \
            or list of 1-D array-like
        Paths, equal-length clips (one per row), or ragged clips.

    Returns
    -------
    clips : ClipSequence

    Raises
    ------
    InvalidInputError
        When ``X`` is empty or is none of the three accepted kinds.
    TypeError
        When ``X`` is sparse or holds objects that are neither paths nor
        numbers.

    Examples
    --------
    >>> import numpy as np
    >>> clips = as_clips(np.zeros((3, 100)))
    >>> clips.kind, len(clips)
    ('array', 3)
    >>> as_clips([np.ones(10), np.ones(20)]).kind
    'ragged'
    """
    if sparse.issparse(X):
        raise TypeError(
            "A sparse matrix was passed, but dense data is required: audio clips are "
            "dense waveforms. Use X.toarray() or pass file paths."
        )
    if hasattr(X, "iloc"):  # pandas Series or DataFrame
        X = X.to_numpy()
    elif not isinstance(X, (list, tuple, np.ndarray)) and hasattr(X, "__array__"):
        X = np.asarray(X)
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1 and X.dtype == object:
        X = X[:, 0]  # one column of paths
    if isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 2:
        X = X.astype(np.float64)  # numbers stored as objects; TypeError otherwise
    if isinstance(X, np.ndarray) and X.dtype.kind == "c":
        raise InvalidInputError("Complex data not supported: audio samples must be real.")
    if isinstance(X, (str, os.PathLike)):
        raise InvalidInputError(
            f"X must be a collection of clips, got the single path {os.fspath(X)!r}; "
            f"wrap it in a list: [{os.fspath(X)!r}]."
        )
    if isinstance(X, Iterator):
        raise InvalidInputError(
            f"X is an iterator ({type(X).__name__}), which fit would use up before "
            f"transform sees it; pass a list instead, e.g. list(X)."
        )
    if isinstance(X, np.ndarray) and X.dtype.kind == "b":
        raise InvalidInputError(
            "X holds booleans, not audio samples; pass float samples in [-1, 1] (or integer "
            "PCM, scaled as soundfile reads it), or file paths."
        )
    if isinstance(X, np.ndarray) and X.dtype.kind in "fiu":
        if X.ndim != 2 or 0 in X.shape:
            raise InvalidInputError(
                f"An array X must be 2-D (n_clips, n_samples) and non-empty, got shape "
                f"{X.shape}. Reshape your data: y[np.newaxis, :] for one clip, or pass "
                f"a list of 1-D arrays."
            )
        return _nonempty(ClipSequence("array", list(X)))
    try:
        items = list(X)
    except TypeError:
        raise InvalidInputError(
            f"X must be paths, a 2-D array of clips or a list of 1-D arrays; "
            f"got {type(X).__name__}."
        ) from None
    if all(isinstance(x, (str, os.PathLike)) for x in items):
        return _nonempty(ClipSequence("paths", [os.fspath(x) for x in items]))
    if any(isinstance(x, (str, os.PathLike)) for x in items):
        raise InvalidInputError(
            "X mixes file paths and waveforms; pass one kind: all paths, or all "
            "waveforms (load the files with skaudio.load_audio first)."
        )
    arrays = []
    for i, x in enumerate(items):
        a = np.asarray(x)
        if a.ndim == 0 and isinstance(x, numbers.Number):
            raise InvalidInputError(
                "X looks like a single waveform (a 1-D sequence of numbers). Reshape "
                "your data: y[np.newaxis, :] for one clip, or pass a list of 1-D arrays."
            )
        if a.ndim != 1 or a.dtype.kind not in "fiu":
            raise InvalidInputError(
                f"X[{i}] must be a 1-D numeric waveform or a path, got "
                f"{type(x).__name__} of shape {a.shape} and dtype {a.dtype}."
            )
        arrays.append(a)
    lengths = {a.shape[0] for a in arrays}
    kind = "array" if len(lengths) == 1 else "ragged"
    return _nonempty(ClipSequence(kind, arrays))


def _nonempty(clips):
    if len(clips) == 0:
        raise InvalidInputError("X holds no clips; pass at least one path or waveform.")
    return clips
