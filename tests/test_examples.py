"""Run every script in examples/ (the docs include them verbatim), on built-in data.

Each prints what the docs show under it (``docs/gallery/``, made by
``docs/_ext/run_examples.py`` in a subprocess): a change in the library
that moves a number an example prints fails here, not only on the page.
"""

import json
import os
import re
import runpy
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
GALLERY = ROOT / "docs" / "gallery"
NEEDS_TORCH = {"cnn_on_mel.py"}
_TMP = re.compile(re.escape(tempfile.gettempdir().rstrip(os.sep)) + r"[/\\][\w.-]+")


def _comparable(text):
    """Printed lines with temporary paths as ``<tmp>`` and a table's fit times left out."""
    lines = _TMP.sub("<tmp>", text).strip().splitlines()
    if lines and lines[0].split()[-1:] == ["fit_time_s"]:  # wall-clock seconds: they vary
        width = len(lines[0].split())
        lines = [" ".join(line.split()[:-1]) if len(line.split()) == width else line
                 for line in lines]
    return lines


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_prints_what_the_docs_show(path, capsys, tmp_path, monkeypatch):
    if path.name in NEEDS_TORCH:
        pytest.importorskip("torch")
        pytest.importorskip("skorch")
    monkeypatch.chdir(tmp_path)  # as the gallery runs them: files they write go there
    runpy.run_path(str(path), run_name="__main__")
    printed = capsys.readouterr().out
    entry = json.loads((GALLERY / "gallery.json").read_text())[path.name]
    shown = (GALLERY / entry["output"]).read_text(encoding="utf-8")
    assert _comparable(printed) == _comparable(shown)
