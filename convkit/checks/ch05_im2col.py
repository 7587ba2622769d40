"""Chapter 5, im2col (``notebooks/05_im2col.ipynb``): exercise 5.1, im2col and col2im on one channel."""
from __future__ import annotations

import numpy as np

from .. import col2im, im2col
from .base import _call, _compare, _forbids, _hand_answer, _rng, _run

__all__ = ["check_im2col", "check_col2im"]


@_hand_answer("5.1", "((rows, columns), size ratio to x)")
def _answer_5_1():
    return ((27, 128), 9.0), [
        (((27, 2 * 64), 27 * 128 / (3 * 64)), "the ratio compares with all of x: N*C*H*W entries")]


def _ref_im2col(x, fh, fw, stride):
    return im2col(np.asarray(x, float)[None, None], fh, fw, stride)


@_forbids("im2col")
def check_im2col(fn):
    """``fn(x, fh, fw, stride)`` for one channel, no padding: (fh*fw, Hout*Wout) columns."""

    def body():
        rng = _rng(2)
        cases = [(np.arange(16.0).reshape(4, 4), 2, 2, 1), (np.arange(25.0).reshape(5, 5), 3, 3, 2),
                 (rng.integers(0, 9, (5, 7)).astype(float), 3, 1, 2),
                 (rng.integers(0, 9, (4, 6)).astype(float), 2, 3, 1)]
        for x, fh, fw, s in cases:
            case = f"x.shape={x.shape}, window {fh}x{fw}, stride {s}"
            want = _ref_im2col(x, fh, fw, s)
            hints = [(want.T, "rows and columns are swapped: one *column* per window, one row per window entry."),
                     (_ref_im2col(x, fh, fw, 1) if s > 1 else None,
                      f"the stride is ignored: with stride {s} the window moves {s} cells at a time."),
                     (_ref_im2col(x, fw, fh, s) if fh != fw and (x.shape[0] - fw) % s == 0
                      and (x.shape[1] - fh) % s == 0 else None,
                      "height and width of the window are swapped: rows use fh, columns use fw.")]
            _compare(_call(fn, case, x.copy(), fh, fw, s), want, case, hints)
        return len(cases)

    return _run("im2col", body)


@_forbids("col2im")
def check_col2im(fn):
    """``fn(cols, x_shape, fh, fw, stride)`` for one channel, no padding: the adjoint of im2col."""

    def body():
        rng = _rng(3)
        cases = [((3, 3), 2, 2, 1), ((5, 5), 3, 3, 2), ((4, 6), 2, 3, 1), ((6, 6), 2, 2, 2)]
        for shape, fh, fw, s in cases:
            ho, wo = (shape[0] - fh) // s + 1, (shape[1] - fw) // s + 1
            cols = rng.integers(-3, 4, (fh * fw, ho * wo)).astype(float)
            case = f"x_shape={shape}, window {fh}x{fw}, stride {s}"
            want = col2im(cols, (1, 1, *shape), fh, fw, s)[0, 0]
            assigned = np.zeros(shape)  # the common bug: = instead of +=
            for c in range(ho * wo):
                i, j = divmod(c, wo)
                assigned[i * s : i * s + fh, j * s : j * s + fw] = cols[:, c].reshape(fh, fw)
            hints = [(assigned, "overlapping windows must add up (+=): col2im is the adjoint of im2col, "
                                "not its inverse.")]
            _compare(_call(fn, case, cols.copy(), shape, fh, fw, s), want, case, hints)
        return len(cases)

    return _run("col2im", body)
