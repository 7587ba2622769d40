"""Figures for Chapter 7: the 2-D backward pass, entry by entry.

Drawn like Chapter 8's (:mod:`convkit.dilation_figures`, whose grid helpers
these reuse): phone first, each figure one Axes whose unit is one grid cell, at
most ``PHONE_WIDTH_IN`` wide, no text under ``MIN_FONT_PT``, Okabe-Ito colours,
and every highlight also an outline, a line style or a label. Every number drawn
is computed with convkit.

The three pictures follow the chapter's derivation: the outputs one input
pixel feeds (the chain rule's sum for dx), dx as a "full" correlation of dy,
dilated by the stride, with the kernel rotated by 180°, and dw as the padded
input correlated with the dilated dy.
"""
from __future__ import annotations

import numpy as np

from .. import conv2d_backward, corr2d
from ..corr import spread_by_stride
from ..geometry import conv_geometry
from .kit import (BLUE, CELL_IN, GREEN, GREY, MIN_FONT_PT, ORANGE, ROOM_IN, SKY, VERMILION, caption, caption_height,
                  grid, line, outline, ringed, sheet, wrap)

__all__ = ["fan_out_figure", "full_correlation_figure", "weight_gradient_figure", "spread_by_stride"]

_STYLES = [("-", VERMILION), ("--", BLUE), (":", GREEN), ("-.", "black")]
_INSERTED = "#EEF6FB"  # the zeros the stride inserts into dy: this fill and a blue ring


def _check(x_shape, w_shape, stride, padding):
    return conv_geometry((1, 1, *x_shape), (1, 1, *w_shape), stride, padding)


def _feeds(g, r, q):
    """(i, j, u, v) for every output (i, j) whose window reads padded pixel (r, q) through tap (u, v)."""
    return [(i, j, r - i * g.sh, q - j * g.sw) for i in range(g.ho) for j in range(g.wo)
            if 0 <= r - i * g.sh < g.fh and 0 <= q - j * g.sw < g.fw]


def fan_out_figure(x_shape=(5, 5), kernel=(3, 3), stride=2, padding=1, pixel=(1, 1)):
    """The outputs one input pixel feeds, and the weight on each path: the terms of its dx.

    Above, the padded input with the pixel filled and the window of every output
    that reads it outlined, each in its own line style; below, the output grid
    with those outputs outlined in the same styles and labelled with the weight
    w[u, v] that joins them to the pixel.

    Parameters
    ----------
    x_shape : (H, W)
    kernel : (FH, FW)
    stride, padding : int
    pixel : (row, column) in x (unpadded)
    """
    g = _check(x_shape, kernel, stride, padding)
    r, q = pixel[0] + g.ph, pixel[1] + g.pw
    feeds = _feeds(g, r, q)
    hp, wp = g.h + 2 * g.ph, g.w + 2 * g.pw
    width = max(wp, g.wo)
    cell = min(CELL_IN, ROOM_IN / width)
    lines = wrap(f"x[{pixel[0]},\u00a0{pixel[1]}] feeds {len(feeds)} output{'s' if len(feeds) != 1 else ''}: "
                 f"dx[{pixel[0]},\u00a0{pixel[1]}] has a term for each", width * cell)
    low = wrap("the outputs, each with the weight on its path", width * cell)
    top = caption_height(lines, cell) + line(cell)
    below = top + hp + 0.3 + caption_height(low, cell)
    fig, ax = sheet(width, below + g.ho, cell)
    caption(ax, lines, width / 2, 0, cell)
    caption(ax, low, width / 2, top + hp + 0.3, cell)
    x0 = (width - wp) / 2
    labels = [[("x" if (a, b) == (r, q) else "") for b in range(wp)] for a in range(hp)]
    fill = [[ORANGE if (a, b) == (r, q) else None for b in range(wp)] for a in range(hp)]
    grid(ax, np.zeros((hp, wp)), x0, top, title=f"input{', padded' if g.ph or g.pw else ''} "
                                                 f"({hp}×{wp})", pad=(g.ph, g.pw), labels=labels, fill=fill)
    outline(ax, x0 + q, top + r, 1, 1)
    for n, (i, j, _, _) in enumerate(feeds):
        style, colour = _STYLES[n % len(_STYLES)]
        inset = 0.07 * (n % len(_STYLES))  # windows that share an edge stay apart
        outline(ax, x0 + j * g.sw + inset, top + i * g.sh + inset, g.fw - 2 * inset, g.fh - 2 * inset, lw=2.5,
                linestyle=style, color=colour)
    taps = {(i, j): (u, v) for i, j, u, v in feeds}
    out_labels = [[(f"w{taps[a, b][0]}{taps[a, b][1]}" if (a, b) in taps else "") for b in range(g.wo)]
                  for a in range(g.ho)]
    y0 = (width - g.wo) / 2
    grid(ax, np.zeros((g.ho, g.wo)), y0, below, labels=out_labels,
         fill=[[ORANGE if (a, b) in taps else None for b in range(g.wo)] for a in range(g.ho)],
         fontsize=MIN_FONT_PT)
    for n, (i, j, _, _) in enumerate(feeds):
        style, colour = _STYLES[n % len(_STYLES)]
        outline(ax, y0 + j, below + i, 1, 1, lw=2.5, linestyle=style, color=colour)
    return fig


