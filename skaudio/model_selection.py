"""Splitting audio datasets without leakage.

Which splitter to use
---------------------
Clips of one artist, speaker, recording session or source song resemble each
other far more than clips of the same class in general. If such a group sits
on both sides of a split, the model is scored on recognising the group, and
the score is inflated (by 10-20 points on GTZAN).

- You have groups (artist, speaker, album, source clip of segments): use
  :class:`sklearn.model_selection.StratifiedGroupKFold` with
  ``groups=bunch.groups`` (``cross_validate(..., groups=groups)``), or
  :func:`group_train_test_split` for a single hold-out.
- GTZAN (no artist ids): use the published artist-filtered split,
  :func:`gtzan_fault_filtered_split`.
- FMA: its official split (``load_fma(...).frame["split"]``) is already
  artist-filtered; or StratifiedGroupKFold on the artist ids.
- Segments of clips (3-second GTZAN table, :class:`~skaudio.SegmentVotingClassifier`
  upstream): group by source clip at least.
- No groups at all: :class:`~sklearn.model_selection.StratifiedKFold` with
  ``shuffle=True``, knowing the score is optimistic.

:func:`leaking_groups` checks any splitter for groups on both sides.
"""

import warnings

import numpy as np
from sklearn.model_selection import GroupShuffleSplit, PredefinedSplit, StratifiedGroupKFold
from sklearn.utils import check_random_state, indexable

from ._sklearn_compat import take
from .datasets._gtzan import gtzan_split, gtzan_track_id
from .exceptions import SkaudioError

__all__ = ["gtzan_fault_filtered_split", "group_train_test_split", "leaking_groups"]


def gtzan_fault_filtered_split(filenames, *, valid="train"):
    """The artist-filtered GTZAN split as a scikit-learn splitter over your files.

    Maps the fault-filtered train / valid / test lists (see
    :func:`skaudio.datasets.gtzan_split`) onto ``filenames`` by GTZAN track
    id, so paths (``.../genres_original/blues/blues.00029.wav``), bare names,
    ``.au`` files and 3-second segment names (``blues.00029.3.wav``, from
    ``features_3_sec.csv``) all match.

    Rows in none of the lists (faulty excerpts, or files that are not GTZAN)
    must be *dropped*, not kept: :class:`~sklearn.model_selection.PredefinedSplit`
    reads ``test_fold=-1`` as "always in train", so they would silently join
    the training set. Hence this function returns a row mask with the
    splitter; index your data with the mask first.

    Parameters
    ----------
    filenames : array-like of str of shape (n_rows,)
        File names or paths, one per row of your data.
    valid : {"train", "test", "exclude"}, default="train"
        What to do with the validation list: merge it into the training side
        (443 + 197 train, 290 test), use it as test as well (443 train,
        197 + 290 test), or drop its rows (443 train, 290 test).

    Returns
    -------
    mask : ndarray of shape (n_rows,), bool
        The rows that take part in the split.
    cv : PredefinedSplit
        One train/test split over the ``mask.sum()`` kept rows, in order.

    Raises
    ------
    SkaudioError
        If no row belongs to the split, or ``valid`` is not an option.

    Examples
    --------
    >>> from sklearn.model_selection import cross_val_score
    >>> from skaudio.model_selection import gtzan_fault_filtered_split
    >>> files = ["blues.00029.wav", "blues.00000.wav", "blues.00012.wav", "notes.txt"]
    >>> mask, cv = gtzan_fault_filtered_split(files)
    >>> mask.tolist()
    [True, True, True, False]
    >>> [(train.tolist(), test.tolist()) for train, test in cv.split()]
    [([0, 1], [2])]
    >>> mask, cv = gtzan_fault_filtered_split(files, valid="exclude")
    >>> mask.tolist(), cv.test_fold.tolist()
    ([True, False, True, False], [-1, 0])

    With a feature table: ``X, y = X[mask], y[mask]``, then
    ``cross_val_score(model, X, y, cv=cv)``.
    """
    options = ("train", "test", "exclude")
    if valid not in options:
        raise SkaudioError(f"valid must be one of {options}; got {valid!r}.")
    part_of = {
        gtzan_track_id(path): part for part, paths in gtzan_split("fault_filtered").items()
        for path in paths
    }
    role = {"train": -1, "test": 0, "valid": {"train": -1, "test": 0, "exclude": None}[valid]}
    folds = [role.get(part_of.get(gtzan_track_id(name))) for name in np.asarray(filenames)]
    mask = np.array([fold is not None for fold in folds], dtype=bool)
    if not mask.any():
        raise SkaudioError(
            "None of the file names is in the GTZAN fault-filtered split; expected GTZAN "
            "names such as 'blues.00029.wav' (got e.g. "
            f"{str(np.asarray(filenames)[0]) if len(folds) else 'nothing'!r})."
        )
    return mask, PredefinedSplit(np.array([f for f in folds if f is not None], dtype=int))


