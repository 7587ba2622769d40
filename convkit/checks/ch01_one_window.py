"""Chapter 1, one window (``notebooks/01_one_window.ipynb``): exercises 1.1 and 1.2, the kernel flip."""
from __future__ import annotations

import numpy as np

from .. import corr2d
from .base import _call, _compare, _forbids, _hand_answer, _rng, _run

__all__ = ["check_flip", "check_corr2d"]


@_hand_answer("1.1", "the 2x2 output")
def _answer_1_1():
    x9 = np.arange(1, 10).reshape(3, 3)
    return corr2d(x9, [[0, 1], [1, 0]]), [(corr2d(x9, [[0, 1], [1, 0]]).T, "rows and columns swapped")]


@_hand_answer("1.2", "(output shape, output[1, 2])")
def _answer_1_2():
    x16, w = np.arange(1, 17).reshape(4, 4), np.array([[1, 2], [3, 4]])
    return ((3, 3), corr2d(x16, w)[1, 2]), [
        (((3, 3), corr2d(x16, w)[2, 1]), "that is output[2, 1]: row 1, column 2 means window rows 1-2, columns 2-3")]


def check_flip(fn):
    """``fn(w)`` returns w' with corr2d(x, w') equal to the true convolution of x with w."""

    def body():
        rng = _rng(4)
        for shape in [(2, 2), (2, 3), (3, 1)]:
            w = rng.integers(-4, 5, shape).astype(float)
            case = f"a {shape[0]}x{shape[1]} kernel"
            hints = [(w[::-1], "flip left-right as well as upside down (a 180° rotation)"),
                     (w[:, ::-1], "flip upside down as well as left-right (a 180° rotation)"),
                     (w.T, "a transpose is not a flip: rotate by 180°")]
            _compare(_call(fn, case, w.copy()), w[::-1, ::-1], case, hints)
        return 3

    return _run("kernel flip", body)


# No chapter calls it any more; kept because released courses' locked grading cells call every check_*.
@_forbids("corr2d", "conv2d")
def check_corr2d(fn):
    """``fn(x, w)``: valid 2-D cross-correlation of one channel with the kernel ``w``."""

    def body():
        rng = _rng(0)
        cases = [(np.arange(1.0, 10.0).reshape(3, 3), np.array([[1.0, 2.0], [3.0, 4.0]]), "the worked example"),
                 (rng.integers(-3, 4, (4, 5)).astype(float), rng.integers(-2, 3, (2, 3)).astype(float),
                  "a 4x5 input with a 2x3 kernel"),
                 (rng.integers(-3, 4, (3, 3)).astype(float), np.array([[2.0]]), "a 1x1 kernel")]
        for x, w, what in cases:
            case = f"{what} (x.shape={x.shape}, w.shape={w.shape})"
            hints = [(corr2d(x, w[::-1, ::-1]), "you flipped the kernel: that is true convolution; deep-learning "
                                                "'convolution' slides the kernel as it is."),
                     (corr2d(x, w).T, "rows and columns are swapped: out[i, j] uses rows i.. and columns j..")]
            _compare(_call(fn, case, x.copy(), w.copy()), corr2d(x, w), case, hints)
        return len(cases)

    return _run("corr2d", body)
