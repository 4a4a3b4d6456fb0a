"""The per-clip cache: keys, reuse across fits and grid searches, damage, races."""

import io
import multiprocessing
import os

import joblib
import numpy as np
import pytest
import soundfile as sf
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skaudio import LibrosaFeatures
from skaudio._cache import ClipCache, check_memory
from skaudio._clips import clip_key
from skaudio._parallel import count_clips

SR = 22050
FAST = dict(features=["rms", "spectral_centroid", "mfcc"], n_mfcc=13)


@pytest.fixture(scope="module")
def wav_files(pcm_files):
    """Eight 1 s generated clips as 16-bit wav files, two classes."""
    return pcm_files


def test_roundtrip_and_keys(tmp_path):
    cache = ClipCache(tmp_path)
    key = cache.key("array:ab:3", "mod.f", {"n_mfcc": 13, "stats": ("mean", "var")})
    assert cache.get(key) is None
    cache.put(key, np.arange(5, dtype=np.float32))
    got = cache.get(key)
    assert got.dtype == np.float32 and np.array_equal(got, np.arange(5))
    assert len(cache) == 1
    # numpy scalars and tuples key like the plain values they equal
    assert key == cache.key("array:ab:3", "mod.f", {"stats": ["mean", "var"],
                                                     "n_mfcc": np.int64(13)})
    assert key != cache.key("array:ab:3", "mod.f", {"n_mfcc": 20, "stats": ("mean", "var")})
    assert key != cache.key("array:ab:4", "mod.f", {"n_mfcc": 13, "stats": ("mean", "var")})
    assert key != cache.key("array:ab:3", "mod.g", {"n_mfcc": 13, "stats": ("mean", "var")})
    cache.clear()
    assert len(cache) == 0 and cache.get(key) is None


def test_check_memory(tmp_path):
    assert check_memory(None) is None
    assert check_memory(joblib.Memory(None, verbose=0)) is None
    assert check_memory(str(tmp_path)).location == tmp_path / "skaudio"
    assert check_memory(joblib.Memory(tmp_path, verbose=0)).location == tmp_path / "skaudio"
    with pytest.raises(ValueError, match="memory must be None, a directory path or a joblib"):
        check_memory(3)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeros", "empty", "bitflip"])
