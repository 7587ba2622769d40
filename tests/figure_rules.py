"""What every figure of the book must hold to, for the figure tests of each chapter.

The numbers come from convkit.figures (MIN_FONT_PT, PHONE_WIDTH_IN, DPI): text no smaller than the
page's small print, a PNG no wider than a phone's text column, nothing cut off at an edge.
"""
import io

from matplotlib.text import Text
from PIL import Image

from convkit import figures


def png_width(fig):
    """Width in pixels of the PNG a notebook stores for ``fig`` (the inline backend's savefig arguments)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")
    return Image.open(buf).size[0]


def assert_legible(fig):
    """Some text, none of it below MIN_FONT_PT, at the book's DPI."""
    sizes = {t.get_text(): t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()}
    assert sizes, "a figure with no text at all"
    small = {s: size for s, size in sizes.items() if size < figures.MIN_FONT_PT}
    assert not small, f"text below {figures.MIN_FONT_PT} pt: {small}"
    assert fig.dpi == figures.DPI


def assert_fits_a_phone(fig):
    width, room = png_width(fig), figures.PHONE_WIDTH_IN * figures.DPI
    assert width <= room, f"the PNG is {width} px wide, a phone's column {room:g} px"


def _inside(outer, box, tol=0.5):
    return (outer.x0 - tol <= box.x0 and box.x1 <= outer.x1 + tol
            and outer.y0 - tol <= box.y0 and box.y1 <= outer.y1 + tol)


def _undrawn_tick_labels(fig):
    """Tick labels matplotlib keeps for ticks outside the view: never drawn, so never cut off."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                if loc is None or not lo - 1e-9 * abs(hi - lo) <= loc <= hi + 1e-9 * abs(hi - lo):
                    hidden.update((id(tick.label1), id(tick.label2)))
    return hidden


def assert_nothing_cut_off(fig):
    """Every clipped outline lies whole inside its Axes (thick edges included), every label inside the figure."""
    fig.canvas.draw()  # lays the figure out (constrained layout runs at draw time), as saving it would
    renderer = fig.canvas.get_renderer()
    cut = []
    for ax in fig.axes:
        for patch in ax.patches:
            box = patch.get_window_extent(renderer).padded(patch.get_linewidth() * fig.dpi / 72 / 2)
            if patch.get_clip_on() and not _inside(ax.bbox, box):
                cut.append(f"{type(patch).__name__} at {box.bounds}")
    undrawn = _undrawn_tick_labels(fig)
    for text in fig.findobj(Text):
        if id(text) in undrawn or not text.get_visible():
            continue
        if text.get_text().strip() and not _inside(fig.bbox, text.get_window_extent(renderer)):
            cut.append(f"text {text.get_text()!r} at {text.get_window_extent(renderer).bounds}")
    assert not cut, cut
