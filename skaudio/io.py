"""Reading audio files: :func:`load_audio`.

Decoding goes through :mod:`soundfile` (libsndfile: wav, flac, ogg/vorbis,
opus, mp3, au, aiff, ...), resampling through :mod:`soxr` at the same
quality as ``librosa.load`` (``"soxr_hq"``), so a file loaded here gives the
very samples ``librosa.load(path, sr=sr, mono=mono)`` gives.

A file header decides how much memory loading takes, so it is checked
before anything is read: the sample rate must lie in
[:data:`MIN_SAMPLE_RATE`, :data:`MAX_SAMPLE_RATE`], and the waveform to
return may hold at most :data:`MAX_SAMPLES` samples. The file is then
decoded, mixed down and resampled block by block into the output array, so
the output is the only allocation that grows with the file.
"""

import math
import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .exceptions import AudioLoadError

__all__ = ["MAX_SAMPLES", "MAX_SAMPLE_RATE", "MIN_SAMPLE_RATE", "load_audio"]

MAX_SAMPLES = 3600 * 22050
"""Most samples (all channels together) :func:`load_audio` returns for one file.

One hour of mono audio at 22 050 Hz (half an hour at 44.1 kHz): 303 MiB of
float32. A longer file raises :class:`~skaudio.AudioLoadError` before
anything is decoded; analyse a window of it (``max_duration=`` of a feature
transformer, ``duration=`` here and for tensors; ``offset=``), or
raise this limit (``skaudio.io.MAX_SAMPLES = ...`` before fitting, which
transformers pass on to their workers, or ``load_audio(..., max_samples=)``)
when the memory is there. Feature extraction needs several times the
waveform's size on top."""

MIN_SAMPLE_RATE = 1_000
"""Lowest sample rate (Hz) a file may declare; below it the header is damaged."""

MAX_SAMPLE_RATE = 768_000
"""Highest sample rate (Hz) a file may declare (the highest rate audio interfaces use)."""

_BLOCK = 1 << 16  # frames decoded, mixed and resampled at a time


def load_audio(path, *, sr=22050, mono=True, offset=0.0, duration=None, max_samples=None):
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
    max_samples : int or None, default=None
        Most samples (all channels together) to return; a file that would
        give more raises before it is read. ``None`` means
        :data:`skaudio.io.MAX_SAMPLES` (one hour of mono audio at 22 050 Hz).

    Returns
    -------
    y : ndarray of shape (n_samples,) or (n_channels, n_samples), float32
        The waveform; 2-D only when ``mono=False`` and the file has more
        than one channel.

    Raises
    ------
    AudioLoadError
        When the file is missing, is a directory, is empty, is not audio,
        is truncated, holds no samples in the requested window, declares a
        sample rate outside [1 kHz, 768 kHz], or would give more than
        ``max_samples`` samples. The message names the file, the cause and
        the remedy.

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
    if sr is not None and not 0 < sr <= MAX_SAMPLE_RATE:
        raise ValueError(f"sr must be in (0, {MAX_SAMPLE_RATE}] Hz or None, got {sr}.")
    limit = MAX_SAMPLES if max_samples is None else max_samples
    try:
        with sf.SoundFile(path) as f:
            native_sr, channels = f.samplerate, f.channels
            _check_rate(path, native_sr)
            if f.format in ("WAV", "WAVEX", "AIFF"):
                _check_not_truncated(path, f.format)
            target_sr = native_sr if sr is None else sr
            start = int(round(offset * native_sr))
            n_frames = max(f.frames - start, 0)
            if duration is not None:
                n_frames = min(n_frames, int(round(duration * native_sr)))
            n_out = _n_resampled(n_frames, native_sr, target_sr)
            out_channels = 1 if mono else channels
            _check_size(path, n_out * out_channels, limit, target_sr, duration)
            if start > 0:
                _skip(f, start, channels)
            y, n_read = _decode(path, f, n_frames, mono, native_sr, target_sr)
            if f.format == "MP3":
                _check_mp3_complete(path, n_read, n_frames)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioLoadError(
            f"Cannot decode audio file {path!r} (libsndfile: {exc}). The file is not audio, is "
            f"truncated or damaged, or its format is not supported by libsndfile "
            f"(wav, flac, ogg, mp3, au, aiff). Re-encode it, e.g. "
            f"`ffmpeg -i in out.wav`, or leave it out."
        ) from exc

    if n_read == 0:
        window = "" if offset == 0 and duration is None else (
            f" in the window offset={offset} s, duration={duration} s"
        )
        raise AudioLoadError(
            f"Audio file {path!r} holds no samples{window}: the file is empty or "
            f"truncated, or the offset lies past its end. Re-download or re-encode the "
            f"file, leave it out, or choose an offset inside it."
        )
    return y[0] if y.shape[0] == 1 else y


