"""The package: public names imported on first use, the version, a light ``import skaudio``."""

import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

import skaudio

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _fresh(code):
    """Run ``code`` in a new interpreter and return what it prints."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout.strip()


def test_import_skaudio_loads_no_estimator_module_until_a_name_is_used():
    loaded = _fresh(
        "import sys, skaudio\n"
        "heavy = ('numpy', 'scipy', 'sklearn', 'librosa', 'torch', 'matplotlib', 'dask')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or\n"
        "             m.startswith('skaudio.')))\n"
        "skaudio.MelSpectrogram\n"
        "print('skaudio.spectrogram' in sys.modules, 'torch' in sys.modules)")
    first, second = loaded.splitlines()
    assert first == "['skaudio.exceptions']"
    assert second == "True False"  # the one module asked for, still no torch


def test_every_public_name_resolves_and_is_listed():
    for name in skaudio.__all__:
        assert getattr(skaudio, name) is not None
    # a fresh package lists its lazy names before any is imported (tab completion, dir())
    listed = _fresh("import skaudio; print(' '.join(dir(skaudio)))").split()
    assert {"LibrosaFeatures", "MelSpectrogram", "load_audio", "__version__"} <= set(listed)
    assert set(skaudio.__all__) <= set(listed)
    assert skaudio.MelSpectrogram.__module__ == "skaudio.spectrogram"
    assert issubclass(skaudio.AudioLoadError, skaudio.SkaudioError)
    with pytest.raises(AttributeError, match="no attribute 'MFCC'"):
        skaudio.MFCC  # noqa: B018


def test_version_is_the_project_version():
    with open(PYPROJECT, "rb") as f:
        assert skaudio.__version__ == tomllib.load(f)["project"]["version"]


def test_moved_name_still_imports_with_a_future_warning():
    with pytest.warns(FutureWarning, match="from skaudio.benchmark import run_benchmark"):
        old = skaudio.run_benchmark
    from skaudio.benchmark import run_benchmark

    assert old is run_benchmark
