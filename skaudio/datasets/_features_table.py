"""``load_gtzan_features``: the widely shared GTZAN 57-feature CSV tables."""

from pathlib import Path

import pandas as pd
from sklearn.utils import Bunch

from ..exceptions import SkaudioError
from ._gtzan import gtzan_track_id

__all__ = ["load_gtzan_features"]

_META = ("filename", "length", "label")


def load_gtzan_features(csv, *, return_X_y=False):
    """Load a GTZAN feature table (``features_30_sec.csv`` or ``features_3_sec.csv``).

    These tables (shipped with the Kaggle GTZAN mirror) hold one row per clip
    (or per 3-second segment): ``filename``, ``length``, 57 features (means
    and variances of chroma, RMS, spectral centroid / bandwidth / roll-off,
    zero-crossing rate, HPSS harmonic / percussive waveforms, the tempo and
    20 MFCCs: what :class:`skaudio.LibrosaFeatures` computes) and ``label``.

    GTZAN has no artist column, so ``groups`` is the track id
    (``"blues.00000"``): in the 3-second table the ten segments
    ``blues.00000.0.wav`` … ``blues.00000.9.wav`` of a clip share one group
    and must stay on one side of a split. For artist-disjoint evaluation use
    :func:`skaudio.model_selection.gtzan_fault_filtered_split`.

    Parameters
    ----------
    csv : str or path-like
        The CSV file.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        A Bunch (dictionary-like) with the attributes below, or
        ``(data, target)`` if ``return_X_y`` is True.

        - ``data`` (DataFrame of shape (n_rows, 57)):
          The feature columns, in file order.
        - ``target`` (ndarray of shape (n_rows,), str):
          The genre.
        - ``groups`` (ndarray of shape (n_rows,), str):
          The source clip's track id.
        - ``frame`` (DataFrame of shape (n_rows, 61)):
          The whole table plus a ``group`` column.
        - ``feature_names`` (list of str):
          The 57 feature names.
        - ``target_names`` (list of str):
          The genres, sorted.
        - ``DESCR`` (str):
          Description of the table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skaudio.datasets import load_gtzan_features
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "features_3_sec.csv"
    >>> _ = csv.write_text("filename,length,tempo,mfcc1_mean,label\\n"
    ...                    "blues.00000.0.wav,66149,123.0,-113.5,blues\\n"
    ...                    "blues.00000.1.wav,66149,123.0,-207.5,blues\\n"
    ...                    "rock.00007.0.wav,66149,99.4,-80.1,rock\\n")
    >>> bunch = load_gtzan_features(csv)
    >>> bunch.feature_names, bunch.groups.tolist()
    (['tempo', 'mfcc1_mean'], ['blues.00000', 'blues.00000', 'rock.00007'])
    """
    path = Path(csv)
    if not path.is_file():
        raise SkaudioError(
            f"GTZAN feature table {str(path)!r} not found; pass the path of "
            "features_30_sec.csv or features_3_sec.csv."
        )
    table = pd.read_csv(path)
    missing = [c for c in ("filename", "label") if c not in table.columns]
    if missing:
        raise SkaudioError(
            f"{str(path)!r} has no column {missing}: not a GTZAN feature table "
            "(expected filename, length, 57 features, label)."
        )
    features = [c for c in table.columns if c not in _META]
    groups = [gtzan_track_id(name) or Path(name).stem for name in table["filename"]]
    frame = table.assign(group=groups)
    data = table[features]
    target = table["label"].to_numpy(dtype=str)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        groups=frame["group"].to_numpy(dtype=str),
        frame=frame,
        feature_names=features,
        target_names=sorted(set(target.tolist())),
        DESCR=_DESCR.format(path=path, n=len(table), k=len(features), c=frame["group"].nunique()),
    )


_DESCR = """\
GTZAN feature table ({path})
----------------------------

{n} rows from {c} source clips, {k} features. The widely shared table of
librosa features of GTZAN (Tzanetakis and Cook, 2002) published with the
Kaggle GTZAN mirror; no licence is stated, do not redistribute. Groups are
track ids, so a clip's segments stay together; GTZAN has no artist ids: use
the fault-filtered split for artist-disjoint results.
"""
