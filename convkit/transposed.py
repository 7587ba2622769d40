"""The transposed convolution: multiplication by (W*)^T, the adjoint of conv2d (Chapter 8).

Chapter 3 wrote a convolution as ``Y* = W* X*`` and found its input gradient,
``(W*)^T dY*``. The same map applied to any array ``y`` of the output's shape
is the *transposed convolution*: each entry of ``y`` stamps a copy of the
kernel, scaled by it, onto the window it came from, and overlapping stamps add
up. With stride S the stamps sit S cells apart, so a small grid becomes a
larger one: decoders and GANs upsample with it. It undoes nothing (it is not a
"deconvolution"); it is the adjoint:

    <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>   for every x and y.

Here it is computed as Chapter 5's backward pass computes dx:
``col2im(w_row.T @ y_mat)``.
"""
from __future__ import annotations

import numpy as np

from . import methods
from .arguments import as_bias, as_float, float_dtype, resolve_padding
from .geometry import Geometry, transposed_geometry, transposed_output_size
from .im2col import add_windows
from .memory import guard
from .methods.pipeline import Engine, check_dout

__all__ = ["conv_transpose2d", "conv_transpose2d_backward", "transposed_output_size", "conv_transpose2d_bytes"]


def conv_transpose2d_bytes(g: Geometry, itemsize: int) -> int:
    """Peak bytes of :func:`conv_transpose2d` beyond its inputs.

    y as a (K, N*Hy*Wy) matrix and the columns ``w_row.T @ y_mat``; then the
    columns, the zero-padded output they are added onto, and the cropped output.
    With groups, one group at a time (its slice of y copied) on top of the outputs of the
    groups before it, then their concatenation.
    """
    if g.groups > 1:
        out = g.n * g.c * g.h * g.w * itemsize
        y_slice = g.n * (g.k // g.groups) * g.ho * g.wo * itemsize
        one = conv_transpose2d_bytes(g.per_group, itemsize) + y_slice
        return max((g.groups - 1) * out // g.groups + one, 2 * out)
    cols_n = g.n * g.ho * g.wo  # columns: one per entry of y's image planes
    hp, wp = g.padded_hw
    y_mat, cols = g.k * cols_n * itemsize, g.c * g.fh * g.fw * cols_n * itemsize
    padded, out = g.n * g.c * hp * wp * itemsize, g.n * g.c * g.h * g.w * itemsize
    return max(y_mat + cols, cols + padded + out)


def _stamped(y, w, g: Geometry):
    """The transposed convolution of one group (no bias): a view of the padded canvas's middle."""
    y_mat = y.transpose(1, 0, 2, 3).reshape(g.k, -1)  # (K, N*Hy*Wy), columns in im2col's order
    cols = w.reshape(g.k, -1).T @ y_mat  # (C*FH*FW, N*Hy*Wy): one scaled kernel (a stamp) per column
    del y_mat
    c6 = cols.reshape(g.c, g.fh, g.fw, g.n, g.ho, g.wo).transpose(3, 0, 1, 2, 4, 5)
    return add_windows(c6, g)  # stamps added onto a padded canvas; a view of its unpadded middle


def conv_transpose2d(y, w, b=None, stride=1, padding=0, dilation=1, output_padding=0, *, pad=None, groups=1):
    """Transposed convolution: the adjoint of :func:`convkit.conv2d`, ``(W*)^T`` applied to y.

    Derived in Chapter 8 (``notebooks/08_dilation_transposed.ipynb``). Equal to
    PyTorch's ``torch.nn.functional.conv_transpose2d(y, w, b, stride, padding,
    output_padding, dilation=dilation)`` (note PyTorch's argument order), and
    to the input gradient of ``conv2d(x, w, stride=..., padding=...,
    dilation=...)`` with ``dout = y``.

    Parameters
    ----------
    y : array_like, shape (N, K, Hy, Wy)
        The input: an array shaped like a convolution's output.
    w : array_like, shape (K, C/groups, FH, FW)
        The filters, in the layout of the *forward* convolution (PyTorch's
        ``conv_transpose2d`` weight has this layout too: (in, out/groups, FH, FW)).
    b : array_like, shape (C,), optional
        One bias per output channel.
    stride, padding, dilation : int or (int, int)
        Those of the forward convolution. ``padding`` crops P rows and columns
        from each side of the stamped result (``pad`` is an alias).
    output_padding : int or (int, int), default 0
        Rows (columns) added at the far end, 0 to stride - 1. With stride S,
        S input sizes floor to the same forward output size; 0 gives the
        smallest, the only one whose output size is whole, and ``k`` the one
        ``k`` larger, for which the forward needs ``drop_last=True``. PyTorch
        also accepts values up to dilation - 1 when the dilation is larger than
        the stride; those sizes belong to no convolution that maps onto y's
        size, so convkit refuses them.
    groups : int, default 1
        Channel groups of the forward convolution (keyword only; as PyTorch's
        ``groups``): y's K channels in ``groups`` blocks, each stamped with its
        block of filters onto its C/groups output channels. Must divide K and C.

    Returns
    -------
    ndarray, shape (N, C, H, W)
        ``H = (Hy - 1)*SH - 2*PH + DH*(FH - 1) + 1 + output_padding`` (see
        :func:`transposed_output_size`), likewise W. float32 if every input
        is float32, else float64.

    Raises
    ------
    ConvArgumentError
        For bad arguments (the message names them), and when its column matrix
        (C*FH*FW, N*Hy*Wy) and padded output would need more memory than
        :func:`convkit.memory_limit` allows; checked before anything is allocated.
    """
    y, w = as_float(y, "y"), as_float(w, "w")
    g = transposed_geometry(y.shape, w.shape, stride, resolve_padding(padding, pad), dilation, output_padding, groups)
    extra = [as_float(b, "b")] if b is not None else []
    dt = float_dtype(y, w, *extra)
    per = "one per output channel (w.shape[1])" if g.groups == 1 else "one per output channel (groups * w.shape[1])"
    b = as_bias(b, g.c, dt, "(C,)", per) if b is not None else None
    grouped = f", groups={g.groups}" if g.groups > 1 else ""
    guard(conv_transpose2d_bytes(g, dt.itemsize),
          f"conv_transpose2d for y.shape={g.out_shape}, w.shape={g.w_shape}, stride ({g.sh}, {g.sw}), padding "
          f"({g.ph}, {g.pw}), dilation ({g.dil_h}, {g.dil_w}){grouped}, {dt}", "Split the batch: the memory grows with N.")
    y, w = y.astype(dt, copy=False), w.astype(dt, copy=False)
    if g.groups == 1:
        out = _stamped(y, w, g)
        return out.copy() if b is None else out + b[None, :, None, None]
    ki = g.k // g.groups  # one group at a time: its filters stamp its slice of y onto its output channels
    out = np.concatenate([_stamped(np.ascontiguousarray(y[:, i * ki:(i + 1) * ki]), w[i * ki:(i + 1) * ki],
                                   g.per_group).copy() for i in range(g.groups)], axis=1)
    if b is not None:
        out += b[None, :, None, None]
    return out


def conv_transpose2d_backward(dout, y, w, stride=1, padding=0, dilation=1, output_padding=0, method=methods.DEFAULT, *,
                              pad=None, groups=1):
    """Backward pass of :func:`conv_transpose2d`: the gradients with respect to y, w and b.

    The adjoint of the adjoint is the convolution again, so ``dy`` is
    ``conv2d(dout, w)`` with the same stride, padding and dilation (and
    ``drop_last`` where ``output_padding`` added rows); ``dw`` is the weight
    gradient of that convolution with ``y`` in the place of its upstream
    gradient. Both run on any of :data:`convkit.METHODS`.

    Parameters
    ----------
    dout : array_like, shape (N, C, H, W)
        Upstream gradient, shaped like conv_transpose2d's output.
    y, w, stride, padding, dilation, output_padding, pad, groups
        As given to :func:`conv_transpose2d`.
    method : {"fast", "loops", "matrix", "im2col", "winograd", "fft"}, default "fast"
        The convolution method that computes ``dy`` and ``dw`` (the default is
        ``convkit.methods.DEFAULT``, as for :func:`conv2d`).

    Returns
    -------
    dy : ndarray, shape (N, K, Hy, Wy)
    dw : ndarray, shape (K, C/groups, FH, FW)
    db : ndarray, shape (C,)

    Raises
    ------
    ConvArgumentError
        For bad arguments, and from the memory guard of the convolutions it runs.
    """
    engine = Engine(method)
    y, w = as_float(y, "y"), as_float(w, "w")
    g = transposed_geometry(y.shape, w.shape, stride, resolve_padding(padding, pad), dilation, output_padding, groups)
    dout = check_dout(dout, g.x_shape, f"the shape of conv_transpose2d's output (N, C, H, W) = {g.x_shape} for "
                                       f"y.shape={g.out_shape}, w.shape={g.w_shape}")
    dt = float_dtype(dout, y, w)
    dout, y, w = (a.astype(dt, copy=False) for a in (dout, y, w))
    # dw: a convolution's weight gradient with y as its upstream gradient (keeping only dw); dy: a
    # forward pass. The engine checks and guards each on its own.
    _, dw, _ = engine.gradients(y, dout, w, g, caller="conv_transpose2d_backward")
    dy, _ = engine.forward(dout, w, np.zeros(g.k, dt), g, caller="conv_transpose2d_backward")
    return dy, dw, dout.sum(axis=(0, 2, 3))
