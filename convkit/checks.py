"""Checks for the exercises: run a student's function on small cases and say what to fix.

Each ``check_*`` takes the student's function, runs it on a few cases against
convkit's own implementation, and returns a :class:`CheckResult` that a
notebook displays as one short message:

* ``correct: ...`` when every case agrees;
* ``not yet: ...`` when the function is still the ``raise NotImplementedError``
  stub, raises, returns the wrong shape or dtype, or a wrong value: with the
  case (shapes, stride, padding), expected versus got on a small example, and a
  hint when the mistake is a common one (no flip, assignment instead of +=,
  stride ignored, rows and columns swapped).

A check never lets an exception from the student's code escape as a traceback.

**Grading.** While nbgrader runs a notebook (``nbgrader autograde`` and
``nbgrader validate`` set the environment variable ``NBGRADER_EXECUTION``), a
check that is not passed raises :class:`NotYetError` with the same message
instead of returning it: nbgrader gives a graded cell its points only when the
cell does not raise (and a passed check prints its message instead of returning it, since
nbgrader would read a returned value as a score). In Jupyter, a student sees the message, not a
traceback.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .conv1d import conv1d_backward
from .conv2d import conv2d_backward
from .corr import corr2d
from .geometry import output_size
from .im2col import col2im, im2col
from .messages import message_html
from .conv_matrix import conv_matrix

__all__ = ["CheckResult", "NotYetError", "check_answer", "check_output_size", "check_corr2d", "check_flip", "check_conv_matrix",
           "check_conv1d_dx", "check_conv2d_backward", "check_im2col", "check_col2im"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check: truthy when correct; displays as its message.

    As plain text (a terminal, nbgrader, tests) it is the message itself. In Jupyter, Colab and the
    book it is the same words as HTML that wraps like prose, so that a phone shows the whole sentence
    without scrolling sideways: a coloured "correct" or "not yet" mark, then the rest
    (:mod:`convkit.messages`).
    """

    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return self.message

    __str__ = __repr__

    def _repr_html_(self):
        lead = "correct" if self.passed else "not yet"
        if not self.message.startswith(lead):  # every check's message does: keep any other whole
            lead = ""
        return message_html(lead, self.message[len(lead):], self.passed)


class NotYetError(AssertionError):
    """A check not passed while nbgrader grades: the cell fails and scores 0 (see the module doc)."""


def _finish(result: CheckResult) -> CheckResult | None:
    """Return ``result``; while nbgrader grades, raise it if not passed, print it if passed.

    nbgrader reads a graded cell's displayed value as its score and warns about any value that
    is not a number, so while it grades a passed check prints its message and returns None.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        if not result.passed:
            raise NotYetError(result.message)
        print(result.message)
        return None
    return result


class _NotYet(Exception):
    """Raised inside a check to stop at the first failing case with its message."""


def _show(a):
    a = np.asarray(a)
    return np.array2string(a, precision=4, suppress_small=True, max_line_width=100) if a.size <= 60 else \
        f"an array of shape {a.shape}"


def _call(fn, case, *args, expected=()):
    """``fn(*args)``, with any exception turned into feedback; an ``expected`` one is returned instead."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise _NotYet("the function still raises NotImplementedError: replace the stub with your code") from None
    except expected as exc:
        return exc
    except Exception as exc:  # the student's bug, reported, not re-raised
        raise _NotYet(f"{case}: your function raised {type(exc).__name__}: {exc}") from None


def _compare(got, want, case, hints=()):
    """Shape, dtype and values of ``got`` against ``want``; hints are (wrong answer, advice) pairs."""
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise _NotYet(f"{case}: expected an array of numbers, got {type(got).__name__}") from None
    want = np.asarray(want, dtype=float)
    if got_arr.shape != want.shape:
        for wrong, advice in hints:
            if wrong is not None and np.shape(wrong) == got_arr.shape and np.allclose(got_arr, wrong):
                raise _NotYet(f"{case}: expected shape {want.shape}, got {got_arr.shape}. Hint: {advice}")
        raise _NotYet(f"{case}: expected shape {want.shape}, got shape {got_arr.shape}")
    if not np.allclose(got_arr, want, rtol=1e-7, atol=1e-9):
        message = f"{case}: wrong values.\nexpected:\n{_show(want)}\ngot:\n{_show(got_arr)}"
        for wrong, advice in hints:
            if wrong is not None and np.shape(wrong) == want.shape and np.allclose(got_arr, wrong):
                message += f"\nHint: {advice}"
                break
        raise _NotYet(message)


def _run(name, body):
    try:
        n = body()
    except _NotYet as why:
        return _finish(CheckResult(False, f"not yet ({name}): {why}"))
    return _finish(CheckResult(True, f"correct ({name}): all {n} cases agree with convkit"))


