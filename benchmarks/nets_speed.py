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
(``{digit}_{speaker}_{take}.wav``), tests on held-out speakers and prints the
accuracies.

Usage::

    python benchmarks/nets_speed.py [--clips 256] [--epochs 2] [--repeats 2]
                                    [--fsdd /work/shared/data/fsdd/recordings]
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


def bench_fsdd(folder, only=None, test_speakers=("theo", "yweweler")):
    mels, waves, digit, speaker = load_fsdd(folder)
    test = np.isin(speaker, test_speakers)
    print(f"\nFSDD: train {np.sum(~test)} clips, test {np.sum(test)} clips of unseen "
          f"speakers {', '.join(test_speakers)} (chance 0.10)")
    models = {
        "cnn-plain": (CNNClassifier(max_epochs=6, random_state=0), mels),
        "cnn-resnet": (CNNClassifier(architecture="resnet", max_epochs=6, random_state=0), mels),
        "cnn-vgg": (CNNClassifier(architecture="vgg", max_epochs=6, random_state=0), mels),
        "cnn-densenet": (
            CNNClassifier(architecture="densenet", max_epochs=6, random_state=0), mels
        ),
        "wavenet": (
            WaveNetClassifier(max_epochs=10, stride=32, lr=3e-3, random_state=0), waves
        ),
    }
    print(f"{'net':<14}{'epochs':>8}{'fit s':>8}{'test accuracy':>15}")
    for name, (clf, X) in models.items():
        if only and name not in only:
            continue
        start = time.perf_counter()
        clf.fit(X[~test], digit[~test])
        fit_s = time.perf_counter() - start
        print(f"{name:<14}{clf.n_epochs_:>8}{fit_s:>8.0f}"
              f"{clf.score(X[test], digit[test]):>15.3f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--fsdd", type=Path, default=None)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--nets", nargs="*", default=None, help="FSDD: only these nets")
    parser.add_argument("--out", type=Path, default=None,
                        help="also write the printed report to this markdown file")
    args = parser.parse_args()
    report = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, report)):
        if not args.no_speed:
            bench_speed(args.clips, args.epochs, args.repeats)
            bench_mel_frontend(repeats=args.repeats)
        if args.fsdd is not None:
            bench_fsdd(args.fsdd, only=args.nets)
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
