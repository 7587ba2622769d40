"""Convolution as a matrix product, Y* = W* X* (Chapter 3)."""
from __future__ import annotations

import numpy as np

from .errors import ConvArgumentError
from .geometry import as_float, conv_geometry, float_dtype

__all__ = ["conv_matrix", "conv_matrix_pattern"]


def conv_matrix_pattern(kernel_shape, input_shape, stride=1, padding=0):
    """Where each kernel entry sits in W*: the sparsity pattern of the convolution matrix.

    Parameters
    ----------
    kernel_shape : (FH, FW)
    input_shape : (H, W)
    stride, padding : int or (int, int)

    Returns
    -------
    rows, cols, taps : ndarray of int, each shape (nnz,)
        ``W*[rows[t], cols[t]] = k.ravel()[taps[t]]``. Rows index outputs and
        columns index inputs, both in reading order (row by row). Window
        entries that fall on the zero padding have no column and are left out.
    out_shape : (Hout, Wout)
    """
    if len(tuple(kernel_shape)) != 2 or len(tuple(input_shape)) != 2:
        raise ConvArgumentError(
            f"conv_matrix is for one channel: kernel shape (FH, FW) and input shape (H, W); "
            f"got kernel_shape={tuple(kernel_shape)}, input_shape={tuple(input_shape)}"
        )
    g = conv_geometry((1, 1, *input_shape), (1, 1, *kernel_shape), stride, padding)
    i, j, a, b = np.meshgrid(
        np.arange(g.ho), np.arange(g.wo), np.arange(g.fh), np.arange(g.fw), indexing="ij"
    )
    r = i * g.sh + a - g.ph  # input row under kernel entry (a, b) of window (i, j)
    c = j * g.sw + b - g.pw
    inside = (r >= 0) & (r < g.h) & (c >= 0) & (c < g.w)
    rows = (i * g.wo + j)[inside]
    cols = (r * g.w + c)[inside]
    taps = (a * g.fw + b)[inside]
    return rows, cols, taps, (g.ho, g.wo)


def conv_matrix(k, input_shape, stride=1, padding=0):
    """The matrix W* with ``Y* = W* X*`` for one channel and one kernel.

    Derived in Chapter 3 (``notebooks/03_sparse_matrix.ipynb``). ``X*`` is the
    (unpadded) input flattened in reading order, ``Y*`` the output likewise;
    zero padding needs no columns because it contributes nothing. The
    gradient with respect to the input is ``(W*).T @ dY*``: a transposed
    convolution.

    Parameters
    ----------
    k : array_like, shape (FH, FW)
        The kernel.
    input_shape : (H, W)
        Shape of the input it will multiply.
    stride, padding : int or (int, int)

    Returns
    -------
    ndarray, shape (Hout*Wout, H*W)
        A dense numpy array, so that a reader can print and index it. Most of
        it is zeros (at most FH*FW non-zeros per row); it grows as (H*W)**2,
        so use it to learn from, not for large inputs (a 32x32 input with a
        3x3 kernel already gives 900 x 1024 entries).

    Examples
    --------
    >>> conv_matrix([[1, 2], [3, 4]], (3, 3)) @ np.arange(1, 10)
    array([37., 47., 67., 77.])
    """
    k = as_float(k, "k")
    rows, cols, taps, (ho, wo) = conv_matrix_pattern(k.shape, input_shape, stride, padding)
    h, w = input_shape
    m = np.zeros((ho * wo, h * w), dtype=float_dtype(k))
    m[rows, cols] = k.ravel()[taps]
    return m
