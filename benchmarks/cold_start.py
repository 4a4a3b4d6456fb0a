"""Cold start: the first clip and the main job with an empty numba cache vs a warm one.

A fresh install has an empty numba cache: the first clip compiles skaudio's
own ``njit`` kernels, and every later run loads them from disk. (The
features import no librosa module: every one of them imports
``librosa.util``, whose ``guvectorize`` kernels compile for all their
signatures at import, 15 s of CPU; the first clip's row notes how many
librosa modules it imported.) This script measures, in one run and
interleaved so that the machine's load is shared alike:

- **first clip**: a fresh Python process that imports skaudio and computes
  ``LibrosaFeatures()`` of one 30 s WAV file, of the same clip as an array
  in memory, and of a 100 s array (a long clip: analysed in blocks of
  frames), with an empty ``NUMBA_CACHE_DIR`` (cold: importing
  ``skaudio.features`` starts a helper process that compiles half the
  kernels while the caller imports scikit-learn and compiles the other half,
  see ``skaudio/_warmup.py``), cold with the helper off
  (``SKAUDIO_NO_WARMUP=1``: the caller compiles them all), and again with
  the cache the cold run left (warm). "To the features" is the time from
  launching the interpreter to the features in hand; the wall time goes on
  to the process's exit (interpreter teardown: 0.2-0.4 s once scikit-learn
  and numba are loaded);
- **main job**: ``skaudio benchmark`` (the README's main job, built-in data)
  with an empty cache, helper on (the default), with an empty cache and the
  helper off, and warm;
- with ``--install``: ``pip install -e ".[plot]"`` into a fresh venv and
  again into the same venv (warm), for the whole README command;
- with ``--phases``: where the first clip's time goes, step by step (imports,
  data generation, skaudio's kernels for each preset);
- with ``--kernels``: the compile time of each numba kernel (and of the numba
  routines compiled inside it) on the first 30 s clip of each preset, cold.

Each row gives wall seconds, the CPU seconds of the processes (all of them:
helper included) and the 1-minute load average before it started. Writes
``benchmarks/results/cold_start.md``.

    python benchmarks/cold_start.py [--repeats 2] [--install] [--phases]
"""

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

FIRST_CLIP = """
import sys, time
path, source = sys.argv[1:]
start = time.perf_counter()
from skaudio import LibrosaFeatures
imported = time.perf_counter()
X = [path]
if source == "array":  # read before the clip's clock starts
    import soundfile
    X = soundfile.read(path, dtype="float32")[0][None]
loaded = time.perf_counter()
LibrosaFeatures().fit_transform(X)
done = time.perf_counter()
librosa = [m for m in sys.modules if m.startswith("librosa.")]
print(f"{imported - start:.3f} {done - loaded:.3f} {len(librosa)} {time.time():.3f}")
"""

FIRST_CLIPS = (("first clip (30 s WAV)", 30.0, "file"), ("first clip (30 s array)", 30.0, "array"),
               ("first clip (100 s array, in blocks)", 100.0, "array"))
"""The first-clip cases: (row name, clip seconds, read from the file or given as an array)."""


PHASES = """
import sys, time
marks, last = [], (time.perf_counter(), time.process_time())
def mark(name):
    global last
    now = (time.perf_counter(), time.process_time())
    marks.append((name, now[0] - last[0], now[1] - last[1]))
    last = (time.perf_counter(), time.process_time())
from skaudio.benchmark import run_benchmark
from skaudio.benchmark.data import load_benchmark_data
mark("import skaudio.benchmark")
bench = load_benchmark_data("builtin", random_state=0)
mark("generate the built-in data")
from skaudio import LibrosaFeatures
LibrosaFeatures(features="gtzan").fit_transform(bench.X[:1])
mark("first clip, gtzan (skaudio's kernels)")
LibrosaFeatures(features="full").fit_transform(bench.X[:1])
mark("first clip, full")
for name, wall, cpu in marks:
    print(f"{name}|{wall:.2f}|{cpu:.2f}")
"""


