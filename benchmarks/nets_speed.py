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
crops and augmentation. With ``--genres`` it cross-validates the nets on the
built-in genres at 30 s (120 clips, 3 folds of 80 train / 40 test clips):
accuracy and seconds per fold, whole clips against 3-s crops (+ augmentation).

Usage::

    python benchmarks/nets_speed.py [--clips 256] [--epochs 2] [--repeats 2]
                                    [--fsdd /work/shared/data/fsdd/recordings]
                                    [--genres] [--nets NAME ...] [--no-speed]
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
            est = Estimator(max_epochs=n_epochs, batch_size=BATCH_SIZE, device="cpu",
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


def load_fsdd(folder):
    """Log-mel (40 x 63) and raw 1 s waveforms at 8 kHz, labels and speakers."""
    import librosa
    from joblib import Parallel, delayed

    def one(path):
        wave, _ = librosa.load(path, sr=8000)
        wave = librosa.util.fix_length(wave, size=8000)
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


# FSDD clips are 1 s here (63 frames, 8000 samples): crops of ~0.75-0.9 s, small hops
FSDD_MASKS = {"time_shift": 8, "freq_mask": 4, "time_mask": 8}


def fsdd_models(only=None):
    """The nets compared on FSDD: (name, estimator, input kind)."""
    wavenet = dict(max_epochs=10, stride=32, lr=3e-3, random_state=0)
    models = [
        ("cnn-plain", CNNClassifier(max_epochs=6, random_state=0), "mel"),
        ("cnn-resnet", CNNClassifier(architecture="resnet", max_epochs=6, random_state=0), "mel"),
        ("cnn-vgg", CNNClassifier(architecture="vgg", max_epochs=6, random_state=0), "mel"),
        ("cnn-densenet", CNNClassifier(architecture="densenet", max_epochs=6, random_state=0),
         "mel"),
        ("wavenet", WaveNetClassifier(**wavenet), "wave"),
        # the default CNN (20 epochs): whole clips, crops, augmentation
        ("cnn-default", CNNClassifier(random_state=0), "mel"),
        ("cnn-default+crop+masks+mixup", CNNClassifier(
            crop=48, crop_hop=12, augment={"freq_mask": 5, "time_mask": 6, "n_masks": 2,
                                           "mixup": 0.2}, random_state=0), "mel"),
        ("cnn-default+shift+masks", CNNClassifier(augment=FSDD_MASKS, random_state=0), "mel"),
        ("cnn-default+fshift+tshift", CNNClassifier(
            augment={"freq_shift": 3, "time_shift": 8}, random_state=0), "mel"),
        ("cnn-default+crop+fshift+masks", CNNClassifier(
            crop=56, crop_hop=7, augment={"freq_shift": 3, "freq_mask": 4, "time_mask": 8},
            random_state=0), "mel"),
        ("cnn-40ep+shift+masks", CNNClassifier(max_epochs=40, augment={**FSDD_MASKS,
                                                                        "n_masks": 2},
                                               random_state=0), "mel"),
        ("wavenet+crop+aug+mixup", WaveNetClassifier(
            **{**wavenet, "max_epochs": 20}, crop=6000, crop_hop=1000,
            augment={"gain_db": 6.0, "snr_db": (10.0, 40.0), "time_mask": 600,
                     "mixup": 0.2}), "wave"),
    ]
    return [m for m in models if not only or m[0] in only]


def bench_fsdd(folder, only=None, test_speakers=("theo", "yweweler")):
    mels, waves, digit, speaker = load_fsdd(folder)
    test = np.isin(speaker, test_speakers)
    print(f"\nFSDD: train {np.sum(~test)} clips of speakers "
          f"{', '.join(sorted(set(speaker[~test])))}; test {np.sum(test)} clips of unseen "
          f"speakers {', '.join(test_speakers)} (chance 0.10); "
          f"{torch.get_num_threads()} torch threads")
    print(f"{'net':<32}{'crop':>6}{'epochs':>8}{'fit s':>8}{'test accuracy':>15}")
    for name, clf, kind in fsdd_models(only):
        X = mels if kind == "mel" else waves
        start = time.perf_counter()
        clf.fit(X[~test], digit[~test])
        fit_s = time.perf_counter() - start
        print(f"{name:<32}{clf.crop or '-'!s:>6}{clf.n_epochs_:>8}"
              f"{fit_s:>8.0f}{clf.score(X[test], digit[test]):>15.3f}", flush=True)


def genres_models(only=None, sr=22050, hop=512):
    """The nets compared on the built-in genres: (name, estimator, input kind).

    ``cnn-bench`` and ``wavenet-bench`` are the benchmark harness's nets;
    crops are 3 s: ``round(3 * sr / hop)`` frames, 24,000 samples at 8 kHz.
    """
    frames = round(3.0 * sr / hop)
    # what augment="default" was when measured, plus mixup
    masks = {"time_mask": frames // 8, "n_masks": 2, "mixup": 0.2}
    wave_aug = {"gain_db": 6.0, "snr_db": (10.0, 40.0), "time_mask": 2400, "mixup": 0.2}
    cnn = dict(n_blocks=3, channels=16, max_epochs=15, batch_size=16, lr=3e-3, random_state=0)
    wavenet = dict(n_blocks=1, n_layers=6, residual_channels=16, skip_channels=32, stride=8,
                   max_epochs=10, batch_size=16, lr=3e-3, random_state=0)
    models = [
        ("cnn-bench", CNNClassifier(**cnn), "mel64"),
        ("cnn-bench+crop", CNNClassifier(**cnn, crop=frames), "mel64"),
        ("cnn-bench+crop+masks+mixup", CNNClassifier(**cnn, crop=frames,
                                                     augment={**masks, "freq_mask": 8}),
         "mel64"),
        ("cnn-default+crop", CNNClassifier(crop=frames, random_state=0), "mel128"),
        ("cnn-default+crop+masks+mixup", CNNClassifier(
            crop=frames, augment={**masks, "freq_mask": 16}, random_state=0), "mel128"),
        ("wavenet-bench", WaveNetClassifier(**wavenet), "wave"),
        ("wavenet-bench+crop", WaveNetClassifier(**wavenet, crop=24000), "wave"),
        ("wavenet-bench+crop+aug+mixup", WaveNetClassifier(**wavenet, crop=24000,
                                                           augment=wave_aug), "wave"),
    ]
    return [m for m in models if not only or m[0] in only]


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
    print(f"{'net':<24}{'input':>14}{'crop':>7}{'accuracy':>16}{'fit s/fold':>12}"
          f"{'predict s/fold':>16}")
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
        print(f"{name:<24}{shape:>14}{clf.crop or '-'!s:>7}{acc:>16}{np.mean(fit_s):>12.0f}"
              f"{np.mean(pred_s):>16.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--fsdd", type=Path, default=None)
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
            bench_fsdd(args.fsdd, only=args.nets)
        if args.genres:
            bench_genres(args.genres_per_class, n_folds=args.folds, only=args.nets)
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
