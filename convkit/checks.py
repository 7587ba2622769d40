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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conv1d import conv1d_backward
from .corr import corr2d
from .geometry import output_size
from .im2col import col2im, im2col

__all__ = ["CheckResult", "check_output_size", "check_corr2d", "check_conv1d_dx", "check_im2col",
           "check_col2im"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check: truthy when correct; displays as its message."""

    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return self.message

    __str__ = __repr__


class _NotYet(Exception):
    """Raised inside a check to stop at the first failing case with its message."""


def _show(a):
    a = np.asarray(a)
    return np.array2string(a, precision=4, suppress_small=True, max_line_width=100) if a.size <= 60 else \
        f"an array of shape {a.shape}"


def _call(fn, case, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise _NotYet("the function still raises NotImplementedError: replace the stub with your code") from None
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
        return CheckResult(False, f"not yet ({name}): {why}")
    return CheckResult(True, f"correct ({name}): all {n} cases agree with convkit")


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
            try:
                got = fn(n, f, s, p)
            except NotImplementedError:
                raise _NotYet("the function still raises NotImplementedError: replace the stub with your code") \
                    from None
            except ValueError:
                continue
            except Exception as exc:
                raise _NotYet(f"{case}: raise a ValueError, not {type(exc).__name__}") from None
            raise _NotYet(f"{case}: (n - f + 2P)/S + 1 = {(n - f + 2 * p) / s + 1:g} is not whole; returning "
                          f"{got!r} silently drops part of the input. Raise a ValueError instead.")
        return len(cases) + 2

    return _run("output size", body)


def check_corr2d(fn):
    """``fn(x, k)``: valid 2-D cross-correlation of one channel."""

    def body():
        rng = np.random.default_rng(0)
        cases = [(np.arange(1.0, 10.0).reshape(3, 3), np.array([[1.0, 2.0], [3.0, 4.0]]), "the worked example"),
                 (rng.integers(-3, 4, (4, 5)).astype(float), rng.integers(-2, 3, (2, 3)).astype(float),
                  "a 4x5 input with a 2x3 kernel"),
                 (rng.integers(-3, 4, (3, 3)).astype(float), np.array([[2.0]]), "a 1x1 kernel")]
        for x, k, what in cases:
            case = f"{what} (x.shape={x.shape}, k.shape={k.shape})"
            hints = [(corr2d(x, k[::-1, ::-1]), "you flipped the kernel: that is true convolution; deep-learning "
                                                "'convolution' slides the kernel as it is."),
                     (corr2d(x, k).T, "rows and columns are swapped: out[i, j] uses rows i.. and columns j..")]
            _compare(_call(fn, case, x.copy(), k.copy()), corr2d(x, k), case, hints)
        return len(cases)

    return _run("corr2d", body)


def check_conv1d_dx(fn):
    """``fn(dout, x, w)``: dL/dx of the valid, stride-1 1-D correlation y_i = sum_a w_a x_(i+a)."""

    def body():
        rng = np.random.default_rng(1)
        cases = [(5, 3), (6, 2), (4, 4), (7, 1)]
        for length, f in cases:
            x, w = rng.standard_normal(length), rng.standard_normal(f)
            dout = rng.standard_normal(length - f + 1)
            case = f"x of length {length}, w of length {f}"
            want = conv1d_backward(dout, x, w)[0]
            hints = [(np.correlate(np.pad(dout, f - 1), w, "valid"),
                      "w must be flipped: dx is the padded dout correlated with w[::-1]."),
                     (np.correlate(dout, w[::-1], "valid") if dout.size >= f else None,
                      "pad dout with F - 1 zeros at each end, so that dx has the length of x.")]
            _compare(_call(fn, case, dout.copy(), x.copy(), w.copy()), want, case, hints)
        return len(cases)

    return _run("dL/dx in 1-D", body)


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
