"""Which edition of the book to build: with solutions (default), without, or a course's.

``BOOK_EDITION`` selects it:

* ``full`` (``make book``): solutions folded under each exercise;
* ``nosolutions`` (``make book-nosolutions``, into book/_build_nosolutions/): no solution anywhere a
  reader can reach;
* ``course`` (``make course-edition``, into book/_build_course/): the solutions-free edition whose
  set-up cells install convkit from a wheel served beside the site (``COURSE_URL``/wheels/, the wheel
  given by ``CONVKIT_WHEEL``) instead of from the repository, whose ``notebooks/`` hold every solution.

Every edition: nbgrader's hidden tests (``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` in a
graded check cell) are removed from the pages, the search index and the downloadable notebooks, as
``nbgrader generate_assignment`` removes them from a release.

Without solutions (``nosolutions`` and ``course``):

* pages and search index: every solution block is removed from the document as soon as it is read
  (before Sphinx collects its images, labels and words); in its place the reader gets the stub to work
  in (the solution cell as nbgrader's ClearSolutions leaves it: ``# YOUR CODE HERE`` and ``raise
  NotImplementedError()``). sphinx-exercise's own ``hide_solutions`` option fails on gated
  ``solution-start``/``solution-end`` blocks in version 1.2.1; by ``doctree-read`` sphinx-exercise has
  merged each gated block into one solution node, which is replaced here;
* the check cells show no result of the instructor's run (it ran on the solution: "correct" under an
  empty stub would mislead), but a sentence that the check runs when the reader runs it; the chapters'
  sentence "In the book the solutions are folded away; ..." is replaced by one that is true here;
* downloads: Sphinx copies each page's source file to ``_sources/`` (the page's download button). For
  a chapter that is the full notebook (MyST Markdown), so it is replaced by its student version
  (:func:`convkit.assign.student_version`: nbgrader's ClearSolutions, outputs cleared, plain Markdown);
* execution: the edition runs the same notebooks as the full book, so it reuses the full build's
  jupyter-cache (book/_build/.jupyter_cache) instead of executing them again;
* launch buttons (Binder, Colab) are left out: they open the repository's notebooks, solutions
  included.

With solutions (``full``), each chapter's launch buttons (Binder, Colab) and download open its plain
edition, ``notebooks-plain/NN_name.ipynb`` in the repository (``make plain-notebooks``: plain Markdown, each
solution folded under a stub, stored outputs kept; ``plain_notebooks`` in the Sphinx configuration names the
folder in the repository), because Colab and JupyterLab without jupyterlab-myst show MyST as raw text.
sphinx-book-theme builds the launch URLs from the page's path (``notebooks/NN_name.ipynb``): they are
rewritten once the theme has made them; the download, ``_sources/notebooks/NN_name.ipynb``, becomes a copy
of the plain notebook. A chapter without its plain copy fails the build.

tests/test_edition_leaks.py scans every file of the built editions for every line of every solution;
tests/test_plain_notebooks.py checks the plain edition and the full edition's launch and download links.
"""
import os
import shutil
from pathlib import Path

from docutils import nodes

EDITIONS = ("full", "nosolutions", "course")
NOT_RUN = ("The check runs when you run this cell after your answer; "
           "this edition shows no result from the authors' run.")
NO_SOLUTIONS = "This edition of the book leaves the solutions out: the check tells you when your answer is right."


def _edition():
    edition = os.environ.get("BOOK_EDITION", "full")
    if edition not in EDITIONS:
        raise ValueError(f"BOOK_EDITION must be one of {EDITIONS}; got {edition!r}")
    return edition


def _without_solutions():
    return _edition() != "full"


def course_wheel_url():
    """The URL the course edition's set-up cells install convkit from (``COURSE_URL``/wheels/NAME)."""
    site, wheel = os.environ.get("COURSE_URL", ""), os.environ.get("CONVKIT_WHEEL", "")
    if not site.startswith(("https://", "http://")) or not wheel.endswith(".whl"):
        raise ValueError("BOOK_EDITION=course needs COURSE_URL (where the site is published, https://...) and "
                         "CONVKIT_WHEEL (the wheel built from this checkout); `make course-edition` sets both")
    return f"{site.rstrip('/')}/wheels/{Path(wheel).name}"


def course_setup(source: str) -> str:
    """A set-up cell's source that installs convkit from the course's wheel, not the repository."""
    import nbformat

    from convkit.assign import with_pip_spec

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source, metadata={"tags": ["setup"]})])
    return with_pip_spec(nb, course_wheel_url()).cells[0].source


