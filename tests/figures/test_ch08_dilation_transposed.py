"""Chapter 8's figures: legible on a phone, nothing cut off, and drawing convkit's own numbers."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from figure_rules import rules_test  # noqa: E402

from convkit.figures import ch08_dilation_transposed as dfig  # noqa: E402

X7 = np.random.default_rng(8).integers(0, 10, (7, 7))
K3 = np.array([[1, 0, 1], [0, 2, 0], [1, 0, 1]])
# Every call the chapter makes, and a few that stress the layout.
FIGURES = {
    "dilated window (chapter 8)": lambda: dfig.dilated_window_figure(X7, K3, 1, 2, dilation=2),
    "dilated window, padded, strided": lambda: dfig.dilated_window_figure(np.arange(35).reshape(5, 7), K3[:2], 1, 0,
                                                                          stride=2, padding=1, dilation=(2, 3)),
    "receptive field (chapter 8)": lambda: dfig.receptive_field_figure(),
    "receptive field, four layers": lambda: dfig.receptive_field_figure(((1, 1, 1, 1), (1, 2, 4, 8))),
    "stamps (chapter 8)": lambda: dfig.stamps_figure([[1, 2], [3, 4]], [[1, 1, 1], [1, 2, 1], [1, 1, 1]], 2),
    "stamps, 3x3 y": lambda: dfig.stamps_figure(np.arange(9).reshape(3, 3), np.ones((2, 2)), 1),
    "(W*)^T (chapter 8)": lambda: dfig.transpose_matrix_figure([1, 2, 3], 3, stride=2),
    "checkerboard (chapter 8)": lambda: dfig.checkerboard_figure(),
}
test_the_figure_rules = rules_test(FIGURES)


def _texts(f):
    return [t.get_text().replace("\u00a0", " ") for t in f.findobj(Text)]


def test_the_numbers_drawn_are_convkits():
    f = dfig.dilated_window_figure(X7, K3, 1, 2, dilation=2)
    texts = " ".join(_texts(f))
    assert "output[1, 2] =" in texts and "= 29" in texts and "8·1" in texts
    plt.close(f)
    f = dfig.stamps_figure([[1, 2], [3, 4]], [[1, 1, 1], [1, 2, 1], [1, 1, 1]], 2)
    assert "10" in _texts(f) and "output (5×5)" in _texts(f)
    plt.close(f)
    f = dfig.transpose_matrix_figure([1, 2, 3], 3, stride=2)
    column = [t for t in _texts(f) if t in {"1", "2", "4", "5", "6", "9"}]
    assert column[-7:] == ["1", "2", "5", "4", "9", "6", "9"]  # (W*)^T y, drawn last
    plt.close(f)
    f = dfig.receptive_field_figure()
    texts = " ".join(_texts(f))
    assert "sees 7 inputs" in texts and "sees 15 inputs" in texts
    plt.close(f)
