"""The one drawing kit of every chapter's figures: palette, sizes, sheets, captions, grids.

Needs matplotlib (imported here only, so the numerical core needs just numpy).
Colours come from the Okabe-Ito palette, and every highlight is also drawn as a
thick outline, a hatch, a line style or a number, so nothing relies on telling
colours apart.

Drawn for a phone first: a figure's PNG (as a notebook stores it) is at most
``PHONE_WIDTH_IN`` wide at ``DPI`` dots per inch (340 px: the text column of a
390 px phone, less the frame the dark theme puts around images), and no text is
smaller than ``MIN_FONT_PT`` (15 px at 100 dpi, above the 14.4 px small print of
the book's pages). tests/browser/test_book_pages.py checks that on screen, and
every notebook's figures are checked as the notebook runs
(tests/ipython/profile_default/startup/00-figure-rules.py).

One unit: the grid cell. A sheet (:func:`sheet`) is one Axes over the whole
figure whose data unit is one cell of ``cell`` inches, x right, y down; inches
become cells in :func:`sheet` and :func:`line` only. Text widths for wrapping are
measured in inches (:func:`wrap`), since a caption's room is the page's.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextPath

#: Dots per inch of every figure (the PNG the notebook stores).
DPI = 100
#: The smallest text any figure draws, in points.
MIN_FONT_PT = 11
#: Widest figure (its PNG, as a notebook stores it) that fits a 390 px phone at its own size.
PHONE_WIDTH_IN = 3.4
#: Numbers inside grid cells, in points.
NUMBER_PT = 12

# The Okabe-Ito palette (and a light grey for padding), the one set every chapter draws with.
ORANGE, SKY, GREEN, BLUE, VERMILION, PURPLE, BLACK = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00",
                                                       "#CC79A7", "#000000")
GREY = "#DDDDDD"

MARGIN_IN = 0.05  # room around a sheet's drawing for thick outlines
#: Width left for a drawing: a notebook saves figures with bbox_inches="tight", which pads 0.1 in a side.
ROOM_IN = PHONE_WIDTH_IN - 2 * (MARGIN_IN + 0.1)
#: Width of a figure drawn with plt.subplots (no sheet margin), for the same reason.
PLOT_WIDTH_IN = PHONE_WIDTH_IN - 0.3
CELL_IN = 0.38  # the largest grid cell, in inches


def pair(v):
    """``v`` as a (rows, columns) pair: an int stands for both."""
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))


def fmt_number(v, fmt="{:g}"):
    """A number through ``fmt``; anything else as its str."""
    return fmt.format(v) if isinstance(v, (int, float, np.integer, np.floating)) else str(v)


def text_width_in(s, size=MIN_FONT_PT):
    """Width of ``s`` set in the default font at ``size`` points, in inches."""
    return TextPath((0, 0), s, size=size, prop=FontProperties()).get_extents().width / 72


def wrap(text, width_in, size=MIN_FONT_PT):
    """Break ``text`` at spaces into lines no wider than ``width_in`` inches (a single long word stays whole)."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_width_in(candidate, size) > width_in:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def line(cell, size=MIN_FONT_PT):
    """Height of a line of text at ``size`` points, in cells of ``cell`` inches."""
    return 1.3 * size / 72 / cell


def caption_height(lines, cell):
    """Height of a caption of ``lines`` and the gap under it, in cells."""
    return len(lines) * line(cell) + 0.3


def sheet(width, height, cell):
    """A figure with one Axes over all of it, in cells of ``cell`` inches: x right, y down, (0, 0) top-left.

    ``width`` and ``height`` are the drawing's, in cells; a margin of ``MARGIN_IN`` goes around it.
    """
    m = MARGIN_IN / cell
    fig = plt.figure(figsize=((width + 2 * m) * cell, (height + 2 * m) * cell), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-m, width + m)
    ax.set_ylim(height + m, -m)
    ax.axis("off")
    return fig, ax


def caption(ax, lines, x, y, cell, size=MIN_FONT_PT, **kw):
    """Lines of text centred on ``x``, top at ``y`` (cells); returns the y below them."""
    for text in lines:
        ax.text(x, y, text, ha="center", va="top", fontsize=size, **kw)
        y += line(cell, size)
    return y


def outline(ax, x, y, w, h, lw=3.0, **kw):
    """An unfilled rectangle (cells), drawn above the grids; ``color`` defaults to black."""
    ax.add_patch(Rectangle((x, y), w, h, fill=False, edgecolor=kw.pop("color", "black"), lw=lw, zorder=3, **kw))


def ringed(ax, mask, x0, y0, colour=BLUE):
    """A small ring inside each cell where ``mask`` is true (e.g. the zeros a stride inserts)."""
    for a, b in zip(*np.nonzero(mask)):
        outline(ax, x0 + b + 0.12, y0 + a + 0.12, 0.76, 0.76, lw=1.2, color=colour)


