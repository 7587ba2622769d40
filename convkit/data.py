"""The 8x8 handwritten digits that scikit-learn ships, split once, as (N, C, H, W) images (Chapter 9).

1797 handwritten digits 0-9 by 43 writers, from the UCI "Optical Recognition
of Handwritten Digits" set: each a 32x32 bitmap reduced to 8x8 blocks whose
values count the ink pixels (0-16). :func:`sklearn.datasets.load_digits`
reads them from a file inside the scikit-learn package: nothing is
downloaded. Needs scikit-learn (convkit's ``train`` extra), imported only
when :func:`load_digits` is called.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import ConvArgumentError

__all__ = ["Digits", "load_digits", "SPLIT_SEED", "TEST_FRACTION"]

#: The split is the same for every run (and every --seed): 360 test digits, 1437 to train on.
SPLIT_SEED = 0
TEST_FRACTION = 0.2


class Digits(NamedTuple):
    """Train and test images with their labels.

    x_train : ndarray, shape (N_train, 1, 8, 8), float64 in [0, 1]
    labels_train : ndarray of int64, shape (N_train,), the digit 0-9
    x_test, labels_test : the same for the test images
    """

    x_train: np.ndarray
    labels_train: np.ndarray
    x_test: np.ndarray
    labels_test: np.ndarray


def load_digits(test_fraction=TEST_FRACTION, split_seed=SPLIT_SEED, dtype=np.float64) -> Digits:
    """The digits as (N, 1, 8, 8) images scaled to [0, 1], shuffled once and split into train and test.

    Parameters
    ----------
    test_fraction : float, default 0.2
        Share of the 1797 digits held out for testing (rounded up: 360 at 0.2).
    split_seed : int, default :data:`SPLIT_SEED`
        Seed of the one permutation that decides the split.
    dtype : numpy dtype, default float64

    Returns
    -------
    Digits
    """
    if not (isinstance(test_fraction, float) and 0 < test_fraction < 1):
        raise ConvArgumentError(f"test_fraction must be a float with 0 < test_fraction < 1; got {test_fraction!r}")
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError("the digits come with scikit-learn, which is not installed here: "
                          "pip install scikit-learn tqdm (the book's requirements.txt has both)") from None
    bunch = sklearn_digits()
    x = (bunch.images / 16.0).astype(dtype)[:, None]  # (1797, 1, 8, 8): ink counts 0..16 -> [0, 1]
    y = bunch.target.astype(np.int64)
    order = np.random.default_rng(split_seed).permutation(len(y))
    n_test = int(np.ceil(test_fraction * len(y)))
    test, train = order[:n_test], order[n_test:]
    return Digits(x[train], y[train], x[test], y[test])
