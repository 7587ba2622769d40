"""Chapter 7, the 2-D backward pass (``notebooks/07_backward_2d.ipynb``): a layer's dw and db, its dx, the layer."""
from __future__ import annotations

import numpy as np

from .. import Conv2D, col2im, conv2d_backward, corr2d, gradient_check, im2col, numerical_gradient, output_size
from .base import _call, _compare, _dilated, _forbids, _NotYet, _pair, _rng, _run

__all__ = ["check_layer_dw_db", "check_layer_dx", "check_conv_layer"]


#: (x's shape, w's shape, stride, padding) that both backward checks try: a stride, padding, several channels.
_LAYER_CASES = [((1, 1, 5, 5), (1, 1, 3, 3), 2, 1), ((2, 3, 4, 5), (2, 3, 2, 3), 1, 1),
                ((2, 2, 7, 6), (3, 2, 3, 2), 2, 0)]


def _layer_cases(seed, cases, draw):
    """Each case (x's shape, w's shape, stride, padding) of a layer's backward, with small random integers.

    Yields the case and its values: first an array of the shape ``draw`` picks from the case, then
    Hout, Wout and a dout (N, K, Hout, Wout), all drawn from one generator seeded with ``seed``.
    """
    rng = _rng(seed)
    for xs, ws, s, p in cases:
        drawn = rng.integers(-2, 3, draw(xs, ws)).astype(float)
        ho, wo = output_size(xs[2], ws[2], s, p), output_size(xs[3], ws[3], s, p)
        yield (xs, ws, s, p), drawn, ho, rng.integers(-2, 3, (xs[0], ws[0], ho, wo)).astype(float)


def _dilate_first(stride):
    """The advice for a dy not dilated by the stride, in dx and in dw."""
    return f"dilate dy first ({stride - 1} zero(s) between neighbouring entries)"


def _pad_first(padding):
    """The advice for an input not padded, in dw."""
    return f"pad x with {padding} zero(s) on every side first"


def _dys(dout, stride, dilate):
    """dout (N, K, Hout, Wout) as the chapter's recipes read it: each map dilated by the stride, or as it is."""
    return [[_dilated(m, stride) if dilate else np.asarray(m, dtype=float) for m in maps] for maps in dout]


def _db_hints(dout):
    """The usual slips in db, as hints for :func:`_compare`: dout summed over too few axes."""
    advice = "db has one entry per filter: sum dout over the batch and both spatial axes, axis=(0, 2, 3)"
    return [(dout.sum(axis=(2, 3)), advice), (dout.sum(axis=0), advice)]


def _raises_the_same(message, mistake):
    """Whether running ``mistake()`` raises a ValueError whose text is in ``message`` (a student's error)."""
    try:
        mistake()
    except ValueError as exc:
        return str(exc) in message
    return False


def _call_explained(fn, case, args, explain, mistakes):
    """``_call(fn, case, *args)``; a broadcasting error, the sign of a correlation of the wrong size, explained.

    ``explain`` says what size the correlation should have; each (mistake, advice) of ``mistakes`` whose
    mistake fails as the student's code did adds its advice.
    """
    try:
        return _call(fn, case, *args)
    except _NotYet as why:
        if "broadcast" not in str(why):
            raise
        found = [advice for mistake, advice in mistakes if _raises_the_same(str(why), mistake)]
        hint = explain + ((": " + "; or ".join(found)) if found else "")
        raise _NotYet(f"{str(why).rstrip()}. Hint: {hint}") from None


def _dw_loop(dout, x, w_shape, stride, padding, dilate=True, pad=True, batch=True, rotate=False):
    """dw of a layer as the padded input correlated with the dilated dy, with switches for the usual mistakes.

    Accumulated with ``+=`` into zeros of ``w_shape``, as a student's loop would: a mistake that changes the
    correlation's size then broadcasts or fails the same way.
    """
    xbar = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))) if pad else x
    dys = _dys(dout, stride, dilate)
    dw = np.zeros(w_shape)
    for n, k, c in np.ndindex(x.shape[0] if batch else 1, w_shape[0], w_shape[1]):
        dw[k, c] += corr2d(xbar[n, c], dys[n][k][::-1, ::-1] if rotate else dys[n][k])
    return dw