def _answers():
    """Exercise -> (expected answer, what it is, hints), all computed with convkit."""
    x9 = np.arange(1, 10).reshape(3, 3)
    x16 = np.arange(1, 17).reshape(4, 4)
    w = np.array([[1, 2], [3, 4]])
    pairs = [(s, p) for s in range(1, 5) for p in range(4)
             if (64 - 4 + 2 * p) % s == 0 and (64 - 4 + 2 * p) // s + 1 == 32]
    w5 = conv_matrix(np.ones((2, 2)), (4, 4), 1, 1)
    return {
        "1.1": (corr2d(x9, [[0, 1], [1, 0]]), "the 2x2 output",
                [(corr2d(x9, [[0, 1], [1, 0]]).T, "rows and columns swapped")]),
        "1.2": (((3, 3), corr2d(x16, w)[1, 2]), "(output shape, output[1, 2])",
                [(((3, 3), corr2d(x16, w)[2, 1]), "that is output[2, 1]: row 1, column 2 means window rows 1-2, "
                                                  "columns 2-3")]),
        "2.1": ((output_size(28, 5), output_size(28, 5, 1, 2)), "(no padding, padding 2)",
                [((28 - 5, 28 - 5 + 4), "you forgot the + 1: windows *start* at 0 .. n + 2P - f")]),
        "2.3": ((pairs, 8 * 3 * 4 * 4 + 8), "(list of (stride, padding) pairs, parameter count)",
                [((pairs, 8 * 3 * 4 * 4), "each of the 8 filters has a bias too")]),
        "3.1": (conv_matrix(w, (3, 3))[2], "row 2 of W*",
                [(conv_matrix(w, (3, 3))[1], "that is row 1; rows count from 0 in reading order: y00, y01, y10")]),
        "3.2": (((9, 16, 36), (w5.shape[0], w5.shape[1], int(np.count_nonzero(w5)))),
                "((rows, columns, non-zeros) without padding, the same with padding 1)",
                [(((9, 16, 36), (25, 36, 100)), "W* multiplies the *unpadded* input: padding adds no columns, "
                                                 "and windows on the padding lose their non-zeros there")]),
        "5.1": (((27, 128), 9.0), "((rows, columns), size ratio to x)",
                [(((27, 2 * 64), 27 * 128 / (3 * 64)), "the ratio compares with all of x: N*C*H*W entries")]),
        "10.1": (_winograd_count(), "(direct multiplications, Winograd's)",
                 [(_winograd_count()[::-1], "direct needs more: 9 per output and input channel and filter"),
                  ((_winograd_count()[0], 56 * 56 * 16 * 64 * 64), "a tile holds 2x2 outputs: 28 x 28 tiles, not "
                                                                   "56 x 56"),
                  ((_winograd_count()[0], 28 * 28 * 36 * 64 * 64), "36 is what direct correlation spends on a 2x2 "
                                                                   "tile; Winograd spends 16"),
                  ((56 * 56 * 9, 28 * 28 * 16), "count every input channel and every filter: times C*K")]),
    }


def check_answer(exercise, answer):
    """An answer worked out by hand for exercise ``exercise`` (e.g. ``"2.1"``): a value, or a function returning it."""
    table = _answers()
    if exercise not in table:
        return _finish(CheckResult(False, f"not yet: no exercise {exercise!r}; choose one of {sorted(table)}"))
    want, what, hints = table[exercise]
    if callable(answer):
        try:
            answer = _call(answer, f"exercise {exercise}")
        except _NotYet as why:
            return _finish(CheckResult(False, f"not yet (exercise {exercise}): {why}"))
    if answer is None or answer is ...:
        return _finish(CheckResult(False, f"not yet (exercise {exercise}): replace the ... with {what}"))

    def same(a, b):
        try:
            if isinstance(b, (tuple, list)) and not isinstance(b, np.ndarray) and len(b) and \
                    isinstance(b[0], (tuple, list, np.ndarray)):
                return len(a) == len(b) and all(same(u, v) for u, v in zip(a, b))
            return np.shape(a) == np.shape(b) and np.allclose(np.asarray(a, float), np.asarray(b, float))
        except (TypeError, ValueError):
            return False

    if same(answer, want):
        return _finish(CheckResult(True, f"correct (exercise {exercise})"))
    for wrong, advice in hints:
        if same(answer, wrong):
            return _finish(CheckResult(False, f"not yet (exercise {exercise}): {what} is not {answer!r}. "
                                              f"Hint: {advice}."))
    return _finish(CheckResult(False, f"not yet (exercise {exercise}): {what} is not {answer!r}; "
                                      f"check each step again."))


def check_output_size(fn):
    """``fn(n, f, stride, padding)`` returns the output size, or raises ValueError when it is not whole."""

    def body():
        cases = [(3, 2, 1, 0), (4, 2, 1, 1), (32, 3, 1, 1), (227, 11, 4, 0), (7, 3, 2, 0), (28, 5, 1, 2)]
        for n, f, s, p in cases:
            case = f"n={n}, f={f}, stride={s}, padding={p}"
            got = _call(fn, case, n, f, s, p)
            want = output_size(n, f, s, p)
            if got != want:
                hint = ""
                if got == (n - f) // s + 1:
                    hint = " Hint: the padding adds 2P to n, one P on each side."
                elif got == (n - f + p) // s + 1:
                    hint = " Hint: padding goes on both sides: 2P, not P."
                raise _NotYet(f"{case}: expected {want}, got {got!r}.{hint}")
        for n, f, s, p in [(6, 3, 2, 0), (5, 2, 2, 0)]:
            case = f"n={n}, f={f}, stride={s}, padding={p} (not a whole number)"
            got = _call(fn, case, n, f, s, p, expected=(ValueError,))
            if isinstance(got, ValueError):
                continue
            raise _NotYet(f"{case}: (n - f + 2P)/S + 1 = {(n - f + 2 * p) / s + 1:g} is not whole; returning "
                          f"{got!r} silently drops part of the input. Raise a ValueError instead.")
        return len(cases) + 2

    return _run("output size", body)


def check_corr2d(fn):
    """``fn(x, w)``: valid 2-D cross-correlation of one channel with the kernel ``w``."""

    def body():
        rng = np.random.default_rng(0)
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


def check_conv1d_dx(fn, stride=1):
    """``fn(dout, x, w)``: dL/dx of the valid 1-D correlation y_i = sum_a w_a x_(i*stride+a)."""

    def body():
        rng = np.random.default_rng(1)
        cases = [(5, 3), (6, 2), (4, 4), (7, 1)] if stride == 1 else [(5, 3), (7, 3), (9, 1), (6, 2)]
        for length, f in cases:
            x, w = rng.standard_normal(length), rng.standard_normal(f)
            dout = rng.standard_normal((length - f) // stride + 1)
            case = f"x of length {length}, w of length {f}, stride {stride}"
            want = conv1d_backward(dout, x, w, stride)[0]
            spread = np.zeros((dout.size - 1) * stride + 1)
            spread[::stride] = dout
            hints = [(np.correlate(np.pad(spread, f - 1), w, "valid"),
                      "w must be flipped: dx is the padded dout correlated with w[::-1]."),
                     (np.correlate(dout, w[::-1], "valid") if dout.size >= f else None,
                      "pad dout with F - 1 zeros at each end, so that dx has the length of x."),
                     (np.correlate(np.pad(dout, f - 1), w[::-1], "valid") if stride > 1 else None,
                      f"with stride {stride}, spread dout out first: {stride - 1} zero(s) between its entries.")]
            _compare(_call(fn, case, dout.copy(), x.copy(), w.copy()), want, case, hints)
        return len(cases)

    return _run(f"dL/dx in 1-D{', stride %d' % stride if stride > 1 else ''}", body)


def check_flip(fn):
    """``fn(w)`` returns w' with corr2d(x, w') equal to the true convolution of x with w."""

    def body():
        rng = np.random.default_rng(4)
        for shape in [(2, 2), (2, 3), (3, 1)]:
            w = rng.integers(-4, 5, shape).astype(float)
            case = f"a {shape[0]}x{shape[1]} kernel"
            hints = [(w[::-1], "flip left-right as well as upside down (a 180° rotation)"),
                     (w[:, ::-1], "flip upside down as well as left-right (a 180° rotation)"),
                     (w.T, "a transpose is not a flip: rotate by 180°")]
            _compare(_call(fn, case, w.copy()), w[::-1, ::-1], case, hints)
        return 3

    return _run("kernel flip", body)


def check_conv_matrix(fn):
    """``fn(w, input_shape)``: W* for stride 1, no padding, rows and columns in reading order."""

    def body():
        rng = np.random.default_rng(5)
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


def check_conv2d_backward(fn):
    """``fn(dout, x, w, padding)`` -> (dx, dw) for one channel, one kernel, stride 1."""

    def body():
        rng = np.random.default_rng(6)
        cases = [((3, 3), (2, 2), 0), ((4, 5), (2, 3), 1), ((5, 4), (3, 3), 1)]
        for xs, ks, p in cases:
            x, w = rng.standard_normal(xs), rng.standard_normal(ks)
            ho, wo = xs[0] - ks[0] + 2 * p + 1, xs[1] - ks[1] + 2 * p + 1
            dout = rng.standard_normal((ho, wo))
            case = f"x.shape={xs}, w.shape={ks}, padding={p}"
            dx, dw, _ = conv2d_backward(dout[None, None], x[None, None], w[None, None], 1, p)
            got = _call(fn, case, dout.copy(), x.copy(), w.copy(), p)
            if not isinstance(got, tuple) or len(got) != 2:
                raise _NotYet(f"{case}: return a pair (dx, dw); got {type(got).__name__}")
            unflipped = corr2d(np.pad(dout, ((ks[0] - 1,) * 2, (ks[1] - 1,) * 2)), w)
            unflipped = unflipped[p:p + xs[0], p:p + xs[1]] if unflipped.shape[0] >= xs[0] + p else None
            _compare(got[0], dx[0, 0], case + ", dx",
                     [(unflipped, "correlate the padded dout with the kernel rotated by 180°: w[::-1, ::-1]")])
            _compare(got[1], dw[0, 0], case + ", dw",
                     [(dw[0, 0][::-1, ::-1], "dw is x (padded) correlated with dout; no flip there")])
        return len(cases)

    return _run("2-D backward", body)


def _ref_im2col(x, fh, fw, stride):
    return im2col(np.asarray(x, float)[None, None], fh, fw, stride)


def check_im2col(fn):
    """``fn(x, fh, fw, stride)`` for one channel, no padding: (fh*fw, Hout*Wout) columns."""

    def body():
        rng = np.random.default_rng(2)
        cases = [(np.arange(16.0).reshape(4, 4), 2, 2, 1), (np.arange(25.0).reshape(5, 5), 3, 3, 2),
                 (rng.integers(0, 9, (5, 7)).astype(float), 3, 1, 2), (rng.integers(0, 9, (4, 6)).astype(float), 2, 3, 1)]
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


def check_col2im(fn):
    """``fn(cols, x_shape, fh, fw, stride)`` for one channel, no padding: the adjoint of im2col."""

    def body():
        rng = np.random.default_rng(3)
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


# Chapter 8: dilation and the transposed convolution.

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


def check_dilated_output_size(fn):
    """``fn(n, f, stride, padding, dilation)`` returns the output size, or raises ValueError when it is not whole."""

    def body():
        cases = [(7, 3, 1, 0, 2), (32, 3, 1, 2, 2), (10, 3, 3, 2, 2), (5, 1, 1, 0, 4), (28, 5, 1, 4, 2),
                 (10, 2, 2, 0, 3)]
        for n, f, s, p, d in cases:
            case = f"n={n}, f={f}, stride={s}, padding={p}, dilation={d}"
            got = _call(fn, case, n, f, s, p, d)
            want = output_size(n, f, s, p, d)
            if got != want:
                hint = ""
                if got == (n + 2 * p - d * f) // s + 1:
                    hint = " Hint: F taps with D - 1 gaps between them span D(F - 1) + 1 cells, not D*F."
                elif got == (n + 2 * p - f) // s + 1:
                    hint = " Hint: dilation spreads the taps out: the window spans D(F - 1) + 1 cells, not F."
                elif got == (n + p - d * (f - 1) - 1) // s + 1:
                    hint = " Hint: padding goes on both sides: 2P, not P."
                raise _NotYet(f"{case}: expected {want}, got {got!r}.{hint}")
        for n, f, s, p, d in [(8, 3, 2, 0, 2), (7, 2, 2, 0, 3)]:
            case = f"n={n}, f={f}, stride={s}, padding={p}, dilation={d} (not a whole number)"
            got = _call(fn, case, n, f, s, p, d, expected=(ValueError,))
            if isinstance(got, ValueError):
                continue
            raise _NotYet(f"{case}: (n + 2P - D(F - 1) - 1)/S + 1 = {(n + 2 * p - d * (f - 1) - 1) / s + 1:g} is "
                          f"not whole; returning {got!r} silently drops part of the input. Raise a ValueError instead.")
        return len(cases) + 2

    return _run("dilated output size", body)


def check_conv_transpose(fn):
    """``fn(y, w, stride)``: the transposed convolution of one channel, no padding: every y[i, j] stamps y[i, j]*w."""
    from .transposed import conv_transpose2d

    def body():
        rng = np.random.default_rng(8)
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


def check_conv2d_dx(fn):
    """``fn(dout, w, x_shape, stride, padding, dilation)``: dL/dx of a one-channel conv2d, by stamps.

    The forward may have floored its output size (``drop_last=True``): dx always has ``x_shape``.
    """

    def body():
        rng = np.random.default_rng(9)
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


__all__ += ["check_dilated_output_size", "check_conv_transpose", "check_conv2d_dx"]
# --- Chapter 9: the layers around the convolution -------------------------------------------------

__all__ += ["check_relu_backward", "check_maxpool_backward", "check_softmax_cross_entropy"]


def check_relu_backward(fn):
    """``fn(dout, x)``: dL/dx of ReLU, out = max(x, 0), given dL/dout (any shape)."""
    from .nn import ReLU

    def body():
        rng = np.random.default_rng(9)
        cases = [np.array([-2.0, -0.5, 0.0, 0.5, 2.0]), rng.integers(-2, 3, (3, 4)) * 0.5,
                 rng.standard_normal((2, 1, 3, 3))]
        for x in cases:
            x[(0,) * x.ndim] = 0.0  # an exact 0 in every case: the kink
            dout = rng.integers(-3, 4, x.shape) + 0.25
            case = f"x.shape={x.shape}, x with an exact 0"
            relu = ReLU()
            relu.forward(x)
            hints = [(dout, "the gradient passes only where x > 0: set dx to 0 where x <= 0"),
                     (np.where(x >= 0, dout, 0), "at x = 0 the gradient is 0, as in PyTorch: use x > 0, not x >= 0"),
                     (np.where(dout > 0, dout, 0), "the mask comes from the forward's input x, not from dout"),
                     ((x > 0).astype(float), "multiply the mask by dout: dx = dout where x > 0")]
            _compare(_call(fn, case, dout.copy(), x.copy()), relu.backward(dout), case, hints)
        return len(cases)

    return _run("ReLU backward", body)


def check_maxpool_backward(fn):
    """``fn(dout, x, size)``: dL/dx of a size x size max pool with stride size on one channel x (H, W)."""
    from .nn import MaxPool2D

    def body():
        rng = np.random.default_rng(10)
        cases = [(np.array([[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 1.0], [0.0, 5.0, 6.0, 6.0], [1.0, 2.0, 6.0, 3.0]]), 2,
                  "the chapter's example (a tie in the last window)"),
                 (rng.integers(0, 3, (4, 6)).astype(float), 2, "small integers: many ties"),
                 (rng.standard_normal((6, 3)), 3, "3x3 windows"),
                 (rng.integers(0, 2, (6, 6)).astype(float), 3, "0s and 1s in 3x3 windows")]
        for x, size, what in cases:
            ho, wo = x.shape[0] // size, x.shape[1] // size
            dout = rng.integers(1, 9, (ho, wo)).astype(float)
            case = f"{what} (x.shape={x.shape}, size={size})"
            pool = MaxPool2D(size)
            pool.forward(x[None, None])
            want = pool.backward(dout[None, None])[0, 0]
            blocks = x.reshape(ho, size, wo, size)
            big = np.kron(dout, np.ones((size, size)))
            at_all_maxima = np.where(blocks == blocks.max(axis=(1, 3), keepdims=True), dout[:, None, :, None],
                                     0).reshape(x.shape)
            last = MaxPool2D(size)  # the last maximum in reading order: the first of the reversed input
            last.forward(x[::-1, ::-1][None, None].copy())
            at_last = last.backward(dout[::-1, ::-1][None, None])[0, 0][::-1, ::-1]
            hints = [(at_all_maxima, "on a tie only one entry gets the gradient: the first maximum in reading "
                                     "order (row by row), as in PyTorch"),
                     (at_last, "on a tie the *first* maximum in reading order gets the gradient, not the last "
                               "(use >, not >=, when you scan)"),
                     (big / size ** 2, "spreading dout evenly over the window is average pooling's backward; max "
                                       "pooling sends all of it to the maximum"),
                     (big, "only the maximum of each window gets dout; the others get 0"),
                     (dout if dout.shape != x.shape else None, "dx has the shape of x, not of the output")]
            _compare(_call(fn, case, dout.copy(), x.copy(), size), want, case, hints)
        return len(cases)

    return _run("max-pool backward", body)


def check_softmax_cross_entropy(fn):
    """``fn(logits, labels)`` -> (loss, dlogits): mean cross-entropy of softmax(logits) and its gradient."""
    from .nn import softmax_cross_entropy

    def body():
        rng = np.random.default_rng(11)
        cases = [(np.array([[2.0, 1.0, 0.1]]), np.array([0]), "one row, the chapter's example"),
                 (rng.standard_normal((4, 5)), rng.integers(0, 5, 4), "4 rows of 5 classes"),
                 (rng.standard_normal((3, 10)) * 1000, rng.integers(0, 10, 3), "logits near +-1000")]
        for z, labels, what in cases:
            case = f"{what} (logits.shape={z.shape})"
            loss, dz = softmax_cross_entropy(z, labels)
            with np.errstate(all="ignore"):  # an overflow is reported below, as a hint, not as warnings
                got = _call(fn, case, z.copy(), labels.copy())
            if not isinstance(got, tuple) or len(got) != 2:
                raise _NotYet(f"{case}: return a pair (loss, dlogits); got {type(got).__name__}")
            n = len(labels)
            if np.isnan(np.asarray(got[0], dtype=float)).any() or np.isnan(np.asarray(got[1], dtype=float)).any():
                raise _NotYet(f"{case}: got nan. Hint: exp(1000) overflows; subtract each row's maximum from "
                              f"the logits first (the softmax does not change)")
            p = dz * n
            p[np.arange(n), labels] += 1
            _compare(got[0], loss, case + ", loss",
                     [(loss * n if n > 1 else None, "the loss is the *mean* over the batch, not the sum")])
            _compare(got[1], dz, case + ", dlogits",
                     [(dz * n if n > 1 else None, "the loss is a mean over the N rows, so dlogits is divided by N"),
                      (p / n, "subtract 1 at each row's label: dlogits = (softmax - onehot) / N"),
                      (-dz, "the sign: dlogits = (softmax - onehot) / N, so the label's entry is negative")])
        return len(cases)

    return _run("softmax cross-entropy", body)


# Chapter 6: channels and filters.

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
    from .conv2d import conv2d

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
    if callable(answer):
        try:
            answer = _call(answer, name)
        except _NotYet as why:
            return _finish(CheckResult(False, f"not yet ({name}): {why}"))
    if answer is None or answer is ...:
        return _finish(CheckResult(False, f"not yet ({name}): replace the ... with the number y[1, 0, 1]"))
    try:
        got = float(answer)
    except (TypeError, ValueError):
        return _finish(CheckResult(False, f"not yet ({name}): y[1, 0, 1] is one number; got {answer!r}"))
    if got == y[k, i, j]:
        return _finish(CheckResult(True, f"correct ({name})"))
    for wrong, advice in hints:
        if got == wrong:
            return _finish(CheckResult(False, f"not yet ({name}): y[1, 0, 1] is not {got:g}. Hint: {advice}."))
    return _finish(CheckResult(False, f"not yet ({name}): y[1, 0, 1] is not {got:g}; write out the 8 products "
                                      f"(4 per channel) and add the bias."))


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
            case = f"x_shape={(n, c, h, wd)}, w_shape={(k, c, fh, fw)}, stride={s}, padding={p}"
            ho, wo = output_size(h, fh, s, p), output_size(wd, fw, s, p)
            want = (k * (c * fh * fw + 1), n * k * ho * wo * c * fh * fw)
            got = _call(fn, case, (n, c, h, wd), (k, c, fh, fw), s, p)
            try:
                got = tuple(int(v) for v in got)
            except (TypeError, ValueError):
                raise _NotYet(f"{case}: return a pair (parameters, multiply_adds); got {got!r}") from None
            if len(got) != 2:
                raise _NotYet(f"{case}: return a pair (parameters, multiply_adds); got {len(got)} numbers")
            if got == want:
                continue
            params, madds = got
            hint = ""
            if params != want[0]:
                if params == k * c * fh * fw:
                    hint = "each filter has a bias too: K(C*FH*FW + 1)"
                elif params == k * (fh * fw + 1) or params == k * fh * fw:
                    hint = "each filter has a FH x FW slice for every one of the C input channels"
                elif params == k * (c * fh * fh + 1) and fh != fw:
                    hint = "the kernel is FH x FW, not square"
            elif madds == 2 * want[1]:
                hint = "count multiply-adds, not FLOPs: one product added to a sum is one multiply-add"
            elif madds == want[1] // n and n > 1:
                hint = f"that is one image; the batch has N = {n}"
            elif madds == n * k * h * wd * c * fh * fw:
                hint = f"there are Hout*Wout = {ho}*{wo} outputs per map, not H*W: use the stride and padding"
            elif madds == n * k * ho * wo * fh * fw:
                hint = "each output sums over the channels too: C*FH*FW products"
            elif madds == n * k * ho * wo * (c * fh * fw + 1):
                hint = "the bias is added, not multiplied: C*FH*FW multiply-adds per output"
            raise _NotYet(f"{case}: expected (parameters, multiply_adds) = ({want[0]:,}, {want[1]:,}), got "
                          f"({params:,}, {madds:,}).{' Hint: ' + hint + '.' if hint else ''}")
        return len(cases)

    return _run("layer cost", body)


def check_conv2d_forward(fn):
    """``fn(x, w, b, stride, padding)``: the forward pass of a layer, x (N, C, H, W) -> (N, K, Hout, Wout)."""
    from .conv2d import conv2d

    def body():
        rng = np.random.default_rng(12)
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


__all__ += ["exercise_6_1_layer", "check_channel_output", "check_layer_cost", "check_conv2d_forward"]


# Chapter 7: the 2-D backward pass, derived; the layer, built by the reader.

def _dilated(a, stride):
    """``a`` (..., H, W) with ``stride - 1`` zeros between neighbouring entries of its last two axes."""
    a = np.asarray(a, dtype=float)
    out = np.zeros((*a.shape[:-2], (a.shape[-2] - 1) * stride + 1, (a.shape[-1] - 1) * stride + 1))
    out[..., ::stride, ::stride] = a
    return out


def _raises_the_same(message, mistake):
    """Whether running ``mistake()`` raises a ValueError whose text is in ``message`` (a student's error)."""
    try:
        mistake()
    except ValueError as exc:
        return str(exc) in message
    return False


def _which(message, mistakes):
    """": advice" for every (mistake, advice) whose mistake fails as the student's code did ("" for none)."""
    found = [advice for mistake, advice in mistakes if _raises_the_same(message, mistake)]
    return (": " + "; or ".join(found)) if found else ""


def _dw_by_correlation(dout, x, w_shape, stride, padding, dilate=True, pad=True, batch=True, rotate=False):
    """dw of a layer as the padded input correlated with the dilated dy, with switches for the usual mistakes.

    Accumulated with ``+=`` into zeros of ``w_shape``, as a student's loop would (a mistake that changes the
    correlation's size then broadcasts or fails the same way); None where that fails.
    """
    try:
        return _dw_loop(dout, x, w_shape, stride, padding, dilate, pad, batch, rotate)
    except ValueError:
        return None


def _dw_loop(dout, x, w_shape, stride, padding, dilate=True, pad=True, batch=True, rotate=False):
    xbar = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))) if pad else x
    dw = np.zeros(w_shape)
    for n in range(x.shape[0] if batch else 1):
        for k in range(w_shape[0]):
            d = _dilated(dout[n, k], stride) if dilate else np.asarray(dout[n, k], dtype=float)
            for c in range(w_shape[1]):
                dw[k, c] += corr2d(xbar[n, c], d[::-1, ::-1] if rotate else d)
    return dw


