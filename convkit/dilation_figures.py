"""Figures for Chapter 8: a dilated window, receptive fields, stamps, (W*)^T and the checkerboard.

Needs matplotlib (imported here only). Drawn for a phone first, as the other
chapters' figures: each figure is one Axes whose unit is one grid cell, at most
``PHONE_WIDTH_IN`` wide at ``DPI`` dots per inch, with no text smaller than
``MIN_FONT_PT``. Colours come from the Okabe-Ito palette and every highlight is
also an outline, a line style or a number, so nothing relies on telling colours
apart.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, Rectangle
from matplotlib.textpath import TextPath

from .figures import DPI, MIN_FONT_PT, PHONE_WIDTH_IN
from .geometry import conv_geometry

__all__ = ["dilated_window_figure", "receptive_field_figure", "stamps_figure", "transpose_matrix_figure",
           "checkerboard_figure", "DPI", "MIN_FONT_PT", "PHONE_WIDTH_IN"]

# DPI, MIN_FONT_PT and PHONE_WIDTH_IN: the book's one set, from convkit.figures (re-exported here).
NUMBER_PT = 12  # numbers inside grid cells
ORANGE, BLUE, SKY, GREY, VERMILION, GREEN = "#E69F00", "#0072B2", "#56B4E9", "#DDDDDD", "#D55E00", "#009E73"
_MARGIN_IN = 0.05  # room around the drawing for thick outlines
_ROOM_IN = PHONE_WIDTH_IN - 2 * (_MARGIN_IN + 0.1)  # a notebook saves with bbox_inches="tight": 0.1 in more
_CELL_IN = 0.38  # the largest grid cell


def _width_in(s, size):
    return TextPath((0, 0), s, size=size, prop=FontProperties()).get_extents().width / 72


def _wrap(text, width_in, size=MIN_FONT_PT):
    """Break ``text`` at spaces into lines no wider than ``width_in``."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and _width_in(candidate, size) > width_in:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + [line]


def _line(cell, size=MIN_FONT_PT):
    """Height of a line of text, in cells."""
    return 1.3 * size / 72 / cell


def _sheet(width, height, cell):
    """A figure with one Axes over all of it, in cell units (x right, y down, (0, 0) top-left)."""
    m = _MARGIN_IN / cell
    fig = plt.figure(figsize=((width + 2 * m) * cell, (height + 2 * m) * cell), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-m, width + m)
    ax.set_ylim(height + m, -m)
    ax.axis("off")
    return fig, ax


def _caption(ax, lines, x, y, cell, **kw):
    """Lines of text centred on ``x`` with their top at ``y``; returns the y below them."""
    for line in lines:
        ax.text(x, y, line, ha="center", va="top", fontsize=MIN_FONT_PT, **kw)
        y += _line(cell)
    return y


def _grid(ax, values, x0, y0, *, title=None, pad=(0, 0), labels=None, fill=None, fontsize=NUMBER_PT):
    """A grid of numbered cells with its top-left corner at (x0, y0); ``fill[r][c]`` colours a cell."""
    values = np.asarray(values)
    h, w = values.shape
    ph, pw = pad
    for r in range(h):
        for c in range(w):
            is_pad = r < ph or r >= h - ph or c < pw or c >= w - pw
            face = fill[r][c] if fill is not None and fill[r][c] else (GREY if is_pad else "white")
            ax.add_patch(Rectangle((x0 + c, y0 + r), 1, 1, facecolor=face, edgecolor="#555555", lw=0.8,
                                   hatch="//" if is_pad else None))
            text = labels[r][c] if labels is not None else f"{values[r, c]:g}"
            ax.text(x0 + c + 0.5, y0 + r + 0.5, text, ha="center", va="center", fontsize=fontsize)
    if title:
        ax.text(x0 + w / 2, y0 - 0.15, title, ha="center", va="bottom", fontsize=MIN_FONT_PT)


