"""Chapter 6, channels and filters (``notebooks/06_channels.ipynb``): exercise 6.1, a layer's cost, its forward."""
from __future__ import annotations

import operator

import numpy as np

from .. import conv2d, corr2d, output_size
from .base import _call, _compare, _forbids, _given, _judge, _match, _NotYet, _rng, _run

__all__ = ["exercise_6_1_layer", "check_channel_output", "check_layer_cost", "check_conv2d_forward"]


def exercise_6_1_layer():
    """The layer of exercise 6.1: x (C, H, W) = (2, 3, 3), w (K, C, FH, FW) = (2, 2, 2, 2), b (K,).

    The exercise asks for y[1, 0, 1] (stride 1, no padding), worked out by hand.
    """
    x = np.array([[[2, 2, 3], [2, 3, 3], [0, 0, 2]],
                  [[1, 2, 2], [1, 0, 2], [1, 3, 0]]])
    w = np.array([[[[1, 1], [0, -1]], [[0, 0], [2, 2]]],
                  [[[-1, 0], [1, 2]], [[-1, 2], [2, 2]]]])
    return x, w, np.array([-1, 2])


def check_channel_output(answer):
    """Exercise 6.1: ``answer`` (a number, or a function returning it) is y[1, 0, 1] of :func:`exercise_6_1_layer`."""
    x, w, b = exercise_6_1_layer()
    k, i, j = 1, 0, 1
    y = conv2d(x[None], w, b, method="loops")[0]
    flipped = conv2d(x[None], w[..., ::-1, ::-1], b, method="loops")[0]
    hints = [(y[k, i, j] - b[k], f"add the bias b[{k}] = {b[k]}: it is part of every output of map {k}"),
             (b[k] + corr2d(x[0], w[k, 0])[i, j], "the sum runs over both channels: add channel 1's window sum"),
             (b[k] + corr2d(x[1], w[k, 1])[i, j], "the sum runs over both channels: add channel 0's window sum"),
             (y[1 - k, i, j], f"that is map {1 - k}: y[{k}, ...] uses filter {k}, w[{k}]"),
             (y[k, j, i], f"rows and columns are swapped: y[k, i, j] reads rows i.. and columns j.., so rows 0-1 "
                          f"and columns 1-2 here"),
             (flipped[k, i, j], "no flip: w[k, c, u, v] multiplies x[c, i + u, j + v], the kernel as it is")]
    name = "exercise 6.1"

    def body():
        given = _given(answer, name, "the number y[1, 0, 1]")
        try:
            got = float(given)
        except (TypeError, ValueError):
            raise _NotYet(f"y[1, 0, 1] is one number; got {given!r}") from None
        _match(got, y[k, i, j], hints, operator.eq, f"y[1, 0, 1] is not {got:g}",
               "write out the 8 products (4 per channel) and add the bias.")
        return ""

    return _judge(name, body)