def test_damaged_entry_is_recomputed_not_served(tmp_path, wav_files, damage):
    feat = LibrosaFeatures(memory=tmp_path, **FAST).fit(wav_files[:2])
    expected = feat.transform(wav_files[:2])
    entries = sorted((tmp_path / "skaudio").glob("*/*.npy"))
    assert len(entries) == 2
    target = entries[0]
    data = target.read_bytes()
    damaged = {
        "garbage": b"not an npy file at all" * 10,
        "truncated": data[: len(data) // 2],  # a crash mid-write without the rename
        "zeros": bytes(len(data)),  # rename committed, data blocks never written
        "empty": b"",
        "bitflip": data[:-30] + bytes([data[-30] ^ 1]) + data[-29:],  # one float changed
    }[damage]
    target.write_bytes(damaged)
    (target.parent / f".{target.stem[:16]}.crash.tmp").write_bytes(data[:40])  # stray temp
    with count_clips() as counts:
        again = feat.transform(wav_files[:2])
    assert (counts.computed, counts.cached) == (1, 1)
    np.testing.assert_array_equal(again, expected)
    assert target.read_bytes() == data  # rewritten whole
    assert len(ClipCache(tmp_path)) == 2  # the temp file is not an entry


def test_only_output_parameters_are_keys(tmp_path, wav_files):
    X = wav_files[:4]
    with count_clips() as counts:
        ref = LibrosaFeatures(memory=tmp_path, **FAST).fit_transform(X)
    assert (counts.computed, counts.cached) == (4, 0)
    # n_jobs, verbose, on_error and the form of memory do not change a key
    with count_clips() as counts, joblib.parallel_backend("threading"):  # n_jobs=2, fast
        same = LibrosaFeatures(memory=joblib.Memory(tmp_path, verbose=0), n_jobs=2,
                               on_error="nan", verbose=0, **FAST).fit_transform(X)
    assert (counts.computed, counts.cached) == (0, 4)
    np.testing.assert_array_equal(same, ref)
    # a parameter of the output does
    with count_clips() as counts:
        LibrosaFeatures(memory=tmp_path, **{**FAST, "n_mfcc": 8}).fit_transform(X)
    assert (counts.computed, counts.cached) == (4, 0)
    # and so does the analysis window
    with count_clips() as counts:
        LibrosaFeatures(memory=tmp_path, max_duration=0.5, **FAST).fit_transform(X)
    assert counts.computed == 4


def test_cached_equals_uncached_for_arrays(tmp_path, music_clips):
    plain = LibrosaFeatures(**FAST).fit_transform(music_clips)
    LibrosaFeatures(memory=tmp_path, **FAST).fit_transform(music_clips)
    with count_clips() as counts:
        cached = LibrosaFeatures(memory=tmp_path, **FAST).fit_transform(music_clips)
    assert counts.cached == len(music_clips)
    np.testing.assert_array_equal(cached, plain)
    # a changed sample is a different clip
    other = music_clips.copy()
    other[0, 100] += 0.5
    with count_clips() as counts:
        LibrosaFeatures(memory=tmp_path, **FAST).fit_transform(other)
    assert (counts.computed, counts.cached) == (1, 3)


def test_edited_file_is_recomputed(tmp_path, wav_files):
    path = tmp_path / "edited.wav"
    path.write_bytes(open(wav_files[0], "rb").read())
    feat = LibrosaFeatures(memory=tmp_path / "cache", **FAST).fit([str(path)])
    before = feat.transform([str(path)])
    key = clip_key(str(path))
    y, _ = sf.read(wav_files[1], dtype="float32")
    sf.write(path, y, SR, subtype="PCM_16")
    os.utime(path, ns=(1, 1))  # a different mtime even on coarse-clock filesystems
    assert clip_key(str(path)) != key
    with count_clips() as counts:
        after = feat.transform([str(path)])
    assert counts.computed == 1
    assert not np.array_equal(before, after)


def test_grid_search_computes_each_clip_once_per_setting(tmp_path, wav_files):
    y = np.arange(len(wav_files)) % 2
    pipe = Pipeline([("feat", LibrosaFeatures(memory=tmp_path, **FAST)),
                     ("scale", StandardScaler()), ("svm", SVC())])
    with count_clips() as counts:
        GridSearchCV(pipe, {"svm__C": [0.1, 1, 10]}, cv=2).fit(wav_files, y)
    assert counts.computed == len(wav_files)
    # 3 settings x 2 folds x 8 clips + the refit's 8, all but the first 8 cached
    assert counts.cached == 3 * 2 * 8 + 8 - 8
    with count_clips() as counts:
        GridSearchCV(pipe, {"feat__n_mfcc": [13, 20], "svm__C": [1, 10]}, cv=2).fit(wav_files, y)
    assert counts.computed == len(wav_files)  # n_mfcc=13 is already cached
    assert len(ClipCache(tmp_path)) == 2 * len(wav_files)


def _hammer(location, seed, n_rounds):
    """Write and read the same few keys as another process; count bad reads."""
    cache = ClipCache(location)
    rng = np.random.default_rng(seed)
    bad = 0
    for _ in range(n_rounds):
        k = int(rng.integers(4))
        expected = np.full(20_000, k, dtype=np.float64)  # 160 kB: writes take a while
        cache.put(f"{k:064x}", expected)
        got = cache.get(f"{int(rng.integers(4)):064x}")
        if got is not None and not (got.shape == (20_000,) and np.all(got == got[0])):
            bad += 1
    return bad


def test_two_processes_writing_the_same_keys(tmp_path):
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(2) as pool:
        bad = pool.starmap(_hammer, [(tmp_path, 0, 300), (tmp_path, 1, 300)])
    assert bad == [0, 0]
    cache = ClipCache(tmp_path)
    assert len(cache) == 4
    for k in range(4):
        np.testing.assert_array_equal(cache.get(f"{k:064x}"), np.full(20_000, k, np.float64))
    assert not list((tmp_path / "skaudio").glob("*/*.tmp"))  # no temp file left behind


# --------------------------------------------------------------------------
# an entry vouches for its own key: it is never served for another clip
# --------------------------------------------------------------------------

def _entries(location, paths):
    """A LibrosaFeatures caching in ``location``, the uncached output, each path's entry."""
    feat = LibrosaFeatures(memory=location, **FAST).fit(paths)
    entries = []
    for path in paths:
        ClipCache(location).clear()
        feat.transform([path])
        (entry,) = (location / "skaudio").glob("*/*.npy")
        entries.append(entry)
    feat.transform(paths)  # every entry in place
    assert len(ClipCache(location)) == len(paths)
    return feat, LibrosaFeatures(**FAST).fit_transform(paths), entries


@pytest.mark.parametrize("how", ["copy", "rename-swap"])
def test_another_clips_entry_is_recomputed_not_served(tmp_path, wav_files, how):
    feat, expected, (entry_a, entry_b) = _entries(tmp_path, wav_files[:2])
    a, b = entry_a.read_bytes(), entry_b.read_bytes()
    if how == "copy":  # a valid entry copied over another
        entry_b.write_bytes(a)
    else:  # two entries swapped by rename, sizes and mtimes kept
        os.replace(entry_a, tmp_path / "tmp")
        os.replace(entry_b, entry_a)
        os.replace(tmp_path / "tmp", entry_b)
    n_moved = 1 if how == "copy" else 2
    with count_clips() as counts:
        again = feat.transform(wav_files[:2])
    np.testing.assert_array_equal(again, expected)
    assert (counts.computed, counts.cached, counts.rejected) == (n_moved, 2 - n_moved, n_moved)
    assert (entry_a.read_bytes(), entry_b.read_bytes()) == (a, b)  # rewritten right


def test_cache_key_is_part_of_the_digest(tmp_path):
    cache = ClipCache(tmp_path)
    one, two = cache.key("array:a:1", "f", {}), cache.key("array:b:1", "f", {})
    cache.put(one, np.arange(3.0))
    cache._path(two).parent.mkdir(parents=True, exist_ok=True)
    cache._path(two).write_bytes(cache._path(one).read_bytes())
    assert cache.lookup(two) == (None, "rejected")
    assert not cache._path(two).exists()  # deleted, so a fresh result replaces it
    np.testing.assert_array_equal(cache.get(one), np.arange(3.0))


@pytest.mark.parametrize("which", [0, 1])
def test_entry_of_another_shape_is_a_miss(tmp_path, wav_files, which):
    # e.g. written by an edited feature function: a valid entry, a foreign shape.
    # The first clip's entry sets the shape the others must follow, so both
    # orders are checked.
    feat, expected, entries = _entries(tmp_path, wav_files[:3])
    ClipCache(tmp_path).put(entries[which].stem, np.zeros(5))
    with count_clips() as counts:
        again = feat.transform(wav_files[:3])
    np.testing.assert_array_equal(again, expected)
    assert (counts.computed, counts.cached, counts.rejected) == (1, 2, 1)
    with count_clips() as counts:  # and the entry now holds the right row
        np.testing.assert_array_equal(feat.transform(wav_files[:3]), expected)
    assert counts.cached == 3


def test_every_entry_of_another_shape_is_a_miss_too(tmp_path, wav_files):
    feat, expected, entries = _entries(tmp_path, wav_files[:2])
    ClipCache(tmp_path).put(entries[0].stem, np.zeros(5))
    ClipCache(tmp_path).put(entries[1].stem, np.zeros(7))
    with count_clips() as counts:
        np.testing.assert_array_equal(feat.transform(wav_files[:2]), expected)
    assert counts.rejected == 2 and counts.computed == 2


def test_header_claiming_a_huge_array_is_rejected_without_allocating(tmp_path):
    from skaudio._cache import _MARKER, _digest

    cache = ClipCache(tmp_path)
    key = cache.key("array:a:1", "f", {})
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**13,)}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    body = buffer.getvalue() + bytes(64)  # 80 TB promised, 64 bytes given
    cache._path(key).parent.mkdir(parents=True)
    cache._path(key).write_bytes(body + _MARKER + _digest(key, body))
    assert cache.lookup(key) == (None, "rejected")


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file owners are POSIX")
def test_another_users_entries_are_not_served(tmp_path, wav_files, monkeypatch):
    feat, expected, _ = _entries(tmp_path, wav_files[:2])
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    with count_clips() as counts:
        again = feat.transform(wav_files[:2])
    np.testing.assert_array_equal(again, expected)
    assert (counts.computed, counts.cached, counts.rejected) == (2, 0, 2)


