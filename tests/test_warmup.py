"""Tests for skaudio._warmup: the kernels compiled on a fresh install, half in a helper process."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from skaudio import _warmup


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A folder standing for numba's cache location, with no stamp in it.

    The sources' key is fixed: another process editing a file of the
    checkout meanwhile would change the stamp's name.
    """
    monkeypatch.setattr(_warmup, "_cache_dir", lambda: tmp_path)
    monkeypatch.setattr(_warmup, "_package_files", lambda origin: [str(origin)])
    monkeypatch.setattr(_warmup, "_READY", False)
    # importing skaudio.features in this session may have started a real helper: start()
    # would then refuse on that alone, whatever else it checks
    monkeypatch.setattr(_warmup, "_HELPER", [])
    monkeypatch.delenv("SKAUDIO_NO_WARMUP", raising=False)
    return tmp_path


class FakePopen:
    """Records the commands it is given; starts nothing."""

    started = []

    def __init__(self, command, **kwargs):
        FakePopen.started.append((command, kwargs["env"]))


def test_stamp_follows_the_sources(tmp_path, monkeypatch):
    """A changed source file of skaudio gives another stamp (numba recompiles the kernels)."""
    package = tmp_path / "fakepackage"
    package.mkdir()
    (package / "kernels.py").write_text("x = 1\n")
    monkeypatch.setattr(_warmup, "__file__", str(package / "_warmup.py"))
    before = _warmup._stamp(tmp_path / "cache")
    assert _warmup._stamp(tmp_path / "cache") == before  # deterministic
    (package / "kernels.py").write_text("x = 22\n")  # another size
    edited = _warmup._stamp(tmp_path / "cache")
    assert edited != before
    assert _warmup._stamp(tmp_path / "other").parent == tmp_path / "other"
    monkeypatch.setattr(_warmup, "KERNELS", _warmup.KERNELS[1:])  # another kernel table
    assert _warmup._stamp(tmp_path / "cache").name != edited.name


