"""Training throughput of the skaudio nets, and skorch's overhead over a plain loop.

For each net at its default size, on generated inputs, on the CPU:

- ``skorch``: ``CNNClassifier`` / ``WaveNetClassifier`` ``.fit`` (input
  validation, label encoding and the skorch training loop included);
- ``plain``: a hand-written torch loop over the same module class with the
  same data, batch size, optimizer and epochs.

Both get a warm-up run first (oneDNN builds its kernels on first use), then
each is timed ``--repeats`` times, alternating, and the fastest run counts
(the machine may be shared). Prints a table with clips/s and the
skorch/plain time ratio (target: <= 1.2).

With ``--fsdd DIR`` it also trains each net on the Free Spoken Digit Dataset
(``{digit}_{speaker}_{take}.wav``) on four speakers, tests on the two others
and prints the accuracies and training seconds, with and without random
crops and augmentation (``--seeds 0 1 2``: each row once per seed, mean and
spread). With ``--genres`` it cross-validates the nets on the built-in genres
at 30 s (120 clips, 3 folds of 80 train / 40 test clips): accuracy and
seconds per fold, whole clips against 3-s crops (+ augmentation). With
``--speech-music DIR`` it stands in for the maintainers' held-out check
(speech vs music, 80 train / 48 test clips of 30 s): FSDD words strung into
30-s "talks" (four speakers to train, the two others to test) against
built-in music, ``MelSpectrogram(sr=16000, duration=30.0)`` and
``CNNClassifier(crop=94, random_state=0)``: accuracy and fit seconds.

Usage::

    python benchmarks/nets_speed.py [--clips 256] [--epochs 2] [--repeats 2]
                                    [--fsdd /work/shared/data/fsdd/recordings]
                                    [--seeds 0 1 2] [--genres]
                                    [--speech-music /work/shared/data/fsdd/recordings]
                                    [--nets NAME ...] [--no-speed]
                                    [--threads 2] [--out results.md]
"""

import argparse
import contextlib
import io
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from skaudio.nets import CNNClassifier, MelCNN, WaveNet, WaveNetClassifier

N_CLASSES = 10
BATCH_SIZE = 32
MEL_SHAPE = (1, 64, 128)  # ~3 s at 22.05 kHz, hop 512
WAVE_SHAPE = (1, 16000)  # 1 s at 16 kHz

NETS = {
    "cnn-plain": (CNNClassifier, dict(architecture="plain"), MelCNN, MEL_SHAPE),
    "cnn-resnet": (CNNClassifier, dict(architecture="resnet"), MelCNN, MEL_SHAPE),
    "cnn-vgg": (CNNClassifier, dict(architecture="vgg"), MelCNN, MEL_SHAPE),
    "cnn-densenet": (CNNClassifier, dict(architecture="densenet"), MelCNN, MEL_SHAPE),
    "wavenet": (WaveNetClassifier, dict(), WaveNet, WAVE_SHAPE),
}


