"""One default method for every function and layer, so that a reader need not know there is a choice."""
import inspect

import numpy as np

import convkit as ck
from convkit import methods, train


def test_every_entry_point_defaults_to_the_same_method():
    entry_points = [ck.conv2d, ck.conv2d_backward, ck.conv_transpose2d_backward, ck.Conv2D.__init__,
                    ck.Conv2D.from_weights, train.make_net]
    defaults = {f.__qualname__: inspect.signature(f).parameters["method"].default for f in entry_points}
    assert set(defaults.values()) == {methods.DEFAULT}, defaults
    assert methods.DEFAULT in ck.METHODS  # it computes every geometry


def test_the_default_is_what_runs():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
    out = ck.conv2d(x, w, stride=2, padding=1)
    np.testing.assert_array_equal(out, ck.conv2d(x, w, stride=2, padding=1, method=methods.DEFAULT))
    layer = ck.Conv2D.from_weights(w, np.zeros(4), 2, 1)
    assert layer.method == methods.DEFAULT
    np.testing.assert_array_equal(layer.forward(x), out)