def test_start_runs_this_file_as_the_helper(cache_dir, monkeypatch):
    FakePopen.started = []
    monkeypatch.setattr(_warmup.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(_warmup, "_HELPER", [])
    assert _warmup.start() is True
    (command, env), = FakePopen.started
    # run as a file (not -m): the package's __init__ and scikit-learn stay unimported
    assert command == [sys.executable, _warmup.__file__, str(cache_dir)]
    assert env["SKAUDIO_NO_WARMUP"] == "1"  # the helper starts no helper of its own
    assert env["OMP_NUM_THREADS"] == "1"
    assert len(_warmup._HELPER) == 1
    assert _warmup.start() is False  # one helper per process: the CLI's, then the import's
    assert len(FakePopen.started) == 1
    monkeypatch.setattr(_warmup, "_HELPER", [])

    def no_process(*args, **kwargs):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(_warmup.subprocess, "Popen", no_process)
    assert _warmup.start() is False  # ready() compiles everything then


def test_nothing_starts_when_warm_opted_out_or_uncacheable(cache_dir, monkeypatch):
    FakePopen.started = []
    monkeypatch.setattr(_warmup.subprocess, "Popen", FakePopen)
    monkeypatch.setenv("SKAUDIO_NO_WARMUP", "1")
    assert _warmup.start() is False
    monkeypatch.delenv("SKAUDIO_NO_WARMUP")
    _warmup._stamp(cache_dir).write_text("compiled\n")
    assert _warmup.is_warm() and _warmup.start() is False
    monkeypatch.setattr(_warmup, "_cache_dir", lambda: None)  # numba cannot cache here
    assert _warmup.is_warm() and _warmup.start() is False
    assert FakePopen.started == []


@pytest.mark.parametrize("executable, frozen", [("/srv/bin/uwsgi", False), ("", False),
                                                ("/opt/app/python3", True)])
def test_no_helper_without_a_plain_python(cache_dir, monkeypatch, executable, frozen):
    """An embedding server's or a frozen app's executable would not run the helper script."""
    FakePopen.started = []
    monkeypatch.setattr(_warmup.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(_warmup.sys, "executable", executable)
    monkeypatch.setattr(_warmup.sys, "frozen", frozen, raising=False)
    assert _warmup.start() is False and FakePopen.started == []


def test_ready_compiles_from_the_other_end_once_per_process(cache_dir, monkeypatch):
    calls = []
    monkeypatch.setattr(_warmup, "_compile", lambda kernels, where: calls.append(
        (kernels, where)))
    _warmup.ready()
    _warmup.ready()
    assert calls == [(_warmup.KERNELS[::-1], cache_dir)]
    monkeypatch.setattr(_warmup, "_READY", False)
    _warmup._stamp(cache_dir).write_text("compiled\n")
    _warmup.ready()  # warm: nothing to compile
    assert len(calls) == 1


def test_ready_never_fails_a_clip(cache_dir, monkeypatch):
    """A compilation ready() cannot make is left to numba's first call, not raised."""
    from numba.core.errors import TypingError

    errors = [PermissionError("read-only cache"), TypingError("signature"),
              ImportError("numba.core.sigutils moved")]
    raised = []
    for error in errors:
        def failing(kernels, where, error=error):
            raised.append(error)
            raise error

        monkeypatch.setattr(_warmup, "_compile", failing)
        monkeypatch.setattr(_warmup, "_READY", False)
        _warmup.ready()  # no exception
        assert _warmup._READY  # and not tried again in this process
    assert raised == errors  # each compilation was attempted, and failed
    assert not _warmup.is_warm()  # nothing claims the kernels are cached


def test_a_kernel_locked_elsewhere_is_left_for_last(cache_dir, monkeypatch):
    """A kernel another process is compiling is taken after every free one, once released."""
    order = []

    class Kernel:
        def __init__(self, name):
            self.name = name

        def compile(self, signature):
            order.append(self.name)

    module = type("Module", (), {name: Kernel(name) for _, name, _ in _warmup.KERNELS})
    monkeypatch.setattr(_warmup.importlib, "import_module", lambda name: module)
    busy = _warmup.KERNELS[0][1]
    holder = subprocess.Popen(  # another process holds the busy kernel's lock for a while
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(1.0)",
         str(cache_dir / f"skaudio-kernel-{busy}.lock")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    _warmup._compile(_warmup.KERNELS, cache_dir)
    assert holder.wait() == 0
    assert order == [name for _, name, _ in _warmup.KERNELS[1:]] + [busy]
    assert _warmup.is_warm()  # stamped once all are done


def test_a_lock_held_too_long_is_not_waited_for_forever(cache_dir, monkeypatch):
    """A process stopped while holding a kernel's lock: the kernel is compiled unlocked."""
    compiled = []
    module = type("Module", (), {name: type("K", (), {"compile": lambda self, sig, n=name:
                                                     compiled.append(n)})()
                                 for _, name, _ in _warmup.KERNELS})
    monkeypatch.setattr(_warmup.importlib, "import_module", lambda name: module)
    monkeypatch.setattr(_warmup, "_LOCK_WAIT", 0.3)
    stuck = _warmup.KERNELS[-1][1]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)",
         str(cache_dir / f"skaudio-kernel-{stuck}.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        _warmup._compile(_warmup.KERNELS, cache_dir)
    finally:
        holder.kill()
        holder.wait()
    assert compiled[-1] == stuck and len(compiled) == len(_warmup.KERNELS)


# Runs the helper as start() does, with the caller's ready() at the same time, in a fresh
# cache; reports which modules the helper imported.
_HELPER_RUN = textwrap.dedent("""
    import json, os, runpy, sys
    sys.argv = [sys.argv[1], sys.argv[2]]
    folder = os.path.dirname(sys.argv[0])
    sys.path.insert(0, folder)  # as `python skaudio/_warmup.py` has it
    runpy.run_path(sys.argv[0], run_name="__main__")
    print(json.dumps(sorted(m for m in sys.modules if m.startswith(("sklearn", "skaudio")))))
    print(json.dumps(folder in sys.path))
""")
_FEATURES = textwrap.dedent("""
    import numpy as np
    from skaudio import LibrosaFeatures, MelSpectrogram, _warmup
    from skaudio.functional import _blockwise

    clip = np.random.default_rng(0).standard_normal(4 * 22050).astype(np.float32)
    for preset in ("gtzan", "full"):
        LibrosaFeatures(features=preset).fit_transform([clip])
    _blockwise.BLOCK_FRAMES = 40  # a long clip's path: blocks of frames
    for preset in ("gtzan", "full"):
        LibrosaFeatures(features=preset).fit_transform([clip])
    MelSpectrogram(duration=4.0).fit_transform([clip])
    print("WARM" if _warmup.is_warm() else "COLD")
""")


@pytest.mark.slow
def test_helper_and_caller_share_an_empty_cache(tmp_path):
    """End to end: the helper and ready() compile each kernel once between them, and after
    them every feature path (both presets, long clips in blocks, mel) compiles nothing."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), NUMBA_DEBUG_CACHE="1")
    env.pop("SKAUDIO_NO_WARMUP", None)
    cache = subprocess.run([sys.executable, "-c", "from skaudio import _warmup; "
                            "print(_warmup._cache_dir())"], env=dict(env, SKAUDIO_NO_WARMUP="1"),
                           capture_output=True, text=True, check=True).stdout.split()[-1]
    helper = subprocess.Popen([sys.executable, "-c", _HELPER_RUN, _warmup.__file__, cache],
                              env=dict(env, SKAUDIO_NO_WARMUP="1"), stdout=subprocess.PIPE,
                              text=True)
    caller = subprocess.run([sys.executable, "-c", "from skaudio import _warmup; "
                             "_warmup.ready()"], env=dict(env, SKAUDIO_NO_WARMUP="1"),
                            capture_output=True, text=True, check=True)
    helper_out, _ = helper.communicate(timeout=600)
    assert helper.returncode == 0
    *debug, imported, on_path = helper_out.strip().splitlines()
    assert not [m for m in json.loads(imported) if m.startswith("sklearn")]
    assert json.loads(on_path) is False  # skaudio's own folder: no module shadowed by it
    saved = [line for line in debug + caller.stdout.splitlines() if "data saved" in line]
    names = [name for _, name, _ in _warmup.KERNELS]
    assert sorted(n for line in saved for n in names if f".{n}-" in line) == sorted(names)
    by_caller = [line for line in caller.stdout.splitlines() if "data saved" in line]
    assert 0 < len(by_caller) < len(names)  # each did a share: the caller's ready() works
    after = subprocess.run([sys.executable, "-c", _FEATURES], env=env, capture_output=True,
                           text=True, check=True)
    assert after.stdout.strip().endswith("WARM")
    assert "data saved" not in after.stdout, "a feature path compiled a kernel"
    assert "data loaded" in after.stdout


@pytest.mark.slow
def test_importing_the_features_starts_the_helper(tmp_path):
    """A fresh cache: importing skaudio.features starts the helper; the cache ends stamped."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    env.pop("SKAUDIO_NO_WARMUP", None)
    script = ("import numpy as np; from skaudio import LibrosaFeatures, _warmup; "
              "(helper,) = _warmup._HELPER; "
              "x = LibrosaFeatures().fit_transform([np.sin(np.arange(66150) / 9.0)]); "
              "print(x.shape, helper.wait(timeout=600), _warmup.is_warm())")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True).stdout.split("\n")[-2]
    assert out == "(1, 57) 0 True"


def test_cli_starts_the_helper_for_audio_only(monkeypatch):
    """benchmark and train start it before importing the benchmark modules; a table, never."""
    from skaudio import cli

    calls = []
    monkeypatch.setattr(_warmup, "start", lambda: calls.append("start"))
    cli._start_compiling(cli._parser().parse_args(["benchmark", "--data", "features:t.csv"]))
    assert calls == []
    cli._start_compiling(cli._parser().parse_args(["benchmark"]))
    cli._start_compiling(cli._parser().parse_args(["train", "--data", "folder:songs", "--out",
                                                   "m.skops"]))
    assert calls == ["start", "start"]


@pytest.mark.slow
def test_a_caller_that_exits_at_once_stops_its_helper(tmp_path):
    """Importing the features and leaving: the helper is stopped and reaped, no warning."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    env.pop("SKAUDIO_NO_WARMUP", None)
    script = ("from skaudio import LibrosaFeatures, _warmup; "
              "print(_warmup._HELPER[0].pid)")
    result = subprocess.run([sys.executable, "-X", "dev", "-W", "error::ResourceWarning",
                             "-c", script], env=env, capture_output=True, text=True, check=True)
    assert "ResourceWarning" not in result.stderr, result.stderr
    with pytest.raises(ProcessLookupError):  # not running, not a zombie: reaped
        os.kill(int(result.stdout.split()[-1]), 0)
