"""Student versions leak no solution, still run, and their checks say "not yet"."""
import json
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from convkit.assign import student_version

MARKER = "SOLUTION_MARKER_7f3a9c"  # planted in every solution region; must never reach students

SOLUTION = f'''def my_corr2d(x, k):
    # BEGIN SOLUTION
    import numpy as np
    fh, fw = k.shape  # {MARKER}
    print("{MARKER} in an output")
    return np.array([[np.sum(x[i:i + fh, j:j + fw] * k) for j in range(x.shape[1] - fw + 1)]
                     for i in range(x.shape[0] - fh + 1)])
    # END SOLUTION'''

CHECK = "from convkit import checks\nchecks.check_corr2d(my_corr2d)"


def notebook(solution=SOLUTION):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Exercise: write `my_corr2d`."),
                nbformat.v4.new_code_cell(solution, metadata={"nbgrader": {
                    "solution": True, "grade": False, "locked": False, "grade_id": "corr2d", "schema_version": 3}}),
                nbformat.v4.new_code_cell(CHECK)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def run(nb):
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()  # a failed check raises
    return nb


def text_of(cell):
    return "".join(o.get("text", "") + "".join(o.get("data", {}).get("text/plain", "")) + o.get("evalue", "")
                   for o in cell.outputs)


def test_instructor_version_is_correct():
    nb = run(notebook())
    assert text_of(nb.cells[2]).endswith("correct (corr2d): all 3 cases agree with convkit")


def test_student_version_leaks_nothing_and_says_not_yet(tmp_path):
    instructor = run(notebook())
    assert MARKER in json.dumps(instructor["cells"][2]["outputs"])  # found in sources and outputs
    student = student_version(instructor)
    assert MARKER not in json.dumps(student)  # sources, outputs, metadata, attachments
    assert "raise NotImplementedError()" in student.cells[1].source
    assert student.cells[2].source == CHECK  # check cells kept
    assert MARKER in json.dumps(instructor)  # the instructor's notebook is left as it was
    ran = run(student)  # runs top to bottom: the stub is only called inside the check
    assert text_of(ran.cells[2]).startswith("not yet (corr2d): the function still raises NotImplementedError")


def test_wrong_answer_gets_the_hint():
    flipped = SOLUTION.replace("* k)", "* k[::-1, ::-1])")
    nb = run(notebook(flipped))
    assert "Hint: you flipped the kernel" in text_of(nb.cells[2])


