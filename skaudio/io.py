"""Reading audio files: :func:`load_audio`.

Decoding goes through :mod:`soundfile` (libsndfile: wav, flac, ogg/vorbis,
opus, mp3, au, aiff, ...), resampling through :mod:`soxr` at the same
quality as ``librosa.load`` (``"soxr_hq"``), so a file loaded here gives the
very samples ``librosa.load(path, sr=sr, mono=mono)`` gives.
"""

import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .exceptions import AudioLoadError

__all__ = ["load_audio"]


def load_audio(path, *, sr=22050, mono=True, offset=0.0, duration=None):
    """Read an audio file as float32, resampled and mixed down.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read: wav, flac, ogg, mp3, au, aiff or anything else
        libsndfile decodes.
    sr : int or None, default=22050
        Target sample rate in Hz; ``None`` keeps the file's own rate.
    mono : bool, default=True
        Mix all channels down to one by averaging them.
    offset : float, default=0.0
        Start reading this many seconds into the file.
    duration : float or None, default=None
        Read at most this many seconds; ``None`` reads to the end.

    Returns
    -------
    y : ndarray of shape (n_samples,) or (n_channels, n_samples), float32
        The waveform; 2-D only when ``mono=False`` and the file has more
        than one channel.

    Raises
    ------
    AudioLoadError
        When the file is missing, is a directory, is empty, is not audio,
        is truncated, or holds no samples in the requested window. The
        message names the file and the cause.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> t = np.arange(8000) / 8000
    >>> sf.write(path, np.sin(2 * np.pi * 440 * t), 8000)
    >>> y = load_audio(path, sr=16000)
    >>> y.dtype, y.shape
    (dtype('float32'), (16000,))
    """
    path = os.fspath(path)
    _check_readable_file(path)
    if offset < 0 or (duration is not None and duration <= 0):
        raise ValueError(
            f"offset must be >= 0 and duration > 0 or None, got offset={offset}, "
            f"duration={duration}."
        )
    try:
        with sf.SoundFile(path) as f:
            native_sr = f.samplerate
            start = int(round(offset * native_sr))
            n_frames = -1 if duration is None else int(round(duration * native_sr))
            if start > 0:
                if f.seekable():
                    f.seek(min(start, f.frames))
                else:  # some compressed streams cannot seek: read and drop
                    f.read(start, dtype="float32", always_2d=True)
            y = f.read(frames=n_frames, dtype="float32", always_2d=True).T
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioLoadError(
            f"Cannot decode audio file {path!r} (libsndfile: {exc}). The file is not audio, is "
            f"truncated or damaged, or its format is not supported by libsndfile "
            f"(wav, flac, ogg, mp3, au, aiff). Re-encode it, e.g. "
            f"`ffmpeg -i in out.wav`, or leave it out."
        ) from exc

    if y.shape[1] == 0:
        window = "" if offset == 0 and duration is None else (
            f" in the window offset={offset} s, duration={duration} s"
        )
        raise AudioLoadError(
            f"Audio file {path!r} holds no samples{window}: the file is empty or "
            f"truncated, or the offset lies past its end. Re-download or re-encode the "
            f"file, leave it out, or choose an offset inside it."
        )
    if not np.all(np.isfinite(y)):
        raise AudioLoadError(
            f"Audio file {path!r} holds NaN or infinite samples; repair or remove it."
        )
    if mono:
        y = y.mean(axis=0)
    elif y.shape[0] == 1:
        y = y[0]
    if sr is not None and sr != native_sr:
        y = _resample(y, native_sr, sr)
    return np.ascontiguousarray(y, dtype=np.float32)


def _resample(y, orig_sr, target_sr):
    """Resample along the last axis as ``librosa.resample`` (soxr_hq, fixed length)."""
    resampled = soxr.resample(y.T, orig_sr, target_sr, quality="soxr_hq").T
    n_samples = int(np.ceil(y.shape[-1] * target_sr / orig_sr))
    missing = n_samples - resampled.shape[-1]
    if missing > 0:
        pad = [(0, 0)] * (resampled.ndim - 1) + [(0, missing)]
        resampled = np.pad(resampled, pad)
    return resampled[..., :n_samples]


def _check_readable_file(path):
    """Raise AudioLoadError naming the remedy when ``path`` is no readable file."""
    p = Path(path)
    if not p.exists():
        raise AudioLoadError(f"Audio file {path!r} does not exist; check the path.")
    if p.is_dir():
        raise AudioLoadError(
            f"{path!r} is a directory, not an audio file; pass the files inside it "
            f"(e.g. skaudio.datasets.load_audio_folder)."
        )
    if p.stat().st_size == 0:
        raise AudioLoadError(f"Audio file {path!r} is empty (0 bytes); re-download it.")
