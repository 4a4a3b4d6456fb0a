"""GTZAN: the audio loader and the artist-filtered ("fault-filtered") split."""

import re
import warnings
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..exceptions import SkaudioError

__all__ = ["load_gtzan", "gtzan_split", "gtzan_track_id"]

_TRACK = re.compile(r"^(?P<genre>[a-z]+)\.(?P<number>\d{5})")
_FILE = re.compile(r"^(?P<genre>[a-z]+)\.(?P<number>\d{5})\.(?:wav|au)$", re.IGNORECASE)
# jazz.00054 of the widely shared GTZAN mirror cannot be decoded.
_CORRUPT = frozenset({"jazz.00054"})
_SPLITS = ("fault_filtered",)


def gtzan_track_id(filename):
    """The GTZAN track id (``"blues.00029"``) of a file name or path, else None.

    Works for the audio files (``genres_original/blues/blues.00029.wav``,
    ``blues.00029.au``) and for the 3-second segment names of the feature
    tables (``blues.00029.3.wav``), so segments map to their source clip.

    Parameters
    ----------
    filename : str or os.PathLike
        A file name or path.

    Returns
    -------
    track_id : str or None

    Examples
    --------
    >>> from skaudio.datasets import gtzan_track_id
    >>> gtzan_track_id("data/genres_original/blues/blues.00029.wav")
    'blues.00029'
    >>> gtzan_track_id("rock.00003.7.wav"), gtzan_track_id("readme.txt")
    ('rock.00003', None)
    """
    match = _TRACK.match(Path(str(filename)).name)
    return None if match is None else f"{match['genre']}.{match['number']}"


def gtzan_split(name="fault_filtered"):
    """The file lists of a published GTZAN split, shipped with skaudio.

    ``"fault_filtered"`` is the artist-filtered split of Kereliuk, Sturm and
    Larsen ("Deep Learning and Music Adversaries", IEEE Trans. Multimedia,
    2015): no artist appears in more than one of train / valid / test and the
    known faulty excerpts (repetitions, distortions, mislabelling) are left
    out. Random splits of GTZAN put one artist on both sides and inflate
    accuracy by 10-20 points; scores on this split are the honest figure.

    The lists come from the public repository jongpillee/music_dataset_split
    (MIT licence, Copyright (c) 2017 Jongpil Lee), folder GTZAN_split; the
    attribution ships with them (``skaudio/datasets/data/gtzan_fault_filtered/``).
    Note that ``train`` lists ``jazz/jazz.00054.wav``, which is corrupt in
    the common GTZAN mirror: :func:`load_gtzan` skips it.

    Parameters
    ----------
    name : {"fault_filtered"}, default="fault_filtered"
        The split.

    Returns
    -------
    split : dict of str to list of str
        ``"train"``, ``"valid"`` and ``"test"``, each a list of paths
        relative to ``genres_original`` such as ``"blues/blues.00029.wav"``
        (443, 197 and 290 of them).

    See Also
    --------
    skaudio.model_selection.gtzan_fault_filtered_split : The same split as a
        scikit-learn splitter over your own list of files.

    Examples
    --------
    >>> from skaudio.datasets import gtzan_split
    >>> split = gtzan_split("fault_filtered")
    >>> {part: len(paths) for part, paths in split.items()}
    {'train': 443, 'valid': 197, 'test': 290}
    >>> split["train"][0]
    'blues/blues.00029.wav'
    """
    if name not in _SPLITS:
        raise SkaudioError(f"Unknown GTZAN split {name!r}; available: {', '.join(_SPLITS)}.")
    folder = files("skaudio.datasets") / "data" / f"gtzan_{name}"
    return {
        part: [line.strip() for line in (folder / f"{part}.txt").read_text().splitlines()
               if line.strip()]
        for part in ("train", "valid", "test")
    }


def _gtzan_dir(root):
    root = Path(root)
    for candidate in (root / "genres_original", root / "genres", root):
        if candidate.is_dir() and any(candidate.glob("*/*.*")):
            return candidate
    raise SkaudioError(
        f"No GTZAN audio found under {str(root)!r}: expected "
        "'genres_original/<genre>/<genre>.NNNNN.wav' (or '.au'). Pass the dataset "
        "folder or its 'genres_original' folder."
    )


