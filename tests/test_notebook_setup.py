"""Every chapter starts with the set-up cell that installs convkit where it is missing."""
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "book"))
import notebook_setup  # noqa: E402


def test_setup_cells_match_the_book_configuration():
    out = subprocess.run([sys.executable, str(ROOT / "book" / "notebook_setup.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_check_notices_a_stale_cell(tmp_path):
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    nb.cells[[c.cell_type for c in nb.cells].index("code")].source = notebook_setup.setup_source(
        "git+https://example.org/elsewhere@main")
    nbformat.write(nb, tmp_path / "stale.ipynb")
    assert notebook_setup.out_of_date([tmp_path / "stale.ipynb"]) == [tmp_path / "stale.ipynb"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_convkit_is_set_up_before_anything_else_is_imported(path):
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code[0] == notebook_setup.setup_source(extras=notebook_setup.extras_of(nb))
    assert re.search(r'%pip install -q "convkit\[widgets(,\w+)*\] @ \{_source\}"', code[0])
    assert not re.search(r"^\s*(import|from)\s+(numpy|matplotlib)", code[0], re.M)
    assert "\nimport convkit as ck\n" in code[0]
    # and every figure after it is drawn at twice its pixels (the figure rules' "sharp")
    assert code[0].rstrip().endswith('%config InlineBackend.figure_formats = ["retina"]')


def test_nobody_is_told_to_install_convkit_by_bare_name():
    # `convkit` on PyPI is an unrelated project: every install names the repository.
    bare = re.compile(r"pip install[^\n#]*?(?<![\w/.-])[\"']?convkit(\[[\w,]+\])?[\"']?(?!\s*@)(\s|$|[\"'`])")
    files = [p for p in ROOT.rglob("*") if p.suffix in {".md", ".py", ".ipynb", ".toml", ".txt", ".yml"}
             and not any(part in {".venv", "node_modules", "_build", "_build_nosolutions", ".git", "student"}
                         for part in p.relative_to(ROOT).parts)]
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0).strip()}" for p in files
                 for m in bare.finditer(p.read_text(encoding="utf-8", errors="replace"))]
    assert not offenders, offenders


def test_a_chapter_can_ask_for_more_extras(tmp_path):
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    nb.metadata["convkit"] = {"extras": ["widgets", "train"]}
    nbformat.write(nb, tmp_path / "more.ipynb")
    assert notebook_setup.out_of_date([tmp_path / "more.ipynb"]) == [tmp_path / "more.ipynb"]
    notebook_setup.main([str(tmp_path / "more.ipynb")])
    first = next(c for c in nbformat.read(tmp_path / "more.ipynb", as_version=4).cells if c.cell_type == "code")
    assert '%pip install -q "convkit[widgets,train] @ {_source}"' in first.source
    assert notebook_setup.out_of_date([tmp_path / "more.ipynb"]) == []