def plain_loop(module_class, module_params, X, y, epochs, seed, lr=1e-3):
    """The reference: a minimal torch training loop over tensor slices."""
    torch.manual_seed(seed)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    module = module_class(n_classes=N_CLASSES, **module_params)
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    module.train()
    for _ in range(epochs):
        perm = torch.randperm(len(X))
        for start in range(0, len(X), BATCH_SIZE):
            idx = perm[start : start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = F.cross_entropy(module(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
    return module


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_speed(n_clips, epochs, repeats):
    rng = np.random.default_rng(0)
    rows = []
    for name, (Estimator, params, module_class, shape) in NETS.items():
        X = rng.standard_normal((n_clips, *shape)).astype(np.float32)
        y = rng.integers(N_CLASSES, size=n_clips).astype(np.int64)
        y[:N_CLASSES] = np.arange(N_CLASSES)

        def run_skorch(X=X, y=y, Estimator=Estimator, params=params, n_epochs=epochs):
            # the plain loop's training: constant Adam at 1e-3, no augmentation
            est = Estimator(max_epochs=n_epochs, batch_size=BATCH_SIZE, device="cpu",
                            lr=1e-3, lr_schedule="constant", augment=None,
                            random_state=0, **params)
            est.fit(X, y)

        def run_plain(X=X, y=y, module_class=module_class, params=params, n_epochs=epochs):
            plain_loop(module_class, params, X, y, n_epochs, seed=0)

        run_skorch(X[:BATCH_SIZE * 2], y[:BATCH_SIZE * 2], n_epochs=1)  # warm-up
        run_plain(X[:BATCH_SIZE * 2], y[:BATCH_SIZE * 2], n_epochs=1)
        t_skorch, t_plain = [], []
        for _ in range(repeats):
            t_skorch.append(timed(run_skorch))
            t_plain.append(timed(run_plain))
        ts, tp = min(t_skorch), min(t_plain)
        n = n_clips * epochs
        rows.append((name, "x".join(map(str, shape)), n / ts, n / tp, ts / tp))
        print(f"  done {name}: skorch {ts:.1f}s plain {tp:.1f}s", flush=True)
    print(f"\nTraining throughput on CPU ({torch.get_num_threads()} threads), "
          f"{n_clips} clips x {epochs} epochs, batch {BATCH_SIZE}, best of {repeats}")
    print(f"{'net':<14}{'input':>12}{'skorch clips/s':>16}{'plain clips/s':>15}"
          f"{'skorch/plain':>14}")
    for name, shape, cs, cp, ratio in rows:
        print(f"{name:<14}{shape:>12}{cs:>16.1f}{cp:>15.1f}{ratio:>14.2f}")
    return rows


def bench_mel_frontend(n_clips=64, duration=3.0, repeats=3):
    """MelSpectrogram against a plain librosa loop over the same clips."""
    import librosa

    from skaudio import MelSpectrogram
    from skaudio.datasets import make_genres

    clips = make_genres(n_per_class=-(-n_clips // 6), duration=duration,
                        random_state=0).data[:n_clips]
    mel = MelSpectrogram(n_mels=64).fit(clips)

    def plain():
        return np.stack([librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, sr=22050, n_mels=64), ref=1.0, top_db=80.0)
            for y in clips])[:, None]

    ours, reference = mel.transform(clips), plain()  # warm-up, and the parity check
    t_ours = min(timed(lambda: mel.transform(clips)) for _ in range(repeats))
    t_plain = min(timed(plain) for _ in range(repeats))
    print(f"\nMel front end, {n_clips} clips of {duration:g} s -> {ours.shape[1:]} float32, "
          f"best of {repeats}")
    print(f"  MelSpectrogram(n_mels=64): {n_clips / t_ours:8.1f} clips/s")
    print(f"  plain librosa loop       : {n_clips / t_plain:8.1f} clips/s "
          f"(MelSpectrogram {t_plain / t_ours:.1f}x faster; "
          f"max |difference| {np.max(np.abs(ours - reference)):.1e} dB)")


def _centred(wave, size):
    """``wave`` cut or zero-padded to ``size`` samples, the word in the middle."""
    if len(wave) >= size:
        start = (len(wave) - size) // 2
        return wave[start:start + size]
    pad = size - len(wave)
    return np.pad(wave, (pad // 2, pad - pad // 2))


def load_fsdd(folder):
    """Log-mel (40 x 63) and raw 1 s waveforms at 8 kHz, labels and speakers.

    Each word is centred in its second (FSDD words last 0.15-0.9 s, median
    0.42 s), so that a 0.77-s crop holds nearly all of it.
    """
    import librosa
    from joblib import Parallel, delayed

    def one(path):
        wave, _ = librosa.load(path, sr=8000)
        wave = _centred(wave, 8000)
        mel = librosa.feature.melspectrogram(
            y=wave, sr=8000, n_fft=512, hop_length=128, n_mels=40
        )
        return wave, librosa.power_to_db(mel, ref=np.max)

    paths = sorted(Path(folder).glob("*.wav"))
    out = Parallel(n_jobs=2)(delayed(one)(p) for p in paths)
    waves = np.stack([w for w, _ in out])[:, None].astype(np.float32)
    mels = np.stack([m for _, m in out])[:, None].astype(np.float32)
    digit = np.array([p.stem.split("_")[0] for p in paths])
    speaker = np.array([p.stem.split("_")[1] for p in paths])
    return mels, waves, digit, speaker


FSDD_CROP = 48  # frames of 16 ms: 0.77 s of each centred 1-s clip
OLD_DEFAULTS = dict(architecture="plain", lr=1e-3, lr_schedule="constant", augment=None)


def fsdd_models(only=None, seed=0):
    """The nets compared on FSDD: (name, estimator, input kind)."""
    crop_wave = FSDD_CROP * 128  # the same 0.77 s in samples
    models = [
        ("cnn-old-defaults", CNNClassifier(**OLD_DEFAULTS, random_state=seed), "mel"),
        ("cnn-old-defaults+crop", CNNClassifier(**OLD_DEFAULTS, crop=FSDD_CROP,
                                                random_state=seed), "mel"),
        ("cnn-default", CNNClassifier(random_state=seed), "mel"),
        ("cnn-default+crop", CNNClassifier(crop=FSDD_CROP, random_state=seed), "mel"),
        ("cnn-default+crop-mixup", CNNClassifier(
            crop=FSDD_CROP, augment={"freq_mask": 5, "time_mask": 6, "time_shift": 6},
            random_state=seed), "mel"),
        ("cnn-plain+crop", CNNClassifier(architecture="plain", crop=FSDD_CROP,
                                         random_state=seed), "mel"),
        ("wavenet-old-conv+crop", WaveNetClassifier(frontend="conv", stride=32, crop=crop_wave,
                                                    random_state=seed), "wave"),
        ("wavenet-default", WaveNetClassifier(random_state=seed), "wave"),
        ("wavenet-conv", WaveNetClassifier(frontend="conv", random_state=seed), "wave"),
        ("wavenet-default+crop", WaveNetClassifier(crop=crop_wave, random_state=seed), "wave"),
    ]
    return [m for m in models if not only or m[0] in only]


def bench_fsdd(folder, only=None, seeds=(0,), test_speakers=("theo", "yweweler")):
    mels, waves, digit, speaker = load_fsdd(folder)
    test = np.isin(speaker, test_speakers)
    print(f"\nFSDD: train {np.sum(~test)} clips of speakers "
          f"{', '.join(sorted(set(speaker[~test])))}; test {np.sum(test)} clips of unseen "
          f"speakers {', '.join(test_speakers)} (chance 0.10); "
          f"{torch.get_num_threads()} torch threads; seeds {', '.join(map(str, seeds))}")
    print(f"{'net':<26}{'crop':>6}{'epochs':>8}{'fit s':>8}{'load':>6}  test accuracy")
    for i, (name, _, kind) in enumerate(fsdd_models(only)):
        X = mels if kind == "mel" else waves
        accs, fit_s = [], []
        for seed in seeds:
            clf = fsdd_models(only, seed=seed)[i][1]
            start = time.perf_counter()
            clf.fit(X[~test], digit[~test])
            fit_s.append(time.perf_counter() - start)
            accs.append(clf.score(X[test], digit[test]))
        each = " ".join(f"{a:.3f}" for a in accs)
        spread = f" ({each}; mean {np.mean(accs):.3f})" if len(accs) > 1 else ""
        print(f"{name:<26}{clf.crop or '-'!s:>6}{clf.n_epochs_:>8}{np.mean(fit_s):>8.0f}"
              f"{os.getloadavg()[0]:>6.1f}  {accs[0]:.3f}{spread}", flush=True)


def genres_models(only=None, sr=22050, hop=512):
    """The nets compared on the built-in genres: (name, estimator, input kind).

    ``cnn-bench`` and ``wavenet-bench`` are the benchmark harness's nets
    (``skaudio.benchmark.models``); crops are 3 s: ``round(3 * sr / hop)``
    frames, 24,000 samples at 8 kHz.
    """
    from skaudio.benchmark.models import MODELS, Build

    frames = round(3.0 * sr / hop)
    build = Build(data=_GenresData(sr), random_state=0, verbose=0)
    models = [
        ("cnn-bench", MODELS["cnn"].make(build), "mel64"),
        ("cnn-old-bench", CNNClassifier(n_blocks=3, channels=16, max_epochs=15, batch_size=16,
                                        crop=frames, **{**OLD_DEFAULTS, "lr": 3e-3},
                                        random_state=0), "mel64"),
        ("cnn-default+crop", CNNClassifier(crop=frames, random_state=0), "mel128"),
        ("wavenet-bench", MODELS["wavenet"].make(build), "wave"),
    ]
    return [m for m in models if not only or m[0] in only]


class _GenresData:
    """What the harness's model builders read of the data: its sample rate."""

    def __init__(self, sr):
        self.sr = sr


def bench_genres(n_per_class=20, duration=30.0, n_folds=3, only=None):
    """Built-in genres at 30 s: accuracy and training seconds per fold, per net."""
    from sklearn.model_selection import StratifiedKFold

    from skaudio import MelSpectrogram
    from skaudio.datasets import make_genres

    bunch = make_genres(n_per_class=n_per_class, duration=duration, random_state=0)
    y = bunch.target
    start = time.perf_counter()
    inputs = {
        "mel64": MelSpectrogram(n_fft=1024, hop_length=512, n_mels=64).fit_transform(bunch.data),
        "mel128": MelSpectrogram().fit_transform(bunch.data),
    }
    mel_s = time.perf_counter() - start
    del bunch
    inputs["wave"] = make_genres(n_per_class=n_per_class, duration=duration, sr=8000,
                                 random_state=0).data[:, None]
    folds = list(StratifiedKFold(n_folds, shuffle=True, random_state=0).split(y, y))
    print(f"\nBuilt-in genres: {len(y)} clips of {duration:g} s, {len(set(y))} genres, "
          f"{n_folds} stratified folds ({len(folds[0][0])} train / {len(folds[0][1])} test "
          f"clips); mel spectrograms of all clips in {mel_s:.0f} s; "
          f"{torch.get_num_threads()} torch threads")
    print(f"{'net':<18}{'input':>14}{'crop':>7}{'accuracy':>16}{'fit s/fold':>12}"
          f"{'predict s/fold':>16}{'load':>6}")
    for name, clf, kind in genres_models(only):
        X = inputs[kind]
        accs, fit_s, pred_s = [], [], []
        for train, test in folds:
            start = time.perf_counter()
            clf.fit(X[train], y[train])
            fit_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            accs.append(clf.score(X[test], y[test]))
            pred_s.append(time.perf_counter() - start)
        shape = "x".join(map(str, X.shape[1:]))
        acc = f"{np.mean(accs):.3f} ± {np.std(accs):.3f}"
        print(f"{name:<18}{shape:>14}{clf.crop or '-'!s:>7}{acc:>16}{np.mean(fit_s):>12.0f}"
              f"{np.mean(pred_s):>16.1f}{os.getloadavg()[0]:>6.1f}", flush=True)


def speech_music_clips(folder, sr=16000, duration=30.0, seed=0):
    """80 train / 48 test clips of 30 s: FSDD "talks" against built-in music.

    A talk strings random words of its speakers (gain +-6 dB, pauses of
    0.05-0.4 s) over a faint hiss; the training talks use four speakers,
    the test talks the two others. Music: ``make_genres`` at 16 kHz, 40
    training and 24 test clips.
    """
    import librosa

    from skaudio.datasets import make_genres

    rng = np.random.default_rng(seed)
    by_speaker = {}
    for path in sorted(Path(folder).glob("*.wav")):
        by_speaker.setdefault(path.stem.split("_")[1], []).append(path)
    cache, n_total = {}, int(sr * duration)

    def talk(speakers):
        parts, n = [], 0
        while n < n_total:
            paths = by_speaker[speakers[rng.integers(len(speakers))]]
            path = paths[rng.integers(len(paths))]
            if path not in cache:
                cache[path] = librosa.load(path, sr=sr)[0]
            word = cache[path] * 10 ** (rng.uniform(-6, 6) / 20)
            pause = np.zeros(int(sr * rng.uniform(0.05, 0.4)), np.float32)
            parts += [word, pause]
            n += len(word) + len(pause)
        clip = np.concatenate(parts)[:n_total]
        return clip + rng.normal(0, 10 ** (rng.uniform(-70, -45) / 20), n_total)

    train_speakers = ["george", "jackson", "lucas", "nicolas"]
    test_speakers = ["theo", "yweweler"]
    speech_train = [talk(train_speakers) for _ in range(40)]
    speech_test = [talk(test_speakers) for _ in range(24)]
    music = make_genres(n_per_class=11, duration=duration, sr=sr, random_state=seed).data
    X_train = np.stack(speech_train + list(music[:40])).astype(np.float32)
    X_test = np.stack(speech_test + list(music[40:64])).astype(np.float32)
    y_train = np.array(["speech"] * 40 + ["music"] * 40)
    y_test = np.array(["speech"] * 24 + ["music"] * 24)
    return X_train, y_train, X_test, y_test


def bench_speech_music(folder, only=None):
    """The held-out check's recipe on the stand-in clips: accuracy and fit seconds."""
    from skaudio import MelSpectrogram

    X_train, y_train, X_test, y_test = speech_music_clips(folder)
    mel = MelSpectrogram(sr=16000, duration=30.0)
    M_train, M_test = mel.fit_transform(X_train), mel.transform(X_test)
    crop = round(3.0 * 16000 / 512)  # 94 frames
    models = [
        ("cnn-default+crop", CNNClassifier(crop=crop, random_state=0)),
        ("cnn-old-defaults+crop", CNNClassifier(crop=crop, **OLD_DEFAULTS, random_state=0)),
        ("cnn-old-defaults", CNNClassifier(**OLD_DEFAULTS, random_state=0)),
    ]
    print(f"\nSpeech vs music stand-in: {len(X_train)} train / {len(X_test)} test clips of "
          f"30 s at 16 kHz, mels {M_train.shape[1:]}, crop {crop} frames; "
          f"{torch.get_num_threads()} torch threads")
    print(f"{'net':<24}{'accuracy':>10}{'min p(true)':>13}{'fit s':>8}{'predict s':>11}"
          f"{'load':>6}")
    for name, clf in models:
        if only and name not in only:
            continue
        start = time.perf_counter()
        clf.fit(M_train, y_train)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        proba = clf.predict_proba(M_test)
        pred_s = time.perf_counter() - start
        truth = np.searchsorted(clf.classes_, y_test)
        acc = np.mean(proba.argmax(axis=1) == truth)
        worst = proba[np.arange(len(truth)), truth].min()
        print(f"{name:<24}{acc:>10.3f}{worst:>13.3f}{fit_s:>8.0f}{pred_s:>11.1f}"
              f"{os.getloadavg()[0]:>6.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--fsdd", type=Path, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="FSDD: random_state of each run of a row")
    parser.add_argument("--speech-music", type=Path, default=None,
                        help="FSDD folder: speech vs music stand-in at 30 s")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--nets", nargs="*", default=None,
                        help="FSDD and genres: only these nets")
    parser.add_argument("--genres", action="store_true",
                        help="built-in genres at 30 s, with and without crops/augmentation")
    parser.add_argument("--genres-per-class", type=int, default=20)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--out", type=Path, default=None,
                        help="also write the printed report to this markdown file")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    report = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, report)):
        if not args.no_speed:
            bench_speed(args.clips, args.epochs, args.repeats)
            bench_mel_frontend(repeats=args.repeats)
        if args.fsdd is not None:
            bench_fsdd(args.fsdd, only=args.nets, seeds=args.seeds)
        if args.genres:
            bench_genres(args.genres_per_class, n_folds=args.folds, only=args.nets)
        if args.speech_music is not None:
            bench_speech_music(args.speech_music, only=args.nets)
    if args.out is not None:
        command = " ".join(["python benchmarks/nets_speed.py", *sys.argv[1:]])
        args.out.write_text(f"# Nets: training throughput, skorch overhead, mel front end\n\n"
                            f"Command: `{command}` ({platform.machine()}, "
                            f"{os.cpu_count()} cores, torch {torch.__version__}).\n\n"
                            f"```text\n{report.getvalue().strip()}\n```\n")


class _Tee:
    """Write to several streams at once."""

    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for stream in self.streams:
            stream.write(text)

    def flush(self):
        for stream in self.streams:
            stream.flush()


if __name__ == "__main__":
    main()
