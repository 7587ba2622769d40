"""Chapter 3's figure: W* (or any matrix) with its non-zero entries shaded."""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .kit import BLUE, CELL_IN, ROOM_IN, SKY, VERMILION, caption, fmt_number, grid, line, sheet, wrap

__all__ = ["matrix_figure"]


def matrix_figure(m, *, title=None, row_highlight=None, col_highlight=None, fmt="{:g}", numbers=True):
    """A matrix with its non-zero entries shaded; optionally one row (dashed) and some columns (dotted) outlined.

    Zeros show as "·" and non-zeros are shaded and edged, so the pattern reads
    without colour too. Without ``numbers`` the cells shrink to fit a phone.
    """
    m = np.asarray(m)
    rows, cols = m.shape
    cell = min(CELL_IN, ROOM_IN / cols)
    if numbers:
        cell = max(cell, 0.3)  # room for a number at NUMBER_PT
    lines = wrap(title, max(cols * cell, ROOM_IN)) if title else []
    width = max(cols, ROOM_IN / cell if lines else cols)
    top = len(lines) * line(cell) + (0.4 if lines else 0)
    fig, ax = sheet(width, top + rows, cell)
    caption(ax, lines, width / 2, 0, cell)
    x0 = (width - cols) / 2
    labels = [[(fmt_number(v, fmt) if v != 0 else "·") for v in row] for row in m]
    grid(ax, m, x0, top, labels=labels, numbers=numbers)
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
