"""Tests for skaudio.model_selection: leak-free splitting."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold, PredefinedSplit, StratifiedGroupKFold

from skaudio.datasets import gtzan_split, load_gtzan_features, make_genres
from skaudio.exceptions import SkaudioError
from skaudio.model_selection import (
    group_train_test_split,
    gtzan_fault_filtered_split,
    leaking_groups,
)

GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae",
          "rock"]
ALL_GTZAN = [f"genres_original/{g}/{g}.{i:05d}.wav" for g in GENRES for i in range(100)]
GTZAN_FEATURES = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
                  / "gtzan-features" / "features_30_sec.csv")


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)  # noqa: NPY002 -- random_state=None draws from the global state


def _sides(mask, cv, files):
    (train, test), = list(cv.split())
    kept = np.asarray(files)[mask]
    return {Path(f).name for f in kept[train]}, {Path(f).name for f in kept[test]}


@pytest.mark.parametrize(
    "valid, n_train, n_test", [("train", 640, 290), ("test", 443, 487), ("exclude", 443, 290)]
)
def test_fault_filtered_split_sizes(valid, n_train, n_test):
    mask, cv = gtzan_fault_filtered_split(ALL_GTZAN, valid=valid)
    assert isinstance(cv, PredefinedSplit) and cv.get_n_splits() == 1
    assert mask.sum() == n_train + n_test == len(cv.test_fold)
    train, test = _sides(mask, cv, ALL_GTZAN)
    assert (len(train), len(test)) == (n_train, n_test)
    assert not train & test


def test_fault_filtered_split_matches_the_lists():
    mask, cv = gtzan_fault_filtered_split(ALL_GTZAN)
    train, test = _sides(mask, cv, ALL_GTZAN)
    split = gtzan_split()
    assert test == {Path(p).name for p in split["test"]}
    assert train == {Path(p).name for p in split["train"] + split["valid"]}
    # rows in no list are masked out rather than left at test_fold=-1 ("always train")
    outside = {Path(f).name for f in ALL_GTZAN} - train - test
    assert len(outside) == 70 and (~mask).sum() == 70
    assert all(not mask[i] for i, f in enumerate(ALL_GTZAN) if Path(f).name in outside)


def test_fault_filtered_split_matches_au_and_segment_names():
    files = ["/d/blues/blues.00029.au", "blues.00029.3.wav", "blues.00012.7.wav", "x.wav"]
    mask, cv = gtzan_fault_filtered_split(files, valid="exclude")
    assert mask.tolist() == [True, True, True, False]
    assert cv.test_fold.tolist() == [-1, -1, 0]


def test_fault_filtered_split_errors():
    with pytest.raises(SkaudioError, match="fault-filtered"):
        gtzan_fault_filtered_split(["a.wav", "b.wav"])
    with pytest.raises(SkaudioError, match="valid"):
        gtzan_fault_filtered_split(ALL_GTZAN, valid="both")


@pytest.mark.skipif(not GTZAN_FEATURES.is_file(), reason=f"{GTZAN_FEATURES} not found")
def test_fault_filtered_split_on_real_feature_table():
    b = load_gtzan_features(GTZAN_FEATURES)
    mask, cv = gtzan_fault_filtered_split(b.frame["filename"])
    assert mask.sum() == 930
    (train, test), = list(cv.split(b.data[mask]))
    assert len(test) == 290
    assert not set(b.groups[mask][train]) & set(b.groups[mask][test])


def test_group_train_test_split_keeps_groups_apart():
    b = make_genres(n_per_class=8, duration=0.1, sr=8000, n_classes=3, random_state=0)
    frame = pd.DataFrame({"g": b.groups})
    X_tr, X_te, y_tr, y_te, f_tr, f_te, l_tr, l_te = group_train_test_split(
        b.data, b.target, frame, list(b.groups), groups=b.groups, stratify=b.target,
        random_state=0,
    )
    assert len(X_tr) + len(X_te) == 24 and len(X_te) > 0
    assert not set(f_tr["g"]) & set(f_te["g"])
    assert set(y_te.tolist()) == set(b.target_names)  # stratified: every class tested
    assert isinstance(f_tr, pd.DataFrame) and isinstance(l_tr, list)
    assert l_te == f_te["g"].tolist()
    again = group_train_test_split(b.data, groups=b.groups, stratify=b.target, random_state=0)
    np.testing.assert_array_equal(again[1], X_te)


def test_group_train_test_split_without_stratify():
    groups = np.repeat(np.arange(8), 3)
    train, test = group_train_test_split(np.arange(24), groups=groups, test_size=0.25,
                                         random_state=1)
    assert len(test) == 6 and not set(groups[train]) & set(groups[test])
    with pytest.raises(SkaudioError, match="test_size"):
        group_train_test_split(np.arange(24), groups=groups, test_size=1.5)


def test_leaking_groups():
    b = make_genres(n_per_class=6, duration=0.1, sr=8000, n_classes=2, n_artists=2,
                    random_state=0)
    leaks = leaking_groups(KFold(3, shuffle=True, random_state=0), b.data, b.target, b.groups)
    assert len(leaks) == 3 and any(leaks)
    safe = leaking_groups(StratifiedGroupKFold(2), b.data, b.target, b.groups)
    assert safe == [set(), set()]
