"""Chapter 6's figures: legible on a phone, nothing cut off, and drawing convkit's own numbers."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from figure_rules import rules_test  # noqa: E402

import convkit as ck  # noqa: E402
from convkit.figures import ch06_channels as cfig  # noqa: E402

L_SHAPE = np.zeros((12, 12), dtype=int)
L_SHAPE[2:7, 2] = 1
L_SHAPE[6, 2:6] = 1
EDGES = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
X1 = [5, 3, 7, 7, 6, 3, 7, 0, 5]
# Every call the chapter makes, and a few that stress the layout.
FIGURES = {
    "connections (chapter 6)": lambda: cfig.connections_figure(),
    "connections, 10 nodes, 5 taps": lambda: cfig.connections_figure(10, 5),
    "shift (chapter 6)": lambda: cfig.shift_figure(L_SHAPE, EDGES, shift=(3, 4)),
    "shift, no padding": lambda: cfig.shift_figure(L_SHAPE, EDGES, shift=(1, 2), padding=0),
    "stride shift (chapter 6)": lambda: cfig.stride_shift_figure(X1, [1, 0, -1]),
    "stride shift, 13 long": lambda: cfig.stride_shift_figure(np.arange(13) % 5, [1, 2, 1]),
    "channels (chapter 6)": lambda: cfig.channels_figure(c=3, h=5, w=5, k=2, f=3, out=(1, 1, 0)),
    "channels, 1x1 (chapter 6)": lambda: cfig.channels_figure(c=3, h=4, w=4, k=2, f=1, out=(1, 2, 1)),
    "channels, padded, strided, 4 filters": lambda: cfig.channels_figure(c=2, h=7, w=7, k=4, f=3, out=(3, 2, 1),
                                                                         stride=2, padding=1),
}
test_the_figure_rules = rules_test(FIGURES)


@pytest.mark.parametrize("name", FIGURES)
def test_captions_and_labels_never_overlap(name):
    fig = FIGURES[name]()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_text().strip()]
    # Captions and labels (text outside the grid cells) never overlap one another.
    free = [t for t in texts if t.get_fontsize() == cfig.MIN_FONT_PT and len(t.get_text()) > 3]
    boxes = [t.get_window_extent(renderer) for t in free]
    clashes = [(a.get_text(), b.get_text()) for n, (a, p) in enumerate(zip(free, boxes))
               for b, q in zip(free[n + 1:], boxes[n + 1:]) if p.overlaps(q)]
    plt.close(fig)
    assert not clashes, clashes


def _texts(f):
    return [t.get_text().replace("\u00a0", " ") for t in f.findobj(Text)]


def test_connection_counts_are_counted():
    assert cfig.connection_counts(6, 3) == (36, 16, 3)  # 6 outputs x 3 taps, less one at each end
    assert cfig.connection_counts(10, 5) == (100, 44, 5)  # 50, less 3 + 3 at the ends
    f = cfig.connections_figure()
    texts = " ".join(_texts(f))
    assert "36 weights" in texts and "16 weights" in texts and "3 weights" in texts
    assert "reads up to 3 neighbours (2 at the ends), 16 weights of its own" in texts  # 6 x 3 - 2 = 16
    lines = f.axes[0].get_lines()
    assert len(lines) == 36 + 16 + 16  # every weight drawn; the shared panel has the local panel's joins
    plt.close(f)


def test_shift_figure_draws_convkits_outputs():
    f = cfig.shift_figure(L_SHAPE, EDGES, shift=(3, 4))
    images = [im.get_array() for im in f.findobj(AxesImage)]
    out = ck.conv2d(L_SHAPE[None, None], EDGES[None, None], padding=1)[0, 0]
    moved = np.roll(L_SHAPE, (3, 4), axis=(0, 1))
    np.testing.assert_array_equal(images[0], L_SHAPE)
    np.testing.assert_array_equal(images[1], out)
    np.testing.assert_array_equal(images[2], moved)
    np.testing.assert_array_equal(images[3], np.roll(out, (3, 4), axis=(0, 1)))  # the shifted output
    assert "x shifted by (3, 4): the output moves by (3, 4) too" in " ".join(_texts(f))
    plt.close(f)


def test_stride_figure_numbers():
    f = cfig.stride_shift_figure(X1, [1, 0, -1])
    numbers = [t for t in _texts(f) if t.lstrip("-").isdigit()]
    stride1 = np.correlate(X1, [1, 0, -1], "valid")
    shifted = np.correlate([0] + X1[:-1], [1, 0, -1], "valid")
    want = [*map(str, X1), *map(str, stride1), *map(str, stride1[::2]), *map(str, shifted[::2])]
    assert numbers == want
    assert shifted[::2].tolist() == [-3, -4, 4, 3] and stride1[::2].tolist() == [-2, 1, -1, 2]
    plt.close(f)
    with pytest.raises(ck.ConvArgumentError, match=r"len\(x\) - len\(w\) even .* got x.shape=\(8,\), w.shape=\(3,\)"):
        cfig.stride_shift_figure(X1[:-1], [1, 0, -1])


def test_channels_figure_highlights_the_window_in_every_channel():
    f = cfig.channels_figure(c=3, h=5, w=5, k=2, f=3, out=(1, 1, 0))
    texts = " ".join(_texts(f))
    assert "y[1, 1, 0] = b[1]" in texts and "27 products, one sum" in texts
    filled = [p for p in f.axes[0].patches if isinstance(p, Rectangle) and p.get_fill()
              and matplotlib.colors.to_hex(p.get_facecolor()) == "#e69f00"]
    assert len(filled) == 3 * 9 + 1  # the window in each of the 3 channels, and the one output
    plt.close(f)
    f = cfig.channels_figure(c=3, h=4, w=4, k=2, f=1, out=(1, 2, 1))
    assert "row 1 of a 2×3 matrix" in " ".join(_texts(f))
    plt.close(f)
    with pytest.raises(ck.ConvArgumentError, match=r"out=\(2, 0, 0\) is outside the output's shape \(K, Hout, Wout\) = \(2, 3, 3\)"):
        cfig.channels_figure(out=(2, 0, 0))
    with pytest.raises(ck.ConvArgumentError):
        cfig.channels_figure(h=4, f=3, stride=2)
