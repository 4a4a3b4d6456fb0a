"""Griffe extension for the skaudio docs: numpydoc habits made to render in mkdocstrings.

The docstrings follow numpydoc, as scikit-learn's do, so ``help()`` and
IPython show them well; mkdocstrings reads Markdown. At docs build time
this extension

- turns the Sphinx roles ``:class:`X```, ``:func:``, ``:meth:``, ``:mod:``,
  ``:data:``, ``:attr:``, ``:exc:`` and ``:obj:`` into cross-references
  (``[`X`][full.path]``), resolving a short name in the scope of the
  object whose docstring holds it; a leading ``~`` shows the last part
  only, as in Sphinx. Names outside skaudio (scikit-learn, joblib, ...)
  become inline code, since no external inventory is loaded;
- writes the names of a numpydoc "See Also" section as cross-references;
- registers the names ``skaudio/__init__.py`` imports lazily (its
  ``_LAZY`` table) as members of ``skaudio``, so ``::: skaudio.LibrosaFeatures``
  documents a class under the path users import it from.

A name that cannot be resolved stays code and is logged as a warning, which
fails ``mkdocs build --strict``.
"""

from __future__ import annotations

import ast
import re

import griffe

logger = griffe.get_logger("griffe_skaudio")

_ROLE = re.compile(r":(?:py:)?(class|func|meth|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")
_EXTERNAL = ("sklearn", "numpy", "scipy", "joblib", "pickle", "skops", "torch", "skorch",
             "librosa", "pandas", "dask", "matplotlib", "soundfile", "os", "pathlib", "warnings")


def _walk(obj):
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


def _resolve(obj, name):
    """Full skaudio path of ``name`` as seen from ``obj``, or None."""
    if name.startswith("skaudio"):
        return name
    if name.split(".")[0] in _EXTERNAL:
        return None
    scope = obj if (obj.is_class or obj.is_module) else obj.parent
    while scope is not None:
        head, _, rest = name.partition(".")
        if head in scope.members:
            member = scope.members[head]
            path = member.path
            return f"{path}.{rest}" if rest else path
        scope = scope.parent
    try:
        return obj.resolve(name)
    except (griffe.NameResolutionError, AttributeError, KeyError):
        return None


def _link(obj, tilde, name):
    title = name.rsplit(".", 1)[-1] if tilde else name
    target = _resolve(obj, name)
    if target is None or not target.startswith("skaudio"):
        if name.split(".")[0] not in _EXTERNAL:
            logger.warning("%s: cannot resolve the cross-reference %r", obj.path, name)
        return f"`{title}`"
    return f"[`{title}`][{target}]"


def _see_also(obj, text):
    """Each "See Also" entry (``name : description``) as a list item with a link."""
    lines = text.split("\n")
    out, i, inside = [], 0, False
    while i < len(lines):
        line = lines[i]
        underlined = i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip() or "x")
        if underlined:
            inside = line.strip() == "See Also"
            out += [line, lines[i + 1]]
            i += 2
            continue
        if inside and line and not line[0].isspace():
            names, sep, desc = line.partition(" : ")
            if not sep and names.endswith(" :"):
                names = names[:-2]
            links = ", ".join(_link(obj, False, n.strip()) for n in names.split(",") if n.strip())
            out.append(f"- {links}" + (f": {desc.strip()}" if desc.strip() else ""))
        elif inside and line.strip():
            out.append("  " + line.strip())
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


class SkaudioDocs(griffe.Extension):
    """Sphinx roles to cross-references, and the lazy public names of ``skaudio``."""

    def on_package(self, *, pkg, loader, **kwargs):
        if pkg.name != "skaudio":
            return
        lazy = pkg.members.get("_LAZY")
        if lazy is not None and lazy.value is not None:
            for name, module in ast.literal_eval(str(lazy.value)).items():
                if name not in pkg.members:
                    target = "skaudio" + module + "." + name
                    pkg.set_member(name, griffe.Alias(name, target, parent=pkg))
        for obj in _walk(pkg):
            if obj.docstring is None:
                continue
            text = _see_also(obj, obj.docstring.value)
            text = _ROLE.sub(lambda m, obj=obj: _link(obj, m.group(2), m.group(3).strip()), text)
            obj.docstring.value = text
