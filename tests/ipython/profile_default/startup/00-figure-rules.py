"""The book's figure rules, checked on every figure a notebook shows (an IPython startup file).

A test session gives its kernels an IPYTHONDIR whose profile_default/startup holds this file
(/conftest.py), so every notebook that nbval runs has each figure it displays checked as the inline
backend turns it into a PNG: no subject list to keep, and no extra run. A figure that breaks a rule
raises FigureRuleError inside IPython's PNG formatter; IPython shows it as an error output and nbval
fails that notebook's cell ("Cell execution caused an exception"), naming the notebook, the cell and,
in the error, the rule.

The rules (the numbers come from the environment, set from convkit.figures by the test session, with
the same defaults here):
  - width: the stored PNG is no wider than a phone's text column (FIGURE_RULES_MAX_WIDTH_PX);
  - text size: no text smaller than FIGURE_RULES_MIN_FONT_PT points at FIGURE_RULES_DPI dots per inch
    (compared in pixels, so a figure at a lower dpi cannot slip under it);
  - cut off: every clipped outline whole inside its Axes, every label inside the figure;
  - sharp: shown at twice its pixels (the inline backend's "retina" format, which every chapter's set-up
    cell selects), so that it is crisp on a phone's 2-3 device pixels per CSS pixel.

Imports only matplotlib and IPython (never convkit: it also runs in kernels of a fresh venv), and does
nothing outside IPython, so tests can load it as a module (tests/figures/figure_rules.py).
"""
import base64
import os
import struct

MIN_FONT_PT = float(os.environ.get("FIGURE_RULES_MIN_FONT_PT", "11"))
DPI = float(os.environ.get("FIGURE_RULES_DPI", "100"))
MAX_WIDTH_PX = int(os.environ.get("FIGURE_RULES_MAX_WIDTH_PX", "340"))


class FigureRuleError(Exception):
    """A figure a notebook shows breaks one of the book's figure rules."""

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        return [f"FigureRuleError: {self}"]


def png_width(data):
    """Width in pixels of a PNG (bytes, or base64 text as the inline backend returns it)."""
    raw = base64.b64decode(data) if isinstance(data, str) else bytes(data)
    return struct.unpack(">I", raw[16:20])[0]


def _inside(outer, box, tol=0.5):
    return (outer.x0 - tol <= box.x0 and box.x1 <= outer.x1 + tol
            and outer.y0 - tol <= box.y0 and box.y1 <= outer.y1 + tol)


def _undrawn_tick_labels(fig):
    """Tick labels matplotlib keeps but never draws (outside the view, or on an axis turned off)."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not (ax.axison and axis.get_visible()):  # ax.axis("off"): none of its ticks are drawn
                hidden.update(id(t) for tick in axis.get_major_ticks() + axis.get_minor_ticks()
                              for t in (tick.label1, tick.label2))
                continue
            lo, hi = sorted(axis.get_view_interval())
            slack = 1e-9 * abs(hi - lo)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                if loc is None or not lo - slack <= loc <= hi + slack:
                    hidden.update((id(tick.label1), id(tick.label2)))
    return hidden


def shown_texts(fig):
    """Every Text of ``fig`` that is drawn and says something."""
    from matplotlib.text import Text

    undrawn = _undrawn_tick_labels(fig)
    return [t for t in fig.findobj(Text)
            if t.get_text().strip() and t.get_visible() and id(t) not in undrawn and t.get_alpha() != 0]


def small_text(fig):
    """Texts smaller on the PNG than MIN_FONT_PT at DPI: ["'label' at 9 pt (12.5 px)", ...]."""
    least_px = MIN_FONT_PT * DPI / 72
    return [f"{t.get_text()!r} at {t.get_fontsize():g} pt ({t.get_fontsize() * fig.dpi / 72:.1f} px)"
            for t in shown_texts(fig) if t.get_fontsize() * fig.dpi / 72 < least_px - 1e-6]


def cut_off(fig):
    """Outlines cut by their Axes and labels cut by the figure's edge, laid out as saving would."""
    fig.canvas.draw()  # lays the figure out (constrained layout runs at draw time), as saving it would
    renderer = fig.canvas.get_renderer()
    cut = []
    for ax in fig.axes:
        for patch in ax.patches:
            box = patch.get_window_extent(renderer).padded(patch.get_linewidth() * fig.dpi / 72 / 2)
            if patch.get_visible() and patch.get_clip_on() and not _inside(ax.bbox, box):
                cut.append(f"{type(patch).__name__} at {tuple(round(v) for v in box.bounds)}")
    for text in shown_texts(fig):
        box = text.get_window_extent(renderer)
        if not _inside(fig.bbox, box):
            cut.append(f"text {text.get_text()!r} at {tuple(round(v) for v in box.bounds)}")
    return cut


def problems(fig, width_px):
    """Every rule ``fig`` breaks when stored as a PNG ``width_px`` wide, one line each (empty: none)."""
    found = []
    if width_px > MAX_WIDTH_PX:
        found.append(f"too wide: the PNG is {width_px} px wide, a phone's column {MAX_WIDTH_PX} px")
    for rule, items in ((f"text too small (below {MIN_FONT_PT:g} pt at {DPI:g} dpi)", small_text(fig)),
                        ("cut off at an edge", cut_off(fig))):
        if items:
            more = f"; and {len(items) - 5} more" if len(items) > 5 else ""
            found.append(f"{rule}: " + "; ".join(items[:5]) + more)
    return found


def _name(fig):
    """"figure N" and its first title, if it has one."""
    titles = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) else []
    titles += [ax.get_title() for ax in fig.axes if ax.get_title()]
    return f"figure {getattr(fig, 'number', '')}" + (f" ({titles[0]!r})" if titles else "")


def checked(print_figure):
    """``print_figure`` that raises FigureRuleError after printing a PNG that breaks a rule."""
    def print_checked(fig, fmt="png", *args, **kwargs):
        data = print_figure(fig, fmt, *args, **kwargs)
        if data is not None and fmt in ("png", "retina"):
            width = png_width(data) // (2 if fmt == "retina" else 1)
            found = problems(fig, width)
            if fmt == "png":
                found.append('drawn at 1x, soft on a phone: show it as "retina" (the set-up cell\'s '
                             '%config InlineBackend.figure_formats = ["retina"])')
            if found:
                raise FigureRuleError(f"{_name(fig)} breaks the book's figure rules:\n  - " + "\n  - ".join(found))
        return data

    print_checked.figure_rules = True
    return print_checked


def install():
    """Check every figure the running IPython shows as a PNG (before pyplot is imported, as at startup)."""
    try:
        from IPython import get_ipython
        import IPython.core.pylabtools as pylabtools
    except ImportError:
        return
    if get_ipython() is None or getattr(pylabtools.print_figure, "figure_rules", False):
        return
    # The inline backend binds pylabtools.print_figure into its PNG formatter when pyplot is first imported.
    pylabtools.print_figure = checked(pylabtools.print_figure)


install()
