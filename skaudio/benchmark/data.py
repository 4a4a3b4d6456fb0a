"""The datasets and split protocols of :mod:`skaudio.benchmark`, from short specs.

A data spec names a dataset (``builtin``, ``gtzan:PATH``, ``fma:PATH``,
``folder:PATH``, ``fsdd:PATH``, ``features:CSV``); a split spec names a
protocol (``cv:K``, ``groups:K``, ``logo``, ``fault-filtered``). Both are
parsed here into a :class:`BenchmarkData` and a scikit-learn splitter.
"""

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold, StratifiedKFold

from ..exceptions import SkaudioError

__all__ = ["BenchmarkData", "load_benchmark_data", "make_splitter", "DATA_KINDS"]

DATA_KINDS = ("builtin", "gtzan", "fma", "folder", "fsdd", "features")

# LibrosaFeatures settings per kind of dataset. FSDD: 8 kHz speech of 0.14-2.3 s,
# so short frames (64 ms / 16 ms hop) and 40 mel bands (128 would leave empty
# filters at n_fft=512). GTZAN / FMA / the GTZAN table: librosa's defaults on
# the first 30 s, which is how the GTZAN feature table was computed.
_FEATURES = {
    "builtin": {},
    "gtzan": {"duration": 30.0},
    "fma": {"duration": 30.0},
    "folder": {},
    "fsdd": {"sr": 8000, "n_fft": 512, "hop_length": 128, "n_mels": 40},
    "features": {"duration": 30.0},
}
# How the GTZAN feature table was computed (librosa's defaults, first 30 s): the
# only LibrosaFeatures settings a model trained on the table can use on new audio.
_TABLE_SETTINGS = {"sr": 22050, "n_fft": 2048, "hop_length": 512, "n_mels": 128, "n_mfcc": 20,
                   "n_chroma": 12, "offset": 0.0, "duration": 30.0}
_CLI_OPTION = {"sr": "--sr", "n_fft": "--n-fft", "hop_length": "--hop-length",
               "n_mels": "--n-mels", "n_mfcc": "--n-mfcc", "duration": "--clip-duration"}
_FSDD_LABEL = r"^(?P<label>\d+)_"
_FSDD_GROUP = r"^\d+_(?P<group>[A-Za-z]+)_"
_BUILTIN = {"n_per_class": int, "duration": float, "n_classes": int, "n_artists": int,
            "difficulty": float, "sr": int}
# The main job's default: 6 genres x 20 clips of 6 s (two 3-s segments each for voting).
BUILTIN_DEFAULTS = {"n_per_class": 20, "duration": 6.0}


@dataclass
class BenchmarkData:
    """One dataset ready to benchmark.

    Attributes
    ----------
    name : str
        The spec it came from (or ``"custom"``).
    X : list of str, ndarray of shape (n_clips, n_samples), or None
        The audio (None for a feature table).
    y : ndarray of shape (n_clips,)
        Labels.
    groups : ndarray of shape (n_clips,) or None
        Artist / speaker ids.
    filenames : ndarray of str or None
        File names, for the GTZAN fault-filtered split.
    features : ndarray of shape (n_clips, n_features) or None
        A precomputed feature table (its columns in LibrosaFeatures' order).
    feature_params : dict
        LibrosaFeatures parameters for this dataset.
    description : str
        One line for the report.

    Examples
    --------
    >>> from skaudio.benchmark import load_benchmark_data
    >>> data = load_benchmark_data("builtin:n_per_class=4,duration=1,n_classes=2,sr=8000")
    >>> len(data.y), data.sr, data.has_audio
    (8, 8000, True)
    """

    name: str
    X: object
    y: np.ndarray
    groups: object = None
    filenames: object = None
    features: object = None
    feature_params: dict = field(default_factory=dict)
    description: str = ""
    _durations: object = field(default=None, repr=False)

    @property
    def sr(self):
        return int(self.feature_params.get("sr", 22050))

    @property
    def has_audio(self):
        return self.X is not None

    def durations(self):
        """Length of every clip in seconds, within the analysis window (None without audio)."""
        if self.X is None:
            return None
        if self._durations is None:
            if isinstance(self.X, np.ndarray):
                lengths = np.full(len(self.X), self.X.shape[1] / self.sr)
            else:
                lengths = np.array([_file_seconds(path) for path in self.X])
            window = self.feature_params.get("duration")
            self._durations = lengths if window is None else np.minimum(lengths, window)
        return self._durations

    def min_duration(self):
        """Length of the shortest clip in seconds (None without audio)."""
        lengths = self.durations()
        return None if lengths is None else float(lengths.min())

    def summary(self):
        """One line: the spec, what it is, and how many clips, classes and groups."""
        counts = f"{len(self.y)} clips, {len(np.unique(self.y))} classes"
        if self.groups is not None:
            counts += f", {len(np.unique(self.groups))} groups"
        return f"{self.name}: {self.description}; {counts}"

    def subset(self, rows):
        """The same dataset restricted to ``rows`` (indices or a boolean mask)."""
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows)

        def take(values):
            if values is None:
                return None
            if isinstance(values, list):
                return [values[i] for i in rows]
            return np.asarray(values)[rows]

        return replace(self, X=take(self.X), y=self.y[rows], groups=take(self.groups),
                       filenames=take(self.filenames), features=take(self.features),
                       _durations=take(self._durations))


