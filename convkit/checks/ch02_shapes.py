"""Chapter 2, shapes (``notebooks/02_shapes.ipynb``): exercises 2.1 and 2.3, the output size."""
from __future__ import annotations

from .. import output_size
from .base import _check_sizes, _forbids, _hand_answer, _run

__all__ = ["check_output_size"]


@_hand_answer("2.1", "(no padding, padding 2)")
def _answer_2_1():
    return (output_size(28, 5), output_size(28, 5, 1, 2)), [
        ((28 - 5, 28 - 5 + 4), "you forgot the + 1: windows *start* at 0 .. n + 2P - f")]


@_forbids("output_size", "transposed_output_size")
def check_output_size(fn):
    """``fn(n, f, stride, padding)`` returns the output size, or raises ValueError when it is not whole."""
    whole = [(3, 2, 1, 0), (4, 2, 1, 1), (32, 3, 1, 1), (227, 11, 4, 0), (7, 3, 2, 0), (28, 5, 1, 2)]
    hints = [(lambda n, f, s, p: (n - f) // s + 1, "the padding adds 2P to n, one P on each side."),
             (lambda n, f, s, p: (n - f + p) // s + 1, "padding goes on both sides: 2P, not P.")]
    return _run("output size", lambda: _check_sizes(fn, whole, [(6, 3, 2, 0), (5, 2, 2, 0)], "(n - f + 2P)/S + 1",
                                                    hints))


@_hand_answer("2.3", "(list of (stride, padding) pairs, parameter count)")
def _answer_2_3():
    pairs = [(s, p) for s in range(1, 5) for p in range(4)
             if (64 - 4 + 2 * p) % s == 0 and (64 - 4 + 2 * p) // s + 1 == 32]
    return (pairs, 8 * 3 * 4 * 4 + 8), [((pairs, 8 * 3 * 4 * 4), "each of the 8 filters has a bias too")]
