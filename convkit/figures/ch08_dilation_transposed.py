"""Figures for Chapter 8: a dilated window, receptive fields, stamps, (W*)^T and the checkerboard.

Drawn with the book's one kit (:mod:`convkit.figures.kit`): phone first, one
Axes a figure whose unit is one grid cell.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle

from .. import conv2d, conv_matrix, conv_transpose2d
from ..geometry import conv_geometry
from .kit import (BLUE, CELL_IN, GREEN, GREY, MIN_FONT_PT, NUMBER_PT, ORANGE, ROOM_IN, SKY, VERMILION, caption,
                  caption_height, grid, line, outline, sheet, text_width_in, wrap)

__all__ = ["dilated_window_figure", "receptive_field_figure", "stamps_figure", "transpose_matrix_figure",
           "checkerboard_figure"]


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
    cell = min(CELL_IN, ROOM_IN / width)
    lines = wrap(equation, width * cell)
    top = caption_height(lines, cell) + line(cell)
    below = top + hp + 0.5 + line(cell)
    fig, ax = sheet(width, below + max(fh, ho), cell)
    caption(ax, lines, width / 2, 0, cell)
    xin = (width - wp) / 2
    fill = [[ORANGE if (r, c) in taps else None for c in range(wp)] for r in range(hp)]
    grid(ax, xp, xin, top, title=f"input{' (padded)' if g.ph or g.pw else ''}, dilation {dilation}",
         pad=(g.ph, g.pw), fill=fill)
    outline(ax, xin + c0, top + r0, g.span_w, g.span_h, lw=2.0, linestyle="--", color=VERMILION)
    for r, c in taps:
        outline(ax, xin + c, top + r, 1, 1)
    grid(ax, w, 0, below, title="kernel", fill=[[SKY] * fw for _ in range(fh)])
    grid(ax, out, fw + 1, below, title="output", fill=[[ORANGE if (a, b) == (i, j) else None for b in range(wo)]
                                                         for a in range(ho)])
    outline(ax, fw + 1 + j, below + i, 1, 1)
    return fig


def receptive_field_figure(dilations=((1, 1, 1), (1, 2, 4))):
    """Which inputs one output of a stack of 3-tap layers sees: one panel per list of dilations.

    Nodes are drawn per layer (input at the bottom); the nodes that reach the
    top output are filled and joined to the three they read.
    """
    n_in = 1 + max(sum(2 * d for d in ds) for ds in dilations)
    label_in = text_width_in("output", MIN_FONT_PT) + 0.12  # the layer names at the left, in inches
    step = min(0.3, (ROOM_IN - label_in) / (n_in - 1 + 0.7))
    cell = step
    label_w = label_in / step + 0.35  # the first node's centre, in node steps
    width = label_w + n_in - 1 + 0.35
    panels = []
    for ds in dilations:
        field = 1 + sum(2 * d for d in ds)
        title = f"dilations {', '.join(map(str, ds))}: one output sees {field} inputs"
        panels.append((ds, wrap(title, width * cell)))
    row, radius, gap = 1.5, 0.32, 0.5  # node steps between layers, a node's radius, room between panels
    heights = [len(lines) * line(cell) + 0.5 + row * len(ds) + radius for ds, lines in panels]
    fig, ax = sheet(width, sum(heights) + gap * (len(panels) - 1), cell)
    y = 0.0
    for (ds, lines), h in zip(panels, heights):
        top = y
        y = caption(ax, lines, width / 2, y, cell) + 0.5
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
    y, w = np.asarray(y, dtype=float), np.asarray(w, dtype=float)
    out = conv_transpose2d(y[None, None], w[None, None], stride=stride)[0, 0]
    cover = conv_transpose2d(np.ones((1, 1, *y.shape)), np.ones((1, 1, *w.shape)), stride=stride)[0, 0]
    (hy, wy), (fh, fw), (ho, wo) = y.shape, w.shape, out.shape
    width = max(wo, wy + 1 + fw)
    cell = min(CELL_IN, ROOM_IN / width)
    lines = wrap(f"each y[i,\u00a0j] stamps y[i,\u00a0j]·w at ({stride}i,\u00a0{stride}j); where stamps overlap "
                 f"(darker) they add up", width * cell)
    top = caption_height(lines, cell) + line(cell)
    below = top + max(hy, fh) + 0.5 + line(cell)
    fig, ax = sheet(width, below + ho, cell)
    caption(ax, lines, width / 2, 0, cell)
    styles = ["-", "--", ":", "-."]
    colours = [VERMILION, BLUE, GREEN, "black"]
    ys = [[None] * wy for _ in range(hy)]
    for t, (i, j) in enumerate(np.ndindex(hy, wy)):
        ys[i][j] = colours[t % 4]
    grid(ax, y, 0, top, title="y")
    for t, (i, j) in enumerate(np.ndindex(hy, wy)):
        outline(ax, j, top + i, 1, 1, lw=2.5, linestyle=styles[t % 4], color=colours[t % 4])
    grid(ax, w, wy + 1, top, title="kernel w", fill=[[SKY] * fw for _ in range(fh)])
    shade = {1: "white", 2: "#F3D9A4", 3: "#E9BE6A", 4: ORANGE}
    fill = [[shade.get(int(cover[r, c]), ORANGE) if cover[r, c] else GREY for c in range(wo)] for r in range(ho)]
    x0 = (width - wo) / 2
    grid(ax, out, x0, below, title=f"output ({ho}×{wo})", fill=fill)
    for t, (i, j) in enumerate(np.ndindex(hy, wy)):
        inset = 0.06 * (t % 4)  # stamps that share an edge stay apart
        outline(ax, x0 + j * stride + inset, below + i * stride + inset, fw - 2 * inset, fh - 2 * inset, lw=2.5,
                linestyle=styles[t % 4], color=colours[t % 4])
    return fig


def transpose_matrix_figure(k, n_out, stride=2, y=None):
    """(W*)^T y for a 1-D convolution written as a one-row 2-D one: few numbers in, more out.

    ``k`` is a 1-D kernel, ``n_out`` the length of y (the forward's output).
    The transposed matrix is drawn with its non-zeros shaded, then y, then the result.
    """
    k = np.asarray(k, dtype=float)
    f = k.size
    n_in = (n_out - 1) * stride + f
    m = conv_matrix(k[None, :], (1, n_in), stride=(1, stride))  # (n_out, n_in)
    mt = m.T
    y = np.arange(1.0, n_out + 1) if y is None else np.asarray(y, dtype=float)
    res = mt @ y
    width = n_out + 1 + 1 + 1.2 + 1.2  # W*^T, gap, y, "=", result
    cell = min(CELL_IN, ROOM_IN / width)
    lines = wrap(f"(W*)ᵀ is {n_in}×{n_out}: it maps {n_out} numbers to {n_in}", width * cell)
    top = caption_height(lines, cell) + line(cell)
    fig, ax = sheet(width, top + n_in, cell)
    caption(ax, lines, width / 2, 0, cell)
    labels = [[f"{v:g}" if v else "·" for v in row] for row in mt]
    grid(ax, mt, 0, top, title="(W*)ᵀ", labels=labels, fill=[[SKY if v else None for v in row] for row in mt])
    yx = n_out + 0.6
    y0 = top + (n_in - n_out) / 2
    grid(ax, y[:, None], yx, y0, title="y")
    ax.text(yx + 1.6, top + n_in / 2, "=", ha="center", va="center", fontsize=NUMBER_PT + 2)
    grid(ax, res[:, None], yx + 2.2, top, title="out", fill=[[ORANGE] for _ in res])
    return fig


def checkerboard_figure(n=3, kernels=(3, 4), stride=2):
    """How many stamps cover each output cell of a stride-2 transposed convolution, for two kernel sizes.

    A kernel size that the stride does not divide covers the cells unevenly (a
    checkerboard of 1, 2 and 4); one it divides covers the interior evenly.
    """
    counts = [conv_transpose2d(np.ones((1, 1, n, n)), np.ones((1, 1, f, f)), stride=stride)[0, 0] for f in kernels]
    width = max(c.shape[1] for c in counts)
    cell = min(CELL_IN, ROOM_IN / width)
    blocks = []
    for f, c in zip(kernels, counts):
        verdict = "uneven: a checkerboard" if f % stride else "even inside"
        blocks.append(wrap(f"{f}×{f} kernel, stride {stride}: {verdict}", width * cell))
    height = sum(caption_height(b, cell) + c.shape[0] + 0.6 for b, c in zip(blocks, counts)) - 0.6
    fig, ax = sheet(width, height, cell)
    y = 0.0
    top_count = max(int(c.max()) for c in counts)
    for lines, c in zip(blocks, counts):
        y = caption(ax, lines, width / 2, y, cell) + 0.3
        fill = [[plt.cm.Oranges(0.15 + 0.6 * v / top_count) for v in row] for row in c]
        grid(ax, c, (width - c.shape[1]) / 2, y, fill=fill, labels=[[f"{int(v)}" for v in row] for row in c],
             fontsize=MIN_FONT_PT)
        y += c.shape[0] + 0.6
    return fig
