"""The figure rules reach every figure any notebook shows, and a figure that breaks one fails its notebook.

Every notebook nbval runs has its kernel check each figure it displays (tests/ipython/profile_default/
startup/00-figure-rules.py, given to the kernels by /conftest.py): no list of chapters to keep. Here: the
rules' numbers are convkit's, every PNG stored in a notebook already fits, and a notebook made on the
fly that breaks a rule fails under nbval with the notebook, the cell and the rule named.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402

from convkit.figures import DPI, MIN_FONT_PT, PHONE_WIDTH_IN  # noqa: E402
from figure_rules import STARTUP_FILE, png_width, rules  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_kernels_rules_are_convkits_numbers():
    assert (rules.MIN_FONT_PT, rules.DPI, rules.MAX_WIDTH_PX) == (MIN_FONT_PT, DPI, round(PHONE_WIDTH_IN * DPI))
    assert "import convkit" not in STARTUP_FILE.read_text()  # it also runs where convkit is not installed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_stored_figure_fits_a_phone(path):
    """The PNGs each chapter stores (what the book shows) are sharp and no wider than a phone's text column."""
    nb = json.loads(path.read_text())
    pngs = [(n, out) for n, cell in enumerate(nb["cells"]) for out in cell.get("outputs", [])
            if "image/png" in out.get("data", {})]
    # Drawn at twice its pixels ("retina"): the page shows it at the size its metadata gives, half the PNG's.
    soft = [n for n, out in pngs if out.get("metadata", {}).get("image/png", {}).get("width")
            != rules.png_width(out["data"]["image/png"]) // 2]
    assert soft == [], f"cells whose figure is stored at 1x: {soft}"
    wide = [(n, out["metadata"]["image/png"]["width"]) for n, out in pngs]
    assert [(n, w) for n, w in wide if w > rules.MAX_WIDTH_PX] == []


def test_the_rules_name_what_is_broken():
    fig, ax = plt.subplots(figsize=(6, 2), dpi=DPI)
    ax.tick_params(labelsize=MIN_FONT_PT)
    ax.set_title("tiny", fontsize=7)
    ax.text(1.5, 0.5, "off the edge", fontsize=MIN_FONT_PT)
    found = rules.problems(fig, png_width(fig))
    plt.close(fig)
    assert any(p.startswith("too wide: the PNG is") for p in found)
    assert any(p.startswith("text too small") and "'tiny' at 7 pt" in p for p in found)
    assert any(p.startswith("cut off at an edge") and "'off the edge'" in p for p in found)


PLOT = "fig, ax = plt.subplots(figsize=({}), layout='constrained')\nax.tick_params(labelsize=12)\n{}\nplt.show()"
BROKEN = [  # cell 1 is too wide, cell 2 has small print, cell 3 keeps every rule, cell 4 is drawn at 1x
    'import matplotlib.pyplot as plt\n%config InlineBackend.figure_formats = ["retina"]',
    PLOT.format("8, 2", "ax.plot([0, 1], [0, 1])"),
    PLOT.format("3, 2", "ax.set_title('small print', fontsize=8)"),
    PLOT.format("3, 2", "ax.set_title('fine', fontsize=12)"),
    '%config InlineBackend.figure_formats = ["png"]\n' + PLOT.format("3, 2", "ax.set_title('soft', fontsize=12)"),
]


def test_a_notebook_whose_figure_breaks_a_rule_fails_under_nbval(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in BROKEN])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "too_wide_and_tiny.ipynb"
    nbformat.write(nb, path)  # no stored outputs: only the rules can fail it
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-p", "no:xdist",
                          "--nbval", "--rootdir", str(tmp_path), "-q", str(path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "3 failed, 2 passed" in out, out
    assert "too_wide_and_tiny.ipynb::Cell 1" in out and "too_wide_and_tiny.ipynb::Cell 2" in out, out
    assert "FigureRuleError" in out and "too wide: the PNG is" in out and "a phone's column 340 px" in out, out
    assert "text too small" in out and "'small print' at 8 pt" in out, out
    assert "too_wide_and_tiny.ipynb::Cell 4" in out and "drawn at 1x, soft on a phone" in out, out
