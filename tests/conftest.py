"""Shared fixtures, and the one registry of clip transformers the contract tests run over.

Real recordings when present, generated signals always. Test modules ask for
these by name (fixtures), never import this module:

* ``transformer_name`` - an argument parametrized over every entry of
  :data:`TRANSFORMERS` (``tensor_transformer_name``: those whose output is a
  tensor); ``make_transformer(name, **params)`` builds one with cheap
  parameters (a torch one is skipped where torch is not installed).
* ``music_like(duration, sr, *, seed, bpm, f0)`` - a generated music-like clip;
  ``music_clips`` / ``music_files`` four of them (3 s, as arrays / float wav);
  ``pcm_files`` eight 1 s ones as 16-bit wav; ``fsdd_files`` real spoken digits
  (``fsdd_folder`` all of them).
"""

import importlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FSDD = SHARED_DATA / "fsdd" / "recordings"
GTZAN_FEATURES = SHARED_DATA / "gtzan-features" / "features_30_sec.csv"

# The transformers whose contract (every kind of X, bad files, NaN, on_error,
# formats) tests/test_reliability.py and tests/test_fuzz.py check: id -> (module,
# class, cheap parameters). Tensors are cropped or padded to 1 s, the length of
# the test files, so that a file and its loaded waveform give the same numbers.
_SMALL_MEL = dict(n_fft=256, hop_length=128, n_mels=16, duration=1.0)
TRANSFORMERS = {
    "LibrosaFeatures": ("skaudio.features", "LibrosaFeatures",
                        dict(features=["rms", "zero_crossing_rate", "spectral_centroid"])),
    "MelSpectrogram": ("skaudio.spectrogram", "MelSpectrogram", _SMALL_MEL),
    "TorchMelSpectrogram": ("skaudio.nets", "TorchMelSpectrogram",
                            dict(_SMALL_MEL, device="cpu")),
    "RawWaveform": ("skaudio.waveform", "RawWaveform", dict(duration=1.0)),
    "RawWaveform-rms": ("skaudio.waveform", "RawWaveform", dict(normalize="rms", duration=1.0)),
}
TENSOR_TRANSFORMERS = [name for name in TRANSFORMERS if name != "LibrosaFeatures"]


def pytest_generate_tests(metafunc):
    """Run a test taking ``transformer_name`` once per registered transformer."""
    for argument, names in (("transformer_name", list(TRANSFORMERS)),
                            ("tensor_transformer_name", TENSOR_TRANSFORMERS)):
        if argument in metafunc.fixturenames:
            metafunc.parametrize(argument, names)


def _make_transformer(name, **params):
    module, cls, cheap = TRANSFORMERS[name]
    if module == "skaudio.nets":
        pytest.importorskip("torch")
    estimator = getattr(importlib.import_module(module), cls)
    return estimator(**{**cheap, **params})


@pytest.fixture(scope="session")
def make_transformer():
    """``make_transformer(name, **params)``: a fresh registered transformer, cheap settings."""
    return _make_transformer


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same global numpy seed."""
    np.random.seed(0)  # noqa: NPY002 - seeds code that uses the global state


@pytest.fixture(scope="session")
def fsdd_folder():
    """The folder of all 3,000 real spoken-digit recordings (8 kHz wav), skipping where
    absent."""
    if not FSDD.is_dir():
        pytest.skip(f"real recordings not found at {FSDD} (../shared/data/fsdd)")
    return FSDD


@pytest.fixture(scope="session")
def fsdd_files(fsdd_folder):
    """A few real spoken-digit recordings (8 kHz wav), skipping where absent."""
    files = sorted(fsdd_folder.glob("*.wav"))
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
def gtzan_features_csv():
    """The GTZAN feature table (features_30_sec.csv) in ../shared/data, or None where absent."""
    return GTZAN_FEATURES if GTZAN_FEATURES.is_file() else None


@pytest.fixture(name="music_like", scope="session")
def _music_like_factory():
    """``music_like(duration=3.0, sr=22050, *, seed=0, bpm=120.0, f0=220.0)``: a clip."""
    return music_like


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


@pytest.fixture(scope="session")
def pcm_files(tmp_path_factory):
    """Eight 1 s generated clips as 16-bit wav at 22050 Hz; odd ones at 110 Hz, even at 440."""
    folder = tmp_path_factory.mktemp("pcm")
    paths = []
    for i in range(8):
        y = music_like(duration=1.0, seed=i, bpm=80 + 10 * i, f0=110 if i % 2 else 440)
        paths.append(str(folder / f"clip{i}.wav"))
        sf.write(paths[-1], y, 22050, subtype="PCM_16")
    return paths
