"""Chapter 8, dilation and transposed convolutions (``notebooks/08_dilation_transposed.ipynb``)."""
from __future__ import annotations

import numpy as np

from .. import conv2d_backward, conv_transpose2d, output_size
from .base import _call, _check_sizes, _compare, _forbids, _rng, _run

__all__ = ["check_dilated_output_size", "check_conv_transpose", "check_conv2d_dx"]


@_forbids("output_size", "transposed_output_size")
def check_dilated_output_size(fn):
    """``fn(n, f, stride, padding, dilation)`` returns the output size, or raises ValueError when it is not whole."""
    whole = [(7, 3, 1, 0, 2), (32, 3, 1, 2, 2), (10, 3, 3, 2, 2), (5, 1, 1, 0, 4), (28, 5, 1, 4, 2), (10, 2, 2, 0, 3)]
    hints = [(lambda n, f, s, p, d: (n + 2 * p - d * f) // s + 1,
              "F taps with D - 1 gaps between them span D(F - 1) + 1 cells, not D*F."),
             (lambda n, f, s, p, d: (n + 2 * p - f) // s + 1,
              "dilation spreads the taps out: the window spans D(F - 1) + 1 cells, not F."),
             (lambda n, f, s, p, d: (n + p - d * (f - 1) - 1) // s + 1, "padding goes on both sides: 2P, not P.")]
    return _run("dilated output size", lambda: _check_sizes(fn, whole, [(8, 3, 2, 0, 2), (7, 2, 2, 0, 3)],
                                                            "(n + 2P - D(F - 1) - 1)/S + 1", hints))


def _stamps(y, w, stride, dilation=1, accumulate=True):
    """Each y[i, j] stamps y[i, j] * w (taps ``dilation`` apart) at (i*stride, j*stride), on an unpadded canvas."""
    (hy, wy), (fh, fw) = y.shape, w.shape
    out = np.zeros(((hy - 1) * stride + dilation * (fh - 1) + 1, (wy - 1) * stride + dilation * (fw - 1) + 1))
    for i in range(hy):
        for j in range(wy):
            rows = slice(i * stride, i * stride + dilation * (fh - 1) + 1, dilation)
            cols = slice(j * stride, j * stride + dilation * (fw - 1) + 1, dilation)
            if accumulate:
                out[rows, cols] += y[i, j] * w
            else:
                out[rows, cols] = y[i, j] * w
    return out


@_forbids("conv_transpose2d", "conv_transpose2d_backward", "conv2d_backward", "Conv2D.backward")
def check_conv_transpose(fn):
    """``fn(y, w, stride)``: the transposed convolution of one channel, no padding: every y[i, j] stamps y[i, j]*w."""

    def body():
        rng = _rng(8)
        cases = [(np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([[1.0, 2.0], [3.0, 4.0]]), 1),
                 (rng.integers(-3, 4, (2, 3)).astype(float), rng.integers(-2, 3, (3, 3)).astype(float), 2),
                 (rng.integers(-3, 4, (3, 2)).astype(float), rng.integers(-2, 3, (2, 3)).astype(float), 1),
                 (rng.integers(-3, 4, (2, 2)).astype(float), rng.integers(-2, 3, (2, 2)).astype(float), 3)]
        for y, w, s in cases:
            case = f"y.shape={y.shape}, w.shape={w.shape}, stride {s}"
            want = conv_transpose2d(y[None, None], w[None, None], stride=s)[0, 0]
            hints = [(_stamps(y, w, s, accumulate=False) if s < w.shape[0] or s < w.shape[1] else None,
                      "where stamps overlap they add up (+=): the transposed convolution sums every stamp that "
                      "reaches a cell"),
                     (_stamps(y, w[::-1, ::-1], s), "no flip: y[i, j] stamps y[i, j] * w as it is"),
                     (_stamps(y, w, 1) if s > 1 else None,
                      f"with stride {s} the stamps sit {s} cells apart: the output is (Hy - 1)*S + FH tall")]
            _compare(_call(fn, case, y.copy(), w.copy(), s), want, case, hints)
        return len(cases)

    return _run("transposed convolution", body)


def _on_canvas(a, shape):
    """``a`` pasted at the top-left of zeros of ``shape`` (cut where it is larger)."""
    out = np.zeros(shape)
    h, w = min(a.shape[0], shape[0]), min(a.shape[1], shape[1])
    out[:h, :w] = a[:h, :w]
    return out


@_forbids("conv2d_backward", "conv_transpose2d", "Conv2D.backward")
def check_conv2d_dx(fn):
    """``fn(dout, w, x_shape, stride, padding, dilation)``: dL/dx of a one-channel conv2d, by stamps.

    The forward may have floored its output size (``drop_last=True``): dx always has ``x_shape``.
    """

    def body():
        rng = _rng(9)
        cases = [((5, 5), (2, 2), 1, 0, 2), ((6, 7), (3, 2), 2, 1, 1), ((7, 6), (3, 3), 1, 2, 2),
                 ((8, 8), (3, 3), 2, 1, 2), ((9, 6), (2, 3), 3, 1, 2)]
        for xs, ks, s, p, d in cases:
            w = rng.integers(-2, 3, ks).astype(float)
            ho, wo = (output_size(n, f, s, p, d, drop_last=True) for n, f in zip(xs, ks))
            dout = rng.integers(-3, 4, (ho, wo)).astype(float)
            case = f"x_shape={xs}, w.shape={ks}, stride={s}, padding={p}, dilation={d}"
            want = conv2d_backward(dout[None, None], np.zeros((1, 1, *xs)), w[None, None], s, p, dilation=d,
                                   drop_last=True)[0][0, 0]
            padded = (xs[0] + 2 * p, xs[1] + 2 * p)
            crop = (slice(p, p + xs[0]), slice(p, p + xs[1]))
            stamps = _stamps(dout, w, s, d)  # on the padded canvas, short of the rows no window reached
            short = stamps[p:stamps.shape[0] - p, p:stamps.shape[1] - p]  # cropped, but not sized as x
            hints = [(_on_canvas(stamps, padded) if p else None,
                      "crop P rows and columns from every side: the padding is not part of x"),
                     (_on_canvas(_stamps(dout, w, s), padded)[crop] if d > 1 else None,
                      f"the stamps are of the dilated kernel: tap (u, v) lands {d}*u rows and {d}*v columns from "
                      f"the window's corner"),
                     (_on_canvas(_stamps(dout, w, s, d, accumulate=False), padded)[crop],
                      "where stamps overlap they add up (+=)"),
                     (short if short.shape != want.shape else None,
                      "dx has x's shape: the rows and columns no window reached (the forward floored) get zero "
                      "gradient")]
            _compare(_call(fn, case, dout.copy(), w.copy(), xs, s, p, d), want, case, hints)
        return len(cases)

    return _run("conv2d's dx, dilated", body)