def check_layer_dw_db(fn):
    """``fn(dout, x, w_shape, stride, padding)`` -> (dw, db) of a whole layer, dw by correlation with the dilated dy."""

    def body():
        rng = np.random.default_rng(12)
        cases = [((1, 1, 5, 5), (1, 1, 3, 3), 2, 1), ((2, 3, 4, 5), (2, 3, 2, 3), 1, 1),
                 ((2, 2, 7, 6), (3, 2, 3, 2), 2, 0), ((3, 2, 6, 6), (2, 2, 2, 2), 3, 1)]
        for xs, ws, s, p in cases:
            x = rng.integers(-2, 3, xs).astype(float)
            ho, wo = output_size(xs[2], ws[2], s, p), output_size(xs[3], ws[3], s, p)
            dout = rng.integers(-2, 3, (xs[0], ws[0], ho, wo)).astype(float)
            case = f"x.shape={xs}, w_shape={ws}, stride={s}, padding={p}"
            _, want_dw, want_db = conv2d_backward(dout, x, np.zeros(ws), s, p, "loops")
            try:
                got = _call(fn, case, dout.copy(), x.copy(), ws, s, p)
            except _NotYet as why:
                if "broadcast" in str(why):  # a correlation of the wrong size, added into dw
                    hint = f"x̄ ({xs[2] + 2 * p} rows, padded) correlated with dy dilated by the stride " \
                           f"({(ho - 1) * s + 1} rows) has {ws[2]} rows, one per kernel row"
                    hint += _which(str(why), [
                        (lambda: _dw_loop(dout, x, ws, s, p, dilate=False),
                         f"dilate dy first ({s - 1} zero(s) between neighbouring entries)"),
                        (lambda: _dw_loop(dout, x, ws, s, p, pad=False), f"pad x with {p} zero(s) on every side first")])
                    raise _NotYet(f"{str(why).rstrip()}. Hint: {hint}") from None
                raise
            if not isinstance(got, tuple) or len(got) != 2:
                raise _NotYet(f"{case}: return a pair (dw, db); got {type(got).__name__}")
            _compare(got[0], want_dw, f"{case}, dw", [
                (_dw_by_correlation(dout, x, ws, s, p, dilate=False) if s > 1 else None,
                 f"dilate dy first ({s - 1} zero(s) between neighbouring entries): output (i, j) read "
                 f"x̄[{s}i + u, {s}j + v], so the dy 'kernel' has its taps {s} apart"),
                (_dw_by_correlation(dout, x, ws, s, p, pad=False) if p else None,
                 f"pad x with {p} zero(s) on every side first: the windows slid over the padded input"),
                (_dw_by_correlation(dout, x, ws, s, p, batch=False) if xs[0] > 1 else None,
                 "add over the batch: every image's windows used the same weights"),
                (_dw_by_correlation(dout, x, ws, s, p, rotate=True),
                 "no rotation in dw: it is x̄ correlated with the dilated dy as it is")])
            _compare(got[1], want_db, f"{case}, db", [
                (dout.sum(axis=(2, 3)), "db has one entry per filter: sum dout over the batch and both spatial axes, "
                                        "axis=(0, 2, 3)"),
                (dout.sum(axis=0), "db has one entry per filter: sum dout over the batch and both spatial axes, "
                                   "axis=(0, 2, 3)")])
        return len(cases)

    return _run("a layer's dw and db", body)


