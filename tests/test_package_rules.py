"""The package's house rules (CONTRIBUTING.md), checked by tools rather than by memory.

* Import contracts (import-linter, ``[tool.importlinter]`` in pyproject.toml): the classroom sits on top
  and the core never imports it; the methods are peers; every module has a declared place. Each rule is
  shown to fail once, on a copy of the package with one forbidden import planted in it.
* No dead code (vulture): every name convkit defines is used by convkit, its tests, benchmarks, the book's
  build or a chapter's code cells; the allow-list holds only names that other programs call (IPython's
  and nbformat's protocols, a widget's synced state) and says which.
* No function over MAX_LINES lines without a comment that says why (``# Long: ...``).
"""
import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MAX_LINES = 50


def lint_imports(root: Path):
    done = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": str(BIN)}, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_the_import_contracts_hold():
    code, out = lint_imports(ROOT)
    assert code == 0, out
    assert "Contracts: 2 kept, 0 broken." in out, out


# A copy of the package with one rule broken: (file, line planted in it, what the report must say).
BREAKS = {
    "core imports the classroom": ("convkit/geometry.py", "from . import checks  # noqa: F401",
                                   "convkit.geometry -> convkit.checks"),
    "an engine imports another": ("convkit/methods/winograd.py", "from . import fast  # noqa: F401",
                                  "convkit.methods.winograd -> convkit.methods.fast"),
    "memory imports upward": ("convkit/memory.py", "from . import geometry  # noqa: F401",
                              "convkit.memory -> convkit.geometry"),
    "a module with no place": ("convkit/stray.py", "X = 1", "convkit.stray"),
}


@pytest.mark.parametrize("rule", BREAKS)
def test_a_broken_contract_fails(rule, tmp_path):
    shutil.copytree(ROOT / "convkit", tmp_path / "convkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    path, line, named = BREAKS[rule]
    target = tmp_path / path
    text = target.read_text() if target.exists() else ""
    target.write_text(f"{text}\n{line}\n")  # at the end: a top-level import, outside any docstring
    code, out = lint_imports(tmp_path)
    assert code != 0 and "BROKEN" in out, out
    assert named in out, out


def notebook_code(dest: Path) -> Path:
    """Every chapter's code cells in one Python file (IPython's %magics and !commands left out)."""
    cells = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] == "code":
                lines = "".join(cell["source"]).splitlines()
                cells.append("\n".join(x for x in lines if not x.lstrip().startswith(("%", "!"))))
    dest.write_text("\n\n".join(cells))
    return dest


def test_no_dead_code(tmp_path):
    used_by = [ROOT / "tests", ROOT / "benchmarks", ROOT / "book", notebook_code(tmp_path / "notebooks.py")]
    done = subprocess.run(
        [sys.executable, "-m", "vulture", str(ROOT / "convkit"), *map(str, used_by), str(ROOT / "tests" / "vulture_allowlist.py"),
         "--min-confidence", "60", "--exclude", "*/_build/*,*/_build_nosolutions/*",
         # a chapter's hand-worked answers are registered by this decorator, never called by name
         "--ignore-decorators", "@_hand_answer"],
        capture_output=True, text=True, timeout=300)
    dead = [line for line in done.stdout.splitlines() if line.startswith(str(ROOT / "convkit"))
            or line.startswith("convkit")]
    assert not dead, "\n".join(dead)


def long_functions(root: Path):
    """(file:line name, lines) of every function longer than MAX_LINES with no '# Long:' comment in it."""
    found = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) is not None and len(node.body) > 1 else node.body
                length = node.end_lineno - body[0].lineno + 1
                text = lines[node.lineno - 1 : node.end_lineno]
                if length > MAX_LINES and not any(x.strip().startswith("# Long:") for x in text):
                    found.append((f"{path.relative_to(root.parent)}:{node.lineno} {node.name}", length))
    return found


def test_no_long_function_without_a_reason():
    assert not long_functions(ROOT / "convkit")


def test_the_long_function_rule_can_fail(tmp_path):
    pkg = tmp_path / "convkit"
    pkg.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES + 1))
    (pkg / "m.py").write_text(f"def f():\n    \"\"\"Doc.\"\"\"\n{body}\n")
    assert long_functions(pkg) == [("convkit/m.py:1 f", MAX_LINES + 1)]
    (pkg / "m.py").write_text(f"def f():\n    # Long: one table of numbers.\n{body}\n")
    assert long_functions(pkg) == []