def _n_resampled(n, orig_sr, target_sr):
    """Length of ``n`` samples resampled, as ``librosa.resample`` gives it."""
    return n if orig_sr == target_sr else int(math.ceil(n * target_sr / orig_sr))


def _check_rate(path, native_sr):
    if not MIN_SAMPLE_RATE <= native_sr <= MAX_SAMPLE_RATE:
        raise AudioLoadError(
            f"Audio file {path!r} declares a sample rate of {native_sr} Hz, outside the "
            f"{MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz of audio: its header is damaged or "
            f"it is not audio. Re-encode it at a real rate (e.g. `ffmpeg -i in -ar 22050 "
            f"out.wav`) or leave it out."
        )


def _check_size(path, n_samples, limit, sr, duration):
    """Refuse, before any decoding, a waveform of more than ``limit`` samples."""
    if n_samples <= limit:
        return
    hint = ("" if duration is None else
            f" The requested duration={duration} s is longer than that.")
    raise AudioLoadError(
        f"Audio file {path!r} would decode to {n_samples:,} samples "
        f"({n_samples / sr / 60:,.1f} min at {sr} Hz, {n_samples * 4 / 2**20:,.0f} MiB of "
        f"float32), more than the limit of {limit:,} samples "
        f"({limit / sr / 60:,.1f} min, {limit * 4 / 2**20:,.0f} MiB).{hint} Analyse a "
        f"window of it: pass max_duration= to a feature transformer, duration= to "
        f"load_audio or a tensor transformer (and offset=), e.g. 30; or, with the "
        f"memory for it, raise skaudio.io.MAX_SAMPLES (load_audio's max_samples=)."
    )


def _skip(f, start, channels):
    """Move to frame ``start``: seek, or decode and drop in blocks."""
    if f.seekable():
        f.seek(min(start, f.frames))
        return
    block = np.empty((min(start, _BLOCK), channels), dtype=np.float32)
    while start > 0:
        n = len(f.read(min(start, len(block)), out=block))
        if n == 0:
            return
        start -= n