def _recipe_dx(dout, w, x_shape, stride, padding, rotate=True, dilate=True, crop=True, all_filters=True):
    """dx of a layer by the chapter's recipe, with switches for the usual mistakes.

    Accumulated with ``+=`` into zeros of the padded input's shape, as a student's loop would; None where a
    mistake makes that fail.
    """
    try:
        dxbar = _dx_loop(dout, w, x_shape, stride, padding, rotate, dilate, all_filters)
    except ValueError:
        return None
    n_img, c_n, h, wd = x_shape
    return dxbar[:, :, padding:padding + h, padding:padding + wd] if crop else dxbar


def _dx_loop(dout, w, x_shape, stride, padding, rotate=True, dilate=True, all_filters=True, full_pad=True):
    """The padded input's gradient, accumulated as a student's loop would."""
    n_img, c_n, h, wd = x_shape
    fh, fw = w.shape[2:]
    ph, pw = (fh - 1, fw - 1) if full_pad else (padding, padding)
    dxbar = np.zeros((n_img, c_n, h + 2 * padding, wd + 2 * padding))
    for n in range(n_img):
        for k in range(w.shape[0]) if all_filters else range(1):
            d = _dilated(dout[n, k], stride) if dilate else np.asarray(dout[n, k], dtype=float)
            full = np.pad(d, ((ph, ph), (pw, pw)))
            for c in range(c_n):
                dxbar[n, c] += corr2d(full, w[k, c][::-1, ::-1] if rotate else w[k, c])
    return dxbar