def load_gtzan(root, *, return_X_y=False):
    """Load the GTZAN music-genre collection from a local copy (no download).

    Parameters
    ----------
    root : str or path-like
        The dataset folder holding ``genres_original/<genre>/<genre>.NNNNN.wav``
        (the Kaggle mirror; the original ``genres/...au`` layout works too),
        or the ``genres_original`` folder itself.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        A Bunch (dictionary-like) with the attributes below, or
        ``(data, target)`` if ``return_X_y`` is True.

        - ``data`` (list of str of length n_clips):
          Audio file paths, sorted by genre then number.
        - ``target`` (ndarray of shape (n_clips,), str):
          The genre (the name of the file's folder).
        - ``groups`` (None):
          GTZAN has no artist annotation; use the fault-filtered split
          (:func:`skaudio.model_selection.gtzan_fault_filtered_split`) for
          artist-disjoint evaluation, whose membership is in ``frame["split"]``.
        - ``frame`` (DataFrame of shape (n_clips, 5)):
          ``path``, ``filename``, ``track`` (``"blues.00000"``), ``label``,
          ``split`` (``"train"``, ``"valid"``, ``"test"`` of the
          fault-filtered split, or None for files outside it).
        - ``target_names`` (list of str):
          The genres, sorted.
        - ``DESCR`` (str):
          Description of the dataset.

    Warns
    -----
    UserWarning
        Naming ``jazz.00054`` (corrupt in the common mirror), which is skipped.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, pathlib
    >>> from skaudio.datasets import load_gtzan
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["blues/blues.00000.wav", "rock/rock.00012.wav"]:
    ...     (root / "genres_original" / name).parent.mkdir(parents=True, exist_ok=True)
    ...     sf.write(root / "genres_original" / name, np.zeros(2205), 22050)
    >>> bunch = load_gtzan(root)
    >>> bunch.target.tolist(), bunch.frame["split"].tolist()
    (['blues', 'rock'], ['valid', 'test'])
    """
    folder = _gtzan_dir(root)
    split = {
        Path(path).stem: part
        for part, paths in gtzan_split("fault_filtered").items()
        for path in paths
    }
    rows = []
    for path in sorted(folder.glob("*/*.*")):
        match = _FILE.match(path.name)
        if match is None or not path.is_file():
            continue
        track = f"{match['genre']}.{match['number']}"
        if track in _CORRUPT:
            warnings.warn(
                f"Skipping {str(path)!r}: {track} is corrupt in the common GTZAN mirror "
                "and cannot be decoded.",
                UserWarning,
                stacklevel=2,
            )
            continue
        rows.append(
            {
                "path": str(path),
                "filename": path.name,
                "track": track,
                "label": path.parent.name,
                "split": split.get(track),
            }
        )
    if not rows:
        raise SkaudioError(
            f"No GTZAN file named '<genre>.NNNNN.wav' or '.au' in the genre folders of "
            f"{str(folder)!r}."
        )
    frame = pd.DataFrame(rows)
    target = frame["label"].to_numpy(dtype=str)
    if return_X_y:
        return frame["path"].tolist(), target
    return Bunch(
        data=frame["path"].tolist(),
        target=target,
        groups=None,
        frame=frame,
        target_names=sorted(np.unique(target).tolist()),
        DESCR=_DESCR.format(n=len(frame), folder=folder),
    )


_DESCR = """\
GTZAN music genres (local copy at {folder})
-------------------------------------------

{n} clips of 30 s, 22,050 Hz mono, 10 genres x 100 clips, collected by
G. Tzanetakis and P. Cook ("Musical genre classification of audio signals",
IEEE Trans. Speech and Audio Processing, 2002). No licence is stated for the
audio. Known faults: repeated clips, distortions, mislabellings, and many
clips per artist (Sturm, 2013); jazz.00054 of the common mirror is corrupt
and skipped. No artist ids: random splits leak artists and inflate accuracy
by 10-20 points. Use the artist-filtered "fault-filtered" split (Kereliuk,
Sturm and Larsen, 2015; lists from jongpillee/music_dataset_split, MIT
licence, Copyright (c) 2017 Jongpil Lee) given in frame["split"] and by
skaudio.model_selection.gtzan_fault_filtered_split.
"""
