"""map_clips: n_jobs, Dask, thread caps, numba's disk cache, errors, memory."""

import os
import subprocess
import sys
import textwrap
import threading

import joblib
import numpy as np
import pytest

from skaudio import BadClipsWarning, LibrosaFeatures, SkaudioError
from skaudio._clips import ClipWindow, as_clips
from skaudio._parallel import count_clips, map_clips

SR = 22050


@pytest.fixture(scope="module")
def wav_files(pcm_files):
    """Four 1 s generated clips as 16-bit wav files."""
    return pcm_files[:4]


@pytest.fixture(scope="module")
def reference(wav_files):
    """Full default features of the clips, computed sequentially."""
    return LibrosaFeatures(n_jobs=1).fit_transform(wav_files)


def _blas_threads(y, *, sr):
    """Per-clip function reporting the thread counts of the numeric libraries."""
    from threadpoolctl import threadpool_info

    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return np.array([max(blas) if blas else -1])  # -1: no BLAS pool seen, a failure


def _numba_cache_stats(y, *, sr):
    """Call the numba kernels in a worker; report their disk-cache hits and misses."""
    from numba.core.registry import CPUDispatcher

    from skaudio.functional import _median

    _median.median_filter_axis(np.abs(y[:4096]).reshape(4, -1), size=5, axis=1)
    kernels = [f for f in vars(_median).values() if isinstance(f, CPUDispatcher)]
    return np.array([sum(len(k.stats.cache_hits) for k in kernels),
                     sum(len(k.stats.cache_misses) for k in kernels), os.getpid()])


# per-thread rendezvous of test_concurrent_calls_restore_the_blas_thread_pool
_ENTERED = [threading.Event() for _ in range(4)]
_GO = [threading.Event() for _ in range(4)]