def test_command_line(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "student"
    src.mkdir()
    nbformat.write(notebook(), src / "ex.ipynb")
    out = subprocess.run([sys.executable, "-m", "convkit.assign", str(src), str(dst)], capture_output=True,
                         text=True, check=True)
    assert "ex.ipynb" in out.stdout
    assert MARKER not in (dst / "ex.ipynb").read_text()


def test_solution_markers_in_markdown_are_refused():
    nb = notebook()
    nb.cells[0].source = "# BEGIN SOLUTION\nanswer\n# END SOLUTION"
    with pytest.raises(ValueError, match="solution markers in a markdown cell"):
        student_version(nb)


def test_without_nbgrader_one_line_and_exit_code_2(tmp_path):
    """Run the command in an environment where nbgrader is not installed.

    The environment: this interpreter without its site-packages (``-S``), and on ``PYTHONPATH`` a folder
    of links to every installed distribution except nbgrader's, plus this checkout (for convkit).
    """
    import site
    from pathlib import Path

    import convkit

    packages = tmp_path / "site-packages"
    packages.mkdir()
    (site_dir,) = {Path(p) for p in site.getsitepackages() if (Path(p) / "nbformat").is_dir()}
    for entry in site_dir.iterdir():
        if not entry.name.lower().startswith("nbgrader"):
            (packages / entry.name).symlink_to(entry)
    checkout = Path(convkit.__file__).resolve().parents[1]
    env = {"PYTHONPATH": f"{packages}:{checkout}", "PATH": "/usr/bin:/bin"}
    probe = subprocess.run([sys.executable, "-S", "-c", "import nbformat, numpy, convkit; import nbgrader"],
                           env=env, capture_output=True, text=True)
    assert "No module named 'nbgrader'" in probe.stderr  # the rest is importable, nbgrader is not

    src = tmp_path / "src"
    src.mkdir()
    nbformat.write(notebook(), src / "ex.ipynb")
    out = subprocess.run([sys.executable, "-S", "-m", "convkit.assign", str(src), str(tmp_path / "student")],
                         env=env, capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr
    assert 'pip install -e ".[instructors]"' in out.stderr
    assert "nbgrader" in out.stderr
    assert not (tmp_path / "student").exists()


MYST = [nbformat.v4.new_markdown_cell(":::{exercise} Warm-up\n:label: ex-1-1\nWrite `my_corr2d` {cite}`cs231n`.\n:::"),
        nbformat.v4.new_markdown_cell("```{solution-start} ex-1-1\n:class: dropdown\n```")]
MYST_END = nbformat.v4.new_markdown_cell("```{solution-end}\n```")


def myst_notebook():
    nb = notebook()
    nb.cells = [*MYST, nb.cells[1], MYST_END, nb.cells[2]]
    nb.cells[-1].source += "\n### BEGIN HIDDEN TESTS\nassert my_corr2d is not None  # hidden_c0ffee\n### END HIDDEN TESTS"
    nb.cells[-1].metadata["nbgrader"] = {"grade": True, "points": 2, "grade_id": "c", "locked": True,
                                         "solution": False, "schema_version": 3}
    return nb


def test_student_version_is_plain_markdown_without_hidden_tests():
    from convkit.myst_markdown import read_bibliography

    bib = read_bibliography("@misc{cs231n, title = {CS231n notes}, year = {2016}}")
    student = student_version(myst_notebook(), chapter=1, bibliography=bib)
    assert [c.cell_type for c in student.cells] == ["markdown", "code", "code", "markdown"]
    assert student.cells[0].source == "### Exercise 1.1 (2 points): Warm-up\n\nWrite `my_corr2d` [1]."
    assert student.cells[-1].source == "## References\n\n1. *CS231n notes*. 2016."
    assert "hidden_c0ffee" not in json.dumps(student) and student.cells[2].source == CHECK
    assert MARKER not in json.dumps(student)


def test_command_line_for_nbgrader_and_with_solutions(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    nbformat.write(myst_notebook(), src / "01_ex.ipynb")
    (src / "references.bib").write_text("@misc{cs231n, title = {CS231n notes}}")
    for flag in ("--for-nbgrader", "--with-solutions"):
        subprocess.run([sys.executable, "-m", "convkit.assign", flag, str(src), str(tmp_path / flag)], check=True,
                       capture_output=True)
        out = nbformat.read(tmp_path / flag / "01_ex.ipynb", as_version=4)
        text = json.dumps(out)
        assert "{cite}" not in text and ":::" not in text
        # nbgrader's source keeps the hidden tests (generate_assignment strips them from the release); readers
        # never see them
        assert ("hidden_c0ffee" in text) == (flag == "--for-nbgrader"), flag
        assert out.cells[0].source.startswith("### Exercise 1.1 (2 points): Warm-up")
    source = nbformat.read(tmp_path / "--for-nbgrader" / "01_ex.ipynb", as_version=4)
    assert "# BEGIN SOLUTION" in source.cells[1].source  # nbgrader makes the release from it
    folded = nbformat.read(tmp_path / "--with-solutions" / "01_ex.ipynb", as_version=4)
    assert "raise NotImplementedError()" in folded.cells[1].source
    assert folded.cells[2].source.startswith("<details>") and MARKER in folded.cells[2].source


def test_pip_spec_replaces_the_repository_in_the_set_up_cell(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    nb = myst_notebook()
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        '# installed from the book\'s repository\n_source = os.environ.get("CONVKIT_PIP_SPEC", '
        '"git+https://github.com/convkit-book/convkit@main")', metadata={"tags": ["setup"]}))
    nbformat.write(nb, src / "01_ex.ipynb")
    (src / "references.bib").write_text("@misc{cs231n, title = {CS231n notes}}")
    url = "https://course.example/wheels/convkit-0.1.0-py3-none-any.whl"
    subprocess.run([sys.executable, "-m", "convkit.assign", "--for-nbgrader", "--pip-spec", url, str(src),
                    str(tmp_path / "out")], check=True, capture_output=True)
    setup = nbformat.read(tmp_path / "out" / "01_ex.ipynb", as_version=4).cells[0].source
    assert url in setup and "github.com" not in setup and "from this course's site" in setup
