"""The chapters' figures: legible on a phone, nothing cut off at an edge.

The page test (tests/browser/test_book_pages.py) checks on screen that no figure's
text ends up below the page's small print, assuming figures draw no text smaller
than ``MIN_FONT_PT``: these tests hold the figures to that, and to the width of a
phone's text column.
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import convkit as ck  # noqa: E402
from figure_rules import png_width  # noqa: E402
from convkit import figures  # noqa: E402

X, K = np.arange(1, 10).reshape(3, 3), np.array([[1, 2], [3, 4]])
# Every call the chapters make, and a few that stress the layout.
PHONE_FIGURES = {
    "window (chapter 1)": lambda: figures.window_figure(X, K, 1, 0),
    "window, padded 3x3 kernel": lambda: figures.window_figure(X, np.arange(9).reshape(3, 3), 1, 2, padding=1),
    "window, wide input": lambda: figures.window_figure(np.arange(40).reshape(5, 8), K, 0, 3, stride=1, padding=1),
    "25 windows (chapter 2)": lambda: figures.padded_windows_figure(np.arange(16).reshape(4, 4), 2, 2, 1, 1),
    "9 windows, stride 2 (chapter 2)": lambda: figures.padded_windows_figure(np.arange(49).reshape(7, 7), 3, 3, 2),
    "49 windows": lambda: figures.padded_windows_figure(np.arange(64).reshape(8, 8), 3, 3, 1, 1),
    "W* (chapter 3)": lambda: figures.matrix_figure(
        ck.conv_matrix(K, (3, 3)), title="W* for the worked example: row 1 (dashed) and the inputs it touches "
        "(dotted)", row_highlight=1, col_highlight=[1, 2, 4, 5]),
    "W* pattern (chapter 3)": lambda: figures.matrix_figure(
        ck.conv_matrix(np.ones((3, 3)), (5, 5), padding=1), title="W* for a 5x5 input, 3x3 kernel, padding 1 "
        "(25 x 25)", numbers=False),
    "backprop (chapter 4)": lambda: figures.backprop_1d_figure(),
}
WIDE_FIGURES = {  # legible only wider than a phone: the book lets them scroll sideways there
    "im2col (chapter 5)": lambda: figures.im2col_figure(np.arange(16).reshape(4, 4), 2, 2, 1, 1, column=3),
}
ALL = {**PHONE_FIGURES, **WIDE_FIGURES}


def test_the_wide_figure_fits_the_desk_column():
    f = WIDE_FIGURES["im2col (chapter 5)"]()
    assert png_width(f) <= 672  # the book's text column at 1280 px, less the dark theme's frame
    plt.close(f)


def test_the_window_figure_spells_out_its_sum():
    f = figures.window_figure(X, K, 1, 1)
    texts = " ".join(t.get_text() for t in f.findobj(Text)).replace("\u00a0", " ")  # no-break spaces
    assert "output[1, 1] =" in texts and "= 77" in texts and "5·1" in texts
    plt.close(f)
