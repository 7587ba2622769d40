"""Chapter 4, backprop (``notebooks/04_backprop.ipynb``): dL/dx in 1-D, then a 2-D backward pass."""
from __future__ import annotations

import numpy as np

from .. import conv1d_backward, conv2d_backward, corr2d
from .base import _call, _compare, _dilated, _forbids, _pair, _rng, _run

__all__ = ["check_conv1d_dx", "check_conv2d_backward"]


@_forbids("conv1d_backward")
def check_conv1d_dx(fn, stride=1):
    """``fn(dout, x, w)``: dL/dx of the valid 1-D correlation y_i = sum_a w_a x_(i*stride+a)."""

    def body():
        rng = _rng(1)
        cases = [(5, 3), (6, 2), (4, 4), (7, 1)] if stride == 1 else [(5, 3), (7, 3), (9, 1), (6, 2)]
        for length, f in cases:
            x, w = rng.standard_normal(length), rng.standard_normal(f)
            dout = rng.standard_normal((length - f) // stride + 1)
            case = f"x of length {length}, w of length {f}, stride {stride}"
            want = conv1d_backward(dout, x, w, stride)[0]
            hints = [(np.correlate(np.pad(_dilated(dout, stride), f - 1), w, "valid"),
                      "w must be flipped: dx is the padded dout correlated with w[::-1]."),
                     (np.correlate(dout, w[::-1], "valid") if dout.size >= f else None,
                      "pad dout with F - 1 zeros at each end, so that dx has the length of x."),
                     (np.correlate(np.pad(dout, f - 1), w[::-1], "valid") if stride > 1 else None,
                      f"with stride {stride}, spread dout out first: {stride - 1} zero(s) between its entries.")]
            _compare(_call(fn, case, dout.copy(), x.copy(), w.copy()), want, case, hints)
        return len(cases)

    return _run(f"dL/dx in 1-D{', stride %d' % stride if stride > 1 else ''}", body)


@_forbids("conv2d_backward", "Conv2D.backward")
def check_conv2d_backward(fn):
    """``fn(dout, x, w, padding)`` -> (dx, dw) for one channel, one kernel, stride 1."""

    def body():
        rng = _rng(6)
        cases = [((3, 3), (2, 2), 0), ((4, 5), (2, 3), 1), ((5, 4), (3, 3), 1)]
        for xs, ks, p in cases:
            x, w = rng.standard_normal(xs), rng.standard_normal(ks)
            ho, wo = xs[0] - ks[0] + 2 * p + 1, xs[1] - ks[1] + 2 * p + 1
            dout = rng.standard_normal((ho, wo))
            case = f"x.shape={xs}, w.shape={ks}, padding={p}"
            dx, dw, _ = conv2d_backward(dout[None, None], x[None, None], w[None, None], 1, p)
            got = _call(fn, case, dout.copy(), x.copy(), w.copy(), p)
            _pair(got, case, "(dx, dw)")
            unflipped = corr2d(np.pad(dout, ((ks[0] - 1,) * 2, (ks[1] - 1,) * 2)), w)
            unflipped = unflipped[p:p + xs[0], p:p + xs[1]] if unflipped.shape[0] >= xs[0] + p else None
            _compare(got[0], dx[0, 0], case + ", dx",
                     [(unflipped, "correlate the padded dout with the kernel rotated by 180°: w[::-1, ::-1]")])
            _compare(got[1], dw[0, 0], case + ", dw",
                     [(dw[0, 0][::-1, ::-1], "dw is x (padded) correlated with dout; no flip there")])
        return len(cases)

    return _run("2-D backward", body)