def _config_inited(app, config):
    if _without_solutions():
        config.html_theme_options["launch_buttons"] = {}
        if not config.nb_execution_cache_path:  # reuse what the full build executed
            config.nb_execution_cache_path = str(Path(app.srcdir) / "_build" / ".jupyter_cache")
    if _edition() == "course":
        course_wheel_url()  # fail early without COURSE_URL and CONVKIT_WHEEL


def _set_text(block, text):
    block.children = [nodes.Text(text)]
    block.rawsource = text


def _cells(doctree, tag=None):
    for node in doctree.findall(nodes.container):
        if node.get("nb_element") == "cell_code" and (tag is None or f"tag_{tag}" in node["classes"]):
            yield node


def _source_block(cell):
    return next(iter(cell.findall(nodes.literal_block)), None)


def _is_check(cell):
    block = _source_block(cell)
    return "tag_check" in cell["classes"] or (block is not None and "checks.check_" in block.astext())


def _stubs(solution):
    """The code cells of a solution block, as the stubs a student starts from (no outputs)."""
    from convkit.myst_markdown import stub_source

    stubs = []
    for cell in _cells(solution):
        stub = cell.deepcopy()
        for child in list(stub.children):
            if child.get("nb_element") == "cell_code_output":
                stub.remove(child)
        _set_text(_source_block(stub), stub_source(_source_block(stub).astext()))
        stubs.append(stub)
    return stubs


def _replace_sentence(paragraph, pattern, replacement):
    """Replace ``pattern`` in a paragraph whose text runs over several Text nodes (one per line)."""
    runs, run = [], []
    for child in paragraph.children:
        if isinstance(child, nodes.Text):
            run.append(child)
        elif run:
            runs.append(run)
            run = []
    runs.append(run)
    for run in runs:
        text = "".join(node.astext() for node in run)
        if run and pattern.search(text):
            index = paragraph.index(run[0])
            for node in run:
                paragraph.remove(node)
            paragraph.insert(index, nodes.Text(pattern.sub(replacement, text)))


def _edit_pages(app, doctree):
    from convkit.myst_markdown import FOLDED_AWAY, HIDDEN_BEGIN, strip_hidden_tests

    for block in doctree.findall(nodes.literal_block):
        if HIDDEN_BEGIN in block.astext():
            _set_text(block, strip_hidden_tests(block.astext()))
    if not _without_solutions():
        return
    from sphinx_exercise.nodes import solution_node

    for node in list(doctree.findall(solution_node)):
        node.parent.replace(node, _stubs(node))
    for cell in list(_cells(doctree)):
        if _is_check(cell):
            for child in cell.children:
                if child.get("nb_element") == "cell_code_output":
                    child.children = [nodes.paragraph("", "", nodes.emphasis(text=NOT_RUN), classes=["check-not-run"])]
    for paragraph in list(doctree.findall(nodes.paragraph)):
        if FOLDED_AWAY.search(paragraph.astext()):
            _replace_sentence(paragraph, FOLDED_AWAY, NO_SOLUTIONS)
    if _edition() == "course":
        for cell in _cells(doctree, "setup"):
            _set_text(_source_block(cell), course_setup(_source_block(cell).astext()))


def _chapter(app, docname):
    numbers = app.env.toc_secnumbers.get(docname, {}).get("", ())
    return numbers[0] if numbers else None


def _plain_path(app, docname) -> str:
    """Chapter ``docname``'s plain edition, as a path in the repository (``plain_notebooks``/NAME.ipynb)."""
    return f"{app.config.plain_notebooks.strip('/')}/{Path(docname).name}.ipynb"


def _plain_copy(app, docname) -> Path:
    """The committed plain edition of chapter ``docname`` (``make plain-notebooks`` writes it).

    The repository's root is the book's parent folder (the book is its ``book/``)."""
    path = Path(app.srcdir).parent / _plain_path(app, docname)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no plain edition of {docname}; run `make plain-notebooks` and commit it")
    return path


