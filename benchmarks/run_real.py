"""Benchmark the harness's models on real data; write tables under benchmarks/results/.

Protocols (each one folder of results.csv / folds.csv / results.md / PNGs):

- ``gtzan_features_cv10``: the GTZAN 30-s feature table, random stratified
  10-fold CV (the common, artist-leaking protocol; published SVC-rbf ~75 %).
- ``gtzan_features_fault_filtered``: the same table, artist-filtered split of
  Kereliuk, Sturm & Larsen (train+valid 640 clips, test 290; published
  48-56 % for SVC-type models on hand-crafted features).
- ``fsdd_speakers``: the Free Spoken Digit Dataset, leave-one-speaker-out
  (6 folds), LibrosaFeatures at 8 kHz with n_fft=512 (64 ms), hop 128,
  40 mel bands.
- ``builtin_default``: what ``skaudio benchmark`` does with no arguments.

Usage::

    python benchmarks/run_real.py [--data-root ../shared/data] [--only NAME ...]
        [--cache DIR] [--n-jobs 2]

The data are not shipped; protocols whose data are missing are skipped.
"""

import argparse
import os
import time
from pathlib import Path

from skaudio.benchmark import run_benchmark

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def protocols(data_root):
    data_root = Path(os.path.relpath(data_root))  # short paths in the committed reports
    table = data_root / "gtzan-features" / "features_30_sec.csv"
    fsdd = data_root / "fsdd" / "recordings"
    return {
        "gtzan_features_cv10": (table, dict(data=f"features:{table}", split="cv:10",
                                            models="classical")),
        "gtzan_features_fault_filtered": (table, dict(data=f"features:{table}",
                                                      split="fault-filtered",
                                                      models="classical")),
        "fsdd_speakers": (fsdd, dict(data=f"fsdd:{fsdd}", split="logo", models="classical")),
        "builtin_default": (None, dict(data="builtin", split="cv:5", models="default")),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--only", nargs="*", help="protocol names to run")
    parser.add_argument("--cache", help="per-clip feature cache to reuse between runs")
    parser.add_argument("--n-jobs", type=int, default=None)
    args = parser.parse_args(argv)
    for name, (needs, kwargs) in protocols(args.data_root).items():
        if args.only and name not in args.only:
            continue
        if needs is not None and not needs.exists():
            print(f"skip {name}: {needs} not found")
            continue
        start = time.perf_counter()
        results = run_benchmark(**kwargs, out=HERE / "results" / name, memory=args.cache,
                                n_jobs=args.n_jobs, random_state=0)
        wall = time.perf_counter() - start
        with open(HERE / "results" / name / "results.md", "a", encoding="utf-8") as f:
            f.write(f"\nWall time of the whole run: {wall:.0f} s (2 shared CPU cores).\n")
            if args.cache:
                f.write("Features read from a per-clip cache (--cache): *input ms/clip* is the "
                        "cost of a cache read, not of extraction.\n")
        best = results.sort_values("accuracy_mean").iloc[-1]
        print(f"{name}: best {best['model']} {100 * best['accuracy_mean']:.1f} % "
              f"({wall:.0f} s)")


if __name__ == "__main__":
    main()
