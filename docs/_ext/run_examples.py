"""Run the scripts of examples/ and keep what they print and draw for the docs.

The examples take about a minute together (the benchmark one alone ~25 s on
2 cores), too long for every docs build, so their output is cached in
``docs/gallery/``, committed, and shown by the docs hook (``docs/_ext/hooks.py``)
under each example's source on the Examples page:

- ``<stem>.txt``: what the script printed (stdout; temporary directories
  shown as ``<tmp>``),
- ``<stem>-<n>.png``: each figure it saved (any ``savefig``) or left open,
- ``gallery.json``: per script, the SHA-256 of the source the output came
  from, its run time and its figures.

Rerun after changing an example (or what it prints)::

    python docs/_ext/run_examples.py                 # all of them
    python docs/_ext/run_examples.py cnn_on_mel.py   # only these

A stale or missing output fails ``mkdocs build --strict`` and
``tests/test_docs_build.py``; ``--check`` lists them without running anything.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GALLERY = ROOT / "docs" / "gallery"
MANIFEST = GALLERY / "gallery.json"
FIGURE_DPI = 80


def examples():
    """The example scripts, by name."""
    return {path.name: path for path in sorted(EXAMPLES.glob("*.py"))}


def source_hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_manifest():
    if not MANIFEST.is_file():
        return {}
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def stale():
    """Examples whose cached output is missing or from another version of the source."""
    manifest = load_manifest()
    problems = []
    for name, path in examples().items():
        entry = manifest.get(name)
        if entry is None or not (GALLERY / entry["output"]).is_file():
            problems.append(f"{name}: no cached output")
        elif entry["sha256"] != source_hash(path):
            problems.append(f"{name}: the source changed since its output was cached")
        else:
            problems += [
                f"{name}: figure {fig['file']} is missing"
                for fig in entry["figures"]
                if not (GALLERY / fig["file"]).is_file()
            ]
    problems += [
        f"{name}: cached, but no such example" for name in manifest if name not in examples()
    ]
    return problems


# -- in the child process: run one script, keeping its figures ----------------------


def _run_one(script, stem, figures_json):
    """Run ``script`` as ``__main__``; copy each figure it saves or leaves open."""
    import runpy

    os.environ.setdefault("MPLBACKEND", "Agg")
    saved = []

    def keep(fig, name):
        file = f"{stem}-{len(saved) + 1}.png"
        original(fig, GALLERY / file, dpi=FIGURE_DPI, metadata={"Software": None})
        saved.append({"file": file, "name": name})

    try:
        from matplotlib.figure import Figure
    except ImportError:  # no matplotlib: no figures
        Figure = None
    if Figure is not None:
        original = Figure.savefig

        def savefig(self, fname, *args, **kwargs):
            result = original(self, fname, *args, **kwargs)
            name = Path(fname).name if isinstance(fname, (str, os.PathLike)) else None
            keep(self, name)
            self._skaudio_gallery_saved = True
            return result

        Figure.savefig = savefig

    sys.argv = [str(script)]
    runpy.run_path(str(script), run_name="__main__")

    if Figure is not None and "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        for num in plt.get_fignums():
            fig = plt.figure(num)
            if not getattr(fig, "_skaudio_gallery_saved", False):
                keep(fig, None)
    Path(figures_json).write_text(json.dumps(saved), encoding="utf-8")


# -- in the parent ------------------------------------------------------------------


_TMP = re.compile(re.escape(tempfile.gettempdir().rstrip(os.sep)) + r"[/\\]tmp[\w-]+")


def run(name, path):
    stem = path.stem
    for old in GALLERY.glob(f"{stem}-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        figures_json = Path(tmp) / "figures.json"
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(path), str(figures_json)],
            cwd=tmp,
            capture_output=True,
            text=True,
            env=dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0"),
        )
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed:\n{proc.stdout}\n{proc.stderr}")
        figures = json.loads(figures_json.read_text(encoding="utf-8"))
    output = _TMP.sub("<tmp>", proc.stdout).rstrip() + "\n"
    (GALLERY / f"{stem}.txt").write_text(output, encoding="utf-8")
    return {
        "sha256": source_hash(path),
        "output": f"{stem}.txt",
        "figures": figures,
        "seconds": round(seconds, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="example file names (default: all)")
    parser.add_argument("--check", action="store_true", help="list stale outputs, run nothing")
    parser.add_argument(
        "--one", nargs=2, metavar=("SCRIPT", "FIGURES_JSON"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.one:
        script = Path(args.one[0])
        _run_one(script, script.stem, args.one[1])
        return 0
    if args.check:
        problems = stale()
        print("\n".join(problems) or "the gallery is up to date")
        return 1 if problems else 0

    available = examples()
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"no such example: {', '.join(unknown)} (have: {', '.join(available)})")
    GALLERY.mkdir(parents=True, exist_ok=True)
    manifest = {k: v for k, v in load_manifest().items() if k in available}
    for name in args.names or available:
        print(f"running {name} ...", end=" ", flush=True)
        manifest[name] = run(name, available[name])
        print(f"{manifest[name]['seconds']} s, {len(manifest[name]['figures'])} figure(s)")
    kept = {GALLERY / entry["output"] for entry in manifest.values()}
    kept |= {GALLERY / fig["file"] for entry in manifest.values() for fig in entry["figures"]}
    for old in [*GALLERY.glob("*.txt"), *GALLERY.glob("*.png")]:
        if old not in kept:  # an example removed or renamed
            old.unlink()
    MANIFEST.write_text(
        json.dumps(dict(sorted(manifest.items())), indent=2) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