def _or_none(recipe, *args, **switches):
    """``recipe(*args, **switches)``, or None where the mistake its switches make fails (a ValueError)."""
    try:
        return recipe(*args, **switches)
    except ValueError:
        return None


def _dw_by_correlation(*args, **switches):
    """:func:`_dw_loop` as a hint: None where the mistake its switches make fails."""
    return _or_none(_dw_loop, *args, **switches)


@_forbids("conv2d_backward", "Conv2D.backward")
def check_layer_dw_db(fn):
    """``fn(dout, x, w_shape, stride, padding)`` -> (dw, db) of a whole layer, dw by correlation with the dilated dy."""

    def body():
        cases = [*_LAYER_CASES, ((3, 2, 6, 6), (2, 2, 2, 2), 3, 1)]
        for (xs, ws, s, p), x, ho, dout in _layer_cases(12, cases, lambda xs, ws: xs):
            case = f"x.shape={xs}, w_shape={ws}, stride={s}, padding={p}"
            _, want_dw, want_db = conv2d_backward(dout, x, np.zeros(ws), s, p, "loops")
            got = _call_explained(fn, case, (dout.copy(), x.copy(), ws, s, p), (
                f"x̄ ({xs[2] + 2 * p} rows, padded) correlated with dy dilated by the stride ({(ho - 1) * s + 1} rows) "
                f"has {ws[2]} rows, one per kernel row"), [
                (lambda: _dw_loop(dout, x, ws, s, p, dilate=False), _dilate_first(s)),
                (lambda: _dw_loop(dout, x, ws, s, p, pad=False), _pad_first(p))])
            _pair(got, case, "(dw, db)")
            _compare(got[0], want_dw, f"{case}, dw", [
                (_dw_by_correlation(dout, x, ws, s, p, dilate=False) if s > 1 else None,
                 f"{_dilate_first(s)}: output (i, j) read x̄[{s}i + u, {s}j + v], so the dy 'kernel' has its taps "
                 f"{s} apart"),
                (_dw_by_correlation(dout, x, ws, s, p, pad=False) if p else None,
                 f"{_pad_first(p)}: the windows slid over the padded input"),
                (_dw_by_correlation(dout, x, ws, s, p, batch=False) if xs[0] > 1 else None,
                 "add over the batch: every image's windows used the same weights"),
                (_dw_by_correlation(dout, x, ws, s, p, rotate=True),
                 "no rotation in dw: it is x̄ correlated with the dilated dy as it is")])
            _compare(got[1], want_db, f"{case}, db", _db_hints(dout))
        return len(cases)

    return _run("a layer's dw and db", body)


def _dx_loop(dout, w, x_shape, stride, padding, rotate=True, dilate=True, all_filters=True, full_pad=True):
    """The padded input's gradient, accumulated with ``+=`` as a student's loop would."""
    n_img, c_n, h, wd = x_shape
    fh, fw = w.shape[2:]
    ph, pw = (fh - 1, fw - 1) if full_pad else (padding, padding)
    dys = _dys(dout, stride, dilate)
    dxbar = np.zeros((n_img, c_n, h + 2 * padding, wd + 2 * padding))
    for n, k, c in np.ndindex(n_img, w.shape[0] if all_filters else 1, c_n):
        dxbar[n, c] += corr2d(np.pad(dys[n][k], ((ph, ph), (pw, pw))), w[k, c][::-1, ::-1] if rotate else w[k, c])
    return dxbar


def _recipe_dx(dout, w, x_shape, stride, padding, crop=True, **switches):
    """dx of a layer by the chapter's recipe, with switches for the usual mistakes; None where one fails."""
    dxbar = _or_none(_dx_loop, dout, w, x_shape, stride, padding, **switches)
    if dxbar is None or not crop:
        return dxbar
    h, wd = x_shape[2:]
    return dxbar[:, :, padding:padding + h, padding:padding + wd]