def check_layer_dx(fn):
    """``fn(dout, w, x_shape, stride, padding)``: dx (N, C, H, W) of a whole layer by the full correlation."""

    def body():
        rng = np.random.default_rng(13)
        cases = [((1, 1, 5, 5), (1, 1, 3, 3), 2, 1), ((2, 3, 4, 5), (2, 3, 2, 3), 1, 1),
                 ((2, 2, 7, 6), (3, 2, 3, 2), 2, 0), ((1, 2, 6, 6), (2, 2, 2, 2), 3, 1)]
        for xs, ws, s, p in cases:
            w = rng.integers(-2, 3, ws).astype(float)
            ho, wo = output_size(xs[2], ws[2], s, p), output_size(xs[3], ws[3], s, p)
            dout = rng.integers(-2, 3, (xs[0], ws[0], ho, wo)).astype(float)
            case = f"x_shape={xs}, w.shape={ws}, stride={s}, padding={p}"
            want = conv2d_backward(dout, np.zeros(xs), w, s, p, "loops")[0]
            hints = [(_recipe_dx(dout, w, xs, s, p, rotate=False),
                      "rotate each kernel slice w[k, c] by 180° (w[k, c][::-1, ::-1]): a pixel reaches output (i, j) "
                      "through tap (r - iS, q - jS), so the sum runs over the kernel backwards"),
                     (_recipe_dx(dout, w, xs, s, p, dilate=False) if s > 1 else None,
                      f"dilate dy first ({s - 1} zero(s) between neighbouring entries): with stride {s} the windows' "
                      f"corners sit {s} apart"),
                     (_recipe_dx(dout, w, xs, s, p, crop=False) if p else None,
                      f"crop {p} row(s) and column(s) from every side: the padding is not part of x"),
                     (_recipe_dx(dout, w, xs, s, p, all_filters=False) if ws[0] > 1 else None,
                      "sum over the filters k: every filter sends gradient back to every input channel")]
            try:
                got = _call(fn, case, dout.copy(), w.copy(), xs, s, p)
            except _NotYet as why:
                if "broadcast" in str(why):  # a correlation of the wrong size, added into dx
                    hint = f"dy dilated by the stride ({(ho - 1) * s + 1} rows) and padded with F - 1 = {ws[2] - 1} " \
                           f"zeros on each side, correlated with the {ws[2]}-row kernel, has {xs[2] + 2 * p} rows, " \
                           f"as many as the padded input"
                    hint += _which(str(why), [
                        (lambda: _dx_loop(dout, w, xs, s, p, dilate=False),
                         f"dilate dy first ({s - 1} zero(s) between neighbouring entries)"),
                        (lambda: _dx_loop(dout, w, xs, s, p, full_pad=False),
                         "pad the dilated dy with F - 1 zeros (the full correlation), not with P")])
                    raise _NotYet(f"{str(why).rstrip()}. Hint: {hint}") from None
                raise
            _compare(got, want, case, hints)
        return len(cases)

    return _run("a layer's dx", body)


