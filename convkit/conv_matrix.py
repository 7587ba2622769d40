"""Convolution as a matrix product, Y* = W* X* (Chapter 3)."""
from __future__ import annotations

import numpy as np

from .errors import ConvArgumentError
from .arguments import as_float, float_dtype, resolve_padding
from .geometry import Geometry, conv_geometry, symmetric
from .memory import gib, guard

__all__ = ["conv_matrix", "conv_matrix_pattern", "conv_matrix_bytes", "pattern", "pattern_bytes"]


def conv_matrix_pattern(kernel_shape, input_shape, stride=1, padding=0, dilation=1, *, drop_last=False, pad=None):
    """Where each kernel entry sits in W*: the sparsity pattern of the convolution matrix.

    Parameters
    ----------
    kernel_shape : (FH, FW)
    input_shape : (H, W)
    stride, padding, dilation : int or (int, int)
        As for :func:`convkit.conv2d` (``pad`` is an alias of ``padding``).
    drop_last : bool, default False
        Floor a non-whole output size (see :func:`convkit.output_size`).

    Returns
    -------
    rows, cols, taps : ndarray of int, each shape (nnz,)
        ``W*[rows[t], cols[t]] = k.ravel()[taps[t]]``. Rows index outputs and
        columns index inputs, both in reading order (row by row). Window
        entries that fall on the zero padding have no column and are left out.
    out_shape : (Hout, Wout)

    Raises
    ------
    ConvArgumentError
        For bad arguments, and when its index arrays (about :func:`pattern_bytes`)
        would take more memory than :func:`convkit.memory_limit` allows.
    """
    g = _one_channel(kernel_shape, input_shape, stride, resolve_padding(padding, pad), dilation, drop_last)
    guard(pattern_bytes(g), f"conv_matrix_pattern for kernel {(g.fh, g.fw)}, input {(g.h, g.w)}")
    return (*pattern(g), (g.ho, g.wo))


def _one_channel(kernel_shape, input_shape, stride, padding, dilation=1, drop_last=False) -> Geometry:
    """The checked geometry of one kernel on one channel."""
    if len(tuple(kernel_shape)) != 2 or len(tuple(input_shape)) != 2:
        raise ConvArgumentError(
            f"conv_matrix is for one channel: kernel shape (FH, FW) and input shape (H, W); "
            f"got kernel_shape={tuple(kernel_shape)}, input_shape={tuple(input_shape)}"
        )
    return symmetric(conv_geometry((1, 1, *input_shape), (1, 1, *kernel_shape), stride, padding, dilation, drop_last),
                     "conv_matrix")


def pattern_bytes(g: Geometry) -> int:
    """Peak bytes of :func:`conv_matrix_pattern`: about 12 int64 per window entry (Hout*Wout*FH*FW).

    The four index grids, r, c and the temporaries of the arithmetic on them; the
    three index arrays it returns are smaller.
    """
    return 12 * 8 * g.ho * g.wo * g.fh * g.fw


def pattern(g: Geometry):
    """rows, cols, taps of :func:`conv_matrix_pattern` for a checked one-channel geometry."""
    i, j, a, b = np.meshgrid(
        np.arange(g.ho), np.arange(g.wo), np.arange(g.fh), np.arange(g.fw), indexing="ij"
    )
    r = i * g.sh + a * g.dil_h - g.ph  # input row under kernel entry (a, b) of window (i, j)
    c = j * g.sw + b * g.dil_w - g.pw
    inside = (r >= 0) & (r < g.h) & (c >= 0) & (c < g.w)
    rows = (i * g.wo + j)[inside]
    cols = (r * g.w + c)[inside]
    taps = (a * g.fw + b)[inside]
    return rows, cols, taps


def conv_matrix(k, input_shape, stride=1, padding=0, dilation=1, *, drop_last=False, pad=None):
    """The matrix W* with ``Y* = W* X*`` for one channel and one kernel.

    Derived in Chapter 3 (``notebooks/03_sparse_matrix.ipynb``). ``X*`` is the
    (unpadded) input flattened in reading order, ``Y*`` the output likewise;
    zero padding needs no columns because it contributes nothing. The
    gradient with respect to the input is ``(W*).T @ dY*``: a transposed
    convolution, :func:`convkit.conv_transpose2d` (Chapter 8).

    Parameters
    ----------
    k : array_like, shape (FH, FW)
        The kernel.
    input_shape : (H, W)
        Shape of the input it will multiply.
    stride, padding, dilation : int or (int, int)
        As for :func:`convkit.conv2d` (``pad`` is an alias of ``padding``).
    drop_last : bool, default False
        Floor a non-whole output size (see :func:`convkit.output_size`).

    Returns
    -------
    ndarray, shape (Hout*Wout, H*W)
        A dense numpy array, so that a reader can print and index it. Most of
        it is zeros (at most FH*FW non-zeros per row); it grows as (H*W)**2,
        so use it to learn from, not for large inputs (a 32x32 input with a
        3x3 kernel already gives 900 x 1024 entries).

    Raises
    ------
    ConvArgumentError
        For bad arguments, and when W* would take more memory than
        :func:`convkit.memory_limit` allows (a 224x224 input, 3x3 kernel,
        padding 1: 18.8 GiB in float64); checked before anything is allocated.

    Examples
    --------
    >>> conv_matrix([[1, 2], [3, 4]], (3, 3)) @ np.arange(1, 10)
    array([37., 47., 67., 77.])
    """
    k = as_float(k, "k")
    g = _one_channel(k.shape, input_shape, stride, resolve_padding(padding, pad), dilation, drop_last)
    dtype = float_dtype(k)
    guard(conv_matrix_bytes(g, dtype.itemsize),
          f"conv_matrix for kernel {(g.fh, g.fw)}, input {(g.h, g.w)}, {dtype}",
          f"W* is dense, (Hout*Wout, H*W) = {(g.ho * g.wo, g.h * g.w)}, and is for learning on small inputs; "
          f"conv_matrix_pattern gives its non-zeros (rows, cols, taps) in {gib(pattern_bytes(g))}.")
    rows, cols, taps = pattern(g)
    m = np.zeros((g.ho * g.wo, g.h * g.w), dtype=dtype)
    m[rows, cols] = k.ravel()[taps]
    return m


def conv_matrix_bytes(g: Geometry, itemsize: int) -> int:
    """Peak bytes of :func:`conv_matrix`: the dense W* plus the pattern that fills it."""
    return g.ho * g.wo * g.h * g.w * itemsize + pattern_bytes(g)
