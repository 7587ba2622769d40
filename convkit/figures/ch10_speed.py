"""Figures for Chapter 10: multiplications counted, Winograd's tiles, time and memory against size.

Drawn for a phone first, as the other chapters' figures: at most
:data:`PHONE_WIDTH_IN` wide at :data:`DPI`, no text smaller than
:data:`MIN_FONT_PT`, Okabe-Ito colours, and every curve also told apart by its
marker and line style.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .kit import BLACK, BLUE, DPI, GREEN, GREY, MIN_FONT_PT, ORANGE, PLOT_WIDTH_IN, PURPLE, SKY, VERMILION

__all__ = ["multiplications_figure", "tiles_figure", "time_figure", "memory_figure", "STYLE", "HOLLOW"]

#: (colour, marker, line style) of each contestant, the same in every figure of the chapter.
STYLE = {
    "loops": (VERMILION, "o", "-"), "matrix": (PURPLE, "s", "--"), "im2col": (SKY, "^", "-."),
    "fast": (BLUE, "D", "-"), "winograd": (ORANGE, "v", "--"), "PyTorch": (GREEN, "o", ":"),
    "floor": (BLACK, "x", ":"),
}
#: Drawn with large hollow markers on top of the others: PyTorch's times can sit on the fast path's,
#: and a filled diamond inside an open ring still shows both.
HOLLOW = {"PyTorch"}


def multiplications_figure():
    """Bars: multiplications for one tile of outputs, direct against Winograd, in 1-D and in 2-D."""
    fig, ax = plt.subplots(figsize=(PLOT_WIDTH_IN, 2.4), dpi=DPI)
    rows = [("1-D, 2 outputs\n3 taps", 6, 4), ("2-D, 2x2 outputs\n3x3 kernel", 36, 16)]
    for i, (label, direct, wino) in enumerate(rows):
        y = 3 * (len(rows) - 1 - i)
        ax.barh(y + 0.5, direct, height=0.9, color=SKY, edgecolor=BLACK, hatch="//")
        ax.barh(y - 0.5, wino, height=0.9, color=ORANGE, edgecolor=BLACK)
        ax.text(direct + 0.8, y + 0.5, f"direct {direct}", va="center", fontsize=MIN_FONT_PT)
        ax.text(wino + 0.8, y - 0.5, f"Winograd {wino}", va="center", fontsize=MIN_FONT_PT)
    ax.set_yticks([3 * (len(rows) - 1 - i) for i in range(len(rows))], [r[0] for r in rows], fontsize=MIN_FONT_PT)
    ax.set_xlim(-0.6, 62)  # the bars' outlines whole, clear of the spine
    ax.set_xlabel("multiplications", fontsize=MIN_FONT_PT)
    ax.tick_params(labelsize=MIN_FONT_PT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def _tile_cells(ax, x0, y0, rows, cols, solid_rows, solid_cols, fill):
    """A grid of rows x cols cells with its top-left corner at (x0, y0); cells past solid_* dashed."""
    for r in range(rows):
        for c in range(cols):
            inside = r < solid_rows and c < solid_cols
            ax.add_patch(Rectangle((x0 + c, y0 - r - 1), 1, 1, facecolor=fill(r, c) if inside else "white",
                                   edgecolor="0.35", lw=0.8, ls="-" if inside else ":"))


def tiles_figure(hout=5, wout=5, tile=(2, 2)):
    """The output cut into 2x2 tiles (left) and the 4x4 input patch one tile reads (right).

    With an odd Hout or Wout the last tiles hang one cell past the output (dotted cells): the
    input gets one more zero row or column for them and their extra outputs are dropped.
    """
    th, tw = (hout + 1) // 2, (wout + 1) // 2
    ti, tj = tile
    hp, wp = 2 * th + 2, 2 * tw + 2  # the input (padded) the tiles read
    fig, ax = plt.subplots(figsize=(PLOT_WIDTH_IN, 2.5), dpi=DPI)
    gap = 2
    mine = lambda r, c: ORANGE if (r // 2, c // 2) == (ti, tj) else GREY  # noqa: E731
    _tile_cells(ax, 0, 0, 2 * th, 2 * tw, hout, wout, mine)
    for k in range(th + 1):  # tile boundaries
        ax.plot([0, 2 * tw], [-2 * k, -2 * k], color=BLACK, lw=1.6)
    for k in range(tw + 1):
        ax.plot([2 * k, 2 * k], [0, -2 * th], color=BLACK, lw=1.6)
    x1 = 2 * tw + gap
    patch = lambda r, c: SKY if 2 * ti <= r < 2 * ti + 4 and 2 * tj <= c < 2 * tj + 4 else GREY  # noqa: E731
    _tile_cells(ax, x1, 0, hp, wp, hout + 2, wout + 2, patch)
    ax.add_patch(Rectangle((x1 + 2 * tj, -2 * ti - 4), 4, 4, fill=False, edgecolor=BLUE, lw=3))
    ax.add_patch(Rectangle((2 * tj, -2 * ti - 2), 2, 2, fill=False, edgecolor=VERMILION, lw=3))
    ax.text(tw, 0.4, f"output {hout}x{wout}", ha="center", fontsize=MIN_FONT_PT)
    ax.text(x1 + wp / 2, 0.4, f"input + padding {hout + 2}x{wout + 2}", ha="center", fontsize=MIN_FONT_PT)
    ax.set_xlim(-0.2, x1 + wp + 0.2)
    ax.set_ylim(-max(hp, 2 * th) - 0.2, 1.2)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout(pad=0.1)
    return fig


def _loglog(ax, xs, series, ylabel, xlabel):
    for name, ys in series.items():
        colour, marker, ls = STYLE.get(name, (GREY, ".", "-"))
        pts = [(x, y) for x, y in zip(xs, ys) if y is not None and np.isfinite(y)]
        if pts and name in HOLLOW:
            ax.plot(*zip(*pts), color=colour, marker=marker, ls=ls, lw=2.2, ms=11, mfc="none", mew=1.8,
                    zorder=3, label=name)
        elif pts:
            ax.plot(*zip(*pts), color=colour, marker=marker, ls=ls, lw=1.8, ms=6, label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel, fontsize=MIN_FONT_PT)
    ax.set_ylabel(ylabel, fontsize=MIN_FONT_PT)
    ax.tick_params(labelsize=MIN_FONT_PT)
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.grid(True, which="major", color="0.85", lw=0.6)
    # Below the plot, inside the figure: constrained layout makes room for it.
    ax.figure.legend(fontsize=MIN_FONT_PT, frameon=False, ncol=3, loc="outside lower center", handlelength=1.5,
                     columnspacing=0.6, handletextpad=0.4)


def time_figure(sizes, times, title):
    """Time (µs, log axis) against the image side H = W (log axis), one curve per method.

    times: {method: [ms or None for each size]} (None where the method was not run), as the chapter
    measures them; drawn in µs, the unit of the chapter's table of the same times.
    """
    fig, ax = plt.subplots(figsize=(PLOT_WIDTH_IN, 3.9), dpi=DPI, layout="constrained")
    micro = {m: [None if t is None else 1e3 * t for t in v] for m, v in times.items()}
    _loglog(ax, list(sizes), micro, "time (µs)", "image side H = W")
    fig.suptitle(title, fontsize=MIN_FONT_PT)  # centred on the figure: a long title has its whole width
    return fig


def memory_figure(sizes, nbytes, title):
    """Peak memory (MiB, log axis) each method's pass needs, from convkit's estimates, against H = W."""
    fig, ax = plt.subplots(figsize=(PLOT_WIDTH_IN, 3.9), dpi=DPI, layout="constrained")
    _loglog(ax, list(sizes), {m: [b / 2**20 for b in v] for m, v in nbytes.items()}, "peak memory (MiB)",
            "image side H = W")
    fig.suptitle(title, fontsize=MIN_FONT_PT)  # centred on the figure: a long title has its whole width
    return fig