def _outline(ax, x, y, w, h, lw=3.0, **kw):
    ax.add_patch(Rectangle((x, y), w, h, fill=False, edgecolor=kw.pop("color", "black"), lw=lw, zorder=3, **kw))


def dilated_window_figure(x, w, i, j, stride=1, padding=0, dilation=2):
    """The taps of a dilated kernel on the input, the kernel, and the output they make.

    The input (padded, padding hatched) shows the window of output (i, j): its
    span outlined dashed, its taps filled and outlined; below it, the kernel and
    the output with cell (i, j) outlined. The caption spells out the sum.

    Parameters
    ----------
    x : array_like, shape (H, W)
    w : array_like, shape (FH, FW)
    i, j : int
        Output position.
    stride, padding, dilation : int
    """
    from .conv2d import conv2d

    x, w = np.asarray(x), np.asarray(w)
    g = conv_geometry((1, 1, *x.shape), (1, 1, *w.shape), stride, padding, dilation)
    out = conv2d(x[None, None], w[None, None], None, stride, padding, "loops", dilation=dilation)[0, 0]
    xp = np.pad(x, ((g.ph, g.ph), (g.pw, g.pw)))
    r0, c0 = i * g.sh, j * g.sw
    taps = [(r0 + u * g.dil_h, c0 + v * g.dil_w) for u in range(g.fh) for v in range(g.fw)]
    terms = " + ".join(f"{xp[r, c]:g}·{w[u, v]:g}" for (r, c), (u, v) in zip(taps, np.ndindex(*w.shape)))
    equation = f"output[{i},\u00a0{j}] =\u00a0{terms} =\u00a0{out[i, j]:g}".replace(" + ", " +\u00a0")
    (hp, wp), (fh, fw), (ho, wo) = xp.shape, w.shape, out.shape
    width = max(wp, fw + 1 + wo)
    cell = min(_CELL_IN, _ROOM_IN / width)
    lines = _wrap(equation, width * cell)
    top = _caption_height(lines, cell) + _line(cell)
    below = top + hp + 0.5 + _line(cell)
    fig, ax = _sheet(width, below + max(fh, ho), cell)
    _caption(ax, lines, width / 2, 0, cell)
    xin = (width - wp) / 2
    fill = [[ORANGE if (r, c) in taps else None for c in range(wp)] for r in range(hp)]
    _grid(ax, xp, xin, top, title=f"input{' (padded)' if g.ph or g.pw else ''}, dilation {dilation}",
          pad=(g.ph, g.pw), fill=fill)
    _outline(ax, xin + c0, top + r0, g.span_w, g.span_h, lw=2.0, linestyle="--", color=VERMILION)
    for r, c in taps:
        _outline(ax, xin + c, top + r, 1, 1)
    _grid(ax, w, 0, below, title="kernel", fill=[[SKY] * fw for _ in range(fh)])
    _grid(ax, out, fw + 1, below, title="output", fill=[[ORANGE if (a, b) == (i, j) else None for b in range(wo)]
                                                         for a in range(ho)])
    _outline(ax, fw + 1 + j, below + i, 1, 1)
    return fig


def _caption_height(lines, cell):
    return len(lines) * _line(cell) + 0.3