def _decode(path, f, n_frames, mono, native_sr, target_sr):
    """Decode up to ``n_frames`` frames block by block into a (channels, n) array.

    Each block is checked for NaN and infinity, mixed down (when ``mono``)
    and fed to a streaming soxr resampler, which gives the very samples of
    one ``soxr.resample`` call over the whole signal (``librosa.load``'s).
    """
    channels = 1 if mono else f.channels
    n_out = _n_resampled(n_frames, native_sr, target_sr)
    try:
        out = np.empty((channels, n_out), dtype=np.float32)
    except MemoryError:
        raise AudioLoadError(
            f"Not enough memory to load audio file {path!r}: it needs "
            f"{channels * n_out * 4 / 2**20:,.0f} MiB. Pass duration= (and offset=) to "
            f"analyse a window of it, or use fewer n_jobs."
        ) from None
    stream = None
    if native_sr != target_sr:
        stream = soxr.ResampleStream(native_sr, target_sr, channels, dtype="float32",
                                     quality="soxr_hq")
    block = np.empty((max(min(_BLOCK, n_frames), 1), f.channels), dtype=np.float32)
    n_read = pos = 0
    while n_read < n_frames:
        data = f.read(min(n_frames - n_read, len(block)), out=block)
        if len(data) == 0:  # the header promised more frames than the file holds
            break
        n_read += len(data)
        if not np.all(np.isfinite(data)):
            raise AudioLoadError(
                f"Audio file {path!r} holds NaN or infinite samples; repair or remove it."
            )
        frames = data.T.mean(axis=0)[:, None] if mono else data  # (k, channels)
        pos = _put(out, pos, _resample(stream, frames))
    if stream is not None and n_read:
        pos = _put(out, pos, _resample(stream, np.zeros((0, channels), np.float32), True))
    n_expected = _n_resampled(n_read, native_sr, target_sr)
    out[:, pos:n_expected] = 0  # soxr may give a few samples fewer: pad like librosa
    if n_expected < n_out:
        out = out[:, :n_expected].copy()
    return out, n_read


def _resample(stream, frames, last=False):
    """Resample a (k, channels) block with the stream (1-D for one channel, as soxr wants)."""
    if stream is None:
        return frames
    if frames.shape[1] == 1:
        return stream.resample_chunk(np.ascontiguousarray(frames[:, 0]), last=last)[:, None]
    return stream.resample_chunk(np.ascontiguousarray(frames), last=last)


def _put(out, pos, frames):
    """Copy (k, channels) frames into ``out`` from column ``pos``; never past its end."""
    k = min(len(frames), out.shape[1] - pos)
    out[:, pos:pos + k] = frames[:k].T
    return pos + k


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


def _check_not_truncated(path, container):
    """Raise when a WAV/AIFF header declares more sample bytes than the file holds.

    libsndfile quietly reads what is there, so a download cut short loads as
    a shorter clip; the data chunk's declared size says how much should be
    there. Streaming writers that leave the size unset (0, or all bits set)
    declare nothing and pass.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as raw:
        header = raw.read(65536)  # the data chunk starts within the first few chunks
    little = container != "AIFF"
    marker = b"data" if little else b"SSND"
    position = 12
    while position + 8 <= len(header):
        chunk_id = header[position:position + 4]
        declared = int.from_bytes(header[position + 4:position + 8],
                                  "little" if little else "big")
        if chunk_id == marker:
            present = size - (position + 8)
            if declared not in (0, 0xFFFFFFFF) and declared > present:
                raise AudioLoadError(
                    f"Audio file {path!r} is truncated: its header declares {declared:,} "
                    f"bytes of samples, the file holds {present:,} "
                    f"({present / declared:.0%}). Re-download or re-encode it, or leave "
                    f"it out."
                )
            return
        position += 8 + declared + (declared & 1)  # chunks are padded to even sizes


def _check_mp3_complete(path, n_read, n_frames):
    """Raise when an MP3 with an exact length header decodes to fewer frames than it says.

    Encoders write the exact frame count in a Xing/Info or VBRI header;
    without one the length is an estimate from the bit rate (variable-rate
    files legitimately differ), so only files that carry it are judged. A
    few MPEG frames of slack cover encoder delay and padding.
    """
    with open(path, "rb") as raw:
        head = raw.read(65536)
    if not any(tag in head for tag in (b"Xing", b"Info", b"VBRI")):
        return
    if n_read < n_frames - max(4 * 1152, n_frames // 100):
        raise AudioLoadError(
            f"Audio file {path!r} is truncated or damaged: its MP3 header declares "
            f"{n_frames:,} samples, {n_read:,} could be decoded "
            f"({n_read / max(n_frames, 1):.0%}). Re-download or re-encode it, or leave it out."
        )

