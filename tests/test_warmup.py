"""Tests for skaudio._warmup: the helper that compiles the kernels while the CLI makes data."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from skaudio import _warmup

# 6-s clips: long enough for segment voting (two 3-s segments); 6 per class for train's CV
EASY = "builtin:n_per_class=6,duration=6,n_classes=2,difficulty=0,sr=8000"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A folder standing for numba's cache location, with no stamp in it.

    The sources' key is fixed: another process editing a file of the
    checkout meanwhile would change the stamp's name.
    """
    monkeypatch.setattr(_warmup, "_cache_dir", lambda: tmp_path)
    monkeypatch.setattr(_warmup, "_package_files", lambda origin: [str(origin)])
    monkeypatch.delenv("SKAUDIO_NO_WARMUP", raising=False)
    return tmp_path


def test_compile_stamps_each_preset(cache_dir):
    assert not _warmup.is_warm(["gtzan"])
    _warmup._compile(["gtzan"])  # in this process: its cache is the test session's
    assert _warmup.is_warm(["gtzan"])
    assert not _warmup.is_warm(["gtzan", "full"])  # a stamp per preset
    assert "gtzan" in _warmup._stamps(cache_dir, ["gtzan"])["gtzan"].read_text()
    assert _warmup.start(["gtzan"]) is False  # warm: nothing to start
    assert _warmup._PENDING == []


def test_stamp_follows_the_sources(tmp_path, monkeypatch):
    """A changed source file of any of the packages gives another stamp (numba recompiles)."""
    package = tmp_path / "fakelib"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "kernels.py").write_text("x = 1\n")
    real_find_spec = _warmup.importlib.util.find_spec

    def find_spec(name):
        if name == "librosa":
            return real_find_spec("fakelib")
        return real_find_spec(name)

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(_warmup.importlib.util, "find_spec", find_spec)
    def stamp(cache="cache", feature_set="gtzan"):
        return _warmup._stamps(tmp_path / cache, [feature_set])[feature_set]

    before = stamp()
    assert stamp() == before  # deterministic
    (package / "kernels.py").write_text("x = 22\n")  # another size
    assert stamp() != before
    assert stamp("other").parent == tmp_path / "other"
    assert stamp(feature_set="full").name != stamp().name
    assert stamp(feature_set="full").name.endswith("-full")


def test_opt_out_and_no_cache(cache_dir, monkeypatch):
    monkeypatch.setenv("SKAUDIO_NO_WARMUP", "1")
    assert _warmup.start(["gtzan"]) is False
    monkeypatch.delenv("SKAUDIO_NO_WARMUP")
    monkeypatch.setattr(_warmup, "_cache_dir", lambda: None)  # numba cannot cache here
    assert _warmup.is_warm(["gtzan"]) and _warmup.start(["gtzan"]) is False
    assert _warmup._PENDING == []


def test_start_wait_and_cancel(cache_dir, monkeypatch):
    """start() runs the helper module; wait() reaps it; cancel() stops one still running."""
    started = []

    class FakePopen:
        def __init__(self, command, **kwargs):
            started.append((command, kwargs["env"]))
            self.returncode = None

        def poll(self):
            return self.returncode

        def wait(self, timeout=None):
            self.returncode = 0 if self.returncode is None else self.returncode
            return self.returncode

        def kill(self):
            self.returncode = -9

    monkeypatch.setattr(_warmup.subprocess, "Popen", FakePopen)
    assert _warmup.start(["gtzan", "full"]) is True
    (command, env), = started
    assert command[1:] == ["-m", "skaudio._warmup", "gtzan", "full"]
    assert env["OMP_NUM_THREADS"] == "1"
    _warmup.wait()
    assert _warmup._PENDING == []
    _warmup.start(["gtzan"])
    process = _warmup._PENDING[0]
    _warmup.cancel()
    assert process.returncode == -9 and _warmup._PENDING == []

    # interrupted while waiting (Ctrl-C): the helper is still listed, so cancel() stops it
    _warmup.start(["gtzan"])
    process = _warmup._PENDING[0]

    def interrupted(timeout=None):
        raise KeyboardInterrupt

    process.wait = interrupted
    with pytest.raises(KeyboardInterrupt):
        _warmup.wait()
    process.wait = lambda timeout=None: process.returncode
    _warmup.cancel()
    assert process.returncode == -9 and _warmup._PENDING == []

    def no_process(*args, **kwargs):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(_warmup.subprocess, "Popen", no_process)
    assert _warmup.start(["gtzan"]) is False and _warmup._PENDING == []


