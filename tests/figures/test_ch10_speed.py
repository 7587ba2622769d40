"""Chapter 10's figures: legible on a phone, nothing cut off, every method told apart."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from figure_rules import rules_test  # noqa: E402

from convkit.figures import ch10_speed as sf  # noqa: E402

SIZES = [4, 8, 16, 32]
TIMES = {"loops": [0.8, 2.7, 10.5, 42.6], "matrix": [0.11, 0.24, 4.2, None], "im2col": [0.16, 0.17, 0.21, 0.3],
         "fast": [0.09, 0.06, 0.08, 0.13], "winograd": [0.35, 0.37, 0.41, 0.56], "floor": [0.004, 0.006, 0.013, 0.06],
         "PyTorch": [0.08, 0.07, 0.09, 0.16]}
# Every call the chapter makes (the timings are made up: only the drawing is tested).
FIGURES = {
    "multiplications": lambda: sf.multiplications_figure(),
    "tiles (chapter 10)": lambda: sf.tiles_figure(5, 5, tile=(1, 2)),
    "tiles, even output": lambda: sf.tiles_figure(4, 6, tile=(0, 0)),
    "time (chapter 10)": lambda: sf.time_figure(SIZES, TIMES, "forward + backward, float64"),
    "memory (chapter 10)": lambda: sf.memory_figure([4, 8, 16, 32, 64, 128],
                                                    {m: [2**20 * s ** 2 for s in (4, 8, 16, 32, 64, 128)]
                                                     for m in ("loops", "matrix", "im2col", "fast", "winograd")},
                                                    "peak memory, forward + backward"),
}
test_the_figure_rules = rules_test(FIGURES)


def test_every_method_has_its_own_style_and_a_legend_entry():
    f = sf.time_figure(SIZES, TIMES, "t")
    styles = {(line.get_color(), line.get_marker(), line.get_linestyle()) for line in f.axes[0].get_lines()}
    assert len(styles) == len(TIMES)
    assert sorted(t.get_text() for t in f.legends[0].get_texts()) == sorted(TIMES)
    plt.close(f)


def test_pytorch_stays_visible_on_top_of_fast():
    """Where PyTorch's time equals fast's, its open ring, larger than fast's diamond and drawn above it, still shows."""
    same = dict(TIMES, PyTorch=list(TIMES["fast"]))
    f = sf.time_figure(SIZES, same, "t")
    lines = {line.get_label(): line for line in f.axes[0].get_lines()}
    torch_line, fast_line = lines["PyTorch"], lines["fast"]
    assert torch_line.get_markerfacecolor() == "none"
    assert torch_line.get_markersize() > 1.5 * fast_line.get_markersize()
    assert torch_line.get_zorder() > fast_line.get_zorder()
    assert torch_line.get_marker() != fast_line.get_marker()
    plt.close(f)
