"""MkDocs hooks for the skaudio site (``hooks:`` in mkdocs.yml).

- The version from ``skaudio/__init__.py`` goes into the header
  ("skaudio 0.1.0"), so it is never edited by hand.
- The benchmark figures (``benchmarks/results/<run>/*.png``) are served at
  ``img/results/<run>/<name>.png``: the results page shows them without a
  second copy in ``docs/``.
- A repository path cited as code in a page, ``docs/<page>.md``, becomes a
  link to that page (the benchmark README, included in the results page,
  cites the user guide this way).
"""

import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
_DOCS_PATH = re.compile(r"<code>docs/([\w./-]+\.md)</code>")


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