# A fresh process: which librosa modules and skaudio kernels exist when the runner waits.
_SPY = textwrap.dedent("""
    import json, sys
    import numba
    from skaudio import _warmup

    events = []

    def compiled_kernels():
        names = []
        for name, module in list(sys.modules.items()):
            if name.startswith("skaudio."):
                for attr, value in vars(module).items():
                    if isinstance(value, numba.core.dispatcher.Dispatcher) and value.signatures:
                        names.append(f"{name}.{attr}")
        return names

    def start(feature_sets):
        events.append(["start", list(feature_sets)])
        return False

    def wait():
        if not any(e[0] == "wait" for e in events):
            events.append(["wait", sorted(m for m in sys.modules if m.startswith("librosa.")),
                           compiled_kernels()])

    _warmup.start, _warmup.wait = start, wait
    from skaudio.cli import main
    status = main(sys.argv[1:])
    events.append(["end", status, "librosa.util.utils" in sys.modules, compiled_kernels()])
    print(json.dumps(events))
""")


@pytest.mark.parametrize("command", [
    ["benchmark", "--data", EASY, "--split", "cv:2", "--models", "svm", "--features", "gtzan"],
    ["benchmark", "--data", EASY, "--split", "cv:2", "--models", "svm_vote"],
    ["train", "--data", EASY, "--model", "svm"],
])
def test_cli_waits_before_any_kernel(command, tmp_path):
    """The CLI starts the helper first and touches no numba kernel until it has waited.

    librosa compiles its guvectorize kernels when librosa.util is imported;
    skaudio's compile on their first call. Either in the main process while
    the helper compiles would be two processes writing one cache.
    """
    out = ["--out", str(tmp_path / ("model.skops" if command[0] == "train" else "bench")),
           "-q"]
    result = subprocess.run([sys.executable, "-c", _SPY, *command, *out], cwd=tmp_path,
                            capture_output=True, text=True, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout.strip().splitlines()[-1])
    assert [e[0] for e in events] == ["start", "wait", "end"]
    assert events[0][1] == (["gtzan"] if command[0] == "train" else
                            ["gtzan"] if "--features" in command else ["gtzan", "full"])
    _, librosa_modules, kernels = events[1]
    assert "librosa.util.utils" not in librosa_modules
    assert "librosa.core.audio" not in librosa_modules
    assert kernels == []
    _, status, librosa_used, kernels_after = events[2]
    assert status == 0
    assert librosa_used or kernels_after  # the kernels' first use did come, after the wait


def test_no_helper_for_a_feature_table(tmp_path, monkeypatch):
    from skaudio import cli

    calls = []
    monkeypatch.setattr(_warmup, "start", lambda feature_sets: calls.append(feature_sets))
    args = cli._parser().parse_args(["benchmark", "--data", "features:table.csv"])
    with cli._warming_up(args, ["gtzan"]):
        pass
    assert calls == []
    args = cli._parser().parse_args(["benchmark"])
    with cli._warming_up(args, ["gtzan"]):
        pass
    assert calls == [["gtzan"]]


@pytest.mark.slow
def test_helper_fills_an_empty_cache(tmp_path):
    """End to end: after the helper, a first clip in a new process compiles nothing."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), NUMBA_DEBUG_CACHE="1")
    env.pop("SKAUDIO_NO_WARMUP", None)
    check = ("from skaudio import _warmup; "
             "print('WARM' if _warmup.is_warm(['gtzan']) else 'COLD')")
    first = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True,
                           text=True, check=True)
    assert first.stdout.strip().endswith("COLD")
    subprocess.run([sys.executable, "-m", "skaudio._warmup", "gtzan"], env=env, check=True,
                   capture_output=True)
    stamped = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True,
                             text=True, check=True)
    assert stamped.stdout.strip().endswith("WARM")
    clip = ("from skaudio import LibrosaFeatures, _warmup; "
            "LibrosaFeatures().fit_transform([_warmup._clip(seconds=6.0)[::-1].copy()])")
    result = subprocess.run([sys.executable, "-c", clip], env=env, capture_output=True,
                            text=True, check=True)
    assert "data loaded" in result.stdout
    assert "data saved" not in result.stdout, "the first clip compiled a kernel"