def receptive_field_figure(dilations=((1, 1, 1), (1, 2, 4))):
    """Which inputs one output of a stack of 3-tap layers sees: one panel per list of dilations.

    Nodes are drawn per layer (input at the bottom); the nodes that reach the
    top output are filled and joined to the three they read.
    """
    n_in = 1 + max(sum(2 * d for d in ds) for ds in dilations)
    label_in = _width_in("output", MIN_FONT_PT) + 0.12  # the layer names at the left, in inches
    step = min(0.3, (_ROOM_IN - label_in) / (n_in - 1 + 0.7))
    cell = step
    label_w = label_in / step + 0.35  # the first node's centre, in node steps
    width = label_w + n_in - 1 + 0.35
    panels = []
    for ds in dilations:
        field = 1 + sum(2 * d for d in ds)
        title = f"dilations {', '.join(map(str, ds))}: one output sees {field} inputs"
        panels.append((ds, _wrap(title, width * cell)))
    row, radius, gap = 1.5, 0.32, 0.5  # node steps between layers, a node's radius, room between panels
    heights = [len(lines) * _line(cell) + 0.5 + row * len(ds) + radius for ds, lines in panels]
    fig, ax = _sheet(width, sum(heights) + gap * (len(panels) - 1), cell)
    y = 0.0
    for (ds, lines), h in zip(panels, heights):
        top = y
        y = _caption(ax, lines, width / 2, y, cell) + 0.5
        centre = (n_in - 1) // 2
        layers = [[centre]]  # reached nodes, top layer first
        for d in reversed(ds):
            layers.append(sorted({c + d * t for c in layers[-1] for t in (-1, 0, 1)}))
        depth = len(ds)
        for level, reached in enumerate(layers):  # level 0: the output, at the top
            yy = y + level * row
            name = "output" if level == 0 else ("input" if level == depth else f"layer {depth - level}")
            ax.text(0, yy, name, ha="left", va="center", fontsize=MIN_FONT_PT)
            d = ds[depth - 1 - level] if level < depth else None
            for c in range(n_in):
                xx = label_w + c
                on = c in reached
                if on and d is not None:
                    for t in (-1, 0, 1):
                        ax.plot([xx, label_w + c + d * t], [yy, yy + row], color=BLUE, lw=1.4, zorder=1)
                ax.add_patch(Circle((xx, yy), radius, facecolor=ORANGE if on else "white", edgecolor="black",
                                    lw=1.5 if on else 0.6, zorder=2))
        y = top + h + gap
    return fig


def stamps_figure(y, w, stride=2):
    """The transposed convolution as stamps: each y[i, j] adds y[i, j]·w onto the output at (i*S, j*S).

    Above, y and the kernel; below, the output, each stamp outlined in its own
    line style, and every cell shaded by how many stamps cover it.
    """
    from .transposed import conv_transpose2d

    y, w = np.asarray(y, dtype=float), np.asarray(w, dtype=float)
    out = conv_transpose2d(y[None, None], w[None, None], stride=stride)[0, 0]
    cover = conv_transpose2d(np.ones((1, 1, *y.shape)), np.ones((1, 1, *w.shape)), stride=stride)[0, 0]
    (hy, wy), (fh, fw), (ho, wo) = y.shape, w.shape, out.shape
    width = max(wo, wy + 1 + fw)
    cell = min(_CELL_IN, _ROOM_IN / width)
    lines = _wrap(f"each y[i,\u00a0j] stamps y[i,\u00a0j]·w at ({stride}i,\u00a0{stride}j); where stamps overlap "
                  f"(darker) they add up", width * cell)
    top = _caption_height(lines, cell) + _line(cell)
    below = top + max(hy, fh) + 0.5 + _line(cell)
    fig, ax = _sheet(width, below + ho, cell)
    _caption(ax, lines, width / 2, 0, cell)
    styles = ["-", "--", ":", "-."]
    colours = [VERMILION, BLUE, GREEN, "black"]
    ys = [[None] * wy for _ in range(hy)]
    for t, (i, j) in enumerate(np.ndindex(hy, wy)):
        ys[i][j] = colours[t % 4]
    _grid(ax, y, 0, top, title="y")
    for t, (i, j) in enumerate(np.ndindex(hy, wy)):
        _outline(ax, j, top + i, 1, 1, lw=2.5, linestyle=styles[t % 4], color=colours[t % 4])
    _grid(ax, w, wy + 1, top, title="kernel w", fill=[[SKY] * fw for _ in range(fh)])
    shade = {1: "white", 2: "#F3D9A4", 3: "#E9BE6A", 4: ORANGE}
    fill = [[shade.get(int(cover[r, c]), ORANGE) if cover[r, c] else GREY for c in range(wo)] for r in range(ho)]
    x0 = (width - wo) / 2
    _grid(ax, out, x0, below, title=f"output ({ho}×{wo})", fill=fill)
    for t, (i, j) in enumerate(np.ndindex(hy, wy)):
        inset = 0.06 * (t % 4)  # stamps that share an edge stay apart
        _outline(ax, x0 + j * stride + inset, below + i * stride + inset, fw - 2 * inset, fh - 2 * inset, lw=2.5,
                 linestyle=styles[t % 4], color=colours[t % 4])
    return fig


