"""Side by side with the peers: skaudio's feature sets against librosa, openSMILE and Essentia.

The same waveforms go through every feature set, in one run: skaudio's
``LibrosaFeatures(features="gtzan")`` and ``LibrosaFeatures(features="full")``,
the plain librosa calls (``skaudio.functional.reference.gtzan_features_librosa``)
and, when installed, openSMILE (ComParE_2016 and eGeMAPSv02 functionals),
Essentia (``MusicExtractor``; a light frame-wise set of MFCC, centroid,
roll-off, ZCR, RMS and HPCP means and variances) and pyAudioAnalysis
(mid-term features averaged over the clip). A peer that is not installed, or
fails, is skipped with a note: never faked.

For each feature set and data set the report gives the seconds of feature
extraction per clip on one thread (CPU time of the process, BLAS/OpenMP
pinned to one thread, ``n_jobs=1``; wall time as well), its ratio to
skaudio's "gtzan" preset, and the accuracy of the same classifier,
``make_pipeline(StandardScaler(), SVC())``, on the same folds (non-finite
values set to 0 for every set alike). The clips are timed in blocks, every
block through every set in a rotating order, so load from other jobs hits all
sets alike; each set extracts one clip before the clock starts (imports, numba
compilation, openSMILE/Essentia set-up). pyAudioAnalysis needs numpy < 2, so
it runs in its own virtual environment, in a subprocess that times itself.

Data sets:

- ``fsdd``: the Free Spoken Digit Dataset (8 kHz speech), leave one speaker
  out; ``--fsdd-limit N`` clips per speaker, N/10 per digit (lowest takes).
- ``genres``: ``skaudio.datasets.make_genres`` (synthetic music), stratified
  group K-fold over its artists.
- ``folder``: any folder-per-class tree given with ``--folder PATH``
  (``skaudio.datasets.load_audio_folder``), stratified (group) K-fold.

Usage::

    python benchmarks/peers.py [--data fsdd genres] [--folder PATH]
        [--sets NAME ...] [--no-peers] [--fsdd-limit 100]
        [--genres-per-class 20] [--genres-duration 10] [--out PATH]

Installing the peers (benchmark only, never dependencies of skaudio)::

    pip install opensmile essentia
    python -m venv ../venv-paa       # pyAudioAnalysis needs numpy < 2
    ../venv-paa/bin/pip install pyAudioAnalysis "numpy<2" scipy scikit-learn \\
        matplotlib eyed3 pydub imbalanced-learn plotly hmmlearn tqdm

Writes ``benchmarks/results/peers.md`` and ``peers.csv`` next to it.
"""

import os

