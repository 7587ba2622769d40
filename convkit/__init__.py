"""convkit: the convolution layer from first principles, in numpy.

Every function is tied to the chapter of the book that derives it:

=========================  ===========================================
Chapter 1, one window      :func:`corr2d`
Chapter 2, shapes          :func:`output_size`
Chapter 3, W*              :func:`conv_matrix`, :func:`conv_matrix_pattern`
Chapter 4, backprop        :func:`conv1d`, :func:`conv1d_backward`,
                           :func:`numerical_gradient`, :func:`rel_error`,
                           :func:`gradient_check`
Chapter 5, im2col          :func:`im2col`, :func:`col2im`, :class:`Conv2D`
Chapter 8, dilation and    ``dilation=`` of the 2-D functions above,
transposed convolutions    :func:`conv_transpose2d`,
                           :func:`conv_transpose2d_backward`,
                           :func:`transposed_output_size`
Chapter 9, a CNN           :mod:`convkit.nn` (layers, loss, optimizers),
                           :mod:`convkit.train` (``python -m convkit.train``),
                           :mod:`convkit.data` (the 8x8 digits)
all of them                :func:`conv2d`, :func:`conv2d_backward`, :data:`METHODS`
=========================  ===========================================

Every function that takes ``padding`` also takes ``pad``, its name in Deep
Learning from Scratch and cs231n, and every function that sizes a convolution's
output takes ``drop_last=True`` to floor a size that is not whole, as PyTorch
does (by default that is an error).

Bad arguments raise :class:`ConvArgumentError`, a ``ValueError``. So does a
call that would need more memory than :func:`memory_limit` (by default half of
the machine's memory; :func:`set_memory_limit` or the environment variable
``CONVKIT_MEMORY_LIMIT`` changes it): every method estimates its peak from the
shapes before it allocates (:mod:`convkit.memory`).
"""
from .conv1d import conv1d, conv1d_backward
from .conv2d import METHODS, Conv2D, conv2d, conv2d_backward
from .conv_matrix import conv_matrix, conv_matrix_pattern
from .corr import corr2d
from .errors import ConvArgumentError
from .geometry import output_size, transposed_output_size
from .gradcheck import GRADIENT_CHECK_TOL, gradient_check, numerical_gradient, rel_error
from .im2col import col2im, im2col
from .memory import memory_limit, set_memory_limit
from .transposed import conv_transpose2d, conv_transpose2d_backward

__version__ = "0.1.0"

__all__ = [
    "ConvArgumentError", "Conv2D", "GRADIENT_CHECK_TOL", "METHODS", "col2im", "conv1d", "conv1d_backward", "conv2d",
    "conv2d_backward", "conv_matrix", "conv_matrix_pattern", "conv_transpose2d", "conv_transpose2d_backward", "corr2d",
    "gradient_check", "im2col", "memory_limit", "numerical_gradient", "output_size", "rel_error", "set_memory_limit",
    "transposed_output_size",
]