def _file_seconds(path):
    import soundfile as sf

    try:
        info = sf.info(path)
    except Exception:  # a format libsndfile cannot read (mp3 on old builds): assume long
        return np.inf
    return info.frames / info.samplerate


def _kind_and_arg(spec):
    kind, sep, arg = str(spec).partition(":")
    if kind not in DATA_KINDS:
        raise SkaudioError(
            f"Unknown data spec {spec!r}; use one of 'builtin', 'gtzan:PATH', 'fma:PATH', "
            "'folder:PATH', 'fsdd:PATH' or 'features:CSV'."
        )
    if kind != "builtin" and not arg:
        raise SkaudioError(f"Data spec {spec!r} needs a path: write '{kind}:PATH'.")
    return kind, arg


def _builtin_options(arg, spec):
    options = dict(BUILTIN_DEFAULTS)
    for item in filter(None, arg.split(",")):
        key, sep, value = item.partition("=")
        if not sep or key not in _BUILTIN:
            raise SkaudioError(
                f"Bad builtin option {item!r} in {spec!r}; write e.g. "
                f"'builtin:n_per_class=10,duration=3' with keys from {sorted(_BUILTIN)}."
            )
        try:
            options[key] = _BUILTIN[key](value)
        except ValueError:
            raise SkaudioError(f"Builtin option {key}={value!r} in {spec!r} is not a "
                               f"{_BUILTIN[key].__name__}.") from None
    return options