def _full_correlation(dy, w, stride, padding, x_shape):
    """The recipe's arrays, checked against :func:`convkit.conv2d_backward`.

    Returns the geometry, dy spread by the stride and padded with F - 1 zeros (``full``), the masks of
    its cells that hold an entry of dy (``real``) and of those inside the spread dy (``inside``), the
    rotated kernel and the padded input's gradient (``dxbar``).
    """
    g = _check(x_shape, w.shape, stride, padding)
    if dy.shape != (g.ho, g.wo):
        raise ValueError(f"dy must have the output's shape {(g.ho, g.wo)}; got {dy.shape}")
    dx = conv2d_backward(dy[None, None], np.zeros((1, 1, *x_shape)), w[None, None], stride, padding,
                         "loops")[0][0, 0]
    rim = ((g.fh - 1, g.fh - 1), (g.fw - 1, g.fw - 1))
    full = np.pad(spread_by_stride(dy, stride), rim)
    real = np.pad(spread_by_stride(np.ones_like(dy, dtype=bool), stride), rim)
    inside = np.pad(np.ones(((g.ho - 1) * stride + 1, (g.wo - 1) * stride + 1), dtype=bool), rim)
    rot = w[::-1, ::-1]
    dxbar = corr2d(full, rot)  # the padded input's gradient: its outer ring belongs to the padding
    assert np.allclose(dxbar[g.ph:g.ph + g.h, g.pw:g.pw + g.w], dx), "the recipe disagrees with conv2d_backward"
    return g, full, real, inside, rot, dxbar


def _full_correlation_titles(g, stride, full, dxbar, pixel, room_in):
    """The caption, the middle grid's title and the bottom grid's title, each wrapped to ``room_in``."""
    (t, s), (hf, wf) = pixel, full.shape
    head = f"dx[{t},\u00a0{s}]: the window of the dilated, padded dy against w rotated by 180°"
    mid = (f"dy dilated by {stride}, padded with {g.fh - 1}" + (f" and {g.fw - 1}" if g.fw != g.fh else "")
           + f" zeros ({hf}×{wf})")
    low = (f"their correlation ({dxbar.shape[0]}×{dxbar.shape[1]}): dx inside the outline; the grey ring is the "
           f"padding's, dropped") if g.ph or g.pw else "their correlation: dx"
    return [wrap(text, room_in) for text in (head, mid, low)]


