"""nbgrader's side of a course: the points of every exercise, from one table.

``points.csv`` (next to this file) gives each exercise's graded cell (its ``grade_id``), name and
points. :class:`PointsFromTable`, listed first among ``generate_assignment``'s preprocessors by the
``nbgrader_config.py`` of ``book/instructors.md``, writes those points into the check cells of the
assignment it generates, so that changing a number in the table and running
``nbgrader generate_assignment <chapter> --force`` changes what the chapter is worth. The book's tests
read the same table.

:class:`MathMLFeedback`, the exporter of ``nbgrader generate_feedback`` in that configuration, writes the
feedback page with its formulas drawn as MathML, so that a student reads it offline. Importing this
module imports nbgrader, nbconvert and latex2mathml (only the course's configuration does).
"""
from __future__ import annotations

import csv
from pathlib import Path
from xml.etree.ElementTree import Element, tostring
from xml.sax.saxutils import unescape

from jinja2 import DictLoader, pass_context
from latex2mathml.converter import convert_to_element
from markupsafe import escape
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode, default

__all__ = ["TABLE", "MathMLFeedback", "PointsFromTable", "read_points", "tex_to_mathml"]

#: The table of points: exercise, grade_id, name, points.
TABLE = Path(__file__).with_name("points.csv")


def read_points(table=TABLE):
    """{grade_id: points} from ``table``."""
    with open(table, newline="", encoding="utf-8") as f:
        return {row["grade_id"]: float(row["points"]) if "." in row["points"] else int(row["points"])
                for row in csv.DictReader(f)}


class PointsFromTable(NbGraderPreprocessor):
    """Set each graded cell's ``points`` from the table (by its ``grade_id``); a cell not in it is an error."""

    table = Unicode(str(TABLE), help="The CSV table of points (columns exercise, grade_id, name, points).").tag(
        config=True)

    def preprocess(self, nb, resources):
        points = read_points(self.table)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                if meta.get("grade_id") not in points:
                    raise ValueError(f"{self.table} gives no points for the graded cell {meta.get('grade_id')!r}")
                meta["points"] = points[meta["grade_id"]]
        return nb, resources


def tex_to_mathml(tex, display="inline"):
    """``tex`` as a ``<math>`` element, in HTML (latex2mathml's), drawn as TeX would draw it.

    Parameters
    ----------
    tex : str
        One formula, without its ``$`` delimiters.
    display : {"inline", "block"}
        In the line of text, or a paragraph of its own.

    Returns
    -------
    str
        The MathML.
    """
    math = convert_to_element(tex, display=display)
    for parent in list(math.iter()):
        _fence_matrices(parent)
        _primes_after(parent)
    return unescape(tostring(math, encoding="unicode"))  # latex2mathml's own serialisation: "&#x..;" as text


def _fence_matrices(parent):
    """Put each ``[ table ]`` among ``parent``'s children in a row of its own, its brackets as fences.

    latex2mathml writes ``\\begin{bmatrix}`` as the two brackets around the table inside the formula's row,
    where a browser draws them as operators of text height; as a row's first and last they stretch.
    """
    kids = list(parent)
    fenced = [i for i in range(1, len(kids) - 1)
              if kids[i].tag == "mtable" and kids[i - 1].tag == kids[i + 1].tag == "mo"]
    for i in reversed(fenced):
        row = Element("mrow")
        row.extend(kids[i - 1:i + 2])
        kids[i - 1].attrib.update(stretchy="true", fence="true", form="prefix")
        kids[i + 1].attrib.update(stretchy="true", fence="true", form="postfix")
        for kid in kids[i - 1:i + 2]:
            parent.remove(kid)
        parent.insert(i - 1, row)


#: The primes (one, two, three), as latex2mathml writes them.
PRIMES = ("&#x02032;", "&#x02033;", "&#x02034;")


def _primes_after(parent):
    """Write ``w'`` as w then the prime, not as w with a superscript prime (a browser raises it twice).

    A prime's glyph sits high already, and browsers lack TeX's rule for a prime in a superscript.
    ``w'_i`` becomes ``w_i`` then the prime.
    """
    for i, kid in reversed(list(enumerate(parent))):
        if kid.tag in ("msup", "msubsup") and len(kid[-1]) == 0 and kid[-1].text in PRIMES:
            prime = kid[-1]
            kid.remove(prime)
            parent.insert(i + 1, prime)
            if kid.tag == "msubsup":
                kid.tag = "msub"
            else:  # the superscript was all: the base takes the msup's place
                parent.remove(kid)
                parent.insert(i, kid[0])


class _MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, each formula written as a ``<math>`` element instead of its TeX."""

    def __init__(self, log, **options):
        super().__init__(**options)
        self.log = log

    def _math(self, tex, display):
        try:
            return tex_to_mathml(tex, display=display)
        # latex2mathml raises a dozen unrelated exception classes; one formula it cannot read must not stop
        # the class's feedback: it is shown as its TeX, and the instructor is told which.
        except Exception as error:  # noqa: BLE001
            self.log.warning("feedback: formula left as TeX (%s: %s): %s", type(error).__name__, error, tex)
            delimiter = "$" if display == "inline" else "$$"
            return f"<code>{escape(delimiter + tex + delimiter)}</code>"

    def inline_math(self, body):
        return self._math(body, "inline")

    def block_math(self, body):
        return self._math(body, "block")

    def latex_environment(self, name, body):
        return self._math(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


#: The feedback page's style for its formulas: a browser stretches a matrix's brackets only with a font that
#: has a MATH table, and its generic `math` family may name none (Debian's Chromium); these are Windows',
#: macOS's, TeX's and the DejaVu fonts', in that order; 1.1em, as their letters look smaller than the text's.
MATH_FONTS = ("<style>math { font-family: 'STIX Two Math', 'Cambria Math', 'Latin Modern Math', "
              "'DejaVu Math TeX Gyre', math; font-size: 1.1em; }</style>")


class MathMLFeedback(HTMLExporter):
    """nbgrader's feedback page with its formulas drawn as MathML when it is written, so it reads offline.

    nbgrader's feedback template calls nbconvert's ``mathjax()`` macro, which loads MathJax from a CDN
    (no setting changes that address): read without a network, the page shows the formulas' TeX. This
    exporter turns every formula of the Markdown (``$...$``, ``$$...$$``, ``\\begin{...}``) into MathML with
    latex2mathml, which browsers draw themselves (Chromium and Edge since 109, Firefox, Safari), and
    leaves MathJax out: the page is one file that asks for nothing. nbgrader's own template is kept.
    ``nbgrader_config.py``: ``c.GenerateFeedback.exporter_class = MathMLFeedback``.
    """

    @default("extra_loaders")
    def _no_mathjax(self):
        # nbconvert's templates import their `mathjax` macro from this file; found here first, it loads no
        # MathJax and writes MATH_FONTS instead
        return [DictLoader({"mathjax.html.j2": "{%- macro mathjax(url=None) -%}" + MATH_FONTS + "{%- endmacro -%}"})]

    @pass_context
    def markdown2html(self, context, source):
        """Markdown to HTML as nbconvert's HTMLExporter does, formulas as MathML (the template's filter)."""
        cell = context.get("cell", {})
        renderer = _MathMLRenderer(
            self.log, escape=False, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)