# --------------------------------------------------------------------------
# a cache that cannot be written: one warning, every row computed
# --------------------------------------------------------------------------

def _refuse_writes(monkeypatch):
    import skaudio._cache

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied", kwargs.get("dir"))

    monkeypatch.setattr(skaudio._cache.tempfile, "mkstemp", read_only)


@pytest.mark.parametrize("on_error", ["raise", "nan"])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_unwritable_cache_warns_once_and_computes(tmp_path, wav_files, monkeypatch,
                                                  on_error, n_jobs):
    expected = LibrosaFeatures(**FAST).fit_transform(wav_files[:4])
    LibrosaFeatures(memory=tmp_path, **FAST).fit_transform(wav_files[:2])  # two entries
    _refuse_writes(monkeypatch)
    feat = LibrosaFeatures(memory=tmp_path, on_error=on_error, n_jobs=n_jobs, **FAST)
    with count_clips() as counts, pytest.warns(UserWarning) as record, \
            joblib.parallel_backend("threading"):  # the monkeypatch reaches the workers
        out = feat.fit_transform(wav_files[:4])
    messages = [str(w.message) for w in record]
    assert len(messages) == 1, messages
    assert "cannot be written to (PermissionError" in messages[0]
    assert str(tmp_path) in messages[0] and "memory=" in messages[0]
    np.testing.assert_array_equal(out, expected)  # no NaN row from a cache problem
    assert (counts.computed, counts.cached, counts.failed) == (2, 2, 0)
    assert counts.bad_clips == []