def load_benchmark_data(spec="builtin", *, features=None, label_regex=None, group_regex=None,
                        random_state=0):
    """Load a dataset from a spec (or wrap a Bunch) as :class:`BenchmarkData`.

    Parameters
    ----------
    spec : str or Bunch
        A data spec, or an object with ``data``, ``target`` and optionally
        ``groups`` and ``sr`` (e.g. the Bunch of ``make_genres``).
    features : dict or None
        LibrosaFeatures parameters overriding the dataset's defaults.
    label_regex, group_regex : str or None
        For ``folder:``: regexes with named groups ``label`` / ``group``
        searched in the file names (default: labels from folder names).
    random_state : int
        Seed of the built-in dataset.

    Returns
    -------
    data : BenchmarkData

    Examples
    --------
    >>> data = load_benchmark_data("builtin:n_per_class=4,duration=1,n_classes=2,sr=8000")
    >>> data.summary().split("; ")[-1]
    '8 clips, 2 classes, 8 groups'
    """
    overrides = dict(features or {})
    if not isinstance(spec, str):
        if not (hasattr(spec, "data") and hasattr(spec, "target")):
            raise SkaudioError(
                f"data must be a spec string or a Bunch with data and target; got "
                f"{type(spec).__name__}."
            )
        params = {"sr": int(getattr(spec, "sr", 22050) or 22050), **overrides}
        X = spec.data if isinstance(spec.data, np.ndarray) else list(spec.data)
        return BenchmarkData("custom", X, np.asarray(spec.target),
                             groups=_as_array(getattr(spec, "groups", None)),
                             filenames=_filenames(X), feature_params=params,
                             description="custom data")
    kind, arg = _kind_and_arg(spec)
    params = {**_FEATURES[kind], **overrides}
    if kind == "builtin":
        from ..datasets import make_genres

        options = _builtin_options(arg, spec)
        bunch = make_genres(**options, random_state=random_state)
        params = {"sr": bunch.sr, **overrides}
        desc = (f"make_genres({', '.join(f'{k}={v}' for k, v in options.items())}, "
                f"random_state={random_state}), synthetic")
        return BenchmarkData(spec, bunch.data, bunch.target, groups=bunch.groups,
                             feature_params=params, description=desc)
    if kind == "features":
        from ..features import LibrosaFeatures

        _check_table_settings(arg, overrides)
        bunch = _load_table(arg)
        names = [str(c) for c in
                 LibrosaFeatures().fit([np.zeros(1)]).get_feature_names_out()]
        missing = [c for c in names if c not in bunch.data.columns]
        if missing:
            raise SkaudioError(
                f"The feature table {arg!r} lacks {len(missing)} of the 57 GTZAN columns "
                f"(e.g. {missing[0]!r}); use features_30_sec.csv or features_3_sec.csv."
            )
        return BenchmarkData(spec, None, bunch.target, groups=bunch.groups,
                             filenames=bunch.frame["filename"].to_numpy(dtype=str),
                             features=bunch.data[names].to_numpy(dtype=np.float64),
                             feature_params=params,
                             description=f"GTZAN feature table, {len(names)} features")
    if kind == "gtzan":
        from ..datasets import load_gtzan

        bunch = load_gtzan(arg)
        desc = "GTZAN music genres"
    elif kind == "fma":
        from ..datasets import load_fma

        root, _, subset = arg.partition("@")
        bunch = load_fma(root, subset or "small", only_existing=True)
        desc = f"FMA {subset or 'small'} (top-level genres)"
    else:
        from ..datasets import load_audio_folder

        if kind == "fsdd":
            desc = "spoken digits (labels: digits, groups: speakers)"
            label_regex = label_regex or _FSDD_LABEL
            group_regex = group_regex or _FSDD_GROUP
        else:
            desc = ("audio folder, labels from " + (f"file names ({label_regex!r})"
                                                    if label_regex else "folder names")
                    + (f", groups from file names ({group_regex!r})" if group_regex else ""))
        bunch = load_audio_folder(arg, label_from=label_regex or "folder",
                                  group_from=group_regex)
    X = list(bunch.data)
    return BenchmarkData(spec, X, np.asarray(bunch.target), groups=_as_array(bunch.groups),
                         filenames=_filenames(X), feature_params=params, description=desc)


def _check_table_settings(path, overrides):
    """Feature settings a precomputed table cannot honour are an error, never ignored."""
    conflicts = {k: v for k, v in overrides.items()
                 if k not in _TABLE_SETTINGS or v != _TABLE_SETTINGS[k]}
    if conflicts:
        given = ", ".join(f"{k}={v}" for k, v in conflicts.items())
        options = "/".join(_CLI_OPTION.get(k, k) for k in conflicts)
        raise SkaudioError(
            f"The feature table {path!r} was computed with librosa's defaults on the first "
            f"30 s at 22050 Hz, so feature settings cannot change it ({given}); a model "
            f"trained on it would compute other features from new audio than it learned "
            f"from. Leave out {options}, or use the audio itself (gtzan:PATH or "
            f"folder:PATH) to choose other settings."
        )


def _load_table(path):
    """load_gtzan_features, with every failure to parse naming the file."""
    import pandas as pd

    from ..datasets import load_gtzan_features

    try:
        return load_gtzan_features(path)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = "not text" if isinstance(exc, UnicodeDecodeError) else str(exc).strip()
        raise SkaudioError(
            f"{path!r} is not a CSV feature table ({reason}); features: takes the GTZAN "
            f"table features_30_sec.csv or features_3_sec.csv. For audio files use "
            f"folder:PATH or gtzan:PATH."
        ) from None


def _as_array(groups):
    return None if groups is None else np.asarray(groups)


def _filenames(X):
    if isinstance(X, list) and X and isinstance(X[0], str):
        return np.array([Path(p).name for p in X])
    return None


_SPLIT = re.compile(r"^(?P<kind>cv|groups|logo|fault-filtered)(?::(?P<k>\d+))?$")