KERNELS = """
import sys, time
from collections import Counter, defaultdict
import numpy as np
from numba.core import event

class Compiles(event.Listener):
    # CPU seconds of each compiled function, those of the functions compiled inside it excluded
    def __init__(self):
        self.open, self.inner, self.cpu, self.count = [], {}, defaultdict(float), Counter()
    def on_start(self, ev):
        self.open.append((time.process_time(), ev))
    def on_end(self, ev):
        start, ev = self.open.pop()
        spent = time.process_time() - start
        func = ev.data["dispatcher"].py_func
        name = f"{func.__module__}.{func.__qualname__}"
        self.cpu[name] += spent - self.inner.pop(id(ev), 0.0)
        self.count[name] += 1
        if self.open:
            self.inner[id(self.open[-1][1])] = self.inner.get(id(self.open[-1][1]), 0.0) + spent

compiles = Compiles()
event.register("numba:compile", compiles)
from skaudio import LibrosaFeatures
from skaudio.datasets import make_genres
clip = make_genres(n_per_class=1, n_classes=2, duration=30.0, random_state=0).data[:1]
for preset in ("gtzan", "full"):
    LibrosaFeatures(features=preset).fit_transform(clip)
for name, cpu in sorted(compiles.cpu.items(), key=lambda item: -item[1]):
    print(f"{name}|{compiles.count[name]}|{cpu:.2f}")
"""


def kernels(python, tmp):
    """CPU seconds numba spends compiling each kernel of the first clip, cold (a table)."""
    load = os.getloadavg()[0]
    cache = Path(tempfile.mkdtemp(prefix="numba-", dir=tmp))
    _, _, _, out = _run([python, "-c", KERNELS], env=_env(cache, SKAUDIO_NO_WARMUP="1"))
    lines = ["| compiled function | compilations | compile CPU (s) |", "| --- | ---: | ---: |"]
    total = 0.0
    for row in out.strip().splitlines():
        name, count, cpu = row.split("|")
        lines.append(f"| `{name}` | {count} | {cpu} |")
        total += float(cpu)
    lines.append(f"| total | | **{total:.2f}** |")
    lines.append(f"\nGTZAN then full preset on one 30 s clip, empty cache, helper off (one "
                 f"process compiles every kernel); each function's own "
                 f"time (numba routines compiled inside a kernel on their own rows). "
                 f"Load average before: {load:.1f}.")
    return "\n".join(lines)