def transpose_matrix_figure(k, n_out, stride=2, y=None):
    """(W*)^T y for a 1-D convolution written as a one-row 2-D one: few numbers in, more out.

    ``k`` is a 1-D kernel, ``n_out`` the length of y (the forward's output).
    The transposed matrix is drawn with its non-zeros shaded, then y, then the result.
    """
    from .sparse_matrix import conv_matrix

    k = np.asarray(k, dtype=float)
    f = k.size
    n_in = (n_out - 1) * stride + f
    m = conv_matrix(k[None, :], (1, n_in), stride=(1, stride))  # (n_out, n_in)
    mt = m.T
    y = np.arange(1.0, n_out + 1) if y is None else np.asarray(y, dtype=float)
    res = mt @ y
    width = n_out + 1 + 1 + 1.2 + 1.2  # W*^T, gap, y, "=", result
    cell = min(_CELL_IN, _ROOM_IN / width)
    lines = _wrap(f"(W*)ᵀ is {n_in}×{n_out}: it maps {n_out} numbers to {n_in}", width * cell)
    top = _caption_height(lines, cell) + _line(cell)
    fig, ax = _sheet(width, top + n_in, cell)
    _caption(ax, lines, width / 2, 0, cell)
    labels = [[f"{v:g}" if v else "·" for v in row] for row in mt]
    _grid(ax, mt, 0, top, title="(W*)ᵀ", labels=labels, fill=[[SKY if v else None for v in row] for row in mt])
    yx = n_out + 0.6
    y0 = top + (n_in - n_out) / 2
    _grid(ax, y[:, None], yx, y0, title="y")
    ax.text(yx + 1.6, top + n_in / 2, "=", ha="center", va="center", fontsize=NUMBER_PT + 2)
    _grid(ax, res[:, None], yx + 2.2, top, title="out", fill=[[ORANGE] for _ in res])
    return fig


def checkerboard_figure(n=3, kernels=(3, 4), stride=2):
    """How many stamps cover each output cell of a stride-2 transposed convolution, for two kernel sizes.

    A kernel size that the stride does not divide covers the cells unevenly (a
    checkerboard of 1, 2 and 4); one it divides covers the interior evenly.
    """
    from .transposed import conv_transpose2d

    counts = [conv_transpose2d(np.ones((1, 1, n, n)), np.ones((1, 1, f, f)), stride=stride)[0, 0] for f in kernels]
    width = max(c.shape[1] for c in counts)
    cell = min(_CELL_IN, _ROOM_IN / width)
    blocks = []
    for f, c in zip(kernels, counts):
        verdict = "uneven: a checkerboard" if f % stride else "even inside"
        blocks.append(_wrap(f"{f}×{f} kernel, stride {stride}: {verdict}", width * cell))
    height = sum(_caption_height(b, cell) + c.shape[0] + 0.6 for b, c in zip(blocks, counts)) - 0.6
    fig, ax = _sheet(width, height, cell)
    y = 0.0
    top_count = max(int(c.max()) for c in counts)
    for lines, c in zip(blocks, counts):
        y = _caption(ax, lines, width / 2, y, cell) + 0.3
        fill = [[plt.cm.Oranges(0.15 + 0.6 * v / top_count) for v in row] for row in c]
        _grid(ax, c, (width - c.shape[1]) / 2, y, fill=fill, labels=[[f"{int(v)}" for v in row] for row in c],
              fontsize=MIN_FONT_PT)
        y += c.shape[0] + 0.6
    return fig