def _draw_dy_and_kernel(ax, dy, rot, g, r0, c0, real, left, top):
    """dy with the entries the window reads, and the rotated kernel with the taps that meet them."""
    fh, fw = rot.shape
    taps = [(a, b) for a in range(fh) for b in range(fw) if real[r0 + a, c0 + b]]
    used = {((r0 + a - (fh - 1)) // g.sh, (c0 + b - (fw - 1)) // g.sw) for a, b in taps}
    grid(ax, dy, left, top, title="dy", fill=[[ORANGE if (i, j) in used else None for j in range(dy.shape[1])]
                                             for i in range(dy.shape[0])])
    for i, j in used:
        outline(ax, left + j, top + i, 1, 1)
    kx = left + dy.shape[1] + 1
    grid(ax, rot, kx, top, title="w, rotated", fill=[[ORANGE if (a, b) in taps else SKY for b in range(fw)]
                                                     for a in range(fh)])
    for a, b in taps:
        outline(ax, kx + b, top + a, 1, 1)


def _draw_full(ax, full, real, inside, r0, c0, kernel, x0, y0):
    """The spread, padded dy: inserted zeros pale and ringed, padding hatched, the window outlined."""
    (hf, wf), (fh, fw) = full.shape, kernel
    window = np.zeros_like(real)
    window[r0:r0 + fh, c0:c0 + fw] = True
    inserted = inside & ~real
    fill = [[ORANGE if real[a, b] and window[a, b] else (_INSERTED if inserted[a, b] else None)
             for b in range(wf)] for a in range(hf)]
    grid(ax, full, x0, y0, pad=(fh - 1, fw - 1), fill=fill)
    ringed(ax, inserted, x0, y0)
    outline(ax, x0 + c0, y0 + r0, fw, fh, lw=3.0)


def _draw_dxbar(ax, dxbar, g, r0, c0, x0, y0):
    """The padded input's gradient: the padding's ring shaded (not hatched: its numbers stay legible), dx outlined."""
    rows, cols = dxbar.shape
    fill = [[ORANGE if (a, b) == (r0, c0) else (None if g.ph <= a < g.ph + g.h and g.pw <= b < g.pw + g.w else GREY)
             for b in range(cols)] for a in range(rows)]
    grid(ax, dxbar, x0, y0, fill=fill)
    outline(ax, x0 + g.pw, y0 + g.ph, g.w, g.h, lw=2.5, linestyle="--")
    outline(ax, x0 + c0, y0 + r0, 1, 1)


def full_correlation_figure(dy, w, stride=2, padding=1, x_shape=(5, 5), pixel=(1, 1)):
    """dx as a "full" correlation: dy dilated by the stride, padded with F - 1 zeros, against w rotated by 180°.

    Top row: dy and the rotated kernel. Middle: dy with ``stride - 1`` zeros
    between its entries (filled pale and ringed in blue), padded with F - 1 zeros
    (hatched), and the window that gives ``dx[pixel]`` outlined. Bottom: the full
    correlation, the padded input's gradient; its outer P rows and columns
    (shaded) belong to the padding and are cropped, leaving dx, whose entry at
    ``pixel`` is outlined.

    Parameters
    ----------
    dy : array_like, shape (Hout, Wout)
    w : array_like, shape (FH, FW)
    stride, padding : int
    x_shape : (H, W)
    pixel : (row, column) in x
    """
    dy, w = np.asarray(dy, dtype=float), np.asarray(w, dtype=float)
    g, full, real, inside, rot, dxbar = _full_correlation(dy, w, stride, padding, x_shape)
    top_w = dy.shape[1] + 1 + w.shape[1]
    width = max(full.shape[1], top_w, dxbar.shape[1])
    cell = min(CELL_IN, ROOM_IN / width)
    head, mid, low = _full_correlation_titles(g, stride, full, dxbar, pixel, width * cell)
    r0, c0 = pixel[0] + g.ph, pixel[1] + g.pw
    top = caption_height(head, cell) + line(cell)
    y_mid = top + max(dy.shape[0], w.shape[0]) + 0.5 + len(mid) * line(cell) + 0.15
    y_low = y_mid + full.shape[0] + 0.5 + len(low) * line(cell) + 0.15
    fig, ax = sheet(width, y_low + dxbar.shape[0], cell)
    caption(ax, head, width / 2, 0, cell)
    _draw_dy_and_kernel(ax, dy, rot, g, r0, c0, real, (width - top_w) / 2, top)
    caption(ax, mid, width / 2, y_mid - 0.15 - len(mid) * line(cell), cell)
    _draw_full(ax, full, real, inside, r0, c0, w.shape, (width - full.shape[1]) / 2, y_mid)
    caption(ax, low, width / 2, y_low - 0.15 - len(low) * line(cell), cell)
    _draw_dxbar(ax, dxbar, g, r0, c0, (width - dxbar.shape[1]) / 2, y_low)
    return fig


def weight_gradient_figure(x, dy, stride=2, padding=1, offset=(1, 1)):
    """dw[u, v] as the padded input correlated with dy dilated by the stride.

    Above, the padded input (padding hatched) with the cells that dw[u, v]
    reads, x̄[iS + u, jS + v], filled and outlined and the dilated dy's span
    dashed; below, dy dilated by the stride (the "kernel" of this correlation,
    its inserted zeros ringed in blue) and the whole dw with entry (u, v)
    outlined.

    Parameters
    ----------
    x : array_like, shape (H, W)
    dy : array_like, shape (Hout, Wout)
    stride, padding : int
    offset : (u, v)
    """
    x, dy = np.asarray(x, dtype=float), np.asarray(dy, dtype=float)
    hd, wd = (dy.shape[0] - 1) * stride + 1, (dy.shape[1] - 1) * stride + 1
    fh, fw = x.shape[0] + 2 * padding - hd + 1, x.shape[1] + 2 * padding - wd + 1
    g = _check(x.shape, (fh, fw), stride, padding)
    if dy.shape != (g.ho, g.wo):
        raise ValueError(f"dy of shape {dy.shape} fits no kernel on this input with stride {stride}")
    dw = conv2d_backward(dy[None, None], x[None, None], np.zeros((1, 1, fh, fw)), stride, padding, "loops")[1][0, 0]
    xp = np.pad(x, padding)
    u, v = offset
    hp, wp = xp.shape
    read = {(i * stride + u, j * stride + v) for i in range(g.ho) for j in range(g.wo)}
    width = max(wp, wd + 1 + fw)
    cell = min(CELL_IN, ROOM_IN / width)
    terms = " + ".join(f"{dy[i, j]:g}·{xp[i * stride + u, j * stride + v]:g}" for i in range(g.ho)
                       for j in range(g.wo))
    lines = wrap(f"dw[{u},\u00a0{v}] = {terms} = {dw[u, v]:g}".replace(" + ", " +\u00a0"), width * cell)
    top = caption_height(lines, cell) + line(cell)
    below = top + hp + 0.5 + 2 * line(cell)
    fig, ax = sheet(width, below + max(hd, fh), cell)
    caption(ax, lines, width / 2, 0, cell)
    x0 = (width - wp) / 2
    grid(ax, xp, x0, top, title=f"input, padded ({hp}×{wp})" if padding else f"input ({hp}×{wp})",
         pad=(padding, padding), fill=[[ORANGE if (a, b) in read else None for b in range(wp)] for a in range(hp)])
    for a, b in read:
        outline(ax, x0 + b, top + a, 1, 1)
    outline(ax, x0 + v, top + u, wd, hd, lw=2.0, linestyle="--", color=VERMILION)
    spread = spread_by_stride(dy, stride)
    ins = ~spread_by_stride(np.ones(dy.shape, dtype=bool), stride)
    left = (width - (wd + 1 + fw)) / 2
    grid(ax, spread, left, below, title=f"dy, dilated by {stride}" if stride > 1 else "dy",
         fill=[[_INSERTED if ins[a, b] else SKY for b in range(wd)] for a in range(hd)])
    ringed(ax, ins, left, below)
    grid(ax, dw, left + wd + 1, below, title="dw", fill=[[ORANGE if (a, b) == (u, v) else None for b in range(fw)]
                                                         for a in range(fh)])
    outline(ax, left + wd + 1 + v, below + u, 1, 1)
    return fig
