"""Hand-ins that try to beat the autograder, graded by the real nbgrader command line.

One chapter (Chapter 4: its exercises are functions, and convkit has its own answer to the third), in a
temporary course holding the guide's ``nbgrader_config.py`` (helpers from test_nbgrader_workflow). Each
"student" hands in the release version with nothing solved plus one trick; every one must score 0 on
every exercise. A student who solved everything (collected from a browser-renamed download,
``<student>_<chapter> (1).ipynb``) scores full points, after the points table was changed and the
assignment regenerated: the new points are what is graded. The feedback of a failed check shows its
message, not a traceback, and a loop that never ends is stopped with a message saying so.

Run as a script (``python tests/test_grading_cheats.py ROOT``) it prints each trick's score against the
checkout at ROOT, whatever its version (used to measure the scores before the grading was hardened).
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_nbgrader_workflow import ROOT, exercises, finish, graded_cells, guide_config, nbgrader  # noqa: E402

CHAPTER = "04_backprop"
LIMIT = 10  # the test's time limit per cell (the guide's is longer): a solved cell of Chapter 4 takes < 1 s

# Appended to the first exercise's answer cell (its stub kept), unless the trick says otherwise.
CHEAT_ALL = ("from convkit import checks\n"
             "for _n in checks.__all__:\n"
             "    if _n.startswith('check_'):\n"
             "        setattr(checks, _n, lambda *a, **k: 'correct')\n")
TRICKS = {
    "popenv": {0: "import os\nos.environ.pop('NBGRADER_EXECUTION', None)"},
    "redefine": {0: CHEAT_ALL},
    "monkeypatch": {0: "import convkit.checks.base as _b\n_b._finish = lambda result: None\n"
                       "_b.NotYetError = type('NotYetError', (Exception,), {})"},
    "fakemodule": {0: "import sys, types\n_fake = types.ModuleType('convkit.checks')\n"
                      "_fake.__getattr__ = lambda name: (lambda *a, **k: 'correct')\n"
                      "sys.modules['convkit.checks'] = _fake\nimport convkit\nconvkit.checks = _fake"},
    "ownimpl": {2: ("import convkit as ck\n\ndef my_conv2d_backward(dout, x, w, padding):\n"
                    "    dx, dw, _ = ck.conv2d_backward(dout[None, None], x[None, None], w[None, None], 1, padding)\n"
                    "    return dx[0, 0], dw[0, 0]\n", "replace")},
    "systemexit": {0: "raise SystemExit"},
    "fakeprint": {0: "print('correct (dL/dx in 1-D): all 4 cases agree with convkit')"},
    "loop": {0: ("def my_dx(dout, x, w):\n    while True:\n        pass\n", "replace")},
}


def hand_ins(source, release):
    """{student: notebook}: each trick, and "solved" (the instructor's notebook)."""
    out = {"solved": nbformat.read(source, as_version=4)}
    for student, edits in TRICKS.items():
        nb = nbformat.read(release, as_version=4)
        cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        for k, edit in edits.items():
            text, how = edit if isinstance(edit, tuple) else (edit, "append")
            cells[k].source = text if how == "replace" else cells[k].source + "\n" + text
        out[student] = nb
    return out


def grade(root: Path, course: Path, new_points=None):
    """Generate, collect, autograde and export CHAPTER of the checkout ``root`` in ``course``.

    ``new_points``: {grade_id: points} written to a copy of the points table before regenerating
    (``--force``), as the guide says to change points. Returns ({student: {grade_id: score}}, max score,
    autograde's output).
    """
    course.mkdir(parents=True)
    config = guide_config() if root == ROOT else re.findall(
        r"```python\n(# nbgrader_config\.py.*?)```", (root / "book/instructors.md").read_text(), re.S)[0]
    config += f"\nc.Execute.timeout = {LIMIT}\n"
    config += (f"c.Execute.error_on_timeout = {{'ename': 'TimeLimit', 'evalue': '', 'traceback': "
               f"['stopped after {LIMIT} s: does your loop end?']}}\n")
    (course / "nbgrader_config.py").write_text(config, encoding="utf-8")
    source = root / "notebooks" / f"{CHAPTER}.ipynb"
    (course / "source" / CHAPTER).mkdir(parents=True)
    shutil.copy(source, course / "source" / CHAPTER)
    finish(nbgrader(f"nbgrader generate_assignment {CHAPTER}", course))
    if new_points is not None:
        from convkit.checks.course import TABLE

        table = course / "points.csv"
        rows = TABLE.read_text(encoding="utf-8").splitlines()
        for i, row in enumerate(rows):
            gid = row.split(",")[1]
            if gid in new_points:
                rows[i] = row.rsplit(",", 1)[0] + f",{new_points[gid]}"
        table.write_text("\n".join(rows) + "\n", encoding="utf-8")
        with open(course / "nbgrader_config.py", "a", encoding="utf-8") as f:
            f.write(f"c.PointsFromTable.table = {str(table)!r}\n")
        finish(nbgrader(f"nbgrader generate_assignment {CHAPTER} --force", course))
    release = course / "release" / CHAPTER / f"{CHAPTER}.ipynb"
    archive = course / "downloaded" / CHAPTER / "archive"
    archive.mkdir(parents=True)
    for student, nb in hand_ins(source, release).items():
        name = f"{student}_{CHAPTER} (1).ipynb" if student == "solved" else f"{student}_{CHAPTER}.ipynb"
        nbformat.write(nb, archive / name)
    collected = finish(nbgrader(f"nbgrader zip_collect {CHAPTER}", course))
    log = finish(nbgrader(f"nbgrader autograde {CHAPTER}", course))
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        top = gb.find_assignment(CHAPTER).max_score
        scores = {}
        for student in ["solved", *TRICKS]:
            try:
                nb = gb.find_submission_notebook(CHAPTER, CHAPTER, student)
            except Exception:  # not collected
                scores[student] = None
                continue
            scores[student] = {g.name: g.score for g in nb.grades}
    return scores, top, collected + log


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("cheats") / "course"
    points = {c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points
              for c in graded_cells(nbformat.read(ROOT / "notebooks" / f"{CHAPTER}.ipynb", as_version=4))}
    third = list(points)[2]
    new = {third: points[third] + 2}  # the guide's way to change points: the table, then --force
    scores, top, log = grade(ROOT, course, new)
    return {"course": course, "scores": scores, "max": top, "points": {**points, **new}, "log": log}


def test_the_new_points_are_graded_and_a_renamed_download_is_collected(graded):
    assert graded["max"] == sum(graded["points"].values()) == 8
    assert graded["scores"]["solved"] == graded["points"], graded["scores"]["solved"]


@pytest.mark.parametrize("trick", list(TRICKS))
def test_a_trick_scores_nothing(trick, graded):
    scores = graded["scores"][trick]
    assert scores is not None, f"{trick} was not collected"
    assert set(scores) == set(graded["points"]) and not any(scores.values()), (trick, scores)


def test_no_sqlalchemy_warning_in_the_log(graded):
    assert "SAWarning" not in graded["log"] and "Warning:" not in graded["log"], graded["log"][-3000:]


def test_the_release_holds_no_hidden_test(graded):
    release = graded["course"] / "release" / CHAPTER / f"{CHAPTER}.ipynb"
    text = release.read_text(encoding="utf-8")
    assert "HIDDEN TESTS" not in text and "_grading" not in text and "seed=" not in text


def test_feedback_is_the_message_with_exercise_and_points(graded):
    course = graded["course"]
    finish(nbgrader(f"nbgrader generate_feedback {CHAPTER}", course, "--student=loop"))
    finish(nbgrader(f"nbgrader generate_feedback {CHAPTER}", course, "--student=ownimpl"))
    loop = (course / "feedback" / "loop" / CHAPTER / f"{CHAPTER}.html").read_text(encoding="utf-8")
    own = (course / "feedback" / "ownimpl" / CHAPTER / f"{CHAPTER}.html").read_text(encoding="utf-8")
    for html in (loop, own):
        assert "Traceback (most recent call last)" not in html and "During handling" not in html
        assert "site-packages" not in html and "checks/base.py" not in html
        assert "HIDDEN TESTS" not in html and "_grading" not in html  # the feedback hides the hidden tests
        assert "exercise 4.3 (" in html and "exercise 4.1 (1 point)" in html  # the exercise, its points
    assert "does your loop end?" in loop and "stopped after" in loop
    assert "write it yourself: convkit.conv2d_backward is switched off" in own
    # every line of a message fits the feedback's box (the prose is wrapped at 78 columns)
    for line in re.findall(r"<pre>(.*?)</pre>", own, re.S):
        if "not yet" in line:
            assert all(len(re.sub(r"<[^>]+>", "", row)) <= 100 for row in line.splitlines()), line


def test_the_hidden_tests_are_not_in_the_release():
    nb = nbformat.read(ROOT / "notebooks" / f"{CHAPTER}.ipynb", as_version=4)
    for _, check in exercises(nb):
        assert "### BEGIN HIDDEN TESTS" in check.source and "### END HIDDEN TESTS" in check.source


if __name__ == "__main__":
    import tempfile

    root = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        scores, top, log = grade(root, Path(tmp) / "course")
    for student, per_cell in scores.items():
        print(f"{student:12s}", "not collected" if per_cell is None else
              f"{sum(per_cell.values()):g} / {top:g}  {per_cell}")
