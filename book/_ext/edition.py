"""Which edition of the book to build: with solutions (default) or without.

``BOOK_EDITION=nosolutions`` leaves every solution block out of the pages,
including the solution code cell inside it. (sphinx-exercise's own
``hide_solutions`` option fails on gated ``solution-start``/``solution-end``
blocks in version 1.2.1, so the blocks are removed here, once sphinx-exercise has
merged each gated block into one solution node.) ``make book-nosolutions``
builds that edition into book/_build_nosolutions/.
"""
import os


def _edition():
    edition = os.environ.get("BOOK_EDITION", "full")
    if edition not in ("full", "nosolutions"):
        raise ValueError(f"BOOK_EDITION must be 'full' or 'nosolutions'; got {edition!r}")
    return edition


def _drop_solutions(app, doctree):
    if _edition() != "nosolutions":
        return
    from sphinx_exercise.nodes import solution_node

    for node in list(doctree.findall(solution_node)):
        node.parent.remove(node)


def setup(app):
    _edition()  # fail early on a misspelt edition
    app.connect("doctree-read", _drop_solutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
