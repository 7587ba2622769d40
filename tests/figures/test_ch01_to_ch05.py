"""Chapters 1-5's figures: legible on a phone, nothing cut off at an edge.

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
from figure_rules import rules_test  # noqa: E402
from convkit import figures  # noqa: E402

X, K = np.arange(1, 10).reshape(3, 3), np.array([[1, 2], [3, 4]])
# Every call the chapters make, and a few that stress the layout.
FIGURES = {
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
    "im2col (chapter 5)": lambda: figures.im2col_figure(np.arange(16).reshape(4, 4), 2, 2, 1, 1, column=3),
    "im2col, 3x3 kernel, 36 windows": lambda: figures.im2col_figure(np.arange(64).reshape(8, 8), 3, 3, 1, 0,
                                                                    column=20),
}
test_the_figure_rules = rules_test(FIGURES)


def test_the_im2col_figure_wraps_the_column_matrix():
    """The 4x25 column matrix in bands of 10 columns, each headed by its column numbers, every number drawn."""
    f = figures.im2col_figure(np.arange(16).reshape(4, 4), 2, 2, 1, 1, column=3)
    texts = [t.get_text() for t in f.findobj(Text)]
    after = texts[texts.index("column 3 is window 3") + 1:]
    bands, at = [], 0
    for c0 in range(0, 25, 10):
        n = min(10, 25 - c0)
        assert after[at:at + n] == [str(c) for c in range(c0, c0 + n)]
        bands.append(np.array(after[at + n:at + 5 * n], dtype=float).reshape(4, n))
        at += 5 * n
    np.testing.assert_array_equal(np.hstack(bands), ck.im2col(np.arange(16).reshape(1, 1, 4, 4), 2, 2, 1, 1))
    plt.close(f)


def test_the_window_figure_spells_out_its_sum():
    f = figures.window_figure(X, K, 1, 1)
    texts = " ".join(t.get_text() for t in f.findobj(Text)).replace("\u00a0", " ")  # no-break spaces
    assert "output[1, 1] =" in texts and "= 77" in texts and "5·1" in texts
    plt.close(f)