def _hold(y, *, sr):
    """Signal entry, wait for the go of the test, report BLAS threads then."""
    from threadpoolctl import threadpool_info

    k = int(y[0])
    _ENTERED[k].set()
    assert _GO[k].wait(timeout=60)
    return np.array([max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")])


def _out_of_memory(y, *, sr):
    raise MemoryError("Unable to allocate 7.23 GiB")


def _fail_on_odd(y, *, sr):
    if y[0] > 0.5:
        raise RuntimeError("odd clip")
    return np.array([y.mean()])


def _head(y, *, sr):
    return y[:4].astype(np.float64)


def test_a_window_is_the_long_form_of_sr_offset_and_duration(music_clips, tmp_path):
    clips = as_clips(music_clips)
    short, _ = map_clips(_head, clips, sr=SR, offset=0.5, duration=1.0, params={},
                         memory=tmp_path)
    np.testing.assert_array_equal(short, music_clips[:, 11025:11029])
    with count_clips() as counts:  # one window, one cache key: every clip is a hit
        long, _ = map_clips(_head, clips, window=ClipWindow(SR, 0.5, 1.0), params={},
                            memory=tmp_path)
    assert counts.cached == len(clips) and counts.computed == 0
    np.testing.assert_array_equal(long, short)
    with pytest.raises(TypeError, match="not both"):
        map_clips(_head, clips, sr=SR, window=ClipWindow(SR), params={})
    with pytest.raises(TypeError, match="needs sr= or window="):
        map_clips(_head, clips, params={})


def _first_half(y, *, sr):
    return y[: y.size // 2].astype(np.float64)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_results_of_any_shapes_as_a_list(music_clips, n_jobs):
    clips = as_clips([music_clips[0][:1000], music_clips[1][:0], music_clips[2][:3000]])
    with pytest.warns(BadClipsWarning, match=r"clip\[1\]"):
        out, bad = map_clips(_first_half, clips, sr=SR, params={}, n_jobs=n_jobs,
                             on_error="nan", stack=False)
    assert [b.index for b in bad] == [1] and out[1] is None
    np.testing.assert_array_equal(out[0], music_clips[0][:500])
    np.testing.assert_array_equal(out[2], music_clips[2][:1500])


def test_n_jobs_1_and_2_identical(wav_files, reference, tmp_path):
    two = LibrosaFeatures(n_jobs=2).fit_transform(wav_files)
    np.testing.assert_array_equal(two, reference)
    # and through the cache, filled by two workers then read by one process
    LibrosaFeatures(n_jobs=2, memory=tmp_path).fit_transform(wav_files)
    with count_clips() as counts:
        cached = LibrosaFeatures(n_jobs=1, memory=tmp_path).fit_transform(wav_files)
    assert counts.cached == len(wav_files)
    np.testing.assert_array_equal(cached, reference)


def test_workers_use_one_blas_thread(music_clips):
    clips = as_clips(music_clips)
    # inner_max_num_threads=2: joblib alone would cap a loky worker at cores // n_jobs
    # threads (1 on a 2-core machine); only skaudio's own limit may bring it to 1
    for backend, extra in [("loky", {"inner_max_num_threads": 2}), ("threading", {})]:
        with joblib.parallel_backend(backend, n_jobs=2, **extra):
            out, _ = map_clips(_blas_threads, clips, sr=SR, params={})
        assert out.ravel().tolist() == [1] * len(clips), backend


def test_numba_kernel_loaded_from_disk_cache_in_workers(music_clips):
    clips = as_clips(music_clips[:1])
    map_clips(_numba_cache_stats, clips, sr=SR, params={}, n_jobs=1)  # compile/save here
    # each of joblib's worker processes (reused across tests) must have loaded
    # the compiled kernel from disk: a hit, and no compilation of its own
    out, _ = map_clips(_numba_cache_stats, as_clips(music_clips), sr=SR, params={}, n_jobs=2)
    hits, misses, pids = out.astype(int).T
    in_workers = pids != os.getpid()  # the first clip runs in the caller, see below
    assert in_workers.sum() == len(music_clips) - 1
    assert (hits[in_workers] >= 1).all() and (misses[in_workers] == 0).all(), out


def _process_id(y, *, sr):
    return np.array([os.getpid()])


def test_first_clip_runs_in_the_caller_before_workers_start(music_clips):
    """Workers then load every numba kernel from disk instead of compiling it at once
    and racing to write the cache (numba issue #10128: a mismatched cache crashes)."""
    out, _ = map_clips(_process_id, as_clips(music_clips), sr=SR, params={}, n_jobs=2)
    pids = out.ravel().tolist()
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:]
    alone, _ = map_clips(_process_id, as_clips(music_clips), sr=SR, params={}, n_jobs=1)
    assert alone.ravel().tolist() == [os.getpid()] * len(music_clips)


def _process_id_with(y, *, sr, setting):
    return np.array([os.getpid()])


def test_first_clip_in_the_caller_once_per_function_and_parameters(music_clips):
    """A later call with the same parameters compiles nothing new: every clip goes to
    the workers; other parameters (another preset's kernels) start in the caller again."""
    clips = as_clips(music_clips)

    def pids(setting):
        out, _ = map_clips(_process_id_with, clips, sr=SR, params={"setting": setting},
                           n_jobs=2)
        return out.ravel().tolist()

    assert pids("a")[0] == os.getpid()
    assert os.getpid() not in pids("a")
    assert pids("b")[0] == os.getpid()


def test_dask_cluster_gives_identical_features(wav_files, reference):
    distributed = pytest.importorskip("distributed")
    # thread workers start in a second and need no network at all; process
    # workers (processes=True, host="127.0.0.1") run the same code but pay
    # for importing librosa in each: see docs/user-guide/scaling.md
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                 dashboard_address=None) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        with count_clips() as counts:
            out = LibrosaFeatures(n_jobs=-1).fit_transform(wav_files)
    assert counts.computed == len(wav_files)
    np.testing.assert_array_equal(out, reference)


def test_errors_counted_and_named(music_clips):
    X = music_clips.copy()
    X[1, 0] = X[3, 0] = 0.9
    with count_clips() as counts, pytest.warns(UserWarning, match=r"2 of 4 clips"):
        out, bad = map_clips(_fail_on_odd, as_clips(X), sr=SR, params={}, on_error="nan")
    assert (counts.computed, counts.failed) == (2, 2)
    assert [b.index for b in bad] == [1, 3] and "odd clip" in bad[0].reason
    assert np.isnan(out[[1, 3]]).all()
    np.testing.assert_array_equal(out[[0, 2], 0], X[[0, 2]].mean(axis=1))  # good rows kept
    with pytest.raises(SkaudioError, match=r"Failed to process clip\[1\]: RuntimeError: odd"):
        map_clips(_fail_on_odd, as_clips(X), sr=SR, params={})


def test_progress_bar(music_clips, capsys):
    map_clips(_fail_on_odd, as_clips(music_clips * 0.1), sr=SR, params={}, verbose=1)
    assert "4/4" in capsys.readouterr().err


MEMORY_PROBE = """
import resource, sys, numpy as np, soundfile as sf
from skaudio import LibrosaFeatures
folder, n_small, n_large = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
y = np.random.default_rng(0).uniform(-0.5, 0.5, 10 * 22050).astype(np.float32)
paths = []
for i in range(n_large):
    paths.append(f"{folder}/c{i}.wav")
    sf.write(paths[-1], y, 22050, subtype="PCM_16")
feat = LibrosaFeatures(features=["rms"], n_jobs=1).fit(paths)
feat.transform(paths[:n_small])
small = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
feat.transform(paths)
large = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(small, large)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kB on Linux only")
def test_peak_memory_does_not_grow_with_the_number_of_clips(tmp_path):
    # 40 clips of 10 s are 35 MB of float32: held together, they would show
    code = textwrap.dedent(MEMORY_PROBE)
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path), "10", "40"],
                         capture_output=True, text=True, timeout=120, check=True)
    small, large = (int(v) for v in run.stdout.split())
    assert (large - small) / 1024 < 20, (small, large)


def test_concurrent_calls_restore_the_blas_thread_pool():
    # Four transforms from four threads, entering in order 0..3 and leaving in
    # order 0..3: each call's limit overlaps the others. The BLAS pool is
    # process-wide: it must stay at one thread while any call runs, and be
    # back at its own size once all have returned.
    import threadpoolctl

    def blas_threads():
        return {p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas"}

    # threadpoolctl >= 3.8 lets one thread at a time set OpenBLAS's pool size:
    # no thread holds it here, as in a program that does not limit threads
    release = getattr(threadpoolctl.OpenBLASController, "clear_controlling_thread", None)
    if release is not None:
        release(force=True)
    before = blas_threads()
    if not before or max(before) < 2:
        pytest.skip("no multi-threaded BLAS library loaded")
    results = [None] * 4

    def call(k):
        results[k] = map_clips(_hold, as_clips(np.full((1, 16), k)), sr=SR, params={},
                               n_jobs=1)[0]

    threads = [threading.Thread(target=call, args=(k,)) for k in range(4)]
    for k, thread in enumerate(threads):
        thread.start()
        assert _ENTERED[k].wait(timeout=60)
    for k, thread in enumerate(threads):
        _GO[k].set()
        thread.join(timeout=60)
    assert [int(r[0, 0]) for r in results] == [1, 1, 1, 1]  # limited until the end
    assert blas_threads() == before  # and restored after


def test_memory_error_names_the_clip_and_the_remedy(music_clips):
    with pytest.raises(SkaudioError, match=r"Not enough memory to process clip\[0\] "
                                           r"\(0\.\d min.*duration=.*n_jobs"):
        map_clips(_out_of_memory, as_clips(music_clips[:1]), sr=SR, params={})
    with pytest.warns(UserWarning, match="Not enough memory"):
        out, bad = map_clips(_out_of_memory, as_clips(music_clips[:1]), sr=SR, params={},
                             on_error="nan", out_shape=(1,))
    assert np.isnan(out).all() and "duration=" in bad[0].reason


def test_raised_sample_limit_reaches_process_workers(wav_files, monkeypatch):
    # a module-level limit set in the caller holds in loky's worker processes,
    # which import skaudio afresh
    import skaudio.io

    monkeypatch.setattr(skaudio.io, "MAX_SAMPLES", 11025)
    with pytest.raises(SkaudioError, match=r"22,050 samples.*limit of 11,025.*duration="):
        LibrosaFeatures(n_jobs=2).fit_transform(wav_files)
    monkeypatch.setattr(skaudio.io, "MAX_SAMPLES", 22050)
    assert LibrosaFeatures(n_jobs=2).fit_transform(wav_files).shape[0] == len(wav_files)
