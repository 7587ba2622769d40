"""Figures for the chapters: grids with numbers, highlighted windows, W* and im2col.

Needs matplotlib (imported here only, so the numerical core needs just numpy).
Colours come from the Okabe-Ito palette, and every highlight is also drawn as a
thick outline or hatch, so nothing relies on telling colours apart.

Drawn for a phone first. Each figure is one Axes whose unit is one grid cell,
sized in inches at ``DPI`` dots per inch, at most ``PHONE_WIDTH_IN`` wide (340 px:
the text column of a 390 px phone, less the frame the dark theme puts around
images). The exception is the im2col figure, whose 25-column matrix cannot be
legible that narrow; the book lets it scroll sideways on a phone. No text is
smaller than ``MIN_FONT_PT`` (15 px at 100 dpi, above the 14.4 px small print of
the book's pages), so a figure shown at its own size is never harder to read than
the page around it; tests/browser/test_book_pages.py checks that on screen.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextPath

from .arguments import as_pair
from .geometry import conv_geometry

__all__ = ["draw_grid", "window_figure", "padded_windows_figure", "matrix_figure", "backprop_1d_figure",
           "im2col_figure", "MIN_FONT_PT", "PHONE_WIDTH_IN", "DPI"]

#: Dots per inch of every figure (the PNG the notebook stores).
DPI = 100
#: The smallest text any figure draws, in points.
MIN_FONT_PT = 11
#: Widest figure (its PNG, as a notebook stores it) that fits a 390 px phone at its own size.
PHONE_WIDTH_IN = 3.4
NUMBER_PT = 12  # numbers inside grid cells
ORANGE, BLUE, SKY, GREY, VERMILION = "#E69F00", "#0072B2", "#56B4E9", "#DDDDDD", "#D55E00"
_MARGIN_IN = 0.05  # room around the drawing for thick outlines
# Width left for the drawing: a notebook saves figures with bbox_inches="tight", which pads 0.1 in.
_ROOM_IN = PHONE_WIDTH_IN - 2 * (_MARGIN_IN + 0.1)


def _text(v, fmt):
    return fmt.format(v) if isinstance(v, (int, float, np.integer, np.floating)) else str(v)


def _width_in(s, size):
    """Width of ``s`` set in the default font at ``size`` points, in inches."""
    return TextPath((0, 0), s, size=size, prop=FontProperties()).get_extents().width / 72


def _wrap(text, width_in, size=MIN_FONT_PT):
    """Break ``text`` at spaces into lines no wider than ``width_in`` (a single long word stays whole)."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and _width_in(candidate, size) > width_in:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _line_in(size=MIN_FONT_PT):
    return 1.3 * size / 72


def _sheet(width_in, height_in, cell_in):
    """A figure holding one Axes over all of it, in cell units: x right, y down, (0, 0) top-left."""
    m = _MARGIN_IN
    fig = plt.figure(figsize=(width_in + 2 * m, height_in + 2 * m), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-m / cell_in, (width_in + m) / cell_in)
    ax.set_ylim((height_in + m) / cell_in, -m / cell_in)
    ax.axis("off")
    return fig, ax


def _caption(ax, lines, x, y, cell_in, size=MIN_FONT_PT, **kw):
    """Lines of text centred on ``x``, top at ``y`` (cell units); returns the y below them."""
    for line in lines:
        ax.text(x, y, line, ha="center", va="top", fontsize=size, **kw)
        y += _line_in(size) / cell_in
    return y