def make_splitter(spec, data, *, random_state=0):
    """The rows taking part and the splitter of a split spec.

    Parameters
    ----------
    spec : str
        ``cv:K``, ``groups:K``, ``logo`` or ``fault-filtered``.
    data : BenchmarkData
        The dataset to split.
    random_state : int, default=0
        Seed of the shuffled splits.

    Returns
    -------
    mask : ndarray of bool of shape (n_clips,)
    cv : splitter over the masked rows, with split(X, y, groups)
    description : str

    Examples
    --------
    >>> data = load_benchmark_data("builtin:n_per_class=4,duration=1,n_classes=2,sr=8000")
    >>> mask, cv, description = make_splitter("cv:2", data)
    >>> int(mask.sum()), cv.get_n_splits(), description
    (8, 2, 'stratified 2-fold cross-validation (shuffled, random clips)')
    """
    match = _SPLIT.match(str(spec))
    if match is None:
        raise SkaudioError(
            f"Unknown split spec {spec!r}; use 'cv:K' (stratified K-fold), 'groups:K' "
            "(StratifiedGroupKFold on the dataset's groups), 'logo' (leave one group out) "
            "or 'fault-filtered' (the artist-filtered GTZAN split)."
        )
    kind, k = match["kind"], match["k"]
    n = len(data.y)
    everything = np.ones(n, dtype=bool)
    if kind == "fault-filtered":
        if k is not None:
            raise SkaudioError(f"'fault-filtered' takes no number; got {spec!r}.")
        from ..model_selection import gtzan_fault_filtered_split

        if data.filenames is None:
            raise SkaudioError(
                f"The fault-filtered split needs GTZAN file names; {data.name!r} has none. "
                "Use it with gtzan:PATH or features:CSV."
            )
        mask, cv = gtzan_fault_filtered_split(data.filenames, valid="train")
        n_test = int((cv.test_fold == 0).sum())
        return mask, cv, (f"GTZAN fault-filtered (artist-filtered) split: train on train+valid "
                          f"({mask.sum() - n_test} clips), test on test ({n_test} clips); "
                          f"{n - mask.sum()} clips outside the lists dropped")
    k = 5 if k is None else int(k)
    if kind != "logo" and k < 2:
        raise SkaudioError(f"{spec!r}: the number of folds must be at least 2.")
    _, counts = np.unique(data.y, return_counts=True)
    if kind == "cv":
        if k > counts.min():
            raise SkaudioError(
                f"{spec!r}: the smallest class has only {counts.min()} clips; use at most "
                f"cv:{counts.min()}."
            )
        cv = StratifiedKFold(k, shuffle=True, random_state=random_state)
        return everything, cv, f"stratified {k}-fold cross-validation (shuffled, random clips)"
    n_groups = 0 if data.groups is None else len(np.unique(data.groups))
    if n_groups == 0 or n_groups == n:
        # one group per clip would make a group split a random split, silently
        has = ("has none" if n_groups == 0 else
               f"has none (each of its {n} clips is a group of its own)")
        raise SkaudioError(
            f"Split {spec!r} needs groups (artists, speakers) to keep apart, but "
            f"{data.name!r} {has}; {_group_remedy(data)}"
        )
    if kind == "logo":
        return everything, LeaveOneGroupOut(), f"leave-one-group-out ({n_groups} groups)"
    if k > n_groups:
        raise SkaudioError(f"{spec!r}: only {n_groups} groups; use at most groups:{n_groups}.")
    cv = StratifiedGroupKFold(k, shuffle=True, random_state=random_state)
    return everything, cv, (f"stratified group {k}-fold ({n_groups} groups, no group on both "
                            "sides of a split)")


def _group_remedy(data):
    """What to do when a group split finds no groups, by kind of data."""
    kind = str(data.name).partition(":")[0]
    if kind in ("gtzan", "features"):
        return ("GTZAN lists no artists: use 'fault-filtered' (the artist-filtered split) "
                "or cv:K.")
    if kind in ("folder", "fsdd"):
        return ("pass --group-regex (group_regex=) with a named group 'group' matched in "
                "the file names, e.g. '^(?P<group>[^_]+)_' for artist_title.wav, or use cv:K.")
    return "give the data groups (a Bunch with 'groups'), or use cv:K."
