"""Figures for Chapter 11: the receptive field layer by layer, FFT's crossover, the roofline, the step h.

Drawn for a phone first, as the other chapters' figures: at most
:data:`PHONE_WIDTH_IN` wide at :data:`DPI`, no text smaller than
:data:`MIN_FONT_PT`, Okabe-Ito colours, and every curve also told apart by its
marker and line style.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .kit import BLACK, BLUE, DPI, GREEN, MIN_FONT_PT, ORANGE, PLOT_WIDTH_IN, SKY, VERMILION, draw_grid

__all__ = ["receptive_field_figure", "crossover_figure", "roofline_figure", "aliasing_figure", "step_figure"]

#: (colour, marker, line style) of each method or precision, the same in every figure of the chapter.
STYLE = {
    "im2col": (SKY, "^", "-."), "fast": (BLUE, "D", "-"), "winograd": (ORANGE, "v", "--"),
    "fft": (VERMILION, "o", "-"), "matmul": (BLACK, "x", ":"), "float32": (VERMILION, "o", "-"),
    "float64": (BLUE, "s", "--"),
}


def receptive_field_figure(masks, fields):
    """The input pixels that one output of each layer depends on, one panel a layer, left to right.

    Parameters
    ----------
    masks : list of ndarray of bool, shape (H, W) each
        For layer l (first layer first), where dy/dx of its centre output is not zero.
    fields : list of int
        The receptive field R_l of each layer by the recurrence, written under its panel.
    """
    fig, axes = plt.subplots(1, len(masks), figsize=(PLOT_WIDTH_IN, 1.9), dpi=DPI, layout="constrained")
    for l, (ax, mask, r) in enumerate(zip(np.atleast_1d(axes), masks, fields), start=1):
        fill = [[ORANGE if m else None for m in row] for row in mask]
        draw_grid(ax, np.zeros(mask.shape), fill=fill, numbers=False)
        ax.set_title(f"layer {l}\nR = {r}", fontsize=MIN_FONT_PT)
    return fig


def _curves(ax, xs, series):
    """One line per entry of ``series`` ({name: [y or None]}), in the chapter's style."""
    for name, ys in series.items():
        colour, marker, ls = STYLE[name]
        pts = [(x, y) for x, y in zip(xs, ys) if y is not None]
        ax.plot(*zip(*pts), color=colour, marker=marker, ls=ls, lw=1.8, ms=7, label=name)


def _legend_below(fig, ncol=3, handles=None):
    """The figure's legend under its plots, every curve once (``handles``: those of one Axes only)."""
    fig.legend(handles=handles, fontsize=MIN_FONT_PT, frameon=False, ncol=ncol, loc="outside lower center",
               handlelength=1.5, columnspacing=0.8, handletextpad=0.4)


def crossover_figure(kernels, times):
    """Time (ms, log axis) of a forward pass against the kernel size F, one curve per method.

    times : {method: [ms or None for each F]} (None where the method does not compute that kernel).
    """
    fig, ax = plt.subplots(figsize=(PLOT_WIDTH_IN, 3.4), dpi=DPI, layout="constrained")
    _curves(ax, kernels, times)
    ax.set_yscale("log")
    ax.set_xticks(kernels, [str(f) for f in kernels])
    ax.set_xlabel("kernel size F", fontsize=MIN_FONT_PT)
    ax.set_ylabel("time (ms)", fontsize=MIN_FONT_PT)
    ax.tick_params(which="both", labelsize=MIN_FONT_PT)
    ax.grid(True, color="0.85", lw=0.6)
    _legend_below(fig)
    return fig


def roofline_figure(peak, bandwidth, points):
    """The roofline: attainable GFLOP/s = min(peak, bandwidth x intensity), log-log, with measured points.

    Parameters
    ----------
    peak : float
        Measured GFLOP/s of a large matrix product.
    bandwidth : float
        Measured GB/s of a large copy.
    points : {name: (intensity in FLOP/byte, GFLOP/s)}
        Each method's measured pass (names in :data:`STYLE`).
    """
    fig, ax = plt.subplots(figsize=(PLOT_WIDTH_IN, 3.6), dpi=DPI, layout="constrained")
    lo = min([0.1] + [i for i, _ in points.values()]) / 2
    hi = max([100.0] + [i for i, _ in points.values()]) * 2
    xs = np.geomspace(lo, hi, 200)
    ax.plot(xs, np.minimum(peak, bandwidth * xs), color=GREEN, lw=2.5, label="roof")
    for name, (intensity, speed) in points.items():
        colour, marker, _ = STYLE[name]
        ax.plot([intensity], [speed], color=colour, marker=marker, ls="none", ms=9, mew=2, label=name)
    ax.axvline(peak / bandwidth, color="0.5", ls=":", lw=1.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("FLOP per byte", fontsize=MIN_FONT_PT)
    ax.set_ylabel("GFLOP/s", fontsize=MIN_FONT_PT)
    ax.tick_params(which="both", labelsize=MIN_FONT_PT)
    ax.grid(True, which="major", color="0.85", lw=0.6)
    _legend_below(fig)
    return fig


def aliasing_figure(rows):
    """One row of a stride-2 output before and after the input moved by one pixel, one panel per blur.

    Parameters
    ----------
    rows : {title: (y, y_moved)}
        ``y`` and ``y_moved``, shape (Wout,) each: the same row of the output for the input as it is
        and for the input shifted one pixel to the right.
    """
    fig, axes = plt.subplots(len(rows), 1, figsize=(PLOT_WIDTH_IN, 1.6 * len(rows) + 0.6), dpi=DPI,
                             layout="constrained", sharex=True)
    for ax, (title, (y, y_moved)) in zip(np.atleast_1d(axes), rows.items()):
        ax.plot(y, color=BLUE, marker="s", ms=4, lw=1.6, label="input as is")
        ax.plot(y_moved, color=VERMILION, marker="o", ms=4, lw=1.6, ls="--", label="moved 1 pixel")
        ax.set_title(title, fontsize=MIN_FONT_PT)
        ax.tick_params(which="both", labelsize=MIN_FONT_PT)
        ax.grid(True, color="0.85", lw=0.6)
    np.atleast_1d(axes)[-1].set_xlabel("output column", fontsize=MIN_FONT_PT)
    _legend_below(fig, ncol=2, handles=np.atleast_1d(axes)[0].get_lines())
    return fig


def step_figure(steps, errors):
    """Relative error of a centred-difference gradient against the step h (both log axes), per precision.

    errors : {"float32" or "float64": [error for each h]}.
    """
    fig, ax = plt.subplots(figsize=(PLOT_WIDTH_IN, 3.3), dpi=DPI, layout="constrained")
    _curves(ax, steps, errors)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step h", fontsize=MIN_FONT_PT)
    ax.set_ylabel("relative error", fontsize=MIN_FONT_PT)
    ax.tick_params(which="both", labelsize=MIN_FONT_PT)
    ax.grid(True, which="major", color="0.85", lw=0.6)
    _legend_below(fig, ncol=2)
    return fig
