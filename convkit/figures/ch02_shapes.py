"""Chapter 2's figure: every window position on the padded input."""
from __future__ import annotations

import numpy as np

from ..geometry import conv_geometry
from .kit import MIN_FONT_PT, ROOM_IN, blank_grid, caption, line, sheet, wrap

__all__ = ["padded_windows_figure"]


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
        cell = min(0.2, (ROOM_IN - (ncols - 1) * gap_in) / (ncols * wp))
        if cell >= 0.07 or ncols == 1:
            break
        ncols -= 1
    nrows = -(-n // ncols)
    gap, label = gap_in / cell, line(cell)
    width = ncols * wp + (ncols - 1) * gap
    head = wrap(f"The {n} windows in reading order, each numbered"
                + ("; grey hatched cells are padding" if g.ph or g.pw else ""), width * cell)
    top = len(head) * line(cell) + 0.5
    row_h = label + hp + gap
    fig, ax = sheet(width, top + nrows * row_h - gap, cell)
    caption(ax, head, width / 2, 0, cell)
    for t in range(n):
        i, j = divmod(t, g.wo)
        row, col = divmod(t, ncols)
        x0, y0 = col * (wp + gap), top + row * row_h + label
        blank_grid(ax, (hp, wp), x0, y0, pad=(g.ph, g.pw), highlight=(i * g.sh, j * g.sw, g.fh, g.fw), outline=2.0)
        ax.text(x0 + wp / 2, y0 - 0.2, str(t), ha="center", va="bottom", fontsize=MIN_FONT_PT)
    return fig
