"""Chapter 1's figure: one window of the input, the kernel, and the output number they make."""
from __future__ import annotations

import numpy as np

from .. import conv2d
from ..geometry import conv_geometry
from .kit import CELL_IN, ORANGE, ROOM_IN, SKY, caption, fmt_number, grid, line, sheet, wrap

__all__ = ["window_figure"]


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
    x, w = np.asarray(x), np.asarray(w)
    g = conv_geometry((1, 1, *x.shape), (1, 1, *w.shape), stride, padding)
    xp = np.pad(x, ((g.ph, g.ph), (g.pw, g.pw)))
    if out is None:
        out = conv2d(x[None, None], w[None, None], None, stride, padding, method="loops")[0, 0]
    out = np.asarray(out)
    r, c = i * g.sh, j * g.sw
    window = xp[r : r + g.fh, c : c + g.fw]
    terms = " + ".join(f"{fmt_number(a)}·{fmt_number(b)}" for a, b in zip(window.ravel(), w.ravel()))
    # No-break spaces tie each operator to the term after it: lines break before "+" and "=".
    equation = f"output[{i},\u00a0{j}] =\u00a0{terms} =\u00a0{fmt_number(out[i, j])}".replace(" + ", " +\u00a0")

    (hp, wp), (fh, fw), (ho, wo) = xp.shape, w.shape, out.shape
    one_row = wp + 1 + fw + 1 + wo
    cell = min(CELL_IN, ROOM_IN / one_row)
    if cell >= 0.3:  # input, kernel, output in a row
        spots = [(0, 0), (wp + 1, 0), (wp + 1 + fw + 1, 0)]
        width, grid_h = one_row, max(hp, fh, ho)
    else:  # input above, kernel and output below it
        width = max(wp, fw + 1 + wo)
        cell = min(CELL_IN, ROOM_IN / width)
        title_u = line(cell) + 0.3
        spots = [((width - wp) / 2, 0), (0, hp + 0.6 + title_u), (fw + 1, hp + 0.6 + title_u)]
        grid_h = hp + 0.6 + title_u + max(fh, ho)
    lines = wrap(equation, width * cell)
    top = len(lines) * line(cell) + 0.4 + line(cell)  # equation, gap, grid titles
    fig, ax = sheet(width, top + grid_h, cell)
    caption(ax, lines, width / 2, 0, cell)
    grids = [(xp, "input" + (" (padded)" if g.ph or g.pw else ""), dict(pad=(g.ph, g.pw), highlight=(r, c, fh, fw))),
             (w, "kernel", dict(colour=SKY, highlight=(0, 0, fh, fw))),
             (out, "output", dict(colour=ORANGE, highlight=(i, j, 1, 1)))]
    for (values, title, kw), (gx, gy) in zip(grids, spots):
        grid(ax, values, gx, top + gy, title=title, **kw)
    return fig