def _layer_mistakes(x, W, b, s, p, dout):
    """What the usual slips in an im2col layer give: {name: (out, dx, dW, db)}, each None where it has no value."""
    n, _, h, wd = x.shape
    k, _, fh, fw = W.shape
    ho, wo = output_size(h, fh, s, p), output_size(wd, fw, s, p)
    cols = im2col(x, fh, fw, s, p)
    w_row = W.reshape(k, -1)
    prod = w_row @ cols
    right_mat = dout.transpose(1, 0, 2, 3).reshape(k, -1)
    flat_mat = dout.reshape(k, -1)  # K not moved to the front first
    return {
        "out, not transposed": (prod + b[:, None]).reshape(n, k, ho, wo),
        "out, no bias": prod.reshape(k, n, ho, wo).transpose(1, 0, 2, 3),
        "dout, not transposed": (col2im(w_row.T @ flat_mat, x.shape, fh, fw, s, p),
                                 (flat_mat @ cols.T).reshape(W.shape)),
        "dW, not reshaped": (right_mat @ cols.T),
    }


def check_conv_layer(cls):
    """``cls(W, b, stride, padding)``: a layer whose ``forward(x)`` returns y and ``backward(dout)`` returns dx.

    ``backward`` also sets ``self.dW`` and ``self.db``, as :class:`convkit.Conv2D`. The check compares
    the layer with ``Conv2D.from_weights`` and runs a gradient check of its backward against numerical
    gradients of its own forward.
    """
    from .gradcheck import GRADIENT_CHECK_TOL, numerical_gradient, rel_error
    from .conv2d import Conv2D

    def body():
        rng = np.random.default_rng(14)
        cases = [((2, 3, 5, 5), (4, 3, 3, 3), 1, 1), ((2, 2, 7, 6), (3, 2, 3, 2), 2, 1),
                 ((3, 1, 4, 4), (2, 1, 2, 2), 2, 0)]
        for xs, ws, s, p in cases:
            x, W, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
            case = f"x.shape={xs}, W.shape={ws}, stride={s}, padding={p}"
            ref = Conv2D.from_weights(W.copy(), b.copy(), s, p, method="loops")
            want = ref.forward(x)
            dout = rng.standard_normal(want.shape)
            want_dx = ref.backward(dout)
            slips = _layer_mistakes(x, W, b, s, p, dout)

            layer = _call(cls, f"{case}: creating the layer", W.copy(), b.copy(), s, p)
            for name in ("forward", "backward"):
                if not callable(getattr(layer, name, None)):
                    raise _NotYet(f"{case}: the layer has no method {name}(); write forward(self, x) and "
                                  f"backward(self, dout)")
            out = _call(layer.forward, f"{case}, forward", x.copy())
            _compare(out, want, f"{case}, forward", [
                (slips["out, not transposed"], "w_row @ cols is (K, N·Hout·Wout): reshape it to (K, N, Hout, Wout), "
                                               "then move K after N: .transpose(1, 0, 2, 3)"),
                (slips["out, no bias"], "add the bias: b[k] goes onto every output of filter k (b[:, None] on the "
                                        "product)")])
            dx = _call(layer.backward, f"{case}, backward", dout.copy())
            if dx is None:
                raise _NotYet(f"{case}: backward(dout) returned None; return dx, the gradient for the layer below")
            for name in ("dW", "db"):
                if getattr(layer, name, None) is None:
                    raise _NotYet(f"{case}: after backward(dout), layer.{name} is not set; backward must store "
                                  f"self.dW and self.db, as Conv2D does (an optimiser reads them there)")
            wrong_dx, wrong_dw = slips["dout, not transposed"]
            transpose_hint = ("dout is (N, K, Hout, Wout): move K to the front (.transpose(1, 0, 2, 3)) before "
                              "reshaping it to (K, N·Hout·Wout), the layout of the forward's product")
            _compare(dx, want_dx, f"{case}, dx", [(wrong_dx, transpose_hint)])
            _compare(layer.dW, ref.dW, f"{case}, dW", [
                (wrong_dw, transpose_hint),
                (slips["dW, not reshaped"], "reshape dW to the shape of W, (K, C, FH, FW)")])
            _compare(layer.db, ref.db, f"{case}, db", [
                (dout.sum(axis=(2, 3)), "db has one entry per filter: sum dout over the batch and both spatial axes, "
                                        "axis=(0, 2, 3)"),
                (dout.sum(axis=0), "db has one entry per filter: sum dout over the batch and both spatial axes, "
                                   "axis=(0, 2, 3)")])
            # The gradient check the chapter teaches: the layer's backward against its own forward.
            fresh = _call(cls, f"{case}: creating the layer", W.copy(), b.copy(), s, p)
            num_dx = numerical_gradient(lambda v: np.asarray(fresh.forward(v), dtype=float), x.copy(), dout)
            num_dw = numerical_gradient(
                lambda v: np.asarray(cls(v, b.copy(), s, p).forward(x.copy()), dtype=float), W.copy(), dout)
            for what, got, num in (("dx", dx, num_dx), ("dW", layer.dW, num_dw)):
                err = rel_error(np.asarray(got, dtype=float), num)
                if not err < GRADIENT_CHECK_TOL:
                    raise _NotYet(f"{case}: gradient check of {what}: rel. error {err:.2g} >= "
                                  f"{GRADIENT_CHECK_TOL:.0e}".replace("e-0", "e-"))
        return len(cases)

    return _run("convolution layer: forward, backward, gradient check", body)


