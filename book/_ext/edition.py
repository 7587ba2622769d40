"""Which edition of the book to build: with solutions (default) or without.

``BOOK_EDITION=nosolutions`` (``make book-nosolutions``, into book/_build_nosolutions/) builds an
edition that holds no solution anywhere a reader can reach:

* pages and search index: every solution block is removed from the document, with the solution code
  cell inside it, as soon as it is read (before Sphinx collects its images, labels and words).
  sphinx-exercise's own ``hide_solutions`` option fails on gated ``solution-start``/``solution-end``
  blocks in version 1.2.1; by ``doctree-read`` sphinx-exercise has merged each gated block into one
  solution node, which is removed here;
* downloads: Sphinx copies each page's source file to ``_sources/`` (the page's download button). For
  a chapter that is the full notebook, so it is replaced by its student version
  (:func:`convkit.assign.student_version`: nbgrader's ClearSolutions, outputs cleared);
* execution: the edition runs the same notebooks as the full book, so it reuses the full build's
  jupyter-cache (book/_build/.jupyter_cache) instead of executing them again (``make
  book-nosolutions`` builds the full book first, so the cache is fresh);
* launch buttons (Binder, Colab) are left out: they open the repository's notebooks, solutions
  included. (Pointing them at student versions would need those notebooks published somewhere.)

tests/test_edition_leaks.py scans every file of the built edition for every line of every solution.
"""
import os
from pathlib import Path


def _edition():
    edition = os.environ.get("BOOK_EDITION", "full")
    if edition not in ("full", "nosolutions"):
        raise ValueError(f"BOOK_EDITION must be 'full' or 'nosolutions'; got {edition!r}")
    return edition


def _no_launch_buttons(app, config):
    if _edition() == "nosolutions":
        config.html_theme_options["launch_buttons"] = {}


def _reuse_full_build_execution(app, config):
    if _edition() == "nosolutions" and not config.nb_execution_cache_path:
        config.nb_execution_cache_path = str(Path(app.srcdir) / "_build" / ".jupyter_cache")


def _drop_solutions(app, doctree):
    if _edition() != "nosolutions":
        return
    from sphinx_exercise.nodes import solution_node

    for node in list(doctree.findall(solution_node)):
        node.parent.remove(node)


def _serve_student_versions(app, exception):
    """Overwrite each chapter's copy under ``_sources/`` with its student version."""
    if exception is not None or _edition() != "nosolutions" or app.builder.format != "html":
        return
    import nbformat

    from convkit.assign import student_version

    sources = Path(app.outdir) / "_sources"
    suffix = app.config.html_sourcelink_suffix or ""
    for docname in sorted(app.env.found_docs):
        source = Path(app.env.doc2path(docname))
        if source.suffix != ".ipynb":
            continue
        name = docname + source.suffix
        copy = sources / (name if name.endswith(suffix) else name + suffix)
        if not copy.is_file():
            raise FileNotFoundError(f"{copy}: Sphinx did not copy the source of {docname} where expected")
        nbformat.write(student_version(nbformat.read(source, as_version=4)), copy)


def setup(app):
    _edition()  # fail early on a misspelt edition
    app.connect("config-inited", _no_launch_buttons)
    app.connect("config-inited", _reuse_full_build_execution)
    # Before Sphinx's own doctree-read collectors (priority 500): no image, label or word of a solution
    # is recorded.
    app.connect("doctree-read", _drop_solutions, priority=400)
    app.connect("build-finished", _serve_student_versions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
