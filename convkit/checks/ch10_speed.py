"""Chapter 10, speed (``notebooks/10_speed.ipynb``): exercise 10.1, Winograd's F(2, 3) and F(2x2, 3x3)."""
from __future__ import annotations

import numpy as np

from .. import corr2d
from .base import _call, _compare, _forbids, _hand_answer, _NotYet, _rng, _run, _show

__all__ = ["check_winograd_f23", "check_winograd_corr2d"]


def _winograd_count():
    """Exercise 10.1: (direct, Winograd) multiplications of a 3x3 layer, C = K = 64, 56x56 output, one image."""
    c = k = 64
    direct = 56 * 56 * c * k * 9
    return direct, (28 * 28) * 16 * c * k


@_hand_answer("10.1", "(direct multiplications, Winograd's)")
def _answer_10_1():
    direct, winograd = _winograd_count()
    return (direct, winograd), [
        ((winograd, direct), "direct needs more: 9 per output and input channel and filter"),
        ((direct, 56 * 56 * 16 * 64 * 64), "a tile holds 2x2 outputs: 28 x 28 tiles, not 56 x 56"),
        ((direct, 28 * 28 * 36 * 64 * 64), "36 is what direct correlation spends on a 2x2 tile; Winograd spends 16"),
        ((56 * 56 * 9, 28 * 28 * 16), "count every input channel and every filter: times C*K")]


class _Traced:
    """A number that remembers whether it came from the data d, the kernel w or both, and counts d x w products."""

    def __init__(self, value, deps, counter):
        self.value, self.deps, self.counter = value, frozenset(deps), counter

    @staticmethod
    def _parts(other):
        return (other.value, other.deps) if isinstance(other, _Traced) else (other, frozenset())

    def _new(self, value, deps):
        return _Traced(value, deps, self.counter)

    def __add__(self, other):
        v, d = self._parts(other)
        return self._new(self.value + v, self.deps | d)

    __radd__ = __add__

    def __sub__(self, other):
        v, d = self._parts(other)
        return self._new(self.value - v, self.deps | d)

    def __rsub__(self, other):
        v, d = self._parts(other)
        return self._new(v - self.value, self.deps | d)

    def __mul__(self, other):
        v, d = self._parts(other)
        if ("d" in self.deps and "g" in d) or ("g" in self.deps and "d" in d):
            self.counter[0] += 1
        return self._new(self.value * v, self.deps | d)

    __rmul__ = __mul__

    def __truediv__(self, other):
        v, d = self._parts(other)
        return self._new(self.value / v, self.deps | d)

    def __neg__(self):
        return self._new(-self.value, self.deps)

    def __pos__(self):
        return self

    # No __float__: np.asarray(d, float) or np.correlate would hide the products from the count.


def _count_products(fn, d, g):
    """Run ``fn`` on the worked example as numbers that count products; raise :class:`_NotYet` over 4."""
    counter = [0]
    traced = (np.array([_Traced(v, "d", counter) for v in d], dtype=object),
              np.array([_Traced(v, "g", counter) for v in g], dtype=object))
    try:
        out = fn(*traced)
        values = [float(v.value if isinstance(v, _Traced) else v) for v in out]
    except Exception:  # noqa: BLE001  (numbers that count cannot go everywhere floats go)
        raise _NotYet("the outputs are right, but your function could not run on numbers that count "
                      "multiplications: write it with d[0], d[1], ..., w[0], ... and + - * / only") from None
    if not np.allclose(values, [13.0, 19.0]):
        raise _NotYet("the outputs are right on floats but not on numbers that count: use + - * / only")
    if counter[0] > 4:
        raise _NotYet(f"right outputs, but {counter[0]} multiplications of a data term by a kernel term; "
                      f"F(2, 3) needs only 4: m1 = (d0 - d2) w0, m2 = (d1 + d2)(w0 + w1 + w2)/2, "
                      f"m3 = (d2 - d1)(w0 - w1 + w2)/2, m4 = (d1 - d3) w2")


@_forbids("methods.winograd.correlate", "methods.winograd.forward")
def check_winograd_f23(fn):
    """``fn(d, w)``: F(2, 3), the two outputs of a 3-tap correlation over 4 inputs, with 4 multiplications.

    The outputs are checked against direct correlation; then ``fn`` runs on numbers that count
    every product of a data term with a kernel term (adding, subtracting and halving are free).
    """

    def body():
        rng = _rng(10)
        cases = [(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 1.0, 3.0]))] + \
                [(rng.standard_normal(4), rng.standard_normal(3)) for _ in range(3)]
        for d, g in cases:
            case = f"d={_show(d)}, w={_show(g)}"
            want = np.array([d[0] * g[0] + d[1] * g[1] + d[2] * g[2], d[1] * g[0] + d[2] * g[1] + d[3] * g[2]])
            m1, m4 = (d[0] - d[2]) * g[0], (d[1] - d[3]) * g[2]
            m2, m3 = (d[1] + d[2]) * (g[0] + g[1] + g[2]), (d[2] - d[1]) * (g[0] - g[1] + g[2])
            got = _call(fn, case, d.copy(), g.copy())
            _compare(got, want, case, [
                (np.array([m1 + m2 + m3, m2 - m3 - m4]), "m2 and m3 each carry a factor 1/2: (w0 + w1 + w2)/2 and "
                                                        "(w0 - w1 + w2)/2"),
                (np.array([d[0] * g[2] + d[1] * g[1] + d[2] * g[0], d[1] * g[2] + d[2] * g[1] + d[3] * g[0]]),
                 "that is a convolution (w flipped): a layer correlates, y0 = d0 w0 + d1 w1 + d2 w2"),
                (want[::-1], "the two outputs are swapped: y0 comes from d0..d2, y1 from d1..d3")])
        _count_products(fn, *cases[0])
        return len(cases) + 1

    return _run("F(2, 3) in <= 4 products", body)


@_forbids("corr2d", "conv2d", "methods.winograd.correlate", "methods.winograd.forward")
def check_winograd_corr2d(fn):
    """``fn(x, w)``: the valid correlation of one channel x (H, W) with a 3x3 kernel w, H - 2 and W - 2 even,
    by 2x2 tiles and the nested transforms. Checked against :func:`convkit.corr2d`."""

    def body():
        rng = _rng(11)
        shapes = [(4, 4), (6, 8), (10, 6)]
        x0 = np.arange(16.0).reshape(4, 4)
        g0 = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
        cases = [(x0, g0)] + [(rng.standard_normal(s), rng.standard_normal((3, 3))) for s in shapes[1:]]
        for x, g in cases:
            case = f"x.shape={x.shape}, w.shape=(3, 3)"
            want = corr2d(x, g)
            got = _call(fn, case, x.copy(), g.copy())
            _compare(got, want, case, [
                (corr2d(x, g[::-1, ::-1]), "that is a convolution (w flipped); the layer correlates"),
                (want.T if want.shape[0] == want.shape[1] else None, "rows and columns are swapped"),
                (corr2d(x, g.T), "w is transposed: U = G w G^T, with w as it is")])
        return len(cases)

    return _run("F(2x2, 3x3), tile by tile", body)