def _launch_plain_edition(app, pagename, templatename, context, doctree):
    """Point the launch buttons the theme has just built for a chapter at its plain edition."""
    groups = [b for b in context.get("header_buttons", ()) if b.get("label") == "launch-buttons"]
    if _without_solutions() or not groups:
        return
    _plain_copy(app, pagename)  # fail on a chapter without one, rather than link to nothing
    # The theme ends each URL with the page's path in the repository (path_to_docs, then the page).
    prefix = (app.config.html_theme_options.get("path_to_docs") or "").strip("/")
    theirs = f"{prefix}/{pagename}.ipynb".lstrip("/")
    for button in (b for group in groups for b in group["buttons"] if b.get("type") == "link"):
        if not button["url"].endswith(theirs):  # a theme whose URLs look otherwise: say so, never a wrong link
            raise ValueError(f"{pagename}: launch URL {button['url']} does not end with {theirs}")
        button["url"] = button["url"][:-len(theirs)] + _plain_path(app, pagename)


def _serve_notebooks(app, exception):
    """Each chapter's copy under ``_sources/``: with solutions its plain edition; without, its student version."""
    if exception is not None or app.builder.format != "html":
        return
    import nbformat

    from convkit.myst_markdown import read_bibliography

    sources = Path(app.outdir) / "_sources"
    suffix = app.config.html_sourcelink_suffix or ""
    bib = Path(app.srcdir) / "references.bib"
    bibliography = read_bibliography(bib.read_text(encoding="utf-8")) if bib.is_file() else {}
    chapters = {docname: Path(app.env.doc2path(docname)) for docname in sorted(app.env.found_docs)
                if Path(app.env.doc2path(docname)).suffix == ".ipynb"}
    for docname, source in chapters.items():
        name = docname + source.suffix
        copy = sources / (name if name.endswith(suffix) else name + suffix)
        if not copy.is_file():
            raise FileNotFoundError(f"{copy}: Sphinx did not copy the source of {docname} where expected")
        if not _without_solutions():
            shutil.copyfile(_plain_copy(app, docname), copy)  # hidden tests already removed
            continue
        from convkit.assign import student_version

        nb = student_version(nbformat.read(source, as_version=4), chapter=_chapter(app, docname),
                             bibliography=bibliography, notebooks=[p.name for p in chapters.values()])
        if _edition() == "course":
            for cell in nb.cells:
                if "setup" in cell.metadata.get("tags", []):
                    cell.source = course_setup(cell.source)
        nbformat.write(nb, copy)
    if _edition() == "course":
        wheels = Path(app.outdir) / "wheels"
        wheels.mkdir(exist_ok=True)
        shutil.copy2(os.environ["CONVKIT_WHEEL"], wheels / Path(os.environ["CONVKIT_WHEEL"]).name)


# In the course edition the repository (which holds every solution) is named nowhere: a page that gives
# its address (the instructors' set-up commands) says this instead, on the page and in its download.
NO_REPOSITORY = "<this book's repository>"


def _repository_addresses(app):
    url = (app.config.html_theme_options or {}).get("repository_url") or ""
    url = url.rstrip("/")
    return [url, url.split("://", 1)[-1]] if url else []


def _hide_repository_in_source(app, docname, source):
    # Markdown pages only: the chapters' set-up cells are rewritten to the course's wheel (_edit_pages).
    if _edition() == "course" and str(app.env.doc2path(docname)).endswith(".md"):
        for address in _repository_addresses(app):
            source[0] = source[0].replace(address, NO_REPOSITORY)


def _hide_repository_in_downloads(app, exception):
    if exception is not None or _edition() != "course":
        return
    for path in (Path(app.outdir) / "_sources").rglob("*.md*"):
        text = path.read_text(encoding="utf-8")
        hidden = text
        for address in _repository_addresses(app):
            hidden = hidden.replace(address, NO_REPOSITORY)
        if hidden != text:
            path.write_text(hidden, encoding="utf-8")


def setup(app):
    _edition()  # fail early on a misspelt edition
    app.connect("source-read", _hide_repository_in_source)
    app.connect("build-finished", _hide_repository_in_downloads)
    app.connect("config-inited", _config_inited)
    # Before Sphinx's own doctree-read collectors (priority 500): no image, label or word of a solution
    # or a hidden test is recorded.
    app.connect("doctree-read", _edit_pages, priority=400)
    app.connect("build-finished", _serve_notebooks)
    # The folder of the chapters' plain edition, in the repository (whose root is the book's parent).
    app.add_config_value("plain_notebooks", "notebooks-plain", "html")
    # After sphinx-book-theme's add_launch_buttons (priority 501), which builds the URLs this rewrites.
    app.connect("html-page-context", _launch_plain_edition, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