def group_train_test_split(*arrays, groups, test_size=0.25, stratify=None, random_state=None):
    """Split arrays into train and test sets with no group on both sides.

    The group-aware :func:`~sklearn.model_selection.train_test_split`. With
    ``stratify``, the first fold of a shuffled
    :class:`~sklearn.model_selection.StratifiedGroupKFold` with
    ``round(1 / test_size)`` folds is the test set, so class proportions are
    kept as far as the groups allow; otherwise
    :class:`~sklearn.model_selection.GroupShuffleSplit` draws ``test_size``
    of the groups.

    Parameters
    ----------
    *arrays : sequence of indexables of length n_rows
        Lists, arrays or DataFrames to split alike.
    groups : array-like of shape (n_rows,)
        Group of each row (artist, speaker, source clip).
    test_size : float in (0, 1), default=0.25
        Fraction of the groups (or, with ``stratify``, of the rows) to test on.
    stratify : array-like of shape (n_rows,), default=None
        Class labels to balance across the split.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffling.

    Returns
    -------
    splitting : list of length 2 * len(arrays)
        Train and test parts of each input, as in ``train_test_split``.

    Examples
    --------
    >>> from skaudio.datasets import make_genres
    >>> from skaudio.model_selection import group_train_test_split
    >>> b = make_genres(n_per_class=8, duration=0.25, n_classes=2, random_state=0)
    >>> X_train, X_test, y_train, y_test = group_train_test_split(
    ...     b.data, b.target, groups=b.groups, stratify=b.target, random_state=0)
    >>> X_train.shape[0] + X_test.shape[0]
    16
    """
    if not 0.0 < test_size < 1.0:
        raise SkaudioError(f"test_size must be a float in (0, 1); got {test_size!r}.")
    if not arrays:
        raise SkaudioError("Pass at least one array to split.")
    arrays = indexable(*arrays)
    groups = np.asarray(groups)
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    if stratify is None:
        cv = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
        train, test = next(cv.split(arrays[0], groups=groups))
    else:
        n_splits = max(2, int(round(1.0 / test_size)))
        cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        train, test = next(cv.split(arrays[0], np.asarray(stratify), groups=groups))
    return [part for a in arrays for part in (take(a, train), take(a, test))]


def leaking_groups(cv, X, y=None, groups=None):
    """The groups that a splitter puts on both the train and the test side.

    Parameters
    ----------
    cv : cross-validation generator
        Any object with ``split(X, y, groups)``.
    X : array-like of shape (n_rows, ...)
        The data, as passed to the splitter.
    y : array-like of shape (n_rows,), default=None
        Labels, for stratified splitters.
    groups : array-like of shape (n_rows,)
        The groups to check (artist, speaker, source clip).

    Returns
    -------
    leaks : list of set
        For each split, the groups found on both sides (empty sets when the
        splitter is group-safe).

    Examples
    --------
    >>> from sklearn.model_selection import KFold, GroupKFold
    >>> from skaudio.model_selection import leaking_groups
    >>> X, groups = [[0]] * 4, ["a", "b", "a", "b"]
    >>> [sorted(leak) for leak in leaking_groups(KFold(2), X, groups=groups)]
    [['a', 'b'], ['a', 'b']]
    >>> leaking_groups(GroupKFold(2), X, groups=groups)
    [set(), set()]
    """
    groups = np.asarray(groups)
    with warnings.catch_warnings():  # splitters that ignore groups are what we check
        warnings.filterwarnings("ignore", message="The groups parameter is ignored")
        splits = list(cv.split(X, y, groups))
    return [set(np.intersect1d(groups[tr], groups[te]).tolist()) for tr, te in splits]
