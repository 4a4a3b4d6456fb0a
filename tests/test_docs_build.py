"""The documentation site builds, strictly, and what it renders is sound.

One ``mkdocs build --strict`` (a few seconds) into a temporary directory,
then checks on the built HTML: no raw Sphinx role (``:class:`...```) reached
a page, and every relative link or image points at a file (and anchor) of
the site. Skipped when the docs packages (the ``docs`` extra, also in
``dev``) are not installed.
"""

import importlib.util
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS_PACKAGES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
RAW_ROLE = re.compile(r":(class|func|meth|mod|data|attr|obj|exc):`?")


def _missing_docs_packages():
    missing = []
    for name in DOCS_PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # the parent package is missing
            found = False
        if not found:
            missing.append(name)
    return missing


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    missing = _missing_docs_packages()
    if missing:
        pytest.skip(
            f"docs packages not installed ({', '.join(missing)}): "
            'pip install -e ".[docs]" (or ".[dev]") to build the site'
        )
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


class _Page(HTMLParser):
    """The ids of a page, its links and images, its text, and its text outside code.

    A role left raw by the docs build shows as ``:class:`` before the name's
    code span; one quoted on purpose (inside backticks) is all code.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.refs, self.text, self.all_text = set(), [], [], []
        self._code = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("code", "pre", "script", "style"):
            self._code += 1
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for attr in ("href", "src"):
            if attrs.get(attr) and tag in ("a", "img", "link", "script"):
                self.refs.append(attrs[attr])

    def handle_endtag(self, tag):
        if tag in ("code", "pre", "script", "style") and self._code:
            self._code -= 1

    def handle_data(self, data):
        self.all_text.append(data)
        self.text.append("\n" if self._code else data)


def _pages(site):
    pages = {}
    for path in sorted(site.resolve().rglob("*.html")):
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = parser
    return pages


@pytest.fixture(scope="module")
def pages(site):
    parsed = _pages(site)
    assert len(parsed) > 10, f"only {len(parsed)} HTML pages built"
    return parsed


def test_no_raw_sphinx_roles(site, pages):
    found = []
    for path, page in pages.items():
        text = "".join(page.text)
        for match in RAW_ROLE.finditer(text):
            context = text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")
            found.append(f"{path.relative_to(site.resolve())}: ...{context}...")
    assert not found, (
        "raw Sphinx roles in the built HTML (use mkdocstrings cross-references, "
        "[`name`][skaudio.name], or plain `name` in See Also):\n" + "\n".join(found[:30])
    )


def _is_internal(ref):
    parts = urlsplit(ref)
    return not (parts.scheme or parts.netloc or ref.startswith(("/", "data:")))


def test_no_broken_internal_links(site, pages):
    broken = []
    for path, page in pages.items():
        for ref in page.refs:
            if not _is_internal(ref):
                continue
            parts = urlsplit(ref)
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(site.resolve())}: {ref}"
            if not target.is_file():
                broken.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                if target not in pages or unquote(parts.fragment) not in pages[target].ids:
                    broken.append(f"{where} (no such anchor)")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:40])


def _run_examples():
    path = ROOT / "docs" / "_ext" / "run_examples.py"
    spec = importlib.util.spec_from_file_location("skaudio_docs_run_examples", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_examples_gallery_is_fresh():
    """The cached output of each example (docs/gallery/) is from its current source."""
    problems = _run_examples().stale()
    assert not problems, (
        "the examples gallery is out of date: run python docs/_ext/run_examples.py "
        "[names] and commit docs/gallery/\n" + "\n".join(problems)
    )


def test_examples_page_shows_output_and_figures(site, pages):
    gallery = _run_examples()
    page = pages[(site / "examples" / "index.html").resolve()]
    text = "".join(page.all_text)
    for name, entry in gallery.load_manifest().items():
        printed = (gallery.GALLERY / entry["output"]).read_text(encoding="utf-8").strip()
        for line in printed.splitlines():  # every line, in the page's spacing-free text
            assert "".join(line.split()) in "".join(text.split()), \
                f"{name}'s output line {line!r} is not on the page"
        for fig in entry["figures"]:
            assert f"../gallery/{fig['file']}" in page.refs, f"{fig['file']} is not on the page"