def _layer_cost_hint(got, x_shape, w_shape, ho, wo, want):
    """The advice for a wrong (parameters, multiply-adds) of a layer, "" when no usual mistake explains it."""
    params, madds = got
    (n, c, h, wd), (k, _, fh, fw) = x_shape, w_shape
    if params != want[0]:
        if params == k * c * fh * fw:
            return "each filter has a bias too: K(C*FH*FW + 1)"
        if params == k * (fh * fw + 1) or params == k * fh * fw:
            return "each filter has a FH x FW slice for every one of the C input channels"
        if params == k * (c * fh * fh + 1) and fh != fw:
            return "the kernel is FH x FW, not square"
        return ""
    for wrong, advice in [
            (2 * want[1], "count multiply-adds, not FLOPs: one product added to a sum is one multiply-add"),
            (want[1] // n if n > 1 else None, f"that is one image; the batch has N = {n}"),
            (n * k * h * wd * c * fh * fw,
             f"there are Hout*Wout = {ho}*{wo} outputs per map, not H*W: use the stride and padding"),
            (n * k * ho * wo * fh * fw, "each output sums over the channels too: C*FH*FW products"),
            (n * k * ho * wo * (c * fh * fw + 1),
             "the bias is added, not multiplied: C*FH*FW multiply-adds per output")]:
        if madds == wrong:
            return advice
    return ""


def check_layer_cost(fn):
    """``fn(x_shape, w_shape, stride, padding)`` returns (parameters, multiply-adds) of a conv2d layer.

    ``x_shape`` is (N, C, H, W), ``w_shape`` (K, C, FH, FW); stride and padding are ints. Multiply-adds
    count every product of the forward pass, padding included, for the whole batch; the bias is a
    parameter but not a multiply-add.
    """

    def body():
        cases = [((1, 3, 32, 32), (16, 3, 3, 3), 1, 1), ((8, 64, 56, 56), (64, 64, 3, 3), 1, 1),
                 ((2, 3, 7, 9), (4, 3, 3, 1), 2, 1), ((4, 16, 8, 8), (32, 16, 1, 1), 1, 0),
                 ((1, 1, 28, 28), (6, 1, 5, 5), 1, 0)]
        for (n, c, h, wd), (k, _, fh, fw), s, p in cases:
            x_shape, w_shape = (n, c, h, wd), (k, c, fh, fw)
            case = f"x_shape={x_shape}, w_shape={w_shape}, stride={s}, padding={p}"
            ho, wo = output_size(h, fh, s, p), output_size(wd, fw, s, p)
            want = (k * (c * fh * fw + 1), n * k * ho * wo * c * fh * fw)
            got = _call(fn, case, x_shape, w_shape, s, p)
            try:
                got = tuple(int(v) for v in got)
            except (TypeError, ValueError):
                raise _NotYet(f"{case}: return a pair (parameters, multiply_adds); got {got!r}") from None
            if len(got) != 2:
                raise _NotYet(f"{case}: return a pair (parameters, multiply_adds); got {len(got)} numbers")
            if got != want:
                hint = _layer_cost_hint(got, x_shape, w_shape, ho, wo, want)
                raise _NotYet(f"{case}: expected (parameters, multiply_adds) = ({want[0]:,}, {want[1]:,}), got "
                              f"({got[0]:,}, {got[1]:,}).{' Hint: ' + hint + '.' if hint else ''}")
        return len(cases)

    return _run("layer cost", body)


@_forbids("conv2d", "Conv2D.forward")
def check_conv2d_forward(fn):
    """``fn(x, w, b, stride, padding)``: the forward pass of a layer, x (N, C, H, W) -> (N, K, Hout, Wout)."""

    def body():
        rng = _rng(12)
        cases = [((1, 2, 3, 3), (2, 2, 2, 2), 1, 0), ((2, 3, 5, 4), (4, 3, 3, 2), 2, 1),
                 ((1, 3, 4, 6), (5, 3, 1, 1), 1, 0), ((2, 2, 6, 5), (3, 2, 2, 3), 2, 2)]
        for xs, ws, s, p in cases:
            x = rng.integers(-3, 4, xs).astype(float)
            w = rng.integers(-2, 3, ws).astype(float)
            b = rng.integers(-3, 4, ws[0]).astype(float)
            case = f"x.shape={xs}, w.shape={ws}, stride={s}, padding={p}"
            want = conv2d(x, w, b, s, p, "loops")
            first = conv2d(x[:, :1], w[:, :1], b, s, p, "loops")  # channel 0 only
            hints = [(want - b[:, None, None], "add the bias: b[k] is part of every output of map k"),
                     (first if xs[1] > 1 else None,
                      "sum over the channels too: each output adds the window sums of all C channels"),
                     (conv2d(x, w[..., ::-1, ::-1], b, s, p, "loops") if ws[2] * ws[3] > 1 else None,
                      "no flip: w[k, c, u, v] multiplies x[c, i*S + u, j*S + v], the kernel as it is"),
                     (want.transpose(0, 2, 3, 1), "the output's layout is (N, K, Hout, Wout): the filter axis "
                                                  "comes right after the batch axis"),
                     (conv2d(x, w, b, 1, p, "loops") if s > 1 else None,
                      f"use the stride: window (i, j) starts at row i*{s} and column j*{s}"),
                     (conv2d(x, w, b, s, 0, "loops") if p and (xs[2] - ws[2]) % s == 0 and (xs[3] - ws[3]) % s == 0
                      else None, f"pad x with {p} zero(s) on every side first")]
            _compare(_call(fn, case, x.copy(), w.copy(), b.copy(), s, p), want, case, hints)
        return len(cases)

    return _run("multi-channel forward", body)
