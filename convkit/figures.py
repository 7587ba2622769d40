"""Figures for the chapters: grids with numbers, highlighted windows, W* and im2col.

Needs matplotlib (imported here only, so the numerical core needs just numpy).
Colours come from the Okabe-Ito palette, and every highlight is also drawn as a
thick outline or hatch, so nothing relies on telling colours apart.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .geometry import as_pair, conv_geometry

__all__ = ["draw_grid", "window_figure", "padded_windows_figure", "matrix_figure", "backprop_1d_figure",
           "im2col_figure"]

ORANGE, BLUE, SKY, GREY, VERMILION = "#E69F00", "#0072B2", "#56B4E9", "#DDDDDD", "#D55E00"


def _text(v, fmt):
    return fmt.format(v) if isinstance(v, (int, float, np.integer, np.floating)) else str(v)


def draw_grid(ax, values, *, title=None, highlight=None, pad=(0, 0), fmt="{:g}", colour=ORANGE,
              labels=None, fontsize=11):
    """Draw a 2-D array as a grid of numbered cells.

    Parameters
    ----------
    ax : matplotlib Axes
    values : array_like, shape (H, W)
    title : str, optional
    highlight : (row, col, height, width) or list of them, optional
        Cells to fill with ``colour`` and outline thickly.
    pad : int or (int, int)
        Width of a zero-padding ring to shade grey with hatching.
    fmt : str
        Format of each number.
    labels : array of str, shape (H, W), optional
        Text to show instead of the values.
    """
    values = np.asarray(values)
    h, w = values.shape
    ph, pw = as_pair(pad, "pad", 0)
    boxes = [] if highlight is None else ([highlight] if np.ndim(highlight[0]) == 0 else list(highlight))
    for r in range(h):
        for c in range(w):
            is_pad = r < ph or r >= h - ph or c < pw or c >= w - pw
            face = GREY if is_pad else "white"
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=face, edgecolor="#555555", lw=0.8,
                                   hatch="//" if is_pad else None))
    for r0, c0, hh, ww in boxes:
        ax.add_patch(Rectangle((c0, r0), ww, hh, facecolor=colour, alpha=0.45, edgecolor="none"))
        ax.add_patch(Rectangle((c0, r0), ww, hh, fill=False, edgecolor="black", lw=3))
    for r in range(h):
        for c in range(w):
            txt = labels[r][c] if labels is not None else _text(values[r, c], fmt)
            ax.text(c + 0.5, r + 0.5, txt, ha="center", va="center", fontsize=fontsize)
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return ax


def window_figure(x, k, i, j, stride=1, padding=0, out=None):
    """Input (window at output (i, j) highlighted), kernel and output (cell (i, j) highlighted).

    The title spells out the dot product that produces the output.

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (FH, FW)
    i, j : int
        Output position.
    stride, padding : int or (int, int)
    out : array_like, shape (Hout, Wout), optional
        Output values to show; otherwise computed with :func:`convkit.conv2d`.
    """
    from .conv2d import conv2d

    x, k = np.asarray(x), np.asarray(k)
    g = conv_geometry((1, 1, *x.shape), (1, 1, *k.shape), stride, padding)
    xp = np.pad(x, ((g.ph, g.ph), (g.pw, g.pw)))
    if out is None:
        out = conv2d(x[None, None], k[None, None], None, stride, padding, method="loops")[0, 0]
    r, c = i * g.sh, j * g.sw
    window = xp[r : r + g.fh, c : c + g.fw]
    terms = " + ".join(f"{_text(a, '{:g}')}·{_text(b, '{:g}')}" for a, b in zip(window.ravel(), k.ravel()))
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), gridspec_kw={"width_ratios": [xp.shape[1], k.shape[1] + 1,
                                                                                   out.shape[1] + 1]})
    draw_grid(axes[0], xp, title="input" + (" (padded)" if g.ph or g.pw else ""), pad=(g.ph, g.pw),
              highlight=(r, c, g.fh, g.fw))
    draw_grid(axes[1], k, title="kernel", colour=SKY, highlight=(0, 0, *k.shape))
    draw_grid(axes[2], out, title="output", colour=ORANGE, highlight=(i, j, 1, 1))
    fig.suptitle(f"output[{i}, {j}] = {terms} = {_text(out[i, j], '{:g}')}", fontsize=11)
    fig.tight_layout()
    return fig


def padded_windows_figure(x, fh, fw, stride=1, padding=0, ncols=None):
    """Every window position on the padded input, one small panel each, in reading order."""
    x = np.asarray(x)
    g = conv_geometry((1, 1, *x.shape), (1, 1, fh, fw), stride, padding)
    xp = np.pad(x, ((g.ph, g.ph), (g.pw, g.pw)))
    ncols = ncols or g.wo
    nrows = -(-g.ho * g.wo // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.5 * ncols, 1.5 * nrows))
    for t, ax in enumerate(np.ravel(axes)):
        if t >= g.ho * g.wo:
            ax.axis("off")
            continue
        i, j = divmod(t, g.wo)
        draw_grid(ax, xp, pad=(g.ph, g.pw), highlight=(i * g.sh, j * g.sw, g.fh, g.fw), fontsize=6,
                  title=f"window {t}")
    fig.tight_layout()
    return fig


def matrix_figure(m, *, title=None, row_highlight=None, col_highlight=None, fmt="{:g}", numbers=True):
    """A matrix with its non-zero entries shaded; optionally one row and some columns outlined."""
    m = np.asarray(m)
    fig, ax = plt.subplots(figsize=(max(4, 0.5 * m.shape[1]), max(2, 0.5 * m.shape[0])))
    labels = [[(_text(v, fmt) if v != 0 else "·") for v in row] for row in m] if numbers else \
        [[""] * m.shape[1] for _ in m]
    nz = [(r, c, 1, 1) for r, c in zip(*np.nonzero(m))]
    draw_grid(ax, m, labels=labels, highlight=nz or None, colour=SKY, fontsize=9, title=title)
    if row_highlight is not None:
        ax.add_patch(Rectangle((0, row_highlight), m.shape[1], 1, fill=False, edgecolor=VERMILION, lw=3,
                               linestyle="--"))
    for c in col_highlight or []:
        ax.add_patch(Rectangle((c, 0), 1, m.shape[0], fill=False, edgecolor=BLUE, lw=2, linestyle=":"))
    fig.tight_layout()
    return fig


def backprop_1d_figure(n_in=5, f=3):
    """Which output each input feeds in a valid 1-D correlation, each edge labelled with its weight."""
    n_out = n_in - f + 1
    fig, ax = plt.subplots(figsize=(7, 3))
    styles = ["-", "--", ":"]
    for i in range(n_out):
        for a in range(f):
            ax.annotate("", xy=(i * 1.5 + 1.5, 0.15), xytext=(i + a, 1.85),
                        arrowprops=dict(arrowstyle="->", lw=1.6, linestyle=styles[a % 3],
                                        color=[BLUE, ORANGE, VERMILION][a % 3]))
            mx, my = ((i + a) + (i * 1.5 + 1.5)) / 2, 1.0
            ax.text(mx + 0.08 * (a - 1), my + 0.25 * (a - 1), f"w{a}", fontsize=8, ha="center",
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    for t in range(n_in):
        ax.text(t, 2.0, f"x{t}", ha="center", va="bottom", fontsize=12,
                bbox=dict(boxstyle="round", fc="white", ec="black"))
    for i in range(n_out):
        ax.text(i * 1.5 + 1.5, 0.0, f"y{i}", ha="center", va="top", fontsize=12,
                bbox=dict(boxstyle="round", fc=GREY, ec="black"))
    ax.set_xlim(-0.6, n_in - 0.4)
    ax.set_ylim(-0.6, 2.6)
    ax.axis("off")
    ax.set_title("y_i = w0·x_i + w1·x_(i+1) + w2·x_(i+2)   (solid w0, dashed w1, dotted w2)", fontsize=10)
    fig.tight_layout()
    return fig


def im2col_figure(x, fh, fw, stride=1, padding=0, column=0):
    """The padded input with one window highlighted, next to the column matrix with that column outlined."""
    from .im2col import im2col

    x = np.asarray(x)
    g = conv_geometry((1, 1, *x.shape), (1, 1, fh, fw), stride, padding)
    xp = np.pad(x, ((g.ph, g.ph), (g.pw, g.pw)))
    cols = im2col(x[None, None], fh, fw, stride, padding)
    i, j = divmod(column, g.wo)
    # Input above, column matrix below: each gets the full width, so the numbers stay legible.
    fig, axes = plt.subplots(2, 1, figsize=(11, 2.2 + 0.45 * (xp.shape[0] + cols.shape[0])),
                             gridspec_kw={"height_ratios": [xp.shape[0] + 1, cols.shape[0] + 1]})
    draw_grid(axes[0], xp, pad=(g.ph, g.pw), highlight=(i * g.sh, j * g.sw, g.fh, g.fw), title="padded input",
              fontsize=10)
    draw_grid(axes[1], cols, highlight=(0, column, cols.shape[0], 1), fontsize=9,
              title=f"column matrix {cols.shape[0]}×{cols.shape[1]}: column {column} is window {column}")
    fig.tight_layout()
    return fig
