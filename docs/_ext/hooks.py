"""MkDocs hooks for the skaudio site (``hooks:`` in mkdocs.yml).

- The version from ``skaudio/__init__.py`` goes into the header
  ("skaudio 0.1.0"), so it is never edited by hand.
- The benchmark figures (``benchmarks/results/<run>/*.png``) are served at
  ``img/results/<run>/<name>.png``: the results page shows them without a
  second copy in ``docs/``.
- A repository path cited as code in a page, ``docs/<page>.md``, becomes a
  link to that page (the benchmark README, included in the results page,
  cites the user guide this way).
- The Examples page: each ``<!-- example: name.py -->`` marker becomes the
  script's source, what it printed and the figures it saved, as cached in
  ``docs/gallery/`` by ``docs/_ext/run_examples.py`` (the scripts take too
  long to run on every build). A missing or stale output, or an example with
  no marker, is a warning, so ``mkdocs build --strict`` fails on it.
"""

import importlib.util
import logging
import re
from pathlib import Path

from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.skaudio")

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
_DOCS_PATH = re.compile(r"<code>docs/([\w./-]+\.md)</code>")
_EXAMPLE = re.compile(r"^<!-- example: ([\w.-]+\.py) -->[ \t]*$", re.MULTILINE)
GALLERY_PAGE = "examples.md"


def _run_examples():
    """docs/_ext/run_examples.py, the owner of the gallery's cache (not a package)."""
    path = Path(__file__).with_name("run_examples.py")
    spec = importlib.util.spec_from_file_location("skaudio_docs_run_examples", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def on_config(config, **kwargs):
    text = (ROOT / "skaudio" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if match and not config["site_name"].endswith(match.group(1)):
        config["site_name"] = f"{config['site_name']} {match.group(1)}"
    return config


def on_files(files, config, **kwargs):
    for png in sorted(RESULTS.glob("*/*.png")):
        uri = f"img/results/{png.parent.name}/{png.name}"
        files.append(File.generated(config, uri, abs_src_path=str(png)))
    return files


def on_page_content(html, page, config, files, **kwargs):
    # on the HTML: text included with pymdownx.snippets is not in the page's Markdown
    def link(match):
        target = files.get_file_from_path(match.group(1))
        if target is None or not target.is_documentation_page():
            return match.group(0)
        title = target.page.title if target.page is not None and target.page.title else None
        text = title or match.group(0)
        return f'<a href="{target.url_relative_to(page.file)}">{text}</a>'

    return _DOCS_PATH.sub(link, html)


def on_page_markdown(markdown, page, config, files, **kwargs):
    if page.file.src_uri != GALLERY_PAGE:
        return markdown
    gallery = _run_examples()
    for problem in gallery.stale():
        log.warning(f"examples gallery: {problem}; run python docs/_ext/run_examples.py")
    manifest = gallery.load_manifest()
    scripts = gallery.examples()
    shown = set(_EXAMPLE.findall(markdown))
    for name in sorted(set(scripts) - shown):
        log.warning(f"{GALLERY_PAGE}: no '<!-- example: {name} -->' marker for examples/{name}")

    def expand(match):
        name = match.group(1)
        if name not in scripts:
            log.warning(f"{GALLERY_PAGE}: marker for examples/{name}, which does not exist")
            return match.group(0)
        source = scripts[name].read_text(encoding="utf-8").rstrip()
        parts = [f'```python title="examples/{name}"\n{source}\n```']
        entry = manifest.get(name)
        if entry is None:
            return "\n\n".join(parts)
        output = (gallery.GALLERY / entry["output"]).read_text(encoding="utf-8").rstrip()
        parts.append(f"Output (ran in {entry['seconds']:.0f} s):")
        parts.append(f"```text\n{output or '(nothing printed)'}\n```")
        figures = []
        for fig in entry["figures"]:
            target = files.get_file_from_path(f"gallery/{fig['file']}")
            if target is None:
                continue
            caption = f"{fig['name']}" if fig.get("name") else f"figure of {name}"
            src = target.url_relative_to(page.file)
            figures.append(
                f'<figure><a href="{src}"><img src="{src}" alt="{caption}" loading="lazy"></a>'
                f"<figcaption>{caption}</figcaption></figure>"
            )
        if figures:
            parts.append("Figures it saved:")
            parts.append('<div class="skaudio-gallery">' + "".join(figures) + "</div>")
        return "\n\n".join(parts)

    return _EXAMPLE.sub(expand, markdown)
