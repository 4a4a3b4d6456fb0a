"""``load_audio_folder``: any folder of audio files, labels from folders or names."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..exceptions import SkaudioError

__all__ = ["load_audio_folder"]

_EXTENSIONS = ("wav", "flac", "ogg", "mp3", "au")


def _extractor(spec, field, root):
    """A function path -> value for ``spec``: "folder", a regex or a callable."""
    if spec == "folder":

        def from_folder(path):
            if path.parent == root:
                raise SkaudioError(
                    f"{str(path)!r} lies directly in {str(root)!r}, so it has no {field} "
                    f"folder; move it into a sub-folder or pass {field}_from=<regex>."
                )
            return path.parent.name

        return from_folder
    if callable(spec) and not isinstance(spec, str | re.Pattern):
        return spec
    pattern = re.compile(spec)
    if field not in pattern.groupindex:
        raise SkaudioError(
            f"{field}_from={pattern.pattern!r} has no named group '{field}'; write it as "
            f"e.g. r'^(?P<{field}>[^_]+)_'."
        )

    def from_name(path):
        match = pattern.search(path.name)
        if match is None or match[field] is None:
            raise SkaudioError(
                f"{field}_from={pattern.pattern!r} does not match the file name "
                f"{path.name!r} ({str(path)!r}); fix the pattern or move the file away."
            )
        return match[field]

    return from_name


def load_audio_folder(
    root, *, label_from="folder", group_from=None, extensions=_EXTENSIONS, return_X_y=False
):
    """Load a folder of audio files as a labelled dataset (paths, not audio).

    Files are found recursively and sorted. Labels (and optional groups such
    as speakers or artists) come from each file's folder name or from a
    regular expression on its file name.

    Parameters
    ----------
    root : str or path-like
        The folder to search, recursively.
    label_from : "folder", str, re.Pattern or callable, default="folder"
        ``"folder"``: the name of the file's parent folder
        (``root/<label>/x.wav``). A regular expression: searched in the
        file name, it must have a named group ``label``
        (e.g. ``r"^(?P<label>\\d+)_"``). A callable: ``Path -> label``.
    group_from : None, "folder", str, re.Pattern or callable, default=None
        The same for the group (named group ``group``); None for no groups.
    extensions : tuple of str, default=("wav", "flac", "ogg", "mp3", "au")
        File extensions to keep, case-insensitive, without the dot.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        A Bunch (dictionary-like) with the attributes below, or
        ``(data, target)`` if ``return_X_y`` is True.

        - ``data`` (list of str of length n_files):
          The file paths, sorted.
        - ``target`` (ndarray of shape (n_files,), str):
          The labels.
        - ``groups`` (ndarray of shape (n_files,), str, or None):
          The groups, if ``group_from`` is given.
        - ``frame`` (DataFrame of shape (n_files, 4)):
          ``path``, ``filename``, ``label``, ``group``.
        - ``target_names`` (list of str):
          The labels, sorted.
        - ``DESCR`` (str):
          Description of the dataset.

    Raises
    ------
    SkaudioError
        If no file has one of ``extensions``, or a file does not fit
        ``label_from`` / ``group_from`` (the message names the file).

    Examples
    --------
    The Free Spoken Digit Dataset names its files ``{digit}_{speaker}_{take}.wav``:

    >>> import numpy as np, soundfile as sf, tempfile, pathlib
    >>> from skaudio.datasets import load_audio_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["7_jackson_32.wav", "7_theo_0.wav", "3_jackson_1.wav"]:
    ...     sf.write(root / name, np.zeros(800), 8000)
    >>> bunch = load_audio_folder(root, label_from=r"^(?P<label>\\d+)_",
    ...                           group_from=r"^\\d+_(?P<group>[a-z]+)_")
    >>> bunch.target.tolist(), bunch.groups.tolist()
    (['3', '7', '7'], ['jackson', 'jackson', 'theo'])
    """
    root = Path(root)
    if not root.is_dir():
        raise SkaudioError(f"{str(root)!r} is not a folder; pass the folder of audio files.")
    wanted = {"." + str(ext).lower().lstrip(".") for ext in extensions}
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in wanted and p.is_file())
    if not paths:
        raise SkaudioError(
            f"No audio file with extension {sorted(wanted)} under {str(root)!r}; check the "
            "folder or pass extensions=."
        )
    label_of = _extractor(label_from, "label", root)
    group_of = None if group_from is None else _extractor(group_from, "group", root)
    frame = pd.DataFrame(
        {
            "path": [str(p) for p in paths],
            "filename": [p.name for p in paths],
            "label": [str(label_of(p)) for p in paths],
            "group": [None if group_of is None else str(group_of(p)) for p in paths],
        }
    )
    target = frame["label"].to_numpy(dtype=str)
    if return_X_y:
        return frame["path"].tolist(), target
    return Bunch(
        data=frame["path"].tolist(),
        target=target,
        groups=None if group_of is None else frame["group"].to_numpy(dtype=str),
        frame=frame,
        target_names=sorted(np.unique(target).tolist()),
        DESCR=f"Audio folder {str(root)!r}: {len(frame)} files, "
        f"{frame['label'].nunique()} labels"
        + ("" if group_of is None else f", {frame['group'].nunique()} groups")
        + ".",
    )
