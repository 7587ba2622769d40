"""The instructors' journey with the real nbgrader command line, as book/instructors.md tells it.

In a temporary course directory holding the ``nbgrader_config.py`` printed in book/instructors.md, one
per chapter (so that chapters can run in parallel):

1. ``nbgrader generate_assignment <chapter>`` (the release version);
2. three students hand in every chapter, as files ``<student>_<chapter>.ipynb`` (what a course page's
   bulk download gives) collected by ``nbgrader zip_collect <chapter>``:
   ``solved`` hands in the instructor's notebook itself; ``untouched`` the release version as it is;
   ``partial`` the release version with exactly one exercise solved, its solution cell's source taken
   from the instructor's notebook (exercise 1, 2, 3, 1, 2, ... in chapter order, so every point value is seen);
3. ``nbgrader autograde <chapter>``: one call grades the chapter's three students;
4. ``nbgrader generate_feedback <chapter>``, then ``nbgrader export`` (grades.csv);

and ``nbgrader validate``, which a student runs before handing in, on the solved and the untouched
notebooks. Every chapter is generated, autograded and scored; the steps whose journey is the same for
every chapter (validate, zip_collect, generate_feedback, export: each one more nbgrader start-up, or two
more runs of the notebook) run on the guide's example chapter and on the last chapter, and the other
chapters' hand-ins are put straight where zip_collect puts them. Scores are read from the course's
gradebook with nbgrader's own Gradebook API. Notebooks run in the ``python3`` kernel of the environment
running the tests (the venv: numpy, matplotlib, convkit).
"""
from __future__ import annotations

import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from test_assign import text_of

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
GUIDE = ROOT / "book" / "instructors.md"
BIN = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH: the venv's bin goes first
STUDENTS = ("solved", "partial", "untouched")
ARTIFACTS = ROOT / "artifacts"  # the scores and timings are written there too
EXAMPLE = "01_one_window"  # the chapter book/instructors.md uses in its commands
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's, as the book's browser tests

# Every command below appears in book/instructors.md with {a} = EXAMPLE (checked by the last test).
GENERATE = "nbgrader generate_assignment {a}"
COLLECT = "nbgrader zip_collect {a}"
AUTOGRADE = "nbgrader autograde {a}"
FEEDBACK = "nbgrader generate_feedback {a}"
EXPORT = "nbgrader export"
VALIDATE = "nbgrader validate {a}.ipynb"
# The course's source/ takes the chapters with their MyST rendered as plain Markdown (solutions and hidden
# tests kept), so that the release and the feedback read cleanly in JupyterLab.
PLAIN = "python -m convkit.assign --for-nbgrader notebooks ~/courses/convolution/plain"