if __name__ == "__main__":  # one thread everywhere, before numpy & co. start their pools
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse
import importlib.metadata
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import (
    LeaveOneGroupOut,
    StratifiedGroupKFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

import skaudio
from skaudio import LibrosaFeatures
from skaudio.datasets import load_audio_folder, make_genres
from skaudio.functional.reference import gtzan_features_librosa
from skaudio.io import load_audio

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA_ROOT = ROOT.parent / "shared" / "data"
PAA_PYTHON = ROOT.parent / "venv-paa" / "bin" / "python"
SKAUDIO_SETS = ("skaudio-gtzan", "skaudio-full")
PEER_SETS = ("opensmile-compare", "opensmile-egemaps", "essentia-music", "essentia-frames",
             "pyaudioanalysis")
ALL_SETS = (*SKAUDIO_SETS, "librosa-plain", *PEER_SETS)
LABELS = {
    "skaudio-gtzan": 'skaudio `LibrosaFeatures(features="gtzan")`',
    "skaudio-full": 'skaudio `LibrosaFeatures(features="full")`',
    "librosa-plain": "plain librosa calls (GTZAN-57)",
    "opensmile-compare": "openSMILE ComParE_2016 functionals",
    "opensmile-egemaps": "openSMILE eGeMAPSv02 functionals",
    "essentia-music": "Essentia MusicExtractor (numeric scalars/vectors)",
    "essentia-frames": "Essentia frame-wise MFCC/centroid/rolloff/ZCR/RMS/HPCP mean+var",
    "pyaudioanalysis": "pyAudioAnalysis mid-term features, clip mean",
}


class Unavailable(Exception):
    """A feature set that cannot run here; the message is the table's note."""


# ---------------------------------------------------------------- feature sets
class FeatureSet:
    """One feature extractor: ``prepare`` once per data set, then ``extract`` lists of clips."""

    note = ""

    def __init__(self, name, sr, params):
        self.name, self.sr, self.params = name, sr, params

    def extract(self, clips):
        return np.vstack([self.one(y) for y in clips])


class Skaudio(FeatureSet):
    def __init__(self, name, sr, params):
        super().__init__(name, sr, params)
        preset = name.removeprefix("skaudio-")
        kwargs = {**params, "sr": sr, "n_jobs": 1}
        try:
            self.model = LibrosaFeatures(features=preset, **kwargs).fit([np.zeros(sr, "f4")])
        except ValueError:
            if preset != "gtzan":
                raise Unavailable(f'"{preset}" preset not available in this checkout') from None
            self.model = LibrosaFeatures(**kwargs).fit([np.zeros(sr, "f4")])
            self.note = 'features=None (the GTZAN-57 default; no "gtzan" name in this checkout)'
        if params:
            self.note = ", ".join(filter(None, [self.note, ", ".join(
                f"{k}={v}" for k, v in params.items())]))

    def extract(self, clips):
        return self.model.transform(list(clips))


class LibrosaPlain(FeatureSet):
    def __init__(self, name, sr, params):
        super().__init__(name, sr, params)
        if params:
            self.note = "librosa defaults (n_fft=2048, hop 512)"

    def one(self, y):
        return gtzan_features_librosa(y, sr=self.sr)


class OpenSmile(FeatureSet):
    def __init__(self, name, sr, params):
        super().__init__(name, sr, params)
        try:
            import opensmile
        except ImportError:
            raise Unavailable("not installed (`pip install opensmile`)") from None
        feature_set = {"opensmile-compare": opensmile.FeatureSet.ComParE_2016,
                       "opensmile-egemaps": opensmile.FeatureSet.eGeMAPSv02}[name]
        self.smile = opensmile.Smile(feature_set=feature_set,
                                     feature_level=opensmile.FeatureLevel.Functionals)

    def one(self, y):
        return self.smile.process_signal(y, self.sr).to_numpy(dtype=np.float64)[0]


def _essentia():
    try:
        import essentia
        import essentia.standard as es
    except ImportError:
        raise Unavailable("not installed (`pip install essentia`)") from None
    essentia.log.infoActive = False
    essentia.log.warningActive = False
    return es


class EssentiaMusic(FeatureSet):
    """MusicExtractor with its default statistics; it reads files, so each clip is
    written to a temporary float WAV first (inside the timing)."""

    columns = None

    def __init__(self, name, sr, params):
        super().__init__(name, sr, params)
        self.extractor = _essentia().MusicExtractor()
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "clip.wav")
        self.failed = 0

    def one(self, y):
        import soundfile as sf

        sf.write(self.path, y, self.sr, subtype="FLOAT")
        try:
            pool, _ = self.extractor(self.path)
        except RuntimeError:
            self.failed += 1
            return np.full(len(self.columns), np.nan)
        values = {}
        for key in pool.descriptorNames():
            value = pool[key]
            if key.startswith("metadata.") or key == "rhythm.beats_position":
                continue  # file properties, and a list whose length varies
            if isinstance(value, (int, float)) or (
                    isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind == "f"):
                values[key] = np.atleast_1d(np.asarray(value, dtype=np.float64))
        if self.columns is None:  # fixed by the warm-up clip
            self.columns = {key: len(value) for key, value in sorted(values.items())}
        return np.concatenate([
            values[key] if key in values and len(values[key]) == size else np.full(size, np.nan)
            for key, size in self.columns.items()])