def _refuse_deletes(monkeypatch):
    import pathlib

    def read_only(self, missing_ok=False):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(pathlib.Path, "unlink", read_only)


@pytest.mark.parametrize("how", [
    pytest.param("chmod", marks=pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() == 0,
        reason="root writes to read-only folders: the 'refused' case stands in for it")),
    "refused",  # every write and delete refused, as a read-only folder does (runs as root too)
])
def test_read_only_cache_directory(tmp_path, wav_files, monkeypatch, how):
    expected = LibrosaFeatures(**FAST).fit_transform(wav_files[:3])
    LibrosaFeatures(memory=tmp_path, **FAST).fit_transform(wav_files[:1])
    entries = list((tmp_path / "skaudio").glob("*/*.npy"))
    entries[0].write_bytes(b"damaged")  # cannot even be deleted
    folders = [tmp_path / "skaudio", *(tmp_path / "skaudio").iterdir()]
    if how == "chmod":
        for folder in folders:
            folder.chmod(0o555)
    else:
        _refuse_writes(monkeypatch)
        _refuse_deletes(monkeypatch)
    try:
        with count_clips() as counts, pytest.warns(UserWarning, match="cannot be written to"):
            out = LibrosaFeatures(memory=tmp_path, on_error="nan", **FAST).fit_transform(
                wav_files[:3])
    finally:
        for folder in folders:
            folder.chmod(0o755)
    np.testing.assert_array_equal(out, expected)  # no NaN row from the cache
    assert (counts.computed, counts.rejected, counts.failed) == (3, 1, 0)
    assert entries[0].read_bytes() == b"damaged"  # left where it was, never served


def test_damaged_entry_in_a_read_only_cache_is_skipped(tmp_path, monkeypatch):
    cache = ClipCache(tmp_path)
    key = cache.key("array:a:1", "f", {})
    cache.put(key, np.arange(3.0))
    cache._path(key).write_bytes(b"damaged")
    _refuse_deletes(monkeypatch)
    assert cache.lookup(key) == (None, "rejected")  # not served, and no error
