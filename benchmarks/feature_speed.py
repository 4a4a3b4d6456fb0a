"""Feature extraction speed: naive per-feature librosa calls vs LibrosaFeatures.

The naive way is what users write today: one librosa call per feature, each
computing its own STFT (seven for the GTZAN set), HPSS through scipy's
median filters, and the beat tracker for the tempo. LibrosaFeatures computes
the same 57 numbers from one STFT per clip with a compiled running median;
its ``"full"`` preset (every family, 1,000+ columns) from the same single STFT.

Everything is timed in one run on the same generated 30 s clips, on one
core (BLAS and OpenMP pools limited to one thread) unless ``n_jobs=2`` says
otherwise, after one warm-up clip each (so numba's one-off compilation is
not counted for either; for ``n_jobs=2``, a warm-up call that starts both
workers of the reused process pool), and the script checks that the GTZAN
numbers agree with the naive ones. Prints clips/s and the ratios against the targets
(``"gtzan"`` at least 20x the naive calls, ``"full"`` at most 2x
``"gtzan"``), and writes ``benchmarks/results/feature_speed.md`` with the
machine's load average before and after (other processes slow the caches
and memory of both sides, so a ratio is best measured on an idle machine).

    python benchmarks/feature_speed.py [--clips 12] [--duration 30]
"""

import argparse
import os
import platform
import time
from pathlib import Path

import librosa
import numpy as np
from threadpoolctl import threadpool_limits

from skaudio import LibrosaFeatures
from skaudio.datasets import make_genres
from skaudio.functional.reference import gtzan_features_librosa


def timed(func, clock=time.process_time):
    """Run ``func``; its output and the seconds it took on ``clock``.

    The one-core comparisons use the process's CPU time: on a busy machine
    wall time also counts the time slices other processes take, CPU time
    only the work done. ``n_jobs=2`` (work in other processes) is timed on
    the wall clock.
    """
    start = clock()
    out = func()
    return np.asarray(out), clock() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=12, help="number of 30 s clips")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per clip")
    default_out = Path(__file__).parent / "results" / "feature_speed.md"
    parser.add_argument("--out", default=str(default_out), help="markdown table to write")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    n_classes = 6
    data = make_genres(n_per_class=-(-args.clips // n_classes), duration=args.duration,
                       random_state=0).data[: args.clips]
    # warm-up: imports, numba compilation (cached on disk), FFT plans
    gtzan_features_librosa(data[0])
    LibrosaFeatures(n_jobs=1).fit_transform(data[:1])
    LibrosaFeatures(features="full", n_jobs=1).fit_transform(data[:1])
    # both workers of the pool start and load the kernels here, not in the timed call
    LibrosaFeatures(n_jobs=2).fit_transform(data[:min(len(data), 5)])

    with threadpool_limits(1):
        naive, t_naive = timed(lambda: [gtzan_features_librosa(y) for y in data])
        one, t_one = timed(lambda: LibrosaFeatures(n_jobs=1).fit_transform(data))
        full, t_full = timed(
            lambda: LibrosaFeatures(features="full", n_jobs=1).fit_transform(data))
    two, t_two = timed(lambda: LibrosaFeatures(n_jobs=2).fit_transform(data), time.perf_counter)
    load_after = os.getloadavg()[0]

    spread = naive.std(axis=0)
    agree = np.all(np.abs(one - naive) <= np.maximum(1e-3 * np.abs(naive), 1e-3 * spread))
    n = len(data)
    gtzan_ratio, full_ratio = t_naive / t_one, t_full / t_one
    rows = [
        ("naive librosa, one call per feature (1 core, CPU s)", t_naive, "1.0x"),
        ('LibrosaFeatures() = "gtzan", 57 columns (1 core, CPU s)', t_one, f"{gtzan_ratio:.1f}x"),
        (f'LibrosaFeatures(features="full"), {full.shape[1]:,} columns (1 core, CPU s)', t_full,
         f"{t_naive / t_full:.1f}x"),
        ('LibrosaFeatures() = "gtzan", n_jobs=2 (wall s)', t_two, f"{t_naive / t_two:.1f}x"),
    ]
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, librosa {librosa.__version__}")
    lines = [
        f"# Feature extraction speed ({n} clips of {args.duration:g} s, GTZAN-57 features)",
        "",
        f"Machine: {machine}. Command: `python benchmarks/feature_speed.py "
        f"--clips {n} --duration {args.duration:g}`. Load average (1 min, {os.cpu_count()} "
        f"cores): {load_before:.1f} before, {load_after:.1f} after.",
        "",
        "| method | time (s) | clips/s | speed-up vs naive |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {name} | {t:.2f} | {n / t:.2f} | {ratio} |" for name, t, ratio in rows],
        "",
        f"- `\"gtzan\"` vs naive, one core: **{gtzan_ratio:.1f}x** (target: at least 20x).",
        f"- `\"full\"` vs `\"gtzan\"`, one core: **{full_ratio:.2f}x** the time "
        "(target: at most 2x).",
        f"- Same 57 values as the naive calls (1e-3 relative or 1e-3 of the spread): {agree}.",
    ]
    report = "\n".join(lines)
    print(report)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(report + "\n")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
