"""The API reference (docs/api/*.md) documents every public name.

Reads the ``::: identifier`` directives of the Markdown pages (no docs build
needed) and checks that each name in the ``__all__`` of a public module is
documented, under its public path or any path to the same object.
"""

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pytest

API_DIR = Path(__file__).resolve().parents[1] / "docs" / "api"
# "::: identifier" and its indented options, if any
DIRECTIVE = re.compile(r"^:::\s+([\w.]+)[ \t]*\n((?:[ \t]+\S.*\n?)*)", re.MULTILINE)
PUBLIC_MODULES = [
    "skaudio",
    "skaudio.functional",
    "skaudio.datasets",
    "skaudio.model_selection",
    "skaudio.benchmark",
    "skaudio.nets",
    "skaudio.persistence",
]


def _documented():
    """Identifiers of the directives, and of the members a module directive renders."""
    idents = set()
    for page in sorted(API_DIR.glob("*.md")):
        for ident, options in DIRECTIVE.findall(page.read_text(encoding="utf-8") + "\n"):
            idents.add(ident)
            if re.search(r"^\s+members:\s*false\s*$", options, re.MULTILINE):
                continue
            try:
                obj = _lookup(ident)
            except (ImportError, AttributeError):  # an optional dependency (torch) is missing
                continue
            if inspect.ismodule(obj):
                idents.update(f"{ident}.{name}" for name in getattr(obj, "__all__", ()))
    return idents


def _lookup(ident):
    """The object at a dotted path: the longest importable module, then attributes."""
    parts = ident.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(ident)


def _directive_objects(idents):
    objects = {}
    for ident in idents:
        if ident.startswith("skaudio.nets") and importlib.util.find_spec("torch") is None:
            continue
        objects[ident] = _lookup(ident)
    return objects


def test_directives_resolve():
    """Every ``:::`` directive names an object that exists."""
    idents = _documented()
    assert idents, f"no '::: identifier' directive found under {API_DIR}"
    _directive_objects(idents)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_is_documented(module_name):
    if module_name == "skaudio.nets":
        pytest.importorskip("torch")
    module = importlib.import_module(module_name)
    idents = _documented()
    objects = _directive_objects(idents)
    documented_ids = {id(obj) for obj in objects.values()}
    missing = []
    for name in module.__all__:
        if name.startswith("__"):  # __version__
            continue
        path = f"{module_name}.{name}"
        if path in idents or id(getattr(module, name)) in documented_ids:
            continue
        missing.append(path)
    assert not missing, (
        f"public names with no '::: identifier' entry in docs/api/*.md: {missing}; "
        "add one to the page of its kind."
    )


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_class_and_function_has_an_example(module_name):
    """Each rendered entry shows a working example (doctests run them in the suite)."""
    if module_name == "skaudio.nets":
        pytest.importorskip("torch")
    module = importlib.import_module(module_name)
    without = []
    for name in module.__all__:
        obj = getattr(module, name)
        is_error = inspect.isclass(obj) and issubclass(obj, BaseException)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and not is_error:
            if "Examples\n--------" not in (inspect.getdoc(obj) or ""):
                without.append(f"{module_name}.{name}")
    assert not without, f"no Examples section in the docstring of: {without}"


def _documented_parameters(doc):
    """Parameter names of a numpydoc ``Parameters`` section, in order."""
    section = re.search(r"Parameters\n-+\n(.*?)(\n\n[A-Z][A-Za-z ]+\n-+\n|\Z)", doc, re.S)
    names = []
    for line in section.group(1).splitlines() if section else []:
        entry = re.match(r"^(\*{0,2}\w+(?:, \w+)*)\s*(:|$)", line)
        if entry:
            names += [name.strip().lstrip("*") for name in entry.group(1).split(",")]
    return names


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_parameter_is_documented_in_order(module_name):
    if module_name == "skaudio.nets":
        pytest.importorskip("torch")
    module = importlib.import_module(module_name)
    wrong = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            if "Parameters\n" not in (inspect.getdoc(obj) or ""):
                continue  # no constructor parameters of its own (dataclasses, warnings)
            function = obj.__init__
        elif inspect.isfunction(obj):
            function = obj
        else:
            continue
        signature = inspect.signature(function).parameters.values()
        expected = [p.name for p in signature if p.name != "self" and p.kind not in
                    (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
        # *args are documented by name but not compared (group_train_test_split's arrays)
        documented = [n for n in _documented_parameters(inspect.getdoc(obj) or "")
                      if n in expected]
        if documented != expected:
            wrong.append(f"{module_name}.{name}: documents {documented}, takes {expected}")
    assert not wrong, "\n".join(wrong)
