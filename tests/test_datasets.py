"""Tests for skaudio.datasets: the generator and the loaders on tiny local trees."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaudio.datasets import (
    fma_audio_path,
    gtzan_split,
    load_audio_folder,
    load_fma,
    load_gtzan,
    load_gtzan_features,
    make_genres,
)
from skaudio.exceptions import SkaudioError

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FSDD = SHARED / "fsdd" / "recordings"
GTZAN_FEATURES = SHARED / "gtzan-features" / "features_30_sec.csv"


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)  # noqa: NPY002 -- random_state=None draws from the global state


def _write(path, n=400, sr=8000):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(n), sr)
    return path


# --- make_genres ---------------------------------------------------------------------------


def test_make_genres_shapes_and_bunch():
    b = make_genres(n_per_class=3, duration=0.5, sr=8000, n_classes=4, n_artists=2,
                    random_state=0)
    assert b.data.shape == (12, 4000) and b.data.dtype == np.float32
    assert b.target.shape == b.groups.shape == (12,)
    assert b.target_names == ["rock", "jazz", "classical", "techno"]
    assert sorted(set(b.target.tolist())) == sorted(b.target_names)
    assert list(b.frame.columns) == ["clip", "label", "artist", "tempo", "key", "progression",
                                     "drums", "style"]
    assert (b.frame["label"].to_numpy() == b.target).all()
    assert b.sr == 8000 and "difficulty 0.5" in b.DESCR
    assert np.isfinite(b.data).all() and np.abs(b.data).max() <= 1.0
    assert (np.sqrt((b.data**2).mean(axis=1)) > 1e-3).all(), "a clip is silent"


def test_make_genres_groups_are_artists_within_one_genre():
    b = make_genres(n_per_class=6, duration=0.25, n_artists=3, random_state=1)
    genre_of = b.frame.groupby("artist")["label"].nunique()
    assert (genre_of == 1).all()
    assert len(genre_of) == 6 * 3
    assert (b.frame.groupby("artist").size() == 2).all()


def test_make_genres_is_deterministic():
    a = make_genres(n_per_class=2, duration=0.5, random_state=42)
    b = make_genres(n_per_class=2, duration=0.5, random_state=42)
    c = make_genres(n_per_class=2, duration=0.5, random_state=43)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.target, b.target)
    assert not np.array_equal(a.data, c.data)


@pytest.mark.parametrize("kind", ["rng", "legacy"])
def test_make_genres_accepts_generators(kind):
    make = {"rng": np.random.default_rng, "legacy": np.random.RandomState}[kind]
    a = make_genres(n_per_class=1, duration=0.25, random_state=make(3))
    b = make_genres(n_per_class=1, duration=0.25, random_state=make(3))
    np.testing.assert_array_equal(a.data, b.data)
    other = make_genres(n_per_class=1, duration=0.25, random_state=make(4))
    assert not np.array_equal(a.data, other.data)  # the generator's draws are the ones used
    if kind == "rng":  # a Generator is used as given: the same clips as its seed gives
        np.testing.assert_array_equal(
            a.data, make_genres(n_per_class=1, duration=0.25, random_state=3).data)


def test_make_genres_clips_do_not_depend_on_dataset_size():
    small = make_genres(n_per_class=2, duration=0.25, shuffle=False, random_state=0)
    large = make_genres(n_per_class=4, duration=0.25, shuffle=False, random_state=0)
    first_two = large.frame.groupby("label", sort=False).head(2).index
    np.testing.assert_array_equal(small.data, large.data[first_two])


def test_make_genres_return_X_y_and_unshuffled_order():
    X, y = make_genres(n_per_class=2, duration=0.25, n_classes=2, shuffle=False,
                       random_state=0, return_X_y=True)
    assert X.shape == (4, 5512)
    assert y.tolist() == ["rock", "rock", "jazz", "jazz"]


def _band_energies(data, n_bands=24):
    spec = np.abs(np.fft.rfft(data, axis=1)) ** 2
    bands = np.array_split(spec, n_bands, axis=1)
    return np.log(np.stack([b.sum(axis=1) for b in bands], axis=1) + 1e-9)


def _knn_accuracy(difficulty):
    b = make_genres(n_per_class=10, duration=1.0, sr=11025, difficulty=difficulty,
                    random_state=0)
    model = make_pipeline(StandardScaler(), KNeighborsClassifier(3))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    return cross_val_score(model, _band_energies(b.data), b.target, cv=cv).mean()


def test_make_genres_classes_are_distinct_and_difficulty_matters():
    easy, hard = _knn_accuracy(0.0), _knn_accuracy(1.0)
    assert easy > 0.8, easy  # chance is 1/6
    assert hard < easy - 0.2, (easy, hard)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_classes": 7}, "n_classes"),
        ({"n_classes": 1}, "n_classes"),
        ({"n_per_class": 0}, "n_per_class"),
        ({"difficulty": 1.5}, "difficulty"),
        ({"duration": 0.0}, "duration"),
    ],
)
def test_make_genres_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_genres(**kwargs)


# --- GTZAN ---------------------------------------------------------------------------------


@pytest.fixture
def gtzan_root(tmp_path):
    root = tmp_path / "Data"
    for name in ["blues/blues.00029.wav", "blues/blues.00000.wav", "jazz/jazz.00054.wav",
                 "jazz/jazz.00001.wav", "rock/rock.00090.au"]:
        _write(root / "genres_original" / name, sr=22050)
    (root / "genres_original" / "blues" / "notes.txt").write_text("not audio")
    return root


def test_load_gtzan_skips_corrupt_and_reads_layout(gtzan_root):
    with pytest.warns(UserWarning, match=r"jazz\.00054"):
        b = load_gtzan(gtzan_root)
    names = [Path(p).name for p in b.data]
    assert names == ["blues.00000.wav", "blues.00029.wav", "jazz.00001.wav", "rock.00090.au"]
    assert b.target.tolist() == ["blues", "blues", "jazz", "rock"]
    assert b.groups is None and b.target_names == ["blues", "jazz", "rock"]
    assert b.frame["split"].tolist() == ["valid", "train", "train", "test"]
    assert all(Path(p).is_file() for p in b.data)
    assert "fault-filtered" in b.DESCR and "Jongpil Lee" in b.DESCR


def test_load_gtzan_accepts_genres_original_folder(gtzan_root):
    with pytest.warns(UserWarning):
        X, y = load_gtzan(gtzan_root / "genres_original", return_X_y=True)
    assert len(X) == len(y) == 4


def test_load_gtzan_empty_folder_raises(tmp_path):
    with pytest.raises(SkaudioError, match="genres_original"):
        load_gtzan(tmp_path)


def test_gtzan_split_sizes_and_attribution():
    split = gtzan_split("fault_filtered")
    assert {k: len(v) for k, v in split.items()} == {"train": 443, "valid": 197, "test": 290}
    everything = [p for paths in split.values() for p in paths]
    assert len(set(everything)) == 930
    assert all(p.split("/")[1].startswith(p.split("/")[0] + ".") for p in everything)
    readme = Path(__file__).resolve().parents[1] / "skaudio" / "datasets" / "data"
    text = (readme / "gtzan_fault_filtered" / "README.md").read_text()
    assert "MIT" in text and "Jongpil Lee" in text
    licence = (readme / "gtzan_fault_filtered" / "LICENSE.txt").read_text()
    assert "Copyright (c) 2017 Jongpil Lee" in licence and "Permission is hereby" in licence
    with pytest.raises(SkaudioError, match="fault_filtered"):
        gtzan_split("random")


# --- FMA -----------------------------------------------------------------------------------

# FMA's real layout: two header rows, then a "track_id" row naming the index.
TRACKS_CSV = """\
,album,artist,artist,set,set,track,track
,title,id,name,split,subset,genre_top,title
track_id,,,,,,,
2,AWOL,1,AWOL,training,small,Hip-Hop,Food
5,AWOL,1,AWOL,training,small,Hip-Hop,This World
140,Brackets,54,Alec K. Redfearn,test,medium,Folk,Queen Of The Wires
1482,Meet,307,Chris,validation,large,,Untitled
155066,Night,22,Spectacular,validation,medium,Rock,Night Out
"""


@pytest.fixture
def fma_root(tmp_path):
    (tmp_path / "fma_metadata").mkdir()
    (tmp_path / "fma_metadata" / "tracks.csv").write_text(TRACKS_CSV)
    return tmp_path


def test_load_fma_small(fma_root):
    b = load_fma(fma_root, "small")
    assert b.frame["track_id"].tolist() == [2, 5]
    assert b.target.tolist() == ["Hip-Hop", "Hip-Hop"]
    assert b.groups.tolist() == [1, 1]
    assert b.data[0] == str(fma_root / "fma_small" / "000" / "000002.mp3")


def test_load_fma_medium_includes_small(fma_root):
    b = load_fma(fma_root, subset="medium")
    assert b.frame["track_id"].tolist() == [2, 5, 140, 155066]
    assert b.frame["split"].tolist() == ["training", "training", "test", "validation"]
    assert b.groups.tolist() == [1, 1, 54, 22]
    assert b.target_names == ["Folk", "Hip-Hop", "Rock"]
    assert Path(b.data[3]).relative_to(fma_root).as_posix() == "fma_medium/155/155066.mp3"


def test_load_fma_large_drops_tracks_without_genre(fma_root):
    assert 1482 not in load_fma(fma_root, "large").frame["track_id"].tolist()


def test_load_fma_only_existing(fma_root):
    _write(fma_audio_path(fma_root, 5))
    with pytest.warns(UserWarning, match="1 of 2"):
        b = load_fma(fma_root, only_existing=True)
    assert b.frame["track_id"].tolist() == [5]
    with pytest.raises(SkaudioError, match="fma_medium"):
        load_fma(fma_root, "medium", only_existing=True)


def test_load_fma_errors(tmp_path, fma_root):
    with pytest.raises(SkaudioError, match="tracks.csv"):
        load_fma(tmp_path / "nowhere")
    with pytest.raises(SkaudioError, match="subset"):
        load_fma(fma_root, subset="tiny")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tracks.csv").write_text(",a\n,b\ntrack_id,\n2,1\n")
    with pytest.raises(SkaudioError, match="genre_top"):
        load_fma(bad)


# --- audio folders -------------------------------------------------------------------------


def test_load_audio_folder_labels_from_folders(tmp_path):
    for name in ["dog/a.wav", "dog/b.FLAC", "cat/x/c.ogg", "cat/readme.txt"]:
        if name.endswith(".txt"):
            (tmp_path / name).write_text("x")
        else:
            _write(tmp_path / name)
    b = load_audio_folder(tmp_path)
    assert b.frame["filename"].tolist() == ["c.ogg", "a.wav", "b.FLAC"]
    assert b.target.tolist() == ["x", "dog", "dog"]
    assert b.groups is None
    only_wav = load_audio_folder(tmp_path, extensions=("wav",))
    assert only_wav.frame["filename"].tolist() == ["a.wav"]


def test_load_audio_folder_regex_and_errors(tmp_path):
    for name in ["7_jackson_32.wav", "0_theo_1.wav"]:
        _write(tmp_path / name)
    b = load_audio_folder(tmp_path, label_from=r"^(?P<label>\d+)_",
                          group_from=r"^\d+_(?P<group>[a-z]+)_")
    assert b.target.tolist() == ["0", "7"] and b.groups.tolist() == ["theo", "jackson"]
    with pytest.raises(SkaudioError, match="lies directly in"):
        load_audio_folder(tmp_path)
    with pytest.raises(SkaudioError, match="named group 'label'"):
        load_audio_folder(tmp_path, label_from=r"^(\d+)_")
    _write(tmp_path / "noise.wav")
    with pytest.raises(SkaudioError, match="noise.wav"):
        load_audio_folder(tmp_path, label_from=r"^(?P<label>\d+)_")
    with pytest.raises(SkaudioError, match="No audio file"):
        load_audio_folder(tmp_path, extensions=("mp3",))


@pytest.mark.skipif(not FSDD.is_dir(), reason=f"FSDD recordings not found at {FSDD}")
def test_load_audio_folder_on_real_fsdd():
    b = load_audio_folder(FSDD, label_from=r"^(?P<label>\d+)_",
                          group_from=r"^\d+_(?P<group>[a-z]+)_")
    assert len(b.data) == 3000
    assert b.target_names == [str(d) for d in range(10)]
    assert sorted(set(b.groups.tolist())) == ["george", "jackson", "lucas", "nicolas", "theo",
                                              "yweweler"]
    assert (b.frame.groupby(["label", "group"]).size() == 50).all()


# --- GTZAN feature tables ------------------------------------------------------------------


@pytest.mark.skipif(not GTZAN_FEATURES.is_file(), reason=f"{GTZAN_FEATURES} not found")
def test_load_gtzan_features_real_table():
    b = load_gtzan_features(GTZAN_FEATURES)
    header = GTZAN_FEATURES.read_text().splitlines()[0].split(",")
    assert b.data.shape == (1000, 57)
    assert list(b.data.columns) == header[2:-1] == b.feature_names
    assert b.data.columns[0] == "chroma_stft_mean" and "tempo" in b.feature_names
    assert len(set(b.groups.tolist())) == 1000 and b.groups[0] == "blues.00000"
    assert pd.Series(b.target).value_counts().eq(100).all()
    assert b.frame["filename"].iloc[0] == "blues.00000.wav"


def test_load_gtzan_features_3_second_groups(tmp_path):
    rows = [f"{g}.{i:05d}.{s}.wav,66149,{s}.5,{g}" for g in ["pop", "rock"] for i in range(2)
            for s in range(3)]
    csv = tmp_path / "features_3_sec.csv"
    csv.write_text("filename,length,rms_mean,label\n" + "\n".join(rows) + "\n")
    X, y = load_gtzan_features(csv, return_X_y=True)
    assert list(X.columns) == ["rms_mean"] and len(y) == 12
    b = load_gtzan_features(csv)
    assert b.groups.tolist()[:4] == ["pop.00000"] * 3 + ["pop.00001"]
    assert len(set(b.groups.tolist())) == 4
    with pytest.raises(SkaudioError, match="not found"):
        load_gtzan_features(tmp_path / "missing.csv")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(SkaudioError, match="label"):
        load_gtzan_features(tmp_path / "x.csv")