class EssentiaFrames(FeatureSet):
    """20 MFCCs, centroid, roll-off, ZCR, RMS and a 12-bin HPCP per frame (the data
    set's frame and hop), mean and variance over the clip: 72 values."""

    def __init__(self, name, sr, params):
        super().__init__(name, sr, params)
        es = self.es = _essentia()
        self.n_fft = int(params.get("n_fft", 2048))
        self.hop = int(params.get("hop_length", 512))
        top = min(11000.0, sr / 2)
        self.window = es.Windowing(type="hann", size=self.n_fft)
        self.spectrum = es.Spectrum(size=self.n_fft)
        self.mfcc = es.MFCC(inputSize=self.n_fft // 2 + 1, sampleRate=sr, numberCoefficients=20,
                            numberBands=int(params.get("n_mels", 40)), highFrequencyBound=top)
        self.centroid = es.Centroid(range=sr / 2)
        self.rolloff = es.RollOff(sampleRate=sr)
        self.zcr = es.ZeroCrossingRate()
        self.rms = es.RMS()
        peak_top = min(5000.0, sr / 2 - 1)
        self.peaks = es.SpectralPeaks(sampleRate=sr, maxFrequency=peak_top, orderBy="magnitude",
                                      maxPeaks=100)
        self.hpcp = es.HPCP(size=12, sampleRate=sr, maxFrequency=peak_top)

    def one(self, y):
        rows = []
        for frame in self.es.FrameGenerator(np.ascontiguousarray(y, dtype=np.float32),
                                            frameSize=self.n_fft, hopSize=self.hop,
                                            startFromZero=True):
            spectrum = self.spectrum(self.window(frame))
            _, mfcc = self.mfcc(spectrum)
            freqs, mags = self.peaks(spectrum)
            rows.append(np.concatenate([
                mfcc, [self.centroid(spectrum), self.rolloff(spectrum), self.zcr(frame),
                       self.rms(frame)], self.hpcp(freqs, mags)]))
        rows = np.asarray(rows, dtype=np.float64)
        return np.concatenate([rows.mean(axis=0), rows.var(axis=0)])


PAA_WORKER = r"""
import sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from pyAudioAnalysis import MidTermFeatures

data = np.load(sys.argv[1])
samples, offsets, sr = data["samples"].astype(np.float64), data["offsets"], int(data["sr"])
clips = [samples[a:b] for a, b in zip(offsets[:-1], offsets[1:])]

def features(y):
    # pyAudioAnalysis' usual settings: 1 s mid-term windows, 50 ms / 25 ms frames
    mid, _, _ = MidTermFeatures.mid_feature_extraction(
        y, sr, round(1.0 * sr), round(1.0 * sr), round(0.050 * sr), round(0.025 * sr))
    return mid.mean(axis=1)

features(clips[0])  # warm-up
cpu, wall = time.process_time(), time.perf_counter()
X = np.vstack([features(y) for y in clips])
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
np.savez(sys.argv[2], X=X, cpu=cpu, wall=wall)
"""


