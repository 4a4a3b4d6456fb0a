"""Tests for skaudio.benchmark.data: data and split specs."""

from pathlib import Path

import numpy as np
import pytest

from skaudio.benchmark import load_benchmark_data, make_splitter
from skaudio.exceptions import SkaudioError

GTZAN_FEATURES = (Path(__file__).resolve().parents[1].parent / "shared" / "data"
                  / "gtzan-features" / "features_30_sec.csv")

# An easy two-genre set at 8 kHz: a second per clip, 16 clips, 4 artists per genre.
EASY = "builtin:n_per_class=8,duration=1,n_classes=2,difficulty=0,sr=8000"


def test_builtin_spec_and_options():
    data = load_benchmark_data(EASY)
    assert len(data.y) == 16 and data.sr == 8000 and data.has_audio
    assert data.min_duration() == pytest.approx(1.0)
    assert "n_per_class=8" in data.description


def test_group_split_keeps_artists_apart():
    data = load_benchmark_data(EASY)
    mask, cv, text = make_splitter("groups:2", data)
    assert mask.all() and "group 2-fold" in text
    for train, test in cv.split(data.y, data.y, data.groups):
        assert not set(data.groups[train]) & set(data.groups[test])


def test_stratified_split_is_seeded():
    data = load_benchmark_data(EASY)
    def folds(seed):
        return [test.tolist() for _, test in make_splitter("cv:2", data, random_state=seed)[1]
                .split(data.y, data.y)]

    assert folds(3) == folds(3)
    assert sorted(np.concatenate(folds(3)).tolist()) == list(range(16))
    assert any(folds(seed) != folds(3) for seed in (4, 5, 6))  # shuffled: the seed is used


@pytest.mark.skipif(not GTZAN_FEATURES.is_file(), reason="GTZAN feature table not present")
def test_fault_filtered_split_on_the_real_table():
    data = load_benchmark_data(f"features:{GTZAN_FEATURES}")
    mask, cv, text = make_splitter("fault-filtered", data)
    assert mask.sum() == 930 and cv.get_n_splits() == 1 and "290" in text


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("nope", "Unknown data spec 'nope'"),
        ("folder:", "needs a path"),
        ("builtin:n_per_class=x", "is not a int"),
        ("builtin:colour=red", "Bad builtin option"),
    ],
)
def test_bad_data_specs(spec, match):
    with pytest.raises(SkaudioError, match=match):
        load_benchmark_data(spec)


@pytest.mark.parametrize(
    ("split", "match"),
    [
        ("kfold", "Unknown split spec"),
        ("cv:20", "at most cv:8"),
        ("cv:1", "at least 2"),
        ("groups:20", "at most groups:8"),
        ("fault-filtered", "needs GTZAN file names"),
    ],
)
def test_bad_split_specs(split, match):
    with pytest.raises(SkaudioError, match=match):
        make_splitter(split, load_benchmark_data(EASY))


@pytest.mark.parametrize("split", ["groups:2", "logo"])
def test_group_splits_need_groups_of_several_clips(split):
    from sklearn.utils import Bunch

    y = np.array(["a", "b"] * 4)
    one_each = load_benchmark_data(Bunch(data=np.zeros((8, 100)), target=y, groups=np.arange(8)))
    with pytest.raises(SkaudioError, match=r"each of its 8 clips is a group of its own.*cv:K"):
        make_splitter(split, one_each)
    none = load_benchmark_data(Bunch(data=np.zeros((8, 100)), target=y))
    with pytest.raises(SkaudioError, match=r"'custom' has none; give the data groups"):
        make_splitter(split, none)


def test_group_split_on_a_folder_without_groups_names_the_regex(tmp_path):
    import soundfile as sf

    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(2):
            sf.write(tmp_path / label / f"artist{i}_{label}.wav", np.zeros(800), 8000)
    data = load_benchmark_data(f"folder:{tmp_path}")
    assert data.summary() == (f"folder:{tmp_path}: audio folder, labels from folder names; "
                              "4 clips, 2 classes")
    with pytest.raises(SkaudioError, match="has none; pass --group-regex"):
        make_splitter("groups:2", data)
    grouped = load_benchmark_data(f"folder:{tmp_path}", group_regex=r"^(?P<group>[^_]+)_")
    assert grouped.summary().endswith("4 clips, 2 classes, 2 groups")
    assert make_splitter("groups:2", grouped)[0].all()


def test_a_feature_table_accepts_only_its_own_settings(tmp_path):
    from skaudio import LibrosaFeatures

    columns = list(LibrosaFeatures().fit([np.zeros(100)]).get_feature_names_out())
    table = tmp_path / "features_30_sec.csv"
    rows = [",".join([f"blues.0000{i}.wav", *["0.5"] * len(columns), "blues"]) for i in range(2)]
    table.write_text("\n".join([",".join(["filename", *columns, "label"]), *rows]) + "\n")
    same = load_benchmark_data(f"features:{table}", features={"sr": 22050, "duration": 30})
    assert same.features.shape == (2, 57) and same.feature_params["sr"] == 22050
    for other in ({"n_mfcc": 13}, {"features": "full"}, {"offset": 5.0}):
        with pytest.raises(SkaudioError, match="computed with librosa's defaults"):
            load_benchmark_data(f"features:{table}", features=other)
