"""Train a small CNN built on convkit on the 8x8 digits: ``python -m convkit.train`` (Chapter 9).

The network: conv 3x3 -> ReLU -> max-pool 2 -> conv 3x3 -> ReLU -> max-pool 2
-> linear, trained with Adam on mini-batches, on scikit-learn's 8x8 digits
(:mod:`convkit.data`, a fixed split: 1437 to train on, 360 to test). It prints
a progress bar per epoch and ends with one line,

    test accuracy: 0.9xx (n/360) in S s

where S is the wall-clock time from loading the data to the last test
prediction. The chapter runs the same :func:`train` for fewer epochs.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import NamedTuple

import numpy as np

from . import methods, nn
from .data import load_digits
from .conv2d import Conv2D
from .methods import METHODS

__all__ = ["make_net", "train", "predict", "History", "main", "EPOCHS", "SEED", "BATCH_SIZE", "LR"]

#: Defaults of the command line (the chapter trains fewer epochs).
EPOCHS, SEED, BATCH_SIZE, LR = 15, 0, 32, 3e-3
#: Filters of the two convolution layers.
CHANNELS = (16, 32)


def make_net(rng=SEED, method=methods.DEFAULT, channels=CHANNELS, dtype=np.float64) -> nn.Sequential:
    """The chapter's CNN for (N, 1, 8, 8) images and 10 classes.

    ======================  =====================  ==========================
    layer                   output shape           parameters
    ======================  =====================  ==========================
    Conv2D(1, K1, 3, P=1)   (N, K1, 8, 8)          ``K1*9 + K1``
    ReLU, MaxPool2D(2)      (N, K1, 4, 4)
    Conv2D(K1, K2, 3, P=1)  (N, K2, 4, 4)          ``K2*K1*9 + K2``
    ReLU, MaxPool2D(2)      (N, K2, 2, 2)
    Flatten                 (N, 4*K2)
    Linear(4*K2, 10)        (N, 10): the logits    ``10*4*K2 + 10``
    ======================  =====================  ==========================

    Parameters
    ----------
    rng : numpy.random.Generator or int
        Source of every initial weight (layer by layer, in order).
    method : str, default "fast"
        The convolution layers' method, one of :data:`convkit.METHODS`.
    channels : (int, int), default (16, 32)
        K1 and K2.
    """
    rng = np.random.default_rng(rng)
    k1, k2 = channels
    return nn.Sequential(
        Conv2D(1, k1, 3, padding=1, rng=rng, method=method, dtype=dtype), nn.ReLU(), nn.MaxPool2D(2),
        Conv2D(k1, k2, 3, padding=1, rng=rng, method=method, dtype=dtype), nn.ReLU(), nn.MaxPool2D(2),
        nn.Flatten(), nn.Linear(4 * k2, 10, rng=rng, dtype=dtype),
    )


def predict(net, x, batch_size=256) -> np.ndarray:
    """The class with the largest logit for each image: x (N, 1, 8, 8) -> (N,) ints."""
    return np.concatenate([net.forward(x[i:i + batch_size]).argmax(axis=1) for i in range(0, len(x), batch_size)])


class History(NamedTuple):
    """What :func:`train` records.

    loss : (steps,) the loss of every mini-batch, in order
    train_acc : (epochs,) share of each epoch's mini-batch images classified right *as they were trained on*
        (free to measure; the weights change during the epoch)
    test_acc : (epochs,) accuracy on the test images at the end of each epoch
    seconds : float, wall-clock time of the training loop
    """

    loss: np.ndarray
    train_acc: np.ndarray
    test_acc: np.ndarray
    seconds: float


def batches(n, batch_size, rng):
    """The index arrays of one epoch's mini-batches: a fresh permutation of range(n), cut into pieces."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def train(net, data, epochs=EPOCHS, optimizer=None, batch_size=BATCH_SIZE, rng=SEED, progress=True) -> History:
    """Train ``net`` on ``data`` with mini-batches; returns the losses and accuracies.

    Parameters
    ----------
    net : nn.Sequential
        E.g. :func:`make_net`; its logits are (N, 10).
    data : convkit.data.Digits
        x_train (N, 1, 8, 8), labels_train (N,), x_test, labels_test.
    epochs : int
    optimizer : nn.SGD or nn.Adam, optional
        Default ``Adam(net.parameters(), lr=LR)``.
    batch_size : int
    rng : numpy.random.Generator or int
        Shuffles the training set at every epoch (a seed is accepted too).
    progress : bool
        A progress bar per epoch (tqdm: text in a terminal, a widget in a notebook).
    """
    rng = np.random.default_rng(rng)
    optimizer = optimizer or nn.Adam(net.parameters(), lr=LR)
    x, labels = data.x_train, data.labels_train
    losses, train_acc, test_acc = [], [], []
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        epoch_batches = batches(len(labels), batch_size, rng)
        bar = _bar(len(epoch_batches), f"epoch {epoch}/{epochs}", progress)
        right = 0
        for idx in epoch_batches:
            logits = net.forward(x[idx])
            loss, dlogits = nn.softmax_cross_entropy(logits, labels[idx])
            net.backward(dlogits)
            optimizer.step()
            losses.append(loss)
            right += int(np.sum(logits.argmax(axis=1) == labels[idx]))
            if bar:
                bar.update()
        train_acc.append(right / len(labels))
        test_acc.append(float(np.mean(predict(net, data.x_test) == data.labels_test)))
        if bar:
            bar.set_postfix_str(f"loss {np.mean(losses[-len(epoch_batches):]):.3f}, test accuracy {test_acc[-1]:.3f}")
            bar.close()
    return History(np.array(losses), np.array(train_acc), np.array(test_acc), time.perf_counter() - start)


def _bar(total, desc, progress):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="batch", leave=True)


def _whole(lo):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < lo:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {lo}; got {text!r}")
        return value

    return parse


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(argv=None) -> int:
    ap = _Parser(
        prog="python -m convkit.train",
        description="Train the book's small CNN (conv-ReLU-pool twice, then linear; Chapter 9) on the 8x8 "
                    "digits that scikit-learn ships, with Adam, and print its test accuracy and time.",
        epilog="The split is fixed (1437 train, 360 test digits) whatever the seed. Run to run, the accuracy "
               "changes only with --seed (and the last digits of the losses with the CPU and BLAS library).")
    ap.add_argument("--epochs", type=_whole(1), default=EPOCHS,
                    help=f"passes over the 1437 training digits (default {EPOCHS})")
    ap.add_argument("--seed", type=_whole(0), default=SEED,
                    help=f"seed of the initial weights and of the order of the mini-batches (default {SEED})")
    ap.add_argument("--method", choices=METHODS, default="fast", metavar="{" + ",".join(METHODS) + "}",
                    help="how the convolution layers compute (default fast; all give the same result, "
                         "at very different speeds: 'loops' takes tens of minutes)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars, only the result line")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    data = load_digits()
    net = make_net(args.seed, method=args.method)
    history = train(net, data, epochs=args.epochs, rng=args.seed, progress=not args.no_progress)
    right = int(np.sum(predict(net, data.x_test) == data.labels_test))
    n = len(data.labels_test)
    print(f"test accuracy: {right / n:.3f} ({right}/{n}) in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
