"""How much does cutting clips into segments *before* splitting inflate a score?

Three protocols, one model (LibrosaFeatures -> StandardScaler -> SVC), on
real spoken digits (FSDD, grouped by speaker) and on generated music
(``make_genres``, grouped by artist):

(a) naive: cut every clip into segments, then a shuffled StratifiedKFold
    over the *segments*: segments of one clip land in train and test.
(b) :class:`skaudio.SegmentVotingClassifier` with a StratifiedKFold over
    *clips*: no clip on both sides, but a speaker/artist may be.
(c) the same with a StratifiedGroupKFold over clips by speaker/artist.

Every protocol reports segment accuracy (each test segment against its
clip's label); (b) and (c) also report clip accuracy by (hard) voting.
Segment features are computed once into a per-clip cache
(``LibrosaFeatures(memory=...)``) and served to every protocol: the
features of a segment depend on that segment's samples only, so sharing
them leaks nothing. The scaler and the SVC are fitted inside each fold.

Run from the project root::

    python benchmarks/segment_leakage.py            # about 3 minutes on 2 cores

It prints a table and writes ``benchmarks/results/segment_leakage.md`` and
``.csv``. FSDD is read from ``../shared/data/fsdd/recordings`` and skipped
with a note if absent.
"""

import argparse
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skaudio import LibrosaFeatures, SegmentVotingClassifier
from skaudio.datasets import load_audio_folder, make_genres
from skaudio.segments import segment_clips

ROOT = Path(__file__).resolve().parents[1]
FSDD = ROOT.parent / "shared" / "data" / "fsdd" / "recordings"
RESULTS = ROOT / "benchmarks" / "results"
SEED = 0


def fsdd(takes):
    """Spoken digits: all 6 speakers x 10 digits x ``takes`` takes, paths at 8 kHz."""
    bunch = load_audio_folder(FSDD, label_from=r"^(?P<label>\d+)_",
                              group_from=r"^\d+_(?P<group>[a-z]+)_")
    take = bunch.frame["filename"].str.extract(r"_(\d+)\.wav$")[0].astype(int)
    keep = (take < takes).to_numpy()
    return dict(name="FSDD spoken digits", X=list(np.asarray(bunch.data)[keep]),
                y=bunch.target[keep], groups=bunch.groups[keep], group_name="speaker",
                sr=8000, segment=0.125,
                features=dict(sr=8000, n_fft=512, hop_length=128))


def genres(n_per_class, duration):
    """Generated music: 6 genres x 4 artists, ``duration``-second clips at 22050 Hz."""
    bunch = make_genres(n_per_class=n_per_class, duration=duration, random_state=SEED)
    return dict(name="make_genres music", X=bunch.data, y=bunch.target, groups=bunch.groups,
                group_name="artist", sr=bunch.sr, segment=1.0, features=dict(sr=bunch.sr))


def run(data, n_splits, cache, n_jobs):
    features = LibrosaFeatures(**data["features"], memory=cache, n_jobs=n_jobs)
    X, y, groups = data["X"], data["y"], data["groups"]
    t0 = time.perf_counter()
    segments, clip_index = segment_clips(X, sr=data["sr"], segment_duration=data["segment"])
    F = features.fit(segments).transform(segments)  # fills the cache for every protocol
    t_features = time.perf_counter() - t0
    y_seg = y[clip_index]
    rows = []

    def svc():
        return make_pipeline(StandardScaler(), SVC())

    # (a) naive: segments first, shuffled folds over segments
    t0 = time.perf_counter()
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=SEED)
    seg_acc, leaked = [], []
    for train, test in cv.split(F, y_seg):
        seg_acc.append(np.mean(svc().fit(F[train], y_seg[train]).predict(F[test]) == y_seg[test]))
        leaked.append(np.isin(clip_index[test], clip_index[train]).mean())
    rows.append(dict(protocol="(a) segments first, StratifiedKFold over segments",
                     seg_acc=seg_acc, clip_acc=None, leaked=np.mean(leaked),
                     seconds=time.perf_counter() - t0))

    # (b), (c): SegmentVotingClassifier, folds over clips (by speaker/artist in (c))
    model = SegmentVotingClassifier(make_pipeline(features, StandardScaler(), SVC()),
                                    segment_duration=data["segment"], sr=data["sr"],
                                    voting="hard")
    for label, cv in [
        ("(b) SegmentVotingClassifier, StratifiedKFold over clips",
         StratifiedKFold(n_splits, shuffle=True, random_state=SEED)),
        (f"(c) SegmentVotingClassifier, StratifiedGroupKFold by {data['group_name']}",
         StratifiedGroupKFold(n_splits, shuffle=True, random_state=SEED)),
    ]:
        t0 = time.perf_counter()
        seg_acc, clip_acc = [], []
        by_group = groups if isinstance(cv, StratifiedGroupKFold) else None
        for train, test in cv.split(np.zeros(len(y)), y, by_group):
            fitted = model.fit(_take(X, train), y[train])
            X_test = _take(X, test)
            seg_pred, ci = fitted.predict_segments(X_test)
            seg_acc.append(np.mean(seg_pred == y[test][ci]))
            clip_acc.append(np.mean(fitted.predict(X_test) == y[test]))
        rows.append(dict(protocol=label, seg_acc=seg_acc, clip_acc=clip_acc, leaked=0.0,
                         seconds=time.perf_counter() - t0))
    info = dict(dataset=data["name"], n_clips=len(y), n_segments=len(segments),
                segment_s=data["segment"], n_groups=len(np.unique(groups)),
                t_features=t_features)
    return [{**info, **r} for r in rows]