def guide_config() -> str:
    """The ``nbgrader_config.py`` block of book/instructors.md (a code block starting with that name)."""
    blocks = re.findall(r"```python\n(# nbgrader_config\.py.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "book/instructors.md must print one nbgrader_config.py block"
    return blocks[0]


def graded_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def table_points(nb):
    """{grade_id: points} of ``nb``'s graded cells, from convkit/checks/points.csv (what generate_assignment
    writes into them, with the guide's configuration)."""
    from convkit.checks.course import read_points

    table = read_points()
    return {c.metadata.nbgrader.grade_id: table[c.metadata.nbgrader.grade_id] for c in graded_cells(nb)}


def exercises(nb):
    """(solution cell, graded cell after it) for each exercise, in order."""
    pairs = []
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("solution"):
            graded = next(c for c in nb.cells[i + 1:] if c.metadata.get("nbgrader", {}).get("grade"))
            pairs.append((cell, graded))
    return pairs


def nbgrader(command: str, cwd: Path, *extra: str) -> subprocess.Popen:
    """Start ``command`` (with ``extra`` arguments) in the venv; stdout and stderr go, in order, to a log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBGRADER")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1")
    args = [str(BIN / "nbgrader"), *command.split()[1:], *extra]
    log = tempfile.TemporaryFile("w+", encoding="utf-8")  # not a pipe: a long output must not block
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    process.log = log
    return process


def finish(process: subprocess.Popen) -> str:
    process.wait(timeout=900)
    process.log.seek(0)
    out = process.log.read()
    process.log.close()
    assert process.returncode == 0, f"{' '.join(process.args)} exited {process.returncode}:\n{out[-5000:]}"
    return out


# The chapters that go through every step (see the module's docstring).
WHOLE_JOURNEY = {EXAMPLE, CHAPTERS[-1].stem}


def workflow(path: Path, course: Path, plain: Path) -> dict:
    """The whole workflow for one chapter, in a course of its own; ``plain``: the guide's plain notebooks."""
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(guide_config(), encoding="utf-8")
    a = path.stem
    seconds = {}
    start_all, cpu_before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)

    def timed(step, command, *extra):
        start = time.perf_counter()
        out = finish(nbgrader(command, course, *extra))
        seconds[step] = seconds.get(step, 0.0) + time.perf_counter() - start
        return out

    (course / "source" / a).mkdir(parents=True)
    shutil.copy(plain / path.name, course / "source" / a / path.name)
    timed("generate_assignment", GENERATE.format(a=a))
    release = course / "release" / a / path.name

    # What a student runs before handing in, on the solved and the untouched notebooks (the same command,
    # several notebooks at once). It uses no gradebook: it runs alongside the rest.
    whole = a in WHOLE_JOURNEY
    to_validate = {"solved": path, "untouched": release} if whole else {}
    validating = nbgrader("nbgrader validate", course, *map(str, to_validate.values())) if to_validate else None

    k = CHAPTERS.index(path) % 3  # exercise 1, 2, 3, 1, ... in chapter order: every point value is seen
    solution = exercises(nbformat.read(path, as_version=4))[k][0]
    partial = nbformat.read(release, as_version=4)
    (stub,) = [c for c in partial.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == solution.metadata.nbgrader.grade_id]
    assert "raise NotImplementedError()" in stub.source and "BEGIN SOLUTION" not in stub.source
    stub.source = solution.source
    hand_ins = {"solved": nbformat.read(path, as_version=4), "partial": partial,
                "untouched": nbformat.read(release, as_version=4)}
    if whole:  # as a course page's bulk download gives them, collected by zip_collect
        archive = course / "downloaded" / a / "archive"
        archive.mkdir(parents=True)
        for student, nb in hand_ins.items():
            nbformat.write(nb, archive / f"{student}_{a}.ipynb")
        timed("zip_collect", COLLECT.format(a=a))
    else:  # where zip_collect puts them
        for student, nb in hand_ins.items():
            (course / "submitted" / student / a).mkdir(parents=True)
            nbformat.write(nb, course / "submitted" / student / a / path.name)
    for student in STUDENTS:
        assert (course / "submitted" / student / a / path.name).is_file()

    timed("autograde", AUTOGRADE.format(a=a))
    exported = {}
    if whole:
        timed("generate_feedback", FEEDBACK.format(a=a))
        timed("export", EXPORT)
        with open(course / "grades.csv", newline="") as f:
            exported = {row["student_id"]: (float(row["score"]), float(row["max_score"]))
                        for row in csv.DictReader(f) if row["assignment"] == a}

    reports = {}
    if validating is not None:
        log = finish(validating)
        parts = re.split(r"^\[ValidateApp \| INFO\] Validating '(.+)'\n", log, flags=re.M)
        by_path = {Path(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}
        assert set(by_path) == set(to_validate.values()), log[-3000:]
        reports = {who: by_path[p] for who, p in to_validate.items()}

    # What the untouched hand-in's check cells said when autograde ran them (the student version's own run:
    # its code cells are the release's, test_chapter_workflow checks).
    ran = nbformat.read(course / "autograded" / "untouched" / a / path.name, as_version=4)
    untouched_checks = [text_of(c) for c in ran.cells if c.cell_type == "code" and "checks.check_" in c.source]

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {"max": gb.find_assignment(a).max_score}
        for s in STUDENTS:
            nb = gb.find_submission_notebook(a, a, s)
            scores[s] = (nb.score, {g.name: g.score for g in nb.grades})
    seconds["total"] = time.perf_counter() - start_all
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    # What the CLI gave, for the CI log (asserted by the test below).
    first = {s: re.search(r"^(Success|VALIDATION|THE ).*$", r, re.M).group(0) for s, r in reports.items()}
    summary = (f"{a}: max {scores['max']:g}, solved {scores['solved'][0]:g}, partial {scores['partial'][0]:g} "
               f"(exercise {k + 1}), untouched {scores['untouched'][0]:g}"
               + (f"; validate solved: {first['solved']} / untouched: {first['untouched']}" if first else "")
               + "; wall seconds " + ", ".join(f"{step} {v:.1f}" for step, v in seconds.items())
               + f"; CPU seconds of nbgrader and its kernels {cpu:.1f}")
    (ARTIFACTS / "nbgrader").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "nbgrader" / f"{a}.txt").write_text(summary + "\n", encoding="utf-8")
    print("\n" + summary)
    return {"dir": course, "scores": scores, "exported": exported, "partial_exercise": k, "validate": reports,
            "release": release, "untouched_checks": untouched_checks}


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """Every chapter's workflow, two chapters at a time (each in its own course: no shared gradebook)."""
    from concurrent.futures import ThreadPoolExecutor

    root = tmp_path_factory.mktemp("courses")
    plain = root / "plain"
    command = PLAIN.replace("~/courses/convolution/plain", str(plain)).split()
    done = subprocess.run([sys.executable, *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = {p.stem: pool.submit(workflow, p, root / p.stem, plain) for p in CHAPTERS}
        return {a: run.result() for a, run in runs.items()}


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_workflow(path, courses):
    a = path.stem
    course = courses[a]
    nb = nbformat.read(path, as_version=4)
    points = table_points(nb)
    scores = course["scores"]
    top = scores["max"]
    assert top == sum(points.values()) >= 3, (top, points)

    solved, per_cell = scores["solved"]
    assert solved == top and per_cell == points

    untouched, per_cell = scores["untouched"]
    assert untouched == 0 and set(per_cell) == set(points) and not any(per_cell.values())

    # The release is the student version (convkit.assign, the solutions-free edition's download): the same
    # code, cell for cell. So autograde's run of the untouched release is the student version's run: each
    # check there says "not yet" with its reason, the stub's.
    from convkit.assign import student_version

    code = lambda notebook: [c.source for c in notebook.cells if c.cell_type == "code"]  # noqa: E731
    assert code(nbformat.read(course["release"], as_version=4)) == code(student_version(nb)), \
        "the nbgrader release and the student version differ in their code"
    checks = course["untouched_checks"]
    assert len(checks) == len(exercises(nb)) and all("not yet (" in t for t in checks), checks

    graded_id = exercises(nb)[course["partial_exercise"]][1].metadata.nbgrader.grade_id
    partial, per_cell = scores["partial"]
    assert 0 < partial < top
    assert per_cell == {g: (p if g == graded_id else 0) for g, p in points.items()}, per_cell

    if a not in WHOLE_JOURNEY:
        return
    for student in STUDENTS:
        score = scores[student][0]
        assert course["exported"][student] == (score, top), "grades.csv disagrees with the gradebook"
        html = (course["dir"] / "feedback" / student / a / f"{a}.html").read_text(encoding="utf-8")
        assert f"Score: {score:.1f} / {top:.1f}" in html, f"{student}'s feedback lacks the score"

    n_graded = len(graded_cells(nb))
    solved = course["validate"]["solved"]
    assert "Success! Your notebook passes all the tests." in solved and "FAILED" not in solved, solved
    untouched = course["validate"]["untouched"]
    assert f"VALIDATION FAILED ON {n_graded} CELL(S)!" in untouched, untouched
    assert "Success" not in untouched
    # each failing check says why, with the check's own message only (no traceback through the checks),
    # whole: no line cut short ("...")
    assert untouched.count("not yet (") == n_graded, untouched
    assert "Traceback" not in untouched and "checks/base.py" not in untouched
    assert "replace the stub with your code" in " ".join(untouched.split()), untouched  # wrapped, not cut
    assert not re.search(r"\.\.\.$", untouched, re.M), untouched


# In the feedback page, opened from disk: its formulas (MathML elements in the Markdown cells, drawn with a
# width; the first matrix's rows one under the other, its bracket as tall as it; MathJax's elements if any),
# what is left of TeX (a $...$ or a \command in the text), and where the first failed check cell is.
READ_FEEDBACK = r"""() => {
  const prose = [...document.querySelectorAll('.text_cell_render')];
  const text = prose.map(e => e.innerText).join('\n');
  const maths = prose.flatMap(e => [...e.querySelectorAll('math')]);
  const table = document.querySelector('.text_cell_render mtable');
  const rows = table ? [...table.children] : [];
  const bracket = table && table.previousElementSibling;
  const failed = [...document.querySelectorAll('.nbgrader_cell')].find(e => /Score: 0\.0 \//.test(e.innerText));
  return {
    math: maths.length,
    drawn: maths.filter(m => m.getBoundingClientRect().width > 0).length,
    rows_stacked: rows.length > 1 && rows.every((r, i) => i === 0 ||
        r.getBoundingClientRect().top >= rows[i - 1].getBoundingClientRect().bottom - 1),
    brackets_tall: !!bracket && bracket.getBoundingClientRect().height >= 0.9 * table.getBoundingClientRect().height,
    mathjax: document.querySelectorAll('mjx-container, .MathJax').length,
    dollars: text.match(/\$[^$\n]+\$/g) || [],
    tex: text.match(/\\[A-Za-z]+/g) || [],
    failed_top: failed ? failed.getBoundingClientRect().top + window.scrollY : null,
  };
}"""


# Opens a feedback page from disk, offline, in Chromium: prints [what READ_FEEDBACK saw, the URLs requested].
OPEN_OFFLINE = """
import json, sys
from playwright.sync_api import sync_playwright
page_file, shots, chromium, read = sys.argv[1:5]
requests = []
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True).new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.goto("file://" + page_file, wait_until="load")  # after every script the page names has run
        seen = page.evaluate(read)
        page.screenshot(path=shots + "/feedback_offline_top.png")
        if seen["failed_top"] is not None:
            page.evaluate(f"window.scrollTo(0, {seen['failed_top']} - 300)")
            page.screenshot(path=shots + "/feedback_offline_failed_check.png")
    finally:
        browser.close()
print(json.dumps([seen, requests]))
"""


def test_feedback_renders_math_offline(courses):
    """A failing hand-in's feedback, opened from disk in Chromium with the network off: it asks for nothing
    outside its folder, and its formulas are drawn as math. Screenshots in artifacts/screenshots/."""
    page_file = courses[EXAMPLE]["dir"] / "feedback" / "partial" / EXAMPLE / f"{EXAMPLE}.html"
    html = page_file.read_text(encoding="utf-8")
    remote = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']?((?:https?:)?//[^\"' >]+)", html)
    assert not remote, f"the feedback loads files from elsewhere: {remote}"
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    # In a process of its own: in a test session the browser tests' Playwright may already run an event
    # loop in this process, and Playwright's sync API refuses to start inside one.
    run = subprocess.run([sys.executable, "-c", OPEN_OFFLINE, str(page_file), str(shots), CHROMIUM, READ_FEEDBACK],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    seen, requests = json.loads(run.stdout)
    folder = page_file.parent.as_uri() + "/"
    outside = [u for u in requests if not u.startswith((folder, "data:"))]
    assert not outside, f"the feedback asked for {outside}"
    assert seen["math"] >= 10 and seen["drawn"] == seen["math"] and seen["rows_stacked"], seen
    assert seen["brackets_tall"], f"a matrix's brackets are not stretched: {seen}"
    assert not seen["dollars"] and not seen["tex"], f"formulas left as TeX: {seen}"
    assert seen["failed_top"] is not None, "the partial hand-in's feedback shows no failed check"


def test_every_formula_becomes_mathml(caplog, tmp_path):
    """Every formula of the chapters' Markdown as a course's source/ holds it (the guide's plain notebooks),
    as the feedback writes it: MathML, none left as TeX (as the guide says)."""
    from convkit.checks.course import MathMLFeedback

    command = PLAIN.replace("~/courses/convolution/plain", str(tmp_path)).split()
    done = subprocess.run([sys.executable, *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    exporter = MathMLFeedback()
    formulas = 0
    with caplog.at_level("WARNING"):
        for path in sorted(tmp_path.glob("*.ipynb")):
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.cell_type == "markdown":
                    formulas += exporter.markdown2html({"cell": cell}, cell.source).count("<math ")
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    assert formulas > 900, f"only {formulas} formulas found: the chapters were not read"  # 1002 in Chapters 1-10
    assert "none of this book's formulas" in GUIDE.read_text(encoding="utf-8")


def test_matrices_and_primes_drawn_as_tex_draws_them():
    """A matrix's brackets are fences around it (a browser stretches them), a prime follows its letter
    (as a superscript a browser raises it twice); the rest is latex2mathml's."""
    from convkit.checks.course import tex_to_mathml

    math = tex_to_mathml(r"w' = \begin{bmatrix} 1 \\ 2 \end{bmatrix} + v''_{i}", display="block")
    assert math.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'), math
    assert "<mi>w</mi><mi>\u2032</mi>" in math.replace("&#x02032;", "\u2032") and "msup" not in math, math
    assert '<mrow><mo stretchy="true" fence="true" form="prefix">&#x0005B;</mo><mtable>' in math, math
    assert '</mtable><mo stretchy="true" fence="true" form="postfix">&#x0005D;</mo></mrow>' in math, math
    assert "<msub><mi>v</mi><mrow><mi>i</mi></mrow></msub><mi>&#x02033;</mi>" in math, math


def test_a_formula_mathml_cannot_take_is_shown_as_tex(caplog):
    """A formula latex2mathml cannot read (here a superscript with nothing after ^) stays TeX, in code, with
    a warning that names it; the page's other formulas are MathML (also: the warnings reach caplog)."""
    from convkit.checks.course import MathMLFeedback

    with caplog.at_level("WARNING"):
        html = MathMLFeedback().markdown2html({"cell": {}}, "so $x^$ is cut short, and $x^2$ is whole")
    assert "<code>$x^$</code>" in html and html.count("<math ") == 1, html
    assert [r for r in caplog.records if "formula left as TeX" in r.getMessage() and "x^" in r.getMessage()]


def test_the_guide_gives_these_commands():
    guide = GUIDE.read_text(encoding="utf-8")
    for command in (PLAIN, GENERATE, COLLECT, AUTOGRADE, FEEDBACK, EXPORT, VALIDATE):
        assert command.format(a=EXAMPLE) in guide, f"book/instructors.md does not say `{command}`"


def test_the_guide_gives_the_points():
    guide = GUIDE.read_text(encoding="utf-8")
    total = 0
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        title = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
        points = list(table_points(nb).values())
        total += sum(points)
        row = f"| {title} | {', '.join(map(str, points))} | {sum(points)} |"
        assert row in guide, f"book/instructors.md: the points table lacks `{row}`"
    assert f"{total} points in all" in guide
