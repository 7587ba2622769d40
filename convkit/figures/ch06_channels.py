"""Figures for Chapter 6: why convolution (connections, shifts, stride) and how channels and filters combine.

Drawn with the book's one kit (:mod:`convkit.figures.kit`): phone first, one
Axes a figure whose unit is one grid cell.
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle, Rectangle

from .. import conv2d
from ..errors import ConvArgumentError
from ..geometry import conv_geometry
from .kit import (BLUE, CELL_IN, GREEN, GREY, MIN_FONT_PT, ORANGE, ROOM_IN, SKY, VERMILION, blank_grid, caption,
                  grid, line, outline, sheet, wrap)

__all__ = ["connections_figure", "connection_counts", "shift_figure", "stride_shift_figure", "channels_figure"]


def _conv1(x, w, stride=1, padding=0):
    """One channel, one kernel: conv2d on (H, W) arrays."""
    return conv2d(np.asarray(x)[None, None], np.asarray(w)[None, None], None, stride, padding, "loops")[0, 0]


def connection_counts(n=6, f=3):
    """Weights of a layer from n inputs to n outputs in 1-D: dense, local (f-wide windows, padding f // 2), shared.

    Returns
    -------
    dense, local, shared : int
        n*n; the (output, input) pairs inside a window, each with its own weight; f.
    """
    p = f // 2
    local = sum(1 for i in range(n) for t in range(i - p, i - p + f) if 0 <= t < n)
    return n * n, local, f


def connections_figure(n=6, f=3):
    """Three 1-D layers from n inputs to n outputs: dense, local, and local with shared weights (a convolution).

    Each line is a weight. Dense: every output reads every input. Local: each
    output reads the f inputs around it (zero padding at the ends), each line
    its own weight. Shared: the same f weights at every output, one line style
    (and colour) per weight, so the layer has f weights whatever n is.
    """
    dense, local, _ = connection_counts(n, f)  # shared: f, named in the title below
    p = f // 2
    width = n + 0.6
    cell = min(0.5, ROOM_IN / width)
    styles = [("-", VERMILION), ("--", BLUE), (":", "black"), ("-.", GREEN)]
    titles = [f"dense: every output reads all {n} inputs, {dense} weights",
              f"local: each output reads up to {f} neighbours ({f - p} at the ends), {local} weights of its own",
              f"local and shared (a convolution): {f} weights, one line style each, used by every output"]
    blocks = [wrap(t, width * cell) for t in titles]
    row, radius, gap = 1.6, 0.2, 0.45
    heights = [len(b) * line(cell) + 0.45 + row + radius for b in blocks]
    fig, ax = sheet(width, sum(heights) + gap * (len(blocks) - 1), cell)
    y = 0.0
    for panel, (lines, h) in enumerate(zip(blocks, heights)):
        top = y
        y = caption(ax, lines, width / 2, y, cell) + 0.45
        out_y, in_y = y, y + row
        for i in range(n):
            reads = range(n) if panel == 0 else [t for t in range(i - p, i - p + f) if 0 <= t < n]
            for t in reads:
                if panel == 2:
                    style, colour = styles[(t - i + p) % len(styles)]
                    ax.plot([0.8 + i, 0.8 + t], [out_y, in_y], color=colour, lw=1.8, linestyle=style, zorder=1)
                else:
                    ax.plot([0.8 + i, 0.8 + t], [out_y, in_y], color="#555555" if panel == 0 else "black",
                            lw=0.7 if panel == 0 else 1.2, zorder=1)
        for i in range(n):
            for yy, face in ((out_y, ORANGE), (in_y, "white")):
                ax.add_patch(Circle((0.8 + i, yy), radius, facecolor=face, edgecolor="black", lw=1.0, zorder=2))
        ax.text(0.05, out_y, "y", ha="center", va="center", fontsize=MIN_FONT_PT, style="italic")
        ax.text(0.05, in_y, "x", ha="center", va="center", fontsize=MIN_FONT_PT, style="italic")
        y = top + h + gap
    return fig


def _bbox(a):
    """(row, col, height, width) of the non-zero part of ``a``."""
    rows, cols = np.flatnonzero(a.any(axis=1)), np.flatnonzero(a.any(axis=0))
    return rows[0], cols[0], rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def _image(ax, a, x0, y0, cmap, limit):
    """``a`` as a block of coloured cells (no numbers), one unit per cell, with a frame."""
    ax.imshow(a, cmap=cmap, vmin=-limit if cmap != "Greys" else 0, vmax=limit,
              extent=(x0, x0 + a.shape[1], y0 + a.shape[0], y0), interpolation="nearest", zorder=0)
    ax.add_patch(Rectangle((x0, y0), a.shape[1], a.shape[0], fill=False, edgecolor="#555555", lw=0.8))


def shift_figure(x, w, shift=(2, 3), padding=1):
    """A convolution's output moves with its input: x and its output, then x shifted and its output.

    ``x`` should be zero near its edges, so that the shift moves its content
    without pushing any off the frame. The content's outline before the shift
    is drawn dashed in the lower panels, after it solid.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    xs = np.roll(x, shift, axis=(0, 1))
    y, ys = _conv1(x, w, padding=padding), _conv1(xs, w, padding=padding)
    h, wd = x.shape
    gap = 1.5
    width = 2 * wd + gap
    cell = ROOM_IN / width
    limit = max(np.abs(y).max(), 1e-9)
    lines = [wrap(t, width * cell) for t in ("input x and its output", f"x shifted by {shift}: the output moves "
                                              f"by {shift} too")]
    label = line(cell) + 0.2
    top1 = len(lines[0]) * line(cell) + 0.3 + label
    top2 = top1 + h + 0.6 + len(lines[1]) * line(cell) + 0.3 + label
    fig, ax = sheet(width, top2 + h, cell)
    caption(ax, lines[0], width / 2, 0, cell)
    caption(ax, lines[1], width / 2, top1 + h + 0.6, cell)
    for top, a, b, name in ((top1, x, y, ""), (top2, xs, ys, " (shifted)")):
        _image(ax, a, 0, top, "Greys", max(np.abs(x).max(), 1e-9))
        _image(ax, b, wd + gap, top, "PuOr", limit)
        ax.text(wd / 2, top - 0.2, f"x{name}", ha="center", va="bottom", fontsize=MIN_FONT_PT)
        ax.text(wd + gap + wd / 2, top - 0.2, f"output{name}", ha="center", va="bottom", fontsize=MIN_FONT_PT)
    for a0, x0 in ((x, 0), (y, wd + gap)):
        r, c, bh, bw = _bbox(a0)
        outline(ax, x0 + c, top1 + r, bw, bh, lw=2.0, color=VERMILION)
        outline(ax, x0 + c, top2 + r, bw, bh, lw=1.5, color=VERMILION, linestyle="--")
        outline(ax, x0 + c + shift[1], top2 + r + shift[0], bw, bh, lw=2.0, color=VERMILION)
    return fig


def stride_shift_figure(x, w):
    """Stride 2 keeps every other output of stride 1; shift the input by one and it keeps the others.

    ``x`` and ``w`` are 1-D. Drawn: x, its stride-1 output with the cells that
    stride 2 keeps outlined (solid: from x; dashed: from x shifted right by one),
    and the two stride-2 outputs.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    shifted = np.concatenate(([0.0], x[:-1]))  # one step right, a zero comes in at the left
    y1 = _conv1(x[None], w[None])[0]
    if x.ndim != 1 or w.ndim != 1 or x.size < w.size + 2 or (x.size - w.size) % 2:
        raise ConvArgumentError(f"x and w must be 1-D with len(x) - len(w) even and at least 2, so that stride 2 "
                                f"has whole windows; got x.shape={x.shape}, w.shape={w.shape}")
    even = _conv1(x[None], w[None], stride=(1, 2))[0]
    odd = _conv1(shifted[None], w[None], stride=(1, 2))[0]
    n, m = x.size, y1.size
    width = n
    cell = min(CELL_IN, ROOM_IN / width)
    label = line(cell) + 0.15
    head = wrap("stride 2 keeps the solid cells; shift x right by one and it keeps the dashed ones "
                    "(and a new one at the edge): other numbers, not a shifted copy", width * cell)
    y = len(head) * line(cell) + 0.3
    rows = []
    for name, values, x0 in ((f"x  (w = {', '.join(f'{v:g}' for v in w)})", x, 0),
                             ("stride 1: x ⋆ w", y1, (n - m) / 2),
                             ("stride 2 on x", even, (n - m) / 2),
                             ("stride 2 on x shifted by 1", odd, (n - m) / 2 - 1)):
        rows.append((name, values, x0, y + label))
        y += label + 1 + 0.35
    fig, ax = sheet(width, y - 0.35, cell)
    caption(ax, head, width / 2, 0, cell)
    for name, values, x0, top in rows:
        ax.text(width / 2, top - 0.15, name, ha="center", va="bottom", fontsize=MIN_FONT_PT)
    (_, _, x_x0, x_top), (_, _, y_x0, y_top), (_, _, e_x0, e_top), (_, _, o_x0, o_top) = rows
    grid(ax, x[None], x_x0, x_top)
    grid(ax, y1[None], y_x0, y_top, fill=[[ORANGE if i % 2 == 0 else SKY for i in range(m)]])
    for i in range(m):
        outline(ax, y_x0 + i, y_top, 1, 1, lw=2.5 if i % 2 == 0 else 2.0,
                linestyle="-" if i % 2 == 0 else "--", color="black")
    # The stride-2 outputs sit under the stride-1 cells they copy.
    for t, v in enumerate(even):
        grid(ax, [[v]], e_x0 + 2 * t, e_top, fill=[[ORANGE]])
        outline(ax, e_x0 + 2 * t, e_top, 1, 1, lw=2.5)
    for t, v in enumerate(odd):
        grid(ax, [[v]], o_x0 + 2 * t, o_top, fill=[[SKY if t else GREY]])
        if t:
            outline(ax, o_x0 + 2 * t, o_top, 1, 1, lw=2.0, linestyle="--")
    return fig


def channels_figure(c=3, h=5, w=5, k=2, f=3, out=(1, 1, 0), stride=1, padding=0):
    """A (C, H, W) input, K filters of shape (C, F, F) and the K output maps, without numbers.

    Output ``out = (k, i, j)`` is filled and outlined; so are its window in
    every input channel and every slice of filter k. The caption writes the one
    sum that makes it: over the channels and the window.
    """
    # Long: the caption, the three rows' names and their tops are laid out once
    # here, and the small drawers nested below read that layout instead of taking it as arguments.
    g = conv_geometry((1, c, h, w), (k, c, f, f), stride, padding)
    kk, i, j = out
    if not (0 <= kk < k and 0 <= i < g.ho and 0 <= j < g.wo):
        raise ConvArgumentError(f"out={out} is outside the output's shape (K, Hout, Wout) = ({k}, {g.ho}, {g.wo})")
    hp, wp = h + 2 * g.ph, w + 2 * g.pw
    r0, c0 = i * g.sh, j * g.sw  # the window's top-left corner in the padded input
    gap = 0.8
    width = max(c * wp + (c - 1) * gap, c * f + (c - 1) * gap, k * g.wo + (k - 1) * gap)
    cell = min(0.3, ROOM_IN / width)
    terms = f"{c}·{f}·{f} = {c * f * f} products"
    if f == 1:  # a 1x1 filter: a pixel's channels times one row of a K x C matrix
        text = (f"y[{kk},\u00a0{i},\u00a0{j}] = b[{kk}] + Σ over channel c of w[{kk},\u00a0c,\u00a00,\u00a00]·"
                f"x[c,\u00a0{r0},\u00a0{c0}]: the pixel's {c} channels times row {kk} of a {k}×{c} matrix")
    else:
        text = (f"y[{kk},\u00a0{i},\u00a0{j}] = b[{kk}] + Σ over channel c and window (u,\u00a0v) of "
                f"w[{kk},\u00a0c,\u00a0u,\u00a0v]·x[c,\u00a0{r0}+u,\u00a0{c0}+v]: {terms}, one sum")
    head = wrap(text, width * cell)
    pad_note = f", padded to {hp}×{wp}" if g.ph or g.pw else ""
    names = {"x": f"input x: channels 0 to {c - 1}, {h}×{w}{pad_note}",
             **{f_k: f"filter {f_k}: {c}×{f}×{f}" + ("  (used)" if f_k == kk else "") for f_k in range(k)},
             "y": f"output y: {k} maps of {g.ho}×{g.wo}, one per filter"}
    names = {key: wrap(name, width * cell) for key, name in names.items()}  # each row's label, above it
    heights = {"x": hp, **{f_k: f for f_k in range(k)}, "y": g.ho}
    tops, y = {}, len(head) * line(cell) + 0.4
    for key in names:
        tops[key] = y + len(names[key]) * line(cell) + 0.15
        y = tops[key] + heights[key] + 0.6
    fig, ax = sheet(width, y - 0.6, cell)
    caption(ax, head, width / 2, 0, cell)

    def row(n, size, key, draw):
        span = n * size + (n - 1) * gap
        x0 = (width - span) / 2
        caption(ax, names[key], width / 2, tops[key] - 0.15 - len(names[key]) * line(cell), cell)
        for t in range(n):
            draw(t, x0 + t * (size + gap), tops[key])

    def input_channel(ch, x0, top):
        fill = [[ORANGE if r0 <= r < r0 + f and c0 <= q < c0 + f else None for q in range(wp)] for r in range(hp)]
        blank_grid(ax, (hp, wp), x0, top, pad=(g.ph, g.pw), fill=fill)
        outline(ax, x0 + c0, top + r0, f, f)

    row(c, wp, "x", input_channel)
    for f_k in range(k):
        def filter_slice(ch, x0, top, f_k=f_k):
            blank_grid(ax, (f, f), x0, top, fill=[[SKY if f_k == kk else "white"] * f for _ in range(f)])
            if f_k == kk:
                outline(ax, x0, top, f, f, color=BLUE)
        row(c, f, f_k, filter_slice)

    def output_map(m, x0, top):
        fill = [[ORANGE if (m, a, q) == (kk, i, j) else None for q in range(g.wo)] for a in range(g.ho)]
        blank_grid(ax, (g.ho, g.wo), x0, top, fill=fill)
        if m == kk:
            outline(ax, x0 + j, top + i, 1, 1)

    row(k, g.wo, "y", output_map)
    return fig
