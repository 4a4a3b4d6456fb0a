"""FMA, the Free Music Archive dataset: metadata-driven loader (no download)."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..exceptions import SkaudioError

__all__ = ["load_fma", "fma_audio_path"]

# FMA's subsets are nested: small is in medium, medium is in large.
_NESTED = {"small": ("small",), "medium": ("small", "medium"),
           "large": ("small", "medium", "large")}


def fma_audio_path(root, track_id, subset="small"):
    """Where FMA keeps a track's audio: ``fma_<subset>/000/000002.mp3``.

    The track id is zero-padded to 6 digits; the folder is its first 3.

    Parameters
    ----------
    root : str or os.PathLike
        The folder holding ``fma_<subset>/``.
    track_id : int or str
        The FMA track id.
    subset : {"small", "medium", "large", "full"}, default="small"
        Which FMA audio archive.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> from skaudio.datasets import fma_audio_path
    >>> fma_audio_path("fma", 2).as_posix()
    'fma/fma_small/000/000002.mp3'
    >>> fma_audio_path("fma", 155066, subset="medium").as_posix()
    'fma/fma_medium/155/155066.mp3'
    """
    tid = f"{int(track_id):06d}"
    return Path(root) / f"fma_{subset}" / tid[:3] / f"{tid}.mp3"


def _tracks_csv(root):
    root = Path(root)
    for path in (root / "fma_metadata" / "tracks.csv", root / "tracks.csv"):
        if path.is_file():
            return path
    raise SkaudioError(
        f"No FMA metadata under {str(root)!r}: expected 'fma_metadata/tracks.csv'. "
        "Unpack fma_metadata.zip next to the fma_<subset> audio folder."
    )


def load_fma(root, subset="small", *, only_existing=False, return_X_y=False):
    """Load the FMA (Free Music Archive) genre dataset from a local copy.

    Reads ``fma_metadata/tracks.csv`` (two header rows) and keeps the tracks
    of ``subset`` that have a top-level genre. Subsets are nested as in FMA:
    ``"medium"`` includes the ``"small"`` tracks, whose audio ``fma_medium``
    also holds.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``fma_metadata/tracks.csv`` and the audio folder
        ``fma_<subset>/``.
    subset : {"small", "medium", "large"}, default="small"
        Which subset: 8,000 tracks / 8 balanced genres, 25,000 tracks / 16
        unbalanced genres, or every track with a top genre.
    only_existing : bool, default=False
        Keep only tracks whose audio file exists (warns how many are missing).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        A Bunch (dictionary-like) with the attributes below, or
        ``(data, target)`` if ``return_X_y`` is True.

        - ``data`` (list of str of length n_tracks):
          Audio paths ``<root>/fma_<subset>/NNN/NNNNNN.mp3``, by track id.
        - ``target`` (ndarray of shape (n_tracks,), str):
          The track's ``genre_top``.
        - ``groups`` (ndarray of shape (n_tracks,), int):
          The artist id: split with it to keep an artist on one side.
        - ``frame`` (DataFrame of shape (n_tracks, 6)):
          ``track_id``, ``path``, ``label``, ``group`` (artist id),
          ``split`` (FMA's official ``"training"``, ``"validation"``,
          ``"test"``, itself artist-filtered) and ``subset``.
        - ``target_names`` (list of str):
          The genres, sorted.
        - ``DESCR`` (str):
          Description of the dataset.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from skaudio.datasets import load_fma
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "fma_metadata").mkdir()
    >>> columns = pd.MultiIndex.from_tuples([("artist", "id"), ("set", "split"),
    ...     ("set", "subset"), ("track", "genre_top")])
    >>> tracks = pd.DataFrame([[1, "training", "small", "Hip-Hop"],
    ...                        [2, "test", "medium", "Rock"]],
    ...                       index=pd.Index([2, 140], name="track_id"), columns=columns)
    >>> tracks.to_csv(root / "fma_metadata" / "tracks.csv")
    >>> bunch = load_fma(root, subset="medium")
    >>> bunch.target.tolist(), bunch.groups.tolist(), bunch.frame["split"].tolist()
    (['Hip-Hop', 'Rock'], [1, 2], ['training', 'test'])
    >>> pathlib.Path(bunch.data[1]).relative_to(root).as_posix()
    'fma_medium/000/000140.mp3'
    """
    if subset not in _NESTED:
        raise SkaudioError(f"subset must be one of {sorted(_NESTED)}; got {subset!r}.")
    csv = _tracks_csv(root)
    tracks = pd.read_csv(csv, index_col=0, header=[0, 1], low_memory=False)
    needed = [("track", "genre_top"), ("set", "split"), ("set", "subset"), ("artist", "id")]
    missing = [f"{a}.{b}" for a, b in needed if (a, b) not in tracks.columns]
    if missing:
        raise SkaudioError(
            f"{str(csv)!r} lacks the FMA columns {missing}; is it FMA's tracks.csv "
            "(two header rows)?"
        )
    keep = tracks[("set", "subset")].isin(_NESTED[subset]) & tracks[("track", "genre_top")].notna()
    tracks = tracks[keep]
    frame = pd.DataFrame(
        {
            "track_id": tracks.index.astype(np.int64),
            "path": [str(fma_audio_path(root, tid, subset)) for tid in tracks.index],
            "label": tracks[("track", "genre_top")].astype(str).to_numpy(),
            "group": tracks[("artist", "id")].astype(np.int64).to_numpy(),
            "split": tracks[("set", "split")].to_numpy(),
            "subset": tracks[("set", "subset")].to_numpy(),
        }
    )
    if only_existing:
        exists = np.array([Path(p).is_file() for p in frame["path"]], dtype=bool)
        if not exists.any():
            raise SkaudioError(
                f"None of the {len(frame)} FMA {subset!r} audio files exist under "
                f"{str(Path(root) / f'fma_{subset}')!r}; unpack fma_{subset}.zip there."
            )
        if not exists.all():
            warnings.warn(
                f"{(~exists).sum()} of {len(frame)} FMA {subset!r} audio files are missing "
                f"(e.g. {frame['path'][np.flatnonzero(~exists)[0]]!r}); skipping them.",
                UserWarning,
                stacklevel=2,
            )
        frame = frame[exists].reset_index(drop=True)
    if frame.empty:
        raise SkaudioError(f"No track of the FMA {subset!r} subset in {str(csv)!r}.")
    target = frame["label"].to_numpy(dtype=str)
    if return_X_y:
        return frame["path"].tolist(), target
    return Bunch(
        data=frame["path"].tolist(),
        target=target,
        groups=frame["group"].to_numpy(),
        frame=frame,
        target_names=sorted(np.unique(target).tolist()),
        DESCR=_DESCR.format(n=len(frame), subset=subset, root=root),
    )


_DESCR = """\
FMA: the Free Music Archive dataset, subset {subset!r} (local copy at {root})
----------------------------------------------------------------------------

{n} tracks (30 s mp3 clips for small/medium), labelled with their top-level
genre, grouped by artist id. Defferrard, Benzi, Vandergheynst and Bresson,
"FMA: A Dataset for Music Analysis", ISMIR 2017. Metadata CC BY 4.0; audio
under the artists' chosen Creative Commons licences. frame["split"] is the
official artist-filtered training / validation / test split.
"""
