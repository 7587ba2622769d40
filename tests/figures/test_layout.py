"""The figures package's layout: one module a chapter, named after its notebook, that imports the kit and
never another chapter (what it may import of the core: the import contracts, tests/test_package_rules.py)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "convkit" / "figures"
CHAPTERS = sorted(PACKAGE.glob("ch[0-9][0-9]_*.py"))


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or ""), [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            yield from ((a.name, None) for a in node.names)


def test_every_chapter_module_is_named_after_a_notebook():
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert CHAPTERS and {p.stem[2:] for p in CHAPTERS} <= notebooks


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_a_chapter_imports_the_kit_and_no_other_chapter(path):
    for module, _ in _imports(path):
        if module.startswith(".") and module != ".kit":
            assert module != "." and not module.startswith(".ch"), f"{path.name} imports another chapter: {module}"
        assert not module.startswith("convkit"), f"{path.name}: import the core relatively ({module})"