@_forbids("conv2d_backward", "Conv2D.backward")
def check_layer_dx(fn):
    """``fn(dout, w, x_shape, stride, padding)``: dx (N, C, H, W) of a whole layer by the full correlation."""

    def body():
        cases = [*_LAYER_CASES, ((1, 2, 6, 6), (2, 2, 2, 2), 3, 1)]
        for (xs, ws, s, p), w, ho, dout in _layer_cases(13, cases, lambda xs, ws: ws):
            case = f"x_shape={xs}, w.shape={ws}, stride={s}, padding={p}"
            want = conv2d_backward(dout, np.zeros(xs), w, s, p, "loops")[0]
            hints = [(_recipe_dx(dout, w, xs, s, p, rotate=False),
                      "rotate each kernel slice w[k, c] by 180° (w[k, c][::-1, ::-1]): a pixel reaches output (i, j) "
                      "through tap (r - iS, q - jS), so the sum runs over the kernel backwards"),
                     (_recipe_dx(dout, w, xs, s, p, dilate=False) if s > 1 else None,
                      f"{_dilate_first(s)}: with stride {s} the windows' corners sit {s} apart"),
                     (_recipe_dx(dout, w, xs, s, p, crop=False) if p else None,
                      f"crop {p} row(s) and column(s) from every side: the padding is not part of x"),
                     (_recipe_dx(dout, w, xs, s, p, all_filters=False) if ws[0] > 1 else None,
                      "sum over the filters k: every filter sends gradient back to every input channel")]
            got = _call_explained(fn, case, (dout.copy(), w.copy(), xs, s, p), (
                f"dy dilated by the stride ({(ho - 1) * s + 1} rows) and padded with F - 1 = {ws[2] - 1} zeros on "
                f"each side, correlated with the {ws[2]}-row kernel, has {xs[2] + 2 * p} rows, as many as the padded "
                f"input"), [
                (lambda: _dx_loop(dout, w, xs, s, p, dilate=False), _dilate_first(s)),
                (lambda: _dx_loop(dout, w, xs, s, p, full_pad=False),
                 "pad the dilated dy with F - 1 zeros (the full correlation), not with P")])
            _compare(got, want, case, hints)
        return len(cases)

    return _run("a layer's dx", body)


def _layer_mistakes(x, W, b, s, p, dout):
    """What the usual slips in an im2col layer give: {name: (out, dx, dW, db)}, each None where it has no value."""
    n, _, h, wd = x.shape
    k, _, fh, fw = W.shape
    ho, wo = output_size(h, fh, s, p), output_size(wd, fw, s, p)
    cols = im2col(x, fh, fw, s, p)
    w_row = W.reshape(k, -1)
    prod = w_row @ cols
    right_mat = dout.transpose(1, 0, 2, 3).reshape(k, -1)
    flat_mat = dout.reshape(k, -1)  # K not moved to the front first
    return {
        "out, not transposed": (prod + b[:, None]).reshape(n, k, ho, wo),
        "out, no bias": prod.reshape(k, n, ho, wo).transpose(1, 0, 2, 3),
        "dout, not transposed": (col2im(w_row.T @ flat_mat, x.shape, fh, fw, s, p),
                                 (flat_mat @ cols.T).reshape(W.shape)),
        "dW, not reshaped": (right_mat @ cols.T),
    }


def _gradient_check_layer(cls, case, x, W, b, s, p, dout, dx, dW):
    """The gradient check the chapter teaches: the layer's dx and dW against its own forward's numerical ones."""
    fresh = _call(cls, f"{case}: creating the layer", W.copy(), b.copy(), s, p)
    num_dx = numerical_gradient(lambda v: np.asarray(fresh.forward(v), dtype=float), x.copy(), dout)
    num_dw = numerical_gradient(
        lambda v: np.asarray(cls(v, b.copy(), s, p).forward(x.copy()), dtype=float), W.copy(), dout)
    for what, got, num in (("dx", dx, num_dx), ("dW", dW, num_dw)):
        verdict = gradient_check(np.asarray(got, dtype=float), num)  # "rel. error 0.2 >= 1e-7: FAILED"
        if verdict.endswith(": FAILED"):  # every exponent as 1e-7, not 1e-07, as the chapter writes them
            raise _NotYet(f"{case}: gradient check of {what}: {verdict[:-len(': FAILED')]}".replace("e-0", "e-"))


