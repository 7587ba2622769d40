"""Checks for the exercises: run a student's function on small cases and say what to fix.

Each ``check_*`` runs the student's function on a few cases against convkit's own and returns a
:class:`CheckResult`, shown as one message: ``correct: ...`` when every case agrees, else ``not yet: ...``
with the case, expected versus got, and a hint for a common mistake. A check never lets an exception
from the student's code escape as a traceback. :mod:`~convkit.checks.base` holds the machinery; each
chapter's checks live in the module named after its notebook (``ch01_one_window`` ... ``ch11_variants``).

**Grading.** While nbgrader runs a notebook (``nbgrader autograde`` and ``nbgrader validate`` set the
environment variable ``NBGRADER_EXECUTION``), a check that is not passed raises :class:`NotYetError` with
the same message instead of returning it: nbgrader gives a graded cell its points only when the cell
does not raise (and a passed check prints its message instead of returning it, since nbgrader would read
a returned value as a score). In Jupyter, a student sees the message, not a traceback.
"""
from .base import CheckResult, NotYetError, check_answer
from .ch01_one_window import check_corr2d, check_flip
from .ch02_shapes import check_output_size
from .ch03_sparse_matrix import check_conv_matrix
from .ch04_backprop import check_conv1d_dx, check_conv2d_backward
from .ch05_im2col import check_col2im, check_im2col
from .ch06_channels import check_channel_output, check_conv2d_forward, check_layer_cost, exercise_6_1_layer
from .ch07_backward_2d import check_conv_layer, check_layer_dw_db, check_layer_dx
from .ch08_dilation_transposed import check_conv2d_dx, check_conv_transpose, check_dilated_output_size
from .ch09_cnn import check_maxpool_backward, check_relu_backward, check_softmax_cross_entropy
from .ch10_speed import check_winograd_corr2d, check_winograd_f23
from .ch11_variants import check_fft_corr2d, check_receptive_field, check_separable_cost

__all__ = [
    "CheckResult", "NotYetError", "check_answer",
    "check_flip", "check_corr2d",                                                        # Chapter 1
    "check_output_size",                                                                 # Chapter 2
    "check_conv_matrix",                                                                 # Chapter 3
    "check_conv1d_dx", "check_conv2d_backward",                                          # Chapter 4
    "check_im2col", "check_col2im",                                                      # Chapter 5
    "exercise_6_1_layer", "check_channel_output", "check_layer_cost", "check_conv2d_forward",  # Chapter 6
    "check_layer_dw_db", "check_layer_dx", "check_conv_layer",                           # Chapter 7
    "check_dilated_output_size", "check_conv_transpose", "check_conv2d_dx",              # Chapter 8
    "check_relu_backward", "check_maxpool_backward", "check_softmax_cross_entropy",      # Chapter 9
    "check_winograd_f23", "check_winograd_corr2d",                                       # Chapter 10
    "check_receptive_field", "check_separable_cost", "check_fft_corr2d",                 # Chapter 11
]
