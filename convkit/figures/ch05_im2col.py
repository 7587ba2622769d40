"""Chapter 5's figure: a window of the padded input and the column of the column matrix it becomes."""
from __future__ import annotations

import numpy as np

from .. import im2col
from ..geometry import conv_geometry
from .kit import MIN_FONT_PT, ROOM_IN, caption, grid, line, sheet, wrap

__all__ = ["im2col_figure"]


def im2col_figure(x, fh, fw, stride=1, padding=0, column=0):
    """The padded input with one window highlighted, above the column matrix with that column outlined.

    The column matrix is too wide for a phone at a legible size, so it is wrapped
    like a line of text: bands of at most ``per`` columns, one under the other, each
    band headed by its columns' numbers.
    """
    x = np.asarray(x)
    g = conv_geometry((1, 1, *x.shape), (1, 1, fh, fw), stride, padding)
    xp = np.pad(x, ((g.ph, g.ph), (g.pw, g.pw)))
    cols = im2col(x[None, None], fh, fw, stride, padding)
    rows, n = cols.shape
    i, j = divmod(column, g.wo)
    cell = 0.3  # a matrix cell, in inches: room for two digits at MIN_FONT_PT
    per = int(ROOM_IN // cell)
    width = min(n, per)
    big = min(1.4, width / xp.shape[1])  # the input's cells, in matrix cells
    title_u = line(cell)
    lines = wrap(f"column matrix {rows}×{n}:\ncolumn {column} is window {column}", width * cell)
    fig_h = title_u + xp.shape[0] * big + 0.5 + len(lines) * title_u + 0.2
    bands = [(c0, min(n, c0 + per)) for c0 in range(0, n, per)]
    fig, ax = sheet(width, fig_h + len(bands) * (title_u + rows + 0.4) - 0.4, cell)
    grid(ax, xp, (width - xp.shape[1] * big) / 2, title_u, pad=(g.ph, g.pw),
         highlight=(i * g.sh, j * g.sw, g.fh, g.fw), title="padded input", cell=big)
    y = caption(ax, lines, width / 2, title_u + xp.shape[0] * big + 0.5, cell) + 0.2
    for c0, c1 in bands:
        for c in range(c0, c1):  # the band's column numbers, above it
            ax.text(c - c0 + 0.5, y + title_u / 2, str(c), ha="center", va="center", fontsize=MIN_FONT_PT,
                    color="black" if c == column else "#444444", fontweight="bold" if c == column else "normal")
        y += title_u
        band = cols[:, c0:c1]
        mine = (0, column - c0, rows, 1) if c0 <= column < c1 else None
        grid(ax, band, 0, y, highlight=mine, fontsize=MIN_FONT_PT)
        y += rows + 0.4
    return fig
