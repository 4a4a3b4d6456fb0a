"""Compare models on the same splits with the benchmark harness.

The Python side of ``skaudio benchmark``: features are computed once per
clip, then every model is fitted in the same folds. Here on a small built-in
set so it runs in seconds; ``run_benchmark()`` with no arguments is the
full main job (6 genres x 20 clips of 6 s, 5 folds, about a minute).
"""

import tempfile

from skaudio.benchmark import run_benchmark

with tempfile.TemporaryDirectory() as out:
    results = run_benchmark(
        "builtin:n_per_class=8,duration=1,n_classes=4,sr=11025",
        split="groups:4",  # StratifiedGroupKFold on the synthetic artists
        models="dummy,logreg,svm,knn",
        out=out,  # results.csv, folds.csv, results.md (+ PNGs with matplotlib)
        verbose=0,
    )
columns = ["model", "features", "accuracy_mean", "accuracy_std", "f1_macro_mean", "fit_time_s"]
print(results[columns].round(3).to_string(index=False))
print(results.attrs["split"])
