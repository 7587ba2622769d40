"""Numerical gradients and relative errors, for checking any backward pass (Chapter 4)."""
from __future__ import annotations

import numpy as np

from .errors import ConvArgumentError

__all__ = ["numerical_gradient", "rel_error", "gradient_check", "GRADIENT_CHECK_TOL"]

#: A float64 gradient check with h = 1e-5 passes below this relative error (Chapter 4 says why):
#: rounding puts a right gradient near 1e-11 to 1e-9, and a real bug near 1e-2 or above.
GRADIENT_CHECK_TOL = 1e-7


def numerical_gradient(f, x, dout, h=1e-5):
    """Centred-difference gradient of ``L(x) = sum(f(x) * dout)`` with respect to ``x``.

    Derived in Chapter 4 (``notebooks/04_backprop.ipynb``): the analytic
    backward pass given ``dout`` must agree with this, entry by entry.

    Parameters
    ----------
    f : callable
        Maps ``x`` to an array of the same shape as ``dout``.
    x : ndarray of float64, any shape
        The point; it is perturbed in place one entry at a time and restored.
    dout : array_like
        Upstream gradient (the weights of the sum).
    h : float, default 1e-5
        Step; the error of centred differences is O(h**2) plus rounding O(eps/h).

    Returns
    -------
    ndarray, same shape as ``x``
        ``(L(x + h e_i) - L(x - h e_i)) / (2h)`` for every entry i.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise ConvArgumentError(
            f"numerical_gradient needs x as a float64 ndarray (it perturbs x in place, and in "
            f"float32 a step of h={h} drowns in rounding); got {got}"
        )
    dout = np.asarray(dout, dtype=np.float64)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = np.sum(f(x) * dout)
        x[i] = old - h
        minus = np.sum(f(x) * dout)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def rel_error(a, b):
    """Relative error ``||a - b|| / (||a|| + ||b||)`` (0 when both are zero).

    Norm-wise rather than entry-wise, so one near-zero entry cannot dominate.
    Below :data:`GRADIENT_CHECK_TOL` (1e-7) for float64 means two computations agree.

    Parameters
    ----------
    a, b : array_like, same shape
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ConvArgumentError(f"rel_error compares arrays of one shape; got {a.shape} and {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def gradient_check(analytic, numeric, tol=GRADIENT_CHECK_TOL) -> str:
    """The verdict of a gradient check as one line: ``"rel. error < 1e-07: passed"``.

    The exact error of a right gradient is rounding (its digits change with the
    CPU and the BLAS library), so a passed check prints only the bound; a
    failed one prints the error, which is then large and stable.

    Parameters
    ----------
    analytic, numeric : array_like, same shape
        A backward pass's gradient and :func:`numerical_gradient`'s.
    tol : float, default :data:`GRADIENT_CHECK_TOL`
    """
    err = rel_error(analytic, numeric)
    bound = f"{tol:.0e}".replace("e-0", "e-")  # 1e-7, not 1e-07
    return f"rel. error < {bound}: passed" if err < tol else f"rel. error {err:.2g} >= {bound}: FAILED"