def _forward_backward(layer, case, x, dout, ref, want, want_dx, slips):
    """The student's layer against ``ref``, a :class:`convkit.Conv2D` whose forward gave ``want`` and backward
    ``want_dx``; returns the layer's dx."""
    for name in ("forward", "backward"):
        if not callable(getattr(layer, name, None)):
            raise _NotYet(f"{case}: the layer has no method {name}(); write forward(self, x) and "
                          f"backward(self, dout)")
    out = _call(layer.forward, f"{case}, forward", x.copy())
    _compare(out, want, f"{case}, forward", [
        (slips["out, not transposed"], "w_row @ cols is (K, N·Hout·Wout): reshape it to (K, N, Hout, Wout), "
                                       "then move K after N: .transpose(1, 0, 2, 3)"),
        (slips["out, no bias"], "add the bias: b[k] goes onto every output of filter k (b[:, None] on the "
                                "product)")])
    dx = _call(layer.backward, f"{case}, backward", dout.copy())
    if dx is None:
        raise _NotYet(f"{case}: backward(dout) returned None; return dx, the gradient for the layer below")
    for name in ("dW", "db"):
        if getattr(layer, name, None) is None:
            raise _NotYet(f"{case}: after backward(dout), layer.{name} is not set; backward must store "
                          f"self.dW and self.db, as Conv2D does (an optimiser reads them there)")
    wrong_dx, wrong_dw = slips["dout, not transposed"]
    transpose_hint = ("dout is (N, K, Hout, Wout): move K to the front (.transpose(1, 0, 2, 3)) before "
                      "reshaping it to (K, N·Hout·Wout), the layout of the forward's product")
    _compare(dx, want_dx, f"{case}, dx", [(wrong_dx, transpose_hint)])
    _compare(layer.dW, ref.dW, f"{case}, dW", [
        (wrong_dw, transpose_hint),
        (slips["dW, not reshaped"], "reshape dW to the shape of W, (K, C, FH, FW)")])
    _compare(layer.db, ref.db, f"{case}, db", _db_hints(dout))
    return dx


@_forbids("conv2d", "conv2d_backward", "Conv2D.forward", "Conv2D.backward")
def check_conv_layer(cls):
    """``cls(W, b, stride, padding)``: a layer whose ``forward(x)`` returns y and ``backward(dout)`` returns dx.

    ``backward`` also sets ``self.dW`` and ``self.db``, as :class:`convkit.Conv2D`. The check compares
    the layer with ``Conv2D.from_weights`` and runs a gradient check of its backward against numerical
    gradients of its own forward.
    """

    def body():
        rng = _rng(14)
        cases = [((2, 3, 5, 5), (4, 3, 3, 3), 1, 1), ((2, 2, 7, 6), (3, 2, 3, 2), 2, 1),
                 ((3, 1, 4, 4), (2, 1, 2, 2), 2, 0)]
        for xs, ws, s, p in cases:
            x, W, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
            case = f"x.shape={xs}, W.shape={ws}, stride={s}, padding={p}"
            ref = Conv2D.from_weights(W.copy(), b.copy(), s, p, method="loops")
            want = ref.forward(x)
            dout = rng.standard_normal(want.shape)
            want_dx = ref.backward(dout)
            slips = _layer_mistakes(x, W, b, s, p, dout)
            layer = _call(cls, f"{case}: creating the layer", W.copy(), b.copy(), s, p)
            dx = _forward_backward(layer, case, x, dout, ref, want, want_dx, slips)
            _gradient_check_layer(cls, case, x, W, b, s, p, dout, dx, layer.dW)
        return len(cases)

    return _run("convolution layer: forward, backward, gradient check", body)
