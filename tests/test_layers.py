"""The packages point one way: faq (pure) ← db ← handlers ← bot / dashboard, and the
dashboard never imports the transport. `bot/serve.py`, `bot/runtime.py` (the wiring of one
process, which takes the dashboard's session key for the audio links) and `bot/__main__.py`
are the composition root: they alone may import the dashboard."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("faq", "db", "handlers", "bot", "dashboard")
# What each package may import of the others.
ALLOWED = {
    "faq": set(),
    "db": {"faq"},
    "handlers": {"faq", "db"},
    "dashboard": {"faq", "db", "handlers"},
    "bot": {"faq", "db", "handlers"},
}
COMPOSITION_ROOT = {"bot/serve.py", "bot/runtime.py", "bot/__main__.py"}


def _imported_packages(path: Path) -> set[str]:
    """Our top-level packages a module imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names)
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        if "migrations" in path.parts or module in COMPOSITION_ROOT:
            continue
        for imported in _imported_packages(path) - ALLOWED[package] - {package}:
            wrong.append(f"{module} imports {imported}")
    assert not wrong, wrong
