"""One window at a time: the single-channel cross-correlation of Chapter 1."""
from __future__ import annotations

import numpy as np

from .errors import ConvArgumentError
from .geometry import as_float, float_dtype

__all__ = ["corr2d"]


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
