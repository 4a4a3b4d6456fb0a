"""Shared fixtures: real recordings when present, generated signals always."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FSDD = SHARED_DATA / "fsdd" / "recordings"
GTZAN_FEATURES = SHARED_DATA / "gtzan-features" / "features_30_sec.csv"


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same global numpy seed."""
    np.random.seed(0)  # noqa: NPY002 - seeds code that uses the global state


@pytest.fixture(scope="session")
def fsdd_files():
    """A few real spoken-digit recordings (8 kHz wav), skipping where absent."""
    if not FSDD.is_dir():
        pytest.skip(f"real recordings not found at {FSDD} (../shared/data/fsdd)")
    files = sorted(FSDD.glob("*.wav"))
    # two takes of each digit by two speakers: real, varied, short
    return [str(f) for f in files if f.stem.split("_")[1] in {"jackson", "theo"}
            and f.stem.split("_")[2] in {"0", "1"}]


def music_like(duration=3.0, sr=22050, *, seed=0, bpm=120.0, f0=220.0):
    """A chord over a steady pulse of noise bursts, plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration * sr)) / sr
    chord = sum(np.sin(2 * np.pi * f0 * r * t) for r in (1.0, 1.26, 1.5)) / 3
    beat = np.exp(-30 * ((t * bpm / 60) % 1.0)) * rng.standard_normal(t.size)
    y = 0.4 * chord + 0.5 * beat + 0.02 * rng.standard_normal(t.size)
    return y.astype(np.float32)


@pytest.fixture(scope="session")
def music_clips():
    """Four generated 3 s music-like clips at 22050 Hz, different tempi and keys."""
    return np.stack([music_like(seed=i, bpm=90 + 20 * i, f0=196 * 1.12**i) for i in range(4)])


@pytest.fixture(scope="session")
def music_files(tmp_path_factory, music_clips):
    """The generated clips as float wav files at 22050 Hz (lossless)."""
    folder = tmp_path_factory.mktemp("music")
    paths = []
    for i, y in enumerate(music_clips):
        paths.append(str(folder / f"clip{i}.wav"))
        sf.write(paths[-1], y, 22050, subtype="FLOAT")
    return paths