def draw_grid(ax, values, *, title=None, highlight=None, pad=(0, 0), fmt="{:g}", colour=ORANGE,
              labels=None, fontsize=NUMBER_PT, origin=(0, 0), cell=1.0, numbers=True, outline=3.0, limits=True):
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
    ph, pw = as_pair(pad, "pad", 0)
    boxes = [] if highlight is None else ([highlight] if np.ndim(highlight[0]) == 0 else list(highlight))
    at = lambda r, c: (x0 + c * cell, y0 + r * cell)  # noqa: E731  (top-left corner of cell (r, c))
    # A few artists per grid, not one per cell: a white sheet, the padding ring as up to four hatched
    # strips, then all the cell lines as two collections.
    ax.add_patch(Rectangle(at(0, 0), w * cell, h * cell, facecolor="white", edgecolor="none"))
    strips = [(0, 0, ph, w), (h - ph, 0, ph, w), (ph, 0, h - 2 * ph, pw), (ph, w - pw, h - 2 * ph, pw)]
    for r0, c0, hh, ww in strips:
        if hh > 0 and ww > 0:
            ax.add_patch(Rectangle(at(r0, c0), ww * cell, hh * cell, facecolor=GREY, edgecolor="none", hatch="//"))
    ax.vlines([x0 + c * cell for c in range(w + 1)], y0, y0 + h * cell, colors="#555555", lw=0.8)
    ax.hlines([y0 + r * cell for r in range(h + 1)], x0, x0 + w * cell, colors="#555555", lw=0.8)
    for r0, c0, hh, ww in boxes:
        ax.add_patch(Rectangle(at(r0, c0), ww * cell, hh * cell, facecolor=colour, alpha=0.45, edgecolor="none"))
        ax.add_patch(Rectangle(at(r0, c0), ww * cell, hh * cell, fill=False, edgecolor="black", lw=outline))
    if numbers:
        for r in range(h):
            for c in range(w):
                txt = labels[r][c] if labels is not None else _text(values[r, c], fmt)
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


def window_figure(x, w, i, j, stride=1, padding=0, out=None):
    """Input (window at output (i, j) highlighted), kernel and output (cell (i, j) highlighted).

    The title spells out the dot product that produces the output. The three grids
    share one cell size and sit in a row, or the input above the other two when a
    row would not fit a phone.

    Parameters
    ----------
    x : array_like, shape (H, W)
    w : array_like, shape (FH, FW)
        The kernel's weights.
    i, j : int
        Output position.
    stride, padding : int or (int, int)
    out : array_like, shape (Hout, Wout), optional
        Output values to show; otherwise computed with :func:`convkit.conv2d`.
    """
    from .conv2d import conv2d

    x, w = np.asarray(x), np.asarray(w)
    g = conv_geometry((1, 1, *x.shape), (1, 1, *w.shape), stride, padding)
    xp = np.pad(x, ((g.ph, g.ph), (g.pw, g.pw)))
    if out is None:
        out = conv2d(x[None, None], w[None, None], None, stride, padding, method="loops")[0, 0]
    out = np.asarray(out)
    r, c = i * g.sh, j * g.sw
    window = xp[r : r + g.fh, c : c + g.fw]
    terms = " + ".join(f"{_text(a, '{:g}')}·{_text(b, '{:g}')}" for a, b in zip(window.ravel(), w.ravel()))
    # No-break spaces tie each operator to the term after it: lines break before "+" and "=".
    equation = f"output[{i},\u00a0{j}] =\u00a0{terms} =\u00a0{_text(out[i, j], '{:g}')}".replace(" + ", " +\u00a0")

    (hp, wp), (fh, fw), (ho, wo) = xp.shape, w.shape, out.shape
    one_row = wp + 1 + fw + 1 + wo
    cell = min(0.38, _ROOM_IN / one_row)
    if cell >= 0.3:  # input, kernel, output in a row
        spots = [(0, 0), (wp + 1, 0), (wp + 1 + fw + 1, 0)]
        width, grid_h = one_row, max(hp, fh, ho)
    else:  # input above, kernel and output below it
        width = max(wp, fw + 1 + wo)
        cell = min(0.38, _ROOM_IN / width)
        title_u = _line_in() / cell + 0.3
        spots = [((width - wp) / 2, 0), (0, hp + 0.6 + title_u), (fw + 1, hp + 0.6 + title_u)]
        grid_h = hp + 0.6 + title_u + max(fh, ho)
    lines = _wrap(equation, width * cell)
    top = len(lines) * _line_in() / cell + 0.4 + _line_in() / cell  # equation, gap, grid titles
    fig, ax = _sheet(width * cell, (top + grid_h) * cell, cell)
    _caption(ax, lines, width / 2, 0, cell)
    grids = [(xp, "input" + (" (padded)" if g.ph or g.pw else ""), dict(pad=(g.ph, g.pw), highlight=(r, c, fh, fw))),
             (w, "kernel", dict(colour=SKY, highlight=(0, 0, fh, fw))),
             (out, "output", dict(colour=ORANGE, highlight=(i, j, 1, 1)))]
    for (values, title, kw), (gx, gy) in zip(grids, spots):
        draw_grid(ax, values, title=title, origin=(gx, top + gy), limits=False, **kw)
    return fig