__all__ += ["check_layer_dw_db", "check_layer_dx", "check_conv_layer"]


# --- Chapter 10: Winograd ---------------------------------------------------------------------------------

def _winograd_count():
    """Exercise 10.1: (direct, Winograd) multiplications of a 3x3 layer, C = K = 64, 56x56 output, one image."""
    c = k = 64
    direct = 56 * 56 * c * k * 9
    return direct, (28 * 28) * 16 * c * k


class _Traced:
    """A number that remembers whether it came from the data d, the kernel w or both, and counts d x w products."""

    def __init__(self, value, deps, counter):
        self.value, self.deps, self.counter = value, frozenset(deps), counter

    @staticmethod
    def _parts(other):
        return (other.value, other.deps) if isinstance(other, _Traced) else (other, frozenset())

    def _new(self, value, deps):
        return _Traced(value, deps, self.counter)

    def __add__(self, other):
        v, d = self._parts(other)
        return self._new(self.value + v, self.deps | d)

    __radd__ = __add__

    def __sub__(self, other):
        v, d = self._parts(other)
        return self._new(self.value - v, self.deps | d)

    def __rsub__(self, other):
        v, d = self._parts(other)
        return self._new(v - self.value, self.deps | d)

    def __mul__(self, other):
        v, d = self._parts(other)
        if ("d" in self.deps and "g" in d) or ("g" in self.deps and "d" in d):
            self.counter[0] += 1
        return self._new(self.value * v, self.deps | d)

    __rmul__ = __mul__

    def __truediv__(self, other):
        v, d = self._parts(other)
        return self._new(self.value / v, self.deps | d)

    def __neg__(self):
        return self._new(-self.value, self.deps)

    def __pos__(self):
        return self

    # No __float__: np.asarray(d, float) or np.correlate would hide the products from the count.


