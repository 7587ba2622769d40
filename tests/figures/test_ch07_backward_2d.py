"""Chapter 7's figures: legible on a phone, nothing cut off, and drawing convkit's own numbers."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from figure_rules import rules_test  # noqa: E402

import convkit as ck  # noqa: E402
from convkit.figures import ch07_backward_2d as bfig  # noqa: E402

X = np.array([[1, 0, 2, 1, 0], [3, 1, 0, 2, 1], [0, 2, 1, 3, 0], [1, 0, 3, 1, 2], [2, 1, 0, 0, 1]], float)
W = np.arange(1.0, 10.0).reshape(3, 3)
DY = np.array([[1, 0, -1], [2, 1, 0], [0, -1, 1]], float)
# Every call the chapter makes, and a few that stress the layout.
FIGURES = {
    "dw (chapter 7)": lambda: bfig.weight_gradient_figure(X, DY, stride=2, padding=1, offset=(1, 1)),
    "dw, stride 1, no padding": lambda: bfig.weight_gradient_figure(np.arange(20.0).reshape(4, 5), np.ones((2, 3)),
                                                                    stride=1, padding=0, offset=(2, 1)),
    "fan-out (chapter 7)": lambda: bfig.fan_out_figure((5, 5), (3, 3), stride=2, padding=1, pixel=(1, 1)),
    "fan-out, stride 1, 2x3 kernel": lambda: bfig.fan_out_figure((4, 6), (2, 3), stride=1, padding=0, pixel=(1, 2)),
    "full correlation (chapter 7)": lambda: bfig.full_correlation_figure(DY, W, stride=2, padding=1, x_shape=(5, 5),
                                                                         pixel=(1, 1)),
    "full correlation, stride 3, 2x3": lambda: bfig.full_correlation_figure(
        np.arange(9.0).reshape(3, 3), np.arange(6.0).reshape(2, 3), stride=3, padding=1, x_shape=(6, 7),
        pixel=(0, 0)),
}
test_the_figure_rules = rules_test(FIGURES)


def _texts(f):
    """Every non-empty text, in the order drawn (a grid's title comes after its numbers)."""
    return [t.get_text().replace("\u00a0", " ") for t in f.findobj(Text) if t.get_text().strip()]


def test_the_numbers_drawn_are_convkits():
    dx, dw, _ = ck.conv2d_backward(DY[None, None], X[None, None], W[None, None], 2, 1)
    f = bfig.weight_gradient_figure(X, DY, stride=2, padding=1, offset=(1, 1))
    texts = _texts(f)
    assert f"= {dw[0, 0, 1, 1]:g}" in texts[0] + " ".join(texts) and "dw[1, 1] = 1·1 + 0·2" in " ".join(texts)
    # the whole dw is drawn, last, in reading order, then its title
    assert texts[-10:] == [f"{v:g}" for v in dw[0, 0].ravel()] + ["dw"]
    plt.close(f)
    f = bfig.full_correlation_figure(DY, W, stride=2, padding=1, x_shape=(5, 5), pixel=(1, 1))
    texts = _texts(f)
    drawn = np.array([float(t) for t in texts[-49:]]).reshape(7, 7)   # the full correlation, drawn last
    np.testing.assert_array_equal(drawn[1:6, 1:6], dx[0, 0])          # inside the outline: dx
    assert drawn[2, 2] == 16 and "dx[1, 1]" in " ".join(texts)
    plt.close(f)
    f = bfig.fan_out_figure((5, 5), (3, 3), stride=2, padding=1, pixel=(1, 1))
    texts = " ".join(_texts(f))
    assert "feeds 4 outputs" in texts
    labels = [t for t in _texts(f) if t.startswith("w")]
    assert labels == ["w22", "w20", "w02", "w00"]  # the weights on the paths, as dx[1, 1]'s terms
    plt.close(f)


def test_spread_by_stride():
    np.testing.assert_array_equal(bfig.spread_by_stride([[1, 2], [3, 4]], 3),
                                  [[1, 0, 0, 2], [0] * 4, [0] * 4, [3, 0, 0, 4]])
    np.testing.assert_array_equal(bfig.spread_by_stride([[1, 2]], 1), [[1, 2]])


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"dy must have the output's shape \(3, 3\)"):
        bfig.full_correlation_figure(np.ones((2, 2)), W, stride=2, padding=1, x_shape=(5, 5))
    with pytest.raises(ck.ConvArgumentError, match="not a whole number"):
        bfig.fan_out_figure((5, 5), (3, 3), stride=3, padding=0)
