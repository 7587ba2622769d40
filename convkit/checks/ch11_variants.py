"""Chapter 11, variants (``notebooks/11_variants.ipynb``): the receptive field, a separable layer's cost, FFT correlation."""
from __future__ import annotations

import numpy as np

from .. import corr2d
from .base import _call, _compare, _forbids, _NotYet, _rng, _run, _show

__all__ = ["check_receptive_field", "check_separable_cost", "check_fft_corr2d"]


def _field(layers, strides=True, dilations=True, own_stride=False):
    """The receptive field of a stack of (F, S, D) layers by the recurrence, with switches for the usual slips."""
    r, jump = 1, 1
    for f, s, d in layers:
        if own_stride:
            jump *= s
        r += (f - 1) * (d if dilations else 1) * (jump if strides else 1)
        if not own_stride:
            jump *= s
    return r


def check_receptive_field(fn):
    """``fn(layers)``: the receptive field R of the last layer's output, one side, for ``layers`` a list of
    (F, S, D) tuples (kernel size, stride, dilation), first layer first. Checked against the recurrence
    ``R_l = R_{l-1} + (F_l - 1) D_l S_1 ... S_{l-1}``, ``R_0 = 1``."""

    def body():
        rng = _rng(111)
        cases = [[(3, 1, 1)], [(3, 1, 1), (3, 1, 1)], [(3, 2, 1), (3, 1, 1)], [(3, 1, 2), (3, 1, 4)],
                 [(7, 2, 1), (3, 2, 1), (3, 1, 1)]]
        for _ in range(4):
            depth = int(rng.integers(2, 6))
            cases.append([(int(rng.integers(1, 4)) * 2 + 1, int(rng.integers(1, 3)), int(rng.integers(1, 3)))
                          for _ in range(depth)])
        for layers in cases:
            case = f"layers={layers}"
            got = _call(fn, case, [tuple(layer) for layer in layers])
            want = _field(layers)
            if got != want:
                hints = [(_field(layers, strides=False), "the strides of the earlier layers multiply each step: "
                                                        "R grows by (F - 1) D S_1 ... S_(l-1)"),
                         (_field(layers, own_stride=True), "a layer's own stride does not widen its field; "
                                                           "only the strides before it do"),
                         (_field(layers, dilations=False), "a dilated kernel spans D(F - 1) + 1 cells: "
                                                           "multiply (F - 1) by D")]
                hint = next((f" Hint: {advice}." for wrong, advice in hints if got == wrong), "")
                raise _NotYet(f"{case}: expected R = {want}, got {got!r}.{hint}")
        return len(cases)

    return _run("receptive field", body)


def _separable(c, k, f, ho, wo):
    """(parameters, multiply-adds) of a depthwise F x F layer then a pointwise 1 x 1 one, biases included."""
    return c * f * f + c + c * k + k, ho * wo * (c * f * f + c * k)


def check_separable_cost(fn):
    """``fn(C, K, F, Hout, Wout)``: (parameters, multiply-adds) of a depthwise-separable layer for one image.

    A depthwise F x F convolution (``groups=C``: one filter per channel, with a bias each) followed by a
    pointwise 1 x 1 convolution from C channels to K (with K biases), both with output Hout x Wout.
    Multiply-adds count every product of the forward pass; a bias is a parameter, not a multiply-add.
    """

    def body():
        rng = _rng(112)
        cases = [(3, 4, 3, 5, 5), (32, 64, 3, 112, 112), (64, 128, 5, 28, 28), (16, 16, 1, 7, 7)]
        cases += [tuple(int(v) for v in rng.integers([1, 1, 1, 1, 1], [65, 129, 8, 60, 60])) for _ in range(3)]
        for c, k, f, ho, wo in cases:
            case = f"C={c}, K={k}, F={f}, Hout={ho}, Wout={wo}"
            got = _call(fn, case, c, k, f, ho, wo)
            try:
                got = tuple(int(v) for v in got)
            except (TypeError, ValueError):
                raise _NotYet(f"{case}: return a pair (parameters, multiply_adds); got {got!r}") from None
            want = _separable(c, k, f, ho, wo)
            if got != want:
                hints = [((k * (c * f * f + 1), ho * wo * k * c * f * f), "that is the standard layer's cost"),
                         ((c * f * f + c * k, want[1]), "each of the two layers has biases: C and K of them"),
                         ((c * c * f * f + c + c * k + k, ho * wo * (c * c * f * f + c * k)),
                          "a depthwise filter reads one channel: its weights are (C, 1, F, F), not (C, C, F, F)")]
                hint = next((f" Hint: {advice}." for wrong, advice in hints if got == wrong), "")
                raise _NotYet(f"{case}: expected (parameters, multiply_adds) = ({want[0]:,}, {want[1]:,}), "
                              f"got ({got[0]:,}, {got[1]:,}).{hint}")
        return len(cases)

    return _run("depthwise-separable cost", body)


@_forbids("corr2d", "conv2d", "methods.fft.forward")
def check_fft_corr2d(fn):
    """``fn(x, w)``: the valid correlation of one channel x (H, W) with a kernel w (FH, FW) through the 2-D
    FFT, shape (H - FH + 1, W - FW + 1). Checked against :func:`convkit.corr2d`."""

    def body():
        rng = _rng(113)
        x0 = np.arange(16.0).reshape(4, 4)
        w0 = np.array([[1.0, 2.0], [0.0, -1.0]])
        cases = [(x0, w0)] + [(rng.standard_normal(s), rng.standard_normal(f))
                              for s, f in (((6, 7), (3, 3)), ((9, 8), (5, 2)), ((5, 5), (1, 4)))]
        for x, w in cases:
            case = f"x.shape={x.shape}, w.shape={w.shape}" if x is not x0 else f"x={_show(x)}, w={_show(w)}"
            want = corr2d(x, w)
            got = _call(fn, case, x.copy(), w.copy())
            _compare(got, want, case, [
                (corr2d(x, w[::-1, ::-1]), "that is a convolution (w flipped): correlation multiplies by the "
                                           "conjugate of w's spectrum"),
                (np.real(np.fft.irfft2(np.fft.rfft2(x) * np.conj(np.fft.rfft2(w, s=x.shape)), s=x.shape)),
                 "keep only the valid outputs, the first H - FH + 1 rows and W - FW + 1 columns: the others "
                 "wrapped around the edge")])
        return len(cases)

    return _run("FFT correlation", body)