def _take(X, index):
    return X[index] if isinstance(X, np.ndarray) else [X[i] for i in index]


def _pm(values):
    if values is None:
        return "—"
    return f"{100 * np.mean(values):.1f} ± {100 * np.std(values):.1f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takes", type=int, default=10, help="FSDD takes per digit and speaker")
    parser.add_argument("--genre-clips", type=int, default=24, help="make_genres clips per genre")
    parser.add_argument("--duration", type=float, default=6.0, help="make_genres clip seconds")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS / "segment_leakage"))
    args = parser.parse_args(argv)

    t_start = time.perf_counter()
    results, notes = [], []
    with tempfile.TemporaryDirectory() as cache:
        if FSDD.is_dir():
            results += run(fsdd(args.takes), 6, cache, args.n_jobs)
        else:
            notes.append(f"FSDD skipped: {FSDD} not found.")
        results += run(genres(args.genre_clips, args.duration), 4, cache, args.n_jobs)
    total = time.perf_counter() - t_start
    commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"

    table = pd.DataFrame([{
        "dataset": r["dataset"], "protocol": r["protocol"],
        "segment accuracy %": _pm(r["seg_acc"]), "clip accuracy %": _pm(r["clip_acc"]),
        "test segments whose clip is in train %": f"{100 * r['leaked']:.0f}",
    } for r in results])
    csv = pd.DataFrame([{
        "dataset": r["dataset"], "protocol": r["protocol"], "n_clips": r["n_clips"],
        "n_segments": r["n_segments"], "segment_s": r["segment_s"], "n_groups": r["n_groups"],
        "segment_acc_mean": np.mean(r["seg_acc"]), "segment_acc_std": np.std(r["seg_acc"]),
        "clip_acc_mean": np.nan if r["clip_acc"] is None else np.mean(r["clip_acc"]),
        "clip_acc_std": np.nan if r["clip_acc"] is None else np.std(r["clip_acc"]),
        "leaked_fraction": r["leaked"], "cv_seconds": r["seconds"],
        "feature_seconds": r["t_features"],
    } for r in results])
    setup = "\n".join(
        f"- {name}: {r['n_clips']} clips -> {r['n_segments']} segments of {r['segment_s']} s "
        f"(non-overlapping; shorter clips zero-padded to one), {r['n_groups']} "
        f"{'speakers' if 'FSDD' in name else 'artists'}, features "
        f"{r['t_features']:.0f} s"
        for name, r in {r["dataset"]: r for r in results}.items()
    )
    md = f"""# Segment leakage: cut first, split later?

Command: `python benchmarks/segment_leakage.py` (defaults: `--takes {args.takes}
--genre-clips {args.genre_clips} --duration {args.duration}`), total {total:.0f} s on
{platform.machine()} (2 shared cores, noisy), scikit-learn {sklearn.__version__},
skaudio at git `{commit}` (make_genres output depends on the generator's version).

Model in every row: `LibrosaFeatures` (57 GTZAN features per segment) -> `StandardScaler`
-> `SVC()`; hard voting per clip in (b) and (c). Folds: 6 for FSDD (one speaker per
fold in (c)), 4 for make_genres (one artist per genre per fold in (c)). Mean ± std
over folds. Segment accuracy scores each test segment against its clip's label.

{setup}

{table.to_markdown(index=False)}

{chr(10).join(notes)}
"""
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".md").write_text(md)
    csv.to_csv(args.out + ".csv", index=False, float_format="%.4f")
    print(md)


if __name__ == "__main__":
    main()
