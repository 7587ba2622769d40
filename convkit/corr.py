"""One window at a time: the single-channel cross-correlation of Chapter 1.

And the stride's spreading (:func:`spread_by_stride`), which turns a strided correlation's gradient
into a stride-1 one (Chapters 4, 7 and 8).
"""
from __future__ import annotations

import numpy as np

from .arguments import as_float, float_dtype
from .errors import ConvArgumentError

__all__ = ["corr2d", "spread_by_stride"]


def corr2d(x, w):
    """Valid 2-D cross-correlation of one channel with one kernel, window by window.

    Derived in Chapter 1 (``notebooks/01_one_window.ipynb``): every output is the
    dot product of the kernel with the window of ``x`` under it. Deep-learning
    "convolution" is this cross-correlation; a true convolution flips ``w`` first.

    Parameters
    ----------
    x : array_like, shape (H, W)
        Input image.
    w : array_like, shape (FH, FW)
        The kernel (weights), with FH <= H and FW <= W.

    Returns
    -------
    ndarray, shape (H - FH + 1, W - FW + 1)
        float32 if both inputs are float32, else float64.

    Examples
    --------
    >>> corr2d(np.arange(1, 10).reshape(3, 3), [[1, 2], [3, 4]])
    array([[37., 47.],
           [67., 77.]])
    """
    x, w = as_float(x, "x"), as_float(w, "w")
    if x.ndim != 2 or w.ndim != 2:
        raise ConvArgumentError(
            f"corr2d takes a 2-D input (H, W) and a 2-D kernel (FH, FW); got x.shape={x.shape}, "
            f"w.shape={w.shape}"
        )
    (height, width), (fh, fw) = x.shape, w.shape
    if fh > height or fw > width or min(fh, fw, height, width) < 1:
        raise ConvArgumentError(
            f"the kernel must fit inside the input: w.shape={w.shape}, x.shape={x.shape}"
        )
    dt = float_dtype(x, w)
    x, w = x.astype(dt, copy=False), w.astype(dt, copy=False)
    out = np.empty((height - fh + 1, width - fw + 1), dtype=dt)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + fh, j : j + fw] * w)
    return out


def spread_by_stride(a, stride):
    """``a`` with ``stride - 1`` zeros inserted between neighbouring entries.

    The transposed convolution's first step, and the gradient of a strided convolution's output seen as
    a stride-1 one (Chapters 4, 7 and 8): with stride S, entry i lands on ``i*S``. (Not dilation, which
    spreads a kernel's taps.)

    Parameters
    ----------
    a : array_like, shape (n,) or (H, W) or (..., H, W)
    stride : int or tuple of int
        An int spreads every axis; a tuple the last ``len(stride)`` axes, one stride each.

    Returns
    -------
    ndarray, shape ((n - 1)*S + 1,) and likewise for each spread axis; ``a``'s dtype
    """
    a = np.asarray(a)
    strides = (stride,) * a.ndim if np.ndim(stride) == 0 else tuple(stride)
    lead = a.shape[: a.ndim - len(strides)]
    shape = lead + tuple((n - 1) * s + 1 for n, s in zip(a.shape[a.ndim - len(strides):], strides))
    out = np.zeros(shape, dtype=a.dtype)
    out[(Ellipsis, *(slice(None, None, s) for s in strides))] = a
    return out