def draw_grid(ax, values, *, title=None, highlight=None, pad=(0, 0), fmt="{:g}", colour=ORANGE, labels=None,
              fill=None, fontsize=NUMBER_PT, origin=(0, 0), cell=1.0, numbers=True, outline=3.0, limits=True):
    """Draw a 2-D array as a grid of numbered cells, one data unit per cell.

    Parameters
    ----------
    ax : matplotlib Axes
    values : array_like, shape (H, W)
    title : str, optional
        Set as the Axes title (with ``limits``) or written above the grid.
    highlight : (row, col, height, width) or list of them, optional
        Cells to fill with ``colour`` and outline ``outline`` points thick.
    pad : int or (int, int)
        Width of a zero-padding ring to shade grey with hatching.
    fmt : str
        Format of each number.
    labels : array of str, shape (H, W), optional
        Text to show instead of the values.
    fill : nested lists of colours (or None), shape (H, W), optional
        A colour for each cell; None leaves the cell as it is.
    origin : (x, y)
        Where the grid's top-left corner goes, in data units.
    cell : float
        Side of a cell, in data units.
    numbers : bool
        Write the values (or labels) in the cells.
    limits : bool
        Fit the Axes to this grid alone (equal aspect, no axis lines).
    """
    values = np.asarray(values)
    h, w = values.shape
    x0, y0 = origin
    ph, pw = pair(pad)
    boxes = [] if highlight is None else ([highlight] if np.ndim(highlight[0]) == 0 else list(highlight))
    at = lambda r, c: (x0 + c * cell, y0 + r * cell)  # noqa: E731  (top-left corner of cell (r, c))
    # A few artists per grid, not one per cell: a white sheet, the padding ring as up to four hatched
    # strips, the filled cells, then all the cell lines as two collections.
    ax.add_patch(Rectangle(at(0, 0), w * cell, h * cell, facecolor="white", edgecolor="none"))
    strips = [(0, 0, ph, w), (h - ph, 0, ph, w), (ph, 0, h - 2 * ph, pw), (ph, w - pw, h - 2 * ph, pw)]
    for r0, c0, hh, ww in strips:
        if hh > 0 and ww > 0:
            # The hatch takes the edge's colour: mid-grey, so that numbers on the padding stay legible.
            ax.add_patch(Rectangle(at(r0, c0), ww * cell, hh * cell, facecolor=GREY, edgecolor="#555555", lw=0,
                                   hatch="//"))
    for r, c in np.ndindex(h, w) if fill is not None else ():
        if fill[r][c] is not None:
            ax.add_patch(Rectangle(at(r, c), cell, cell, facecolor=fill[r][c], edgecolor="none"))
    ax.vlines([x0 + c * cell for c in range(w + 1)], y0, y0 + h * cell, colors="#555555", lw=0.8)
    ax.hlines([y0 + r * cell for r in range(h + 1)], x0, x0 + w * cell, colors="#555555", lw=0.8)
    for r0, c0, hh, ww in boxes:
        ax.add_patch(Rectangle(at(r0, c0), ww * cell, hh * cell, facecolor=colour, alpha=0.45, edgecolor="none"))
        ax.add_patch(Rectangle(at(r0, c0), ww * cell, hh * cell, fill=False, edgecolor="black", lw=outline))
    if numbers:
        for r, c in np.ndindex(h, w):
            txt = labels[r][c] if labels is not None else fmt_number(values[r, c], fmt)
            cx, cy = at(r + 0.5, c + 0.5)
            ax.text(cx, cy, txt, ha="center", va="center", fontsize=fontsize)
    if limits:
        ax.set_xlim(x0 - 0.1, x0 + w * cell + 0.1)
        ax.set_ylim(y0 + h * cell + 0.1, y0 - 0.1)
        ax.set_aspect("equal")
        ax.axis("off")
        if title:
            ax.set_title(title, fontsize=MIN_FONT_PT)
    elif title:
        ax.text(x0 + w * cell / 2, y0 - 0.15, title, ha="center", va="bottom", fontsize=MIN_FONT_PT)
    return ax


def grid(ax, values, x0, y0, **kw):
    """A numbered grid on a sheet, its top-left corner at (x0, y0) in cells (:func:`draw_grid`'s keywords)."""
    return draw_grid(ax, values, origin=(x0, y0), limits=False, **kw)


def blank_grid(ax, shape, x0, y0, **kw):
    """An empty grid of ``shape`` (no numbers) on a sheet: where things are, not what they hold."""
    return grid(ax, np.zeros(shape), x0, y0, numbers=False, **kw)


def plot_figure(height_in, **kw):
    """A figure for plotted Axes (``fig.add_subplot``, ``subplots``...): the phone's width, the book's DPI and
    constrained layout (so nothing sticks out of it). ``kw`` goes to ``plt.figure``."""
    return plt.figure(figsize=(PLOT_WIDTH_IN, height_in), dpi=DPI, layout="constrained", **kw)


def legible(fig, size=MIN_FONT_PT):
    """Every text of ``fig`` at ``size`` points or more, tick labels made later included; returns ``fig``."""
    from matplotlib.text import Text

    for ax in fig.axes:
        ax.tick_params(labelsize=size)
    for text in fig.findobj(Text):
        if text.get_fontsize() < size:
            text.set_fontsize(size)
    return fig