def phases(python, tmp):
    """Wall and CPU seconds of each step up to the first clip, cold then warm (a table)."""
    cache = Path(tempfile.mkdtemp(prefix="numba-", dir=tmp))
    runs = {}
    for case in ("cold", "warm"):
        load = os.getloadavg()[0]
        _, _, _, out = _run([python, "-c", PHASES], env=_env(cache))
        runs[case] = ([line.split("|") for line in out.strip().splitlines()], load)
    lines = ["| step | cold wall (s) | cold CPU (s) | warm wall (s) | warm CPU (s) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for (name, cw, cc), (_, ww, wc) in zip(runs["cold"][0], runs["warm"][0], strict=True):
        lines.append(f"| {name} | {cw} | {cc} | {ww} | {wc} |")
    lines.append(f"\nLoad average before: cold {runs['cold'][1]:.1f}, warm {runs['warm'][1]:.1f}.")
    return "\n".join(lines)


def _run(command, *, env=None, cwd=None):
    """Run ``command``; (wall s, CPU s of it and its children, 1-min load before, stdout)."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, load, result.stdout


def _env(cache, **extra):
    env = {k: v for k, v in os.environ.items() if k != "SKAUDIO_NO_WARMUP"}
    return {**env, "NUMBA_CACHE_DIR": str(cache), **extra}


def _wav(folder, seconds=30.0):
    """One generated clip of ``seconds`` as a 22,050 Hz WAV file (the first clip to analyse)."""
    import soundfile as sf

    from skaudio.datasets import make_genres

    clip = make_genres(n_per_class=1, n_classes=2, duration=seconds, random_state=0).data[0]
    path = Path(folder) / f"clip-{seconds:g}s.wav"
    sf.write(path, clip, 22050)
    return path


def first_clip(python, wavs, tmp, rows):
    """Each first-clip case cold, cold without the helper, then warm: a fresh process each."""
    for what, seconds, source in FIRST_CLIPS:
        caches = [Path(tempfile.mkdtemp(prefix="numba-", dir=tmp)) for _ in range(2)]
        for case, cache in (("cold", caches[0]), ("cold, no helper", caches[1]),
                            ("warm", caches[0])):
            extra = {"SKAUDIO_NO_WARMUP": "1"} if case == "cold, no helper" else {}
            launched = time.time()
            wall, cpu, load, out = _run([python, "-c", FIRST_CLIP, str(wavs[seconds]), source],
                                        env=_env(cache, **extra))
            imports, clip, n_librosa, done = out.split()
            rows.append(dict(what=what, case=case, wall=wall, cpu=cpu, load=load,
                             features=float(done) - launched,
                             note=f"imports {float(imports):.1f} s + clip {float(clip):.1f} s; "
                                  f"librosa modules: {n_librosa}"))
        for cache in caches:
            shutil.rmtree(cache)


def main_job(python, tmp, rows, order):
    """The main job cold with the helper, cold without it, and warm, in ``order``."""
    warm_cache = None
    for case in order:
        if case == "warm" and warm_cache is None:
            continue
        cache = warm_cache if case == "warm" else Path(tempfile.mkdtemp(prefix="numba-",
                                                                         dir=tmp))
        extra = {"SKAUDIO_NO_WARMUP": "1"} if case == "cold, no helper" else {}
        out = Path(tempfile.mkdtemp(prefix="bench-", dir=tmp))
        wall, cpu, load, _ = _run([python, "-m", "skaudio", "benchmark", "-q", "--out",
                                   str(out)], env=_env(cache, **extra), cwd=tmp)
        rows.append(dict(what="main job (skaudio benchmark)", case=case, wall=wall, cpu=cpu,
                         load=load, note=""))
        if case == "cold":
            warm_cache = cache


def install(tmp, rows):
    """``pip install -e ".[plot]"`` into a fresh venv, then again (warm)."""
    venv = Path(tmp) / "venv"
    wall, cpu, load, _ = _run([sys.executable, "-m", "venv", str(venv)])
    rows.append(dict(what="python -m venv", case="fresh", wall=wall, cpu=cpu, load=load,
                     note=""))
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-e", ".[plot]"]
    for case in ("fresh", "warm"):
        wall, cpu, load, _ = _run(pip, cwd=ROOT)
        rows.append(dict(what='pip install -e ".[plot]"', case=case, wall=wall, cpu=cpu,
                         load=load, note="fresh venv" if case == "fresh" else "all installed"))
    return str(venv / "bin" / "python")


def _median(rows, what, case, key="wall"):
    values = [r[key] for r in rows if r["what"] == what and r["case"] == case]
    return float(np.median(values)) if values else None


def report(rows, args, python, split=None, compiled=None):
    lines = [
        "# Cold start: empty numba cache vs warm",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Command: `python benchmarks/cold_start.py "
        f"--repeats {args.repeats}{' --install' if args.install else ''}"
        f"{' --phases' if args.phases else ''}{' --kernels' if args.kernels else ''}`"
        f"{' (first clip and main job in the fresh venv)' if args.install else ''}. "
        "Cold = a fresh empty `NUMBA_CACHE_DIR`; warm = the cache a cold run left. "
        "Rows in the order run (interleaved); load = 1-minute load average before the row "
        "(2 cores: above 2 the machine was busy with other work, and wall times stretch).",
        "",
        "| what | case | to the features (s) | wall (s) | CPU (s) | load | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        features = f"{r['features']:.2f}" if "features" in r else ""
        lines.append(f"| {r['what']} | {r['case']} | {features} | {r['wall']:.2f} | "
                     f"{r['cpu']:.1f} | {r['load']:.1f} | {r['note']} |")
    lines.append("")
    job = "main job (skaudio benchmark)"
    cold, warm = _median(rows, job, "cold"), _median(rows, job, "warm")
    plain = _median(rows, job, "cold, no helper")
    for what, _, _ in FIRST_CLIPS:
        lines.append(
            f"- {what[0].upper()}{what[1:]}, medians, to the features (process wall): cold "
            f"**{_median(rows, what, 'cold', 'features'):.2f} s** "
            f"({_median(rows, what, 'cold'):.2f}), cold without the helper "
            f"{_median(rows, what, 'cold, no helper', 'features'):.2f} s "
            f"({_median(rows, what, 'cold, no helper'):.2f}), warm "
            f"{_median(rows, what, 'warm', 'features'):.2f} s "
            f"({_median(rows, what, 'warm'):.2f}); interpreter start and imports included.")
    lines.append(f"- Main job, medians: cold **{cold:.1f} s** with the helper"
                 + (f", {plain:.1f} s without" if plain is not None else "")
                 + f"; warm **{warm:.1f} s**: cold/warm **{cold / warm:.2f}x**"
                 + (f" ({plain / warm:.2f}x without the helper)." if plain else "."))
    pip_fresh = _median(rows, 'pip install -e ".[plot]"', "fresh")
    if pip_fresh is not None:
        pip_warm = _median(rows, 'pip install -e ".[plot]"', "warm")
        venv = _median(rows, "python -m venv", "fresh")
        fresh, again = venv + pip_fresh + cold, pip_warm + warm
        lines.append(f"- The README command `pip install -e \".[plot]\" && skaudio benchmark`: "
                     f"fresh venv {fresh:.1f} s (venv {venv:.1f} + pip {pip_fresh:.1f} + "
                     f"benchmark {cold:.1f}), warm {again:.1f} s (pip {pip_warm:.1f} + "
                     f"benchmark {warm:.1f}): **{fresh / again:.2f}x**.")
    lines.append(f"- Interpreter: `{python}`.")
    if split is not None:
        lines += ["", "## Where the first clip's time goes (one process, step by step)", "",
                  split]
    if compiled is not None:
        lines += ["", "## What the first clip compiles (one process, empty cache)", "", compiled]
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="rounds of every case")
    parser.add_argument("--phases", action="store_true",
                        help="also time each step up to the first clip, cold and warm")
    parser.add_argument("--kernels", action="store_true",
                        help="also time the compilation of each numba kernel, cold")
    parser.add_argument("--install", action="store_true",
                        help="also time pip install -e '.[plot]' into a fresh venv (and run "
                             "the rest with that venv's python)")
    default_out = Path(__file__).parent / "results" / "cold_start.md"
    parser.add_argument("--out", default=str(default_out), help="markdown table to write")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        python = install(tmp, rows) if args.install else sys.executable
        split = phases(python, tmp) if args.phases else None
        compiled = kernels(python, tmp) if args.kernels else None
        wavs = {seconds: _wav(tmp, seconds) for seconds in {s for _, s, _ in FIRST_CLIPS}}
        orders = [("cold", "warm", "cold, no helper", "warm"),
                  ("cold, no helper", "cold", "warm")]
        for i in range(args.repeats):
            first_clip(python, wavs, tmp, rows)
            main_job(python, tmp, rows, orders[i % 2])
    report(rows, args, python, split, compiled)


if __name__ == "__main__":
    main()
