"""The book's figures: one drawing kit (:mod:`.kit`) and one module a chapter, named after its notebook.

``notebooks/NN_name.ipynb`` draws with ``convkit.figures.chNN_name``; a chapter's module uses the kit and no
other chapter's module. Chapters 1-5 reach their figures as ``from convkit import figures;
figures.window_figure(...)``, so those are re-exported here, with the rule constants.

Needs matplotlib (imported here only, so the numerical core needs just numpy).
"""
from .ch01_one_window import window_figure
from .ch02_shapes import padded_windows_figure
from .ch03_sparse_matrix import matrix_figure
from .ch04_backprop import backprop_1d_figure
from .ch05_im2col import im2col_figure
from .kit import DPI, MIN_FONT_PT, NUMBER_PT, PHONE_WIDTH_IN, draw_grid

__all__ = ["draw_grid", "window_figure", "padded_windows_figure", "matrix_figure", "backprop_1d_figure",
           "im2col_figure", "DPI", "MIN_FONT_PT", "NUMBER_PT", "PHONE_WIDTH_IN"]