class PyAudioAnalysis(FeatureSet):
    """Out of process (numpy < 2): the worker times itself, not block by block."""

    external = True

    def __init__(self, name, sr, params, python=PAA_PYTHON):
        super().__init__(name, sr, params)
        self.python = Path(python)
        if not self.python.exists():
            raise Unavailable(f"no pyAudioAnalysis environment at {self.python} (see the "
                              "script's docstring)")
        check = subprocess.run([str(self.python), "-c", "import pyAudioAnalysis"],
                               capture_output=True, text=True)
        if check.returncode:
            raise Unavailable(f"`import pyAudioAnalysis` fails in {self.python}")
        self.note = "own venv (numpy<2), timed in its subprocess, not interleaved"

    def run(self, clips):
        with tempfile.TemporaryDirectory() as tmp:
            offsets = np.cumsum([0] + [len(y) for y in clips])
            np.savez(os.path.join(tmp, "in.npz"), samples=np.concatenate(clips),
                     offsets=offsets, sr=self.sr)
            env = {**os.environ, **{v: "1" for v in THREAD_VARS}}
            done = subprocess.run([str(self.python), "-c", PAA_WORKER,
                                   os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")],
                                  capture_output=True, text=True, env=env)
            if done.returncode:
                raise RuntimeError(done.stderr.strip().splitlines()[-1])
            with np.load(os.path.join(tmp, "out.npz")) as out:
                return out["X"], float(out["cpu"]), float(out["wall"])


MAKERS = {"skaudio-gtzan": Skaudio, "skaudio-full": Skaudio, "librosa-plain": LibrosaPlain,
          "opensmile-compare": OpenSmile, "opensmile-egemaps": OpenSmile,
          "essentia-music": EssentiaMusic, "essentia-frames": EssentiaFrames,
          "pyaudioanalysis": PyAudioAnalysis}
# FSDD: 8 kHz words of 0.14-2.3 s, so 64 ms frames with a 16 ms hop and 40 mel bands,
# as in skaudio's own FSDD benchmark (benchmarks/run_real.py).
FSDD_PARAMS = {"n_fft": 512, "hop_length": 128, "n_mels": 40}
# environment variables that change what runs, shown in the report's command
SHOWN_ENV = ("NUMBA_CACHE_DIR",)
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


# ---------------------------------------------------------------- data sets
class Dataset:
    def __init__(self, name, description, clips, y, groups, sr, params, cv, cv_text):
        self.name, self.description, self.clips, self.y, self.groups = (
            name, description, clips, y, groups)
        self.sr, self.params, self.cv, self.cv_text = sr, params, cv, cv_text


def _kfold(y, groups, random_state=0):
    counts = np.unique(y, return_counts=True)[1]
    k = min(5, counts.min(), len(np.unique(groups)) if groups is not None else 5)
    if k < 2:
        raise SystemExit("need at least 2 clips (and groups) per class for cross-validation")
    if groups is None:
        return StratifiedKFold(k, shuffle=True, random_state=random_state), (
            f"stratified {k}-fold")
    return StratifiedGroupKFold(k, shuffle=True, random_state=random_state), (
        f"stratified group {k}-fold ({len(np.unique(groups))} groups)")


def _load(paths, sr, duration=None):
    return [load_audio(p, sr=sr, duration=duration) for p in paths]


def load_fsdd(root, limit):
    bunch = load_audio_folder(root, label_from=r"^(?P<label>\d+)_",
                              group_from=r"^\d+_(?P<group>[A-Za-z]+)_")
    y, groups = np.asarray(bunch.target), np.asarray(bunch.groups)
    take = np.array([int(Path(p).stem.rsplit("_", 1)[1]) for p in bunch.data])
    keep = np.zeros(len(y), dtype=bool)
    per_digit = None if limit is None else max(1, limit // len(np.unique(y)))
    for speaker in np.unique(groups):
        for digit in np.unique(y):
            rows = np.flatnonzero((groups == speaker) & (y == digit))
            keep[rows[np.argsort(take[rows])][:per_digit]] = True
    n_speakers = len(np.unique(groups))
    what = "all" if per_digit is None else f"{per_digit} per digit and speaker"
    return Dataset("fsdd", f"FSDD spoken digits, 8 kHz, {keep.sum()} clips ({what}), "
                   f"{n_speakers} speakers", _load(np.asarray(bunch.data)[keep], 8000),
                   y[keep], groups[keep], 8000, FSDD_PARAMS, LeaveOneGroupOut(),
                   f"leave one speaker out ({n_speakers} folds)")


def load_genres(n_per_class, duration, n_classes):
    bunch = make_genres(n_per_class=n_per_class, duration=duration, n_classes=n_classes,
                        random_state=0)
    cv, text = _kfold(bunch.target, bunch.groups)
    return Dataset("genres", f"make_genres(n_per_class={n_per_class}, duration={duration:g}, "
                   f"n_classes={n_classes}, random_state=0): {len(bunch.target)} synthetic "
                   f"clips", [np.asarray(y) for y in bunch.data], bunch.target, bunch.groups,
                   bunch.sr, {}, cv, text + " over artists")


def load_folder(path, limit, duration, label_regex, group_regex, sr=22050):
    bunch = load_audio_folder(path, label_from=label_regex or "folder", group_from=group_regex)
    y = np.asarray(bunch.target)
    keep = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        keep[np.flatnonzero(y == label)[:limit]] = True
    groups = None if bunch.groups is None else np.asarray(bunch.groups)[keep]
    cv, text = _kfold(y[keep], groups)
    return Dataset(f"folder {Path(path).name}", f"folder {path}: {keep.sum()} clips, "
                   f"{len(np.unique(y))} classes, first {duration:g} s at {sr} Hz",
                   _load(np.asarray(bunch.data)[keep], sr, duration), y[keep], groups, sr, {},
                   cv, text)


# ---------------------------------------------------------------- the run
def time_sets(sets, clips, n_blocks=10):
    """Extract every clip with every set; blocks of clips, rotating order."""
    out = {name: [] for name in sets}
    cpu = dict.fromkeys(sets, 0.0)
    wall = dict.fromkeys(sets, 0.0)
    failed = {}
    local = [n for n, s in sets.items() if not getattr(s, "external", False)]
    for name in local:  # warm-up, not timed
        try:
            sets[name].extract(clips[:1])
        except Exception as error:  # a peer that cannot handle this audio
            failed[name] = f"failed: {type(error).__name__}: {error}"[:160]
    local = [n for n in local if n not in failed]
    blocks = np.array_split(np.arange(len(clips)), min(n_blocks, len(clips)))
    for b, block in enumerate(blocks):
        turn = b % max(len(local), 1)
        for name in local[turn:] + local[:turn]:
            c0, w0 = time.process_time(), time.perf_counter()
            out[name].append(np.asarray(sets[name].extract([clips[i] for i in block]),
                                        dtype=np.float64))
            cpu[name] += time.process_time() - c0
            wall[name] += time.perf_counter() - w0
    for name, s in sets.items():
        if getattr(s, "external", False):
            try:
                X, cpu[name], wall[name] = s.run(clips)
                out[name] = [X]
            except Exception as error:
                failed[name] = f"failed: {error}"[:160]
    features = {n: np.vstack(out[n]) for n in sets if n not in failed}
    return features, cpu, wall, failed


def run_dataset(data, names, makers=MAKERS, log=print):
    sets, rows = {}, []
    for name in names:
        try:
            sets[name] = makers[name](name, data.sr, data.params)
        except Unavailable as why:
            rows.append(dict(dataset=data.name, set=name, note=f"skipped: {why}"))
    log(f"[{data.name}] {len(data.clips)} clips; extracting with {', '.join(sets)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        features, cpu, wall, failed = time_sets(sets, data.clips)
    n = len(data.clips)
    for name, s in sets.items():
        if name in failed:
            rows.append(dict(dataset=data.name, set=name, note=failed[name]))
            continue
        X = features[name]
        bad = int((~np.isfinite(X)).sum())
        X = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores = cross_val_score(make_pipeline(StandardScaler(), SVC()), X, data.y,
                                     groups=data.groups, cv=data.cv)
        notes = [s.note] if s.note else []
        if getattr(s, "failed", 0):
            notes.append(f"{s.failed} clips failed (NaN)")
        if bad:
            notes.append(f"{bad} non-finite values set to 0")
        rows.append(dict(dataset=data.name, set=name, n_features=X.shape[1],
                         cpu_s_per_clip=cpu[name] / n, wall_s_per_clip=wall[name] / n,
                         accuracy_mean=scores.mean(), accuracy_std=scores.std(),
                         n_folds=len(scores), note="; ".join(notes)))
        log(f"  {name:18s} {X.shape[1]:5d} features  {cpu[name] / n:.4f} s/clip  "
            f"accuracy {scores.mean():.3f} ± {scores.std():.3f}")
    frame = pd.DataFrame(rows)
    frame = frame.iloc[np.argsort([ALL_SETS.index(name) for name in frame["set"]], kind="stable")]
    base = frame.loc[frame["set"] == "skaudio-gtzan", "cpu_s_per_clip"]
    frame["ratio_to_gtzan"] = (frame.get("cpu_s_per_clip", np.nan) / base.iloc[0]
                               if len(base) and base.notna().all() else np.nan)
    return frame


def _versions(paa_python):
    def version(dist):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    found = {"skaudio": skaudio.__version__, "librosa": librosa.__version__,
             "numpy": np.__version__, "scikit-learn": sklearn.__version__,
             "opensmile": version("opensmile"), "essentia": version("essentia")}
    if Path(paa_python).exists():
        done = subprocess.run([str(paa_python), "-c", "import importlib.metadata as m;"
                               "print(m.version('pyAudioAnalysis'), m.version('numpy'))"],
                              capture_output=True, text=True)
        if not done.returncode:
            paa, paa_numpy = done.stdout.split()
            found["pyAudioAnalysis"] = f"{paa} (numpy {paa_numpy})"
    return ", ".join(f"{k} {v}" for k, v in found.items() if v)


def _machine():
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores (shared with other jobs), "
            f"{platform.system()}, Python {platform.python_version()}")


def _fmt(value, spec):
    return "—" if value is None or pd.isna(value) else format(value, spec)


def report(frames, datasets, command, versions, wall_total, loads):
    lines = ["# skaudio and its peers: speed and accuracy on the same clips", "",
             "Every feature set gets the same waveforms; accuracy is "
             "`make_pipeline(StandardScaler(), SVC())` (defaults) on the same folds, "
             "mean ± std over folds. *s/clip* is CPU time of feature extraction per clip with "
             "one thread (BLAS/OpenMP pinned, `n_jobs=1`), timed in one run, clips in blocks "
             "through every set in turn; *× gtzan* is that time over skaudio's \"gtzan\" "
             "preset's. Wall time is noisier (a 2-core machine shared with other jobs).", ""]
    for data, frame in zip(datasets, frames, strict=True):
        lines += [f"## {data.name}", "", f"{data.description}; {data.cv_text}.", "",
                  "| feature set | n features | s/clip (CPU, 1 thread) | wall s/clip | × gtzan "
                  "| accuracy | note |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        for row in frame.to_dict("records"):
            ok = not pd.isna(row.get("accuracy_mean", np.nan))
            accuracy = (f"{row['accuracy_mean']:.3f} ± {row['accuracy_std']:.3f}" if ok else "—")
            lines.append(
                f"| {LABELS[row['set']]} | {_fmt(row.get('n_features'), '.0f')} | "
                f"{_fmt(row.get('cpu_s_per_clip'), '.4f')} | "
                f"{_fmt(row.get('wall_s_per_clip'), '.4f')} | "
                f"{_fmt(row.get('ratio_to_gtzan'), '.2f')} | {accuracy} | "
                f"{row.get('note') or ''} |")
        lines.append("")
    lines += [f"Command: `{command}`.", "", f"Machine: {_machine()}; load average "
              f"{loads[0]:.1f} at the start, {loads[1]:.1f} at the end; whole run "
              f"{wall_total / 60:.1f} min.", "", f"Versions: {versions}.", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", choices=("fsdd", "genres", "folder"),
                        help="data sets (default: fsdd and genres, plus folder with --folder)")
    parser.add_argument("--folder", action="append", default=[],
                        help="a folder-per-class tree of audio (repeatable)")
    parser.add_argument("--folder-limit", type=int, default=None, help="clips per class")
    parser.add_argument("--folder-duration", type=float, default=30.0,
                        help="seconds read from each file (from the start)")
    parser.add_argument("--label-regex", help="labels from file names (folder data)")
    parser.add_argument("--group-regex", help="groups from file names (folder data)")
    parser.add_argument("--fsdd-root", type=Path, default=DATA_ROOT / "fsdd" / "recordings")
    parser.add_argument("--fsdd-limit", type=int, default=100,
                        help="clips per speaker, balanced over digits (0: all 500)")
    parser.add_argument("--genres-per-class", type=int, default=20)
    parser.add_argument("--genres-duration", type=float, default=10.0)
    parser.add_argument("--genres-classes", type=int, default=6)
    parser.add_argument("--sets", nargs="+", choices=ALL_SETS, default=list(ALL_SETS),
                        help="feature sets to run (default: all)")
    parser.add_argument("--no-peers", action="store_true",
                        help="skaudio and plain librosa only")
    parser.add_argument("--paa-python", type=Path, default=PAA_PYTHON,
                        help="python of the pyAudioAnalysis venv")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "peers.md",
                        help="markdown report; a .csv is written beside it")
    args = parser.parse_args(argv)
    command = shlex.join([*(f"{v}={os.environ[v]}" for v in SHOWN_ENV if v in os.environ),
                          "python", "benchmarks/peers.py",
                          *(sys.argv[1:] if argv is None else argv)])
    names = [n for n in ALL_SETS if n in args.sets and not (args.no_peers and n in PEER_SETS)]
    wanted = args.data or ["fsdd", "genres"] + (["folder"] if args.folder else [])
    if "folder" in wanted and not args.folder:
        parser.error("--data folder needs --folder PATH")
    makers = {**MAKERS, "pyaudioanalysis": partial(PyAudioAnalysis, python=args.paa_python)}

    start, load0 = time.perf_counter(), os.getloadavg()[0]
    datasets = []
    if "fsdd" in wanted:
        if args.fsdd_root.is_dir():
            datasets.append(load_fsdd(args.fsdd_root, args.fsdd_limit or None))
        else:
            print(f"skip fsdd: {args.fsdd_root} not found")
    if "genres" in wanted:
        datasets.append(load_genres(args.genres_per_class, args.genres_duration,
                                    args.genres_classes))
    if "folder" in wanted:
        datasets += [load_folder(p, args.folder_limit, args.folder_duration, args.label_regex,
                                 args.group_regex) for p in args.folder]
    with threadpool_limits(1):
        frames = [run_dataset(data, names, makers) for data in datasets]
    text = report(frames, datasets, command, _versions(args.paa_python),
                  time.perf_counter() - start, (load0, os.getloadavg()[0]))
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    if frames:
        pd.concat(frames).to_csv(args.out.with_suffix(".csv"), index=False,
                                 float_format="%.6g")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