def padded_windows_figure(x, fh, fw, stride=1, padding=0, ncols=None):
    """Every window position on the padded input, one small panel each, in reading order.

    Each panel is the padded input (padding grey and hatched) with one window
    highlighted and its number above it. The panels are too small for the
    input's numbers, so they show where each window lies, not what it holds.
    """
    x = np.asarray(x)
    g = conv_geometry((1, 1, *x.shape), (1, 1, fh, fw), stride, padding)
    hp, wp = x.shape[0] + 2 * g.ph, x.shape[1] + 2 * g.pw
    n = g.ho * g.wo
    ncols = ncols or g.wo
    gap_in = 0.14
    while True:  # fewer columns until a cell is at least 7 px
        cell = min(0.2, (_ROOM_IN - (ncols - 1) * gap_in) / (ncols * wp))
        if cell >= 0.07 or ncols == 1:
            break
        ncols -= 1
    nrows = -(-n // ncols)
    gap, label = gap_in / cell, _line_in() / cell
    width = ncols * wp + (ncols - 1) * gap
    head = _wrap(f"The {n} windows in reading order, each numbered"
                 + ("; grey hatched cells are padding" if g.ph or g.pw else ""), width * cell)
    top = len(head) * _line_in() / cell + 0.5
    row_h = label + hp + gap
    fig, ax = _sheet(width * cell, (top + nrows * row_h - gap) * cell, cell)
    _caption(ax, head, width / 2, 0, cell)
    for t in range(n):
        i, j = divmod(t, g.wo)
        row, col = divmod(t, ncols)
        x0, y0 = col * (wp + gap), top + row * row_h + label
        draw_grid(ax, np.zeros((hp, wp)), pad=(g.ph, g.pw), highlight=(i * g.sh, j * g.sw, g.fh, g.fw),
                  origin=(x0, y0), numbers=False, outline=2.0, limits=False)
        ax.text(x0 + wp / 2, y0 - 0.2, str(t), ha="center", va="bottom", fontsize=MIN_FONT_PT)
    return fig


def matrix_figure(m, *, title=None, row_highlight=None, col_highlight=None, fmt="{:g}", numbers=True):
    """A matrix with its non-zero entries shaded; optionally one row (dashed) and some columns (dotted) outlined.

    Zeros show as "·" and non-zeros are shaded and edged, so the pattern reads
    without colour too. Without ``numbers`` the cells shrink to fit a phone.
    """
    m = np.asarray(m)
    rows, cols = m.shape
    cell = min(0.38, _ROOM_IN / cols)
    if numbers:
        cell = max(cell, 0.3)  # room for a number at NUMBER_PT
    lines = _wrap(title, max(cols * cell, _ROOM_IN)) if title else []
    width = max(cols, _ROOM_IN / cell if lines else cols)
    top = len(lines) * _line_in() / cell + (0.4 if lines else 0)
    fig, ax = _sheet(width * cell, (top + rows) * cell, cell)
    _caption(ax, lines, width / 2, 0, cell)
    x0 = (width - cols) / 2
    labels = [[(_text(v, fmt) if v != 0 else "·") for v in row] for row in m]
    draw_grid(ax, m, labels=labels, origin=(x0, top), numbers=numbers, limits=False)
    for r, c in zip(*np.nonzero(m)):
        ax.add_patch(Rectangle((x0 + c, top + r), 1, 1, facecolor=SKY, alpha=0.6, edgecolor="#1a1a1a",
                               lw=1.5 if numbers else 1.0, zorder=1.5))
    if row_highlight is not None:
        ax.add_patch(Rectangle((x0, top + row_highlight), cols, 1, fill=False, edgecolor=VERMILION, lw=3,
                               linestyle="--", zorder=3))
    for c in col_highlight or []:
        ax.add_patch(Rectangle((x0 + c, top), 1, rows, fill=False, edgecolor=BLUE, lw=2.5, linestyle=":",
                               zorder=3))
    return fig


def backprop_1d_figure(n_in=5, f=3):
    """Which output each input feeds in a valid 1-D correlation, each arrow labelled with its weight.

    Inputs on top, outputs below, each output under the middle of its window;
    the arrow from x_(i+a) to y_i carries w_a (w0 solid, w1 dashed, w2 dotted).
    """
    n_out = n_in - f + 1
    step = min(0.8, (_ROOM_IN - 0.9) / (n_in - 1))
    width = step * (n_in - 1) + 0.9
    xs = [0.45 + t * step for t in range(n_in)]
    ys = [xs[i] + step * (f - 1) / 2 for i in range(n_out)]
    head = _wrap("y_i = " + " + ".join(f"w{a}·x_(i+{a})" if a else "w0·x_i" for a in range(f)), width) \
        + _wrap(", ".join(f"{s} w{a}" for a, s in zip(range(f), ["solid", "dashed", "dotted"])), width)
    top = len(head) * _line_in() + 0.25
    y_in, y_out = top + 0.2, top + 2.0
    fig, ax = _sheet(width, y_out + 0.25, 1.0)
    _caption(ax, head, width / 2, 0, 1.0)
    styles, colours = ["-", "--", ":"], [BLUE, ORANGE, VERMILION]
    for i in range(n_out):
        for a in range(f):
            # Arrows leave an input and reach an output side by side, in the order of their slopes.
            start, end = (xs[i + a] + 0.08 * (1 - a), y_in + 0.2), (ys[i] + 0.08 * (a - 1), y_out - 0.2)
            ax.annotate("", xy=end, xytext=start, arrowprops=dict(
                arrowstyle="->", lw=1.8, linestyle=styles[a % 3], color=colours[a % 3], shrinkA=0, shrinkB=0))
            frac = (a + 1) / (f + 1)  # w0 near the top, w2 near the bottom: labels never collide
            ax.text(start[0] + frac * (end[0] - start[0]), start[1] + frac * (end[1] - start[1]), f"w{a}",
                    fontsize=MIN_FONT_PT, ha="center", va="center",
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    for t in range(n_in):
        ax.text(xs[t], y_in, f"x{t}", ha="center", va="center", fontsize=NUMBER_PT,
                bbox=dict(boxstyle="round", fc="white", ec="black"))
    for i in range(n_out):
        ax.text(ys[i], y_out, f"y{i}", ha="center", va="center", fontsize=NUMBER_PT,
                bbox=dict(boxstyle="round", fc=GREY, ec="black"))
    return fig


def im2col_figure(x, fh, fw, stride=1, padding=0, column=0):
    """The padded input with one window highlighted, above the column matrix with that column outlined.

    The column matrix keeps every number legible, so it is wider than a phone.
    """
    from .im2col import im2col

    x = np.asarray(x)
    g = conv_geometry((1, 1, *x.shape), (1, 1, fh, fw), stride, padding)
    xp = np.pad(x, ((g.ph, g.ph), (g.pw, g.pw)))
    cols = im2col(x[None, None], fh, fw, stride, padding)
    i, j = divmod(column, g.wo)
    cell, big = 0.25, 1.4  # the matrix's cells (inches), and the input's, in matrix cells
    width = max(cols.shape[1], xp.shape[1] * big)
    title_u = _line_in() / cell
    lines = _wrap(f"column matrix {cols.shape[0]}×{cols.shape[1]}: column {column} is window {column}", width * cell)
    y_cols = title_u + xp.shape[0] * big + 0.8 + len(lines) * title_u
    fig, ax = _sheet(width * cell, (y_cols + cols.shape[0]) * cell, cell)
    # Everything left-aligned: a phone shows the figure's left part first (it scrolls sideways).
    draw_grid(ax, xp, pad=(g.ph, g.pw), highlight=(i * g.sh, j * g.sw, g.fh, g.fw), title="padded input",
              origin=((width - cols.shape[1]) / 2, title_u), cell=big, limits=False)
    y = title_u + xp.shape[0] * big + 0.5
    for line in lines:
        ax.text((width - cols.shape[1]) / 2, y, line, ha="left", va="top", fontsize=MIN_FONT_PT)
        y += title_u
    draw_grid(ax, cols, highlight=(0, column, cols.shape[0], 1), origin=((width - cols.shape[1]) / 2, y_cols),
              fontsize=MIN_FONT_PT, limits=False)
    return fig
