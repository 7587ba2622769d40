"""Chapter 4's figure: which output each input feeds in a 1-D correlation, and through which weight."""
from __future__ import annotations

from .kit import BLUE, GREY, MIN_FONT_PT, NUMBER_PT, ORANGE, ROOM_IN, VERMILION, caption, line, sheet, wrap

__all__ = ["backprop_1d_figure"]


def backprop_1d_figure(n_in=5, f=3):
    """Which output each input feeds in a valid 1-D correlation, each arrow labelled with its weight.

    Inputs on top, outputs below, each output under the middle of its window;
    the arrow from x_(i+a) to y_i carries w_a (w0 solid, w1 dashed, w2 dotted).
    Drawn on a sheet whose cell is one inch.
    """
    n_out = n_in - f + 1
    step = min(0.8, (ROOM_IN - 0.9) / (n_in - 1))
    width = step * (n_in - 1) + 0.9
    xs = [0.45 + t * step for t in range(n_in)]
    ys = [xs[i] + step * (f - 1) / 2 for i in range(n_out)]
    head = wrap("y_i = " + " + ".join(f"w{a}·x_(i+{a})" if a else "w0·x_i" for a in range(f)), width) \
        + wrap(", ".join(f"{s} w{a}" for a, s in zip(range(f), ["solid", "dashed", "dotted"])), width)
    top = len(head) * line(1.0) + 0.25
    y_in, y_out = top + 0.2, top + 2.0
    fig, ax = sheet(width, y_out + 0.25, 1.0)
    caption(ax, head, width / 2, 0, 1.0)
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