def check_winograd_f23(fn):
    """``fn(d, w)``: F(2, 3), the two outputs of a 3-tap correlation over 4 inputs, with 4 multiplications.

    The outputs are checked against direct correlation; then ``fn`` runs on numbers that count
    every product of a data term with a kernel term (adding, subtracting and halving are free).
    """

    def body():
        rng = np.random.default_rng(10)
        cases = [(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 1.0, 3.0]))] + \
                [(rng.standard_normal(4), rng.standard_normal(3)) for _ in range(3)]
        for d, g in cases:
            case = f"d={_show(d)}, w={_show(g)}"
            want = np.array([d[0] * g[0] + d[1] * g[1] + d[2] * g[2], d[1] * g[0] + d[2] * g[1] + d[3] * g[2]])
            m1, m4 = (d[0] - d[2]) * g[0], (d[1] - d[3]) * g[2]
            m2, m3 = (d[1] + d[2]) * (g[0] + g[1] + g[2]), (d[2] - d[1]) * (g[0] - g[1] + g[2])
            got = _call(fn, case, d.copy(), g.copy())
            _compare(got, want, case, [
                (np.array([m1 + m2 + m3, m2 - m3 - m4]), "m2 and m3 each carry a factor 1/2: (w0 + w1 + w2)/2 and "
                                                        "(w0 - w1 + w2)/2"),
                (np.array([d[0] * g[2] + d[1] * g[1] + d[2] * g[0], d[1] * g[2] + d[2] * g[1] + d[3] * g[0]]),
                 "that is a convolution (w flipped): a layer correlates, y0 = d0 w0 + d1 w1 + d2 w2"),
                (want[::-1], "the two outputs are swapped: y0 comes from d0..d2, y1 from d1..d3")])
        counter = [0]
        d, g = cases[0]
        traced = (np.array([_Traced(v, "d", counter) for v in d], dtype=object),
                  np.array([_Traced(v, "g", counter) for v in g], dtype=object))
        try:
            out = fn(*traced)
            values = [float(v.value if isinstance(v, _Traced) else v) for v in out]
        except Exception:  # noqa: BLE001  (numbers that count cannot go everywhere floats go)
            raise _NotYet("the outputs are right, but your function could not run on numbers that count "
                          "multiplications: write it with d[0], d[1], ..., w[0], ... and + - * / only") from None
        if not np.allclose(values, [13.0, 19.0]):
            raise _NotYet("the outputs are right on floats but not on numbers that count: use + - * / only")
        if counter[0] > 4:
            raise _NotYet(f"right outputs, but {counter[0]} multiplications of a data term by a kernel term; "
                          f"F(2, 3) needs only 4: m1 = (d0 - d2) w0, m2 = (d1 + d2)(w0 + w1 + w2)/2, "
                          f"m3 = (d2 - d1)(w0 - w1 + w2)/2, m4 = (d1 - d3) w2")
        return len(cases) + 1

    return _run("F(2, 3) in <= 4 products", body)


def check_winograd_corr2d(fn):
    """``fn(x, w)``: the valid correlation of one channel x (H, W) with a 3x3 kernel w, H - 2 and W - 2 even,
    by 2x2 tiles and the nested transforms. Checked against :func:`convkit.corr2d`."""

    def body():
        rng = np.random.default_rng(11)
        shapes = [(4, 4), (6, 8), (10, 6)]
        x0 = np.arange(16.0).reshape(4, 4)
        g0 = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
        cases = [(x0, g0)] + [(rng.standard_normal(s), rng.standard_normal((3, 3))) for s in shapes[1:]]
        for x, g in cases:
            case = f"x.shape={x.shape}, w.shape=(3, 3)"
            want = corr2d(x, g)
            got = _call(fn, case, x.copy(), g.copy())
            _compare(got, want, case, [
                (corr2d(x, g[::-1, ::-1]), "that is a convolution (w flipped); the layer correlates"),
                (want.T if want.shape[0] == want.shape[1] else None, "rows and columns are swapped"),
                (corr2d(x, g.T), "w is transposed: U = G w G^T, with w as it is")])
        return len(cases)

    return _run("F(2x2, 3x3), tile by tile", body)


__all__ += ["check_winograd_f23", "check_winograd_corr2d"]
