"""Chapter 8's figures: legible on a phone, nothing cut off, and drawing convkit's own numbers."""
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from convkit import dilation_figures as dfig  # noqa: E402

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


def _png_width(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")  # as a notebook stores it
    return Image.open(buf).size[0]


@pytest.fixture(params=FIGURES, ids=list(FIGURES))
def fig(request):
    f = FIGURES[request.param]()
    yield f
    plt.close(f)


def test_no_text_below_the_minimum(fig):
    sizes = {t.get_text(): t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()}
    assert sizes, "a figure with no text at all"
    assert not {s: v for s, v in sizes.items() if v < dfig.MIN_FONT_PT}
    assert fig.dpi == dfig.DPI


def test_fits_a_phone(fig):
    assert _png_width(fig) <= dfig.PHONE_WIDTH_IN * dfig.DPI


def _inside(outer, box, tol=0.5):
    return (outer.x0 - tol <= box.x0 and box.x1 <= outer.x1 + tol
            and outer.y0 - tol <= box.y0 and box.y1 <= outer.y1 + tol)


def test_nothing_is_cut_off_at_an_edge(fig):
    renderer = fig.canvas.get_renderer()
    cut = []
    for ax in fig.axes:
        for patch in ax.patches:
            box = patch.get_window_extent(renderer).padded(patch.get_linewidth() * fig.dpi / 72 / 2)
            if not _inside(ax.bbox, box):
                cut.append(f"{type(patch).__name__} at {box.bounds}")
    for text in fig.findobj(Text):
        if text.get_text().strip() and not _inside(fig.bbox, text.get_window_extent(renderer)):
            cut.append(f"text {text.get_text()!r}")
    assert not cut, cut


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
