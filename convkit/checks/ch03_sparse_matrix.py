"""Chapter 3, W* (``notebooks/03_sparse_matrix.ipynb``): exercises 3.1 and 3.2, the matrix W*."""
from __future__ import annotations

import numpy as np

from .. import conv_matrix
from .base import _call, _compare, _forbids, _hand_answer, _rng, _run

__all__ = ["check_conv_matrix"]


@_hand_answer("3.1", "row 2 of W*")
def _answer_3_1():
    w = np.array([[1, 2], [3, 4]])
    return conv_matrix(w, (3, 3))[2], [
        (conv_matrix(w, (3, 3))[1], "that is row 1; rows count from 0 in reading order: y00, y01, y10")]


@_hand_answer("3.2", "((rows, columns, non-zeros) without padding, the same with padding 1)")
def _answer_3_2():
    w5 = conv_matrix(np.ones((2, 2)), (4, 4), 1, 1)
    return ((9, 16, 36), (w5.shape[0], w5.shape[1], int(np.count_nonzero(w5)))), [
        (((9, 16, 36), (25, 36, 100)), "W* multiplies the *unpadded* input: padding adds no columns, and windows on "
                                       "the padding lose their non-zeros there")]


@_forbids("conv_matrix", "conv_matrix_pattern")
def check_conv_matrix(fn):
    """``fn(w, input_shape)``: W* for stride 1, no padding, rows and columns in reading order."""

    def body():
        rng = _rng(5)
        cases = [(np.array([[1.0, 2.0], [3.0, 4.0]]), (3, 3)), (rng.integers(1, 5, (2, 3)).astype(float), (3, 4)),
                 (rng.integers(1, 5, (3, 1)).astype(float), (4, 2))]
        for w, shape in cases:
            case = f"w.shape={w.shape}, input_shape={shape}"
            want = conv_matrix(w, shape)
            col_major = conv_matrix(w.T, shape[::-1])  # everything read column by column
            hints = [(col_major if col_major.shape == want.shape else None,
                      "read rows and columns in reading order: row by row, left to right"),
                     (want.T, "one row per *output* (Hout*Wout rows), one column per input pixel")]
            _compare(_call(fn, case, w.copy(), shape), want, case, hints)
        return len(cases)

    return _run("W*", body)
