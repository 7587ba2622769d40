"""The exercise checks: praise right answers, and give actionable feedback on wrong ones."""
import ast
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import convkit as ck
from convkit import checks
from convkit.checks import base

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: The grader's side of the package, not checks: convkit.checks.grading and convkit.checks.course.
GRADER_MODULES = {"grading", "course"}


@pytest.fixture(autouse=True)
def results_returned(request, monkeypatch):
    """The tests of a check's words read its result: a check not passed returns it here, instead of raising.

    And the checks' right answers below call convkit's own functions, which the checks switch off while
    they run: here they stay on. Tests named ``test_grading_*`` see the checks as a notebook does.
    """
    if not request.node.name.startswith("test_grading_"):
        monkeypatch.setattr(base, "_finish", lambda result: result)
        monkeypatch.setattr(base, "_SWITCH_OFF", False)


def stub(*args):
    raise NotImplementedError()


def right_im2col(x, fh, fw, s):
    return ck.im2col(np.asarray(x)[None, None], fh, fw, s)


def right_col2im(cols, shape, fh, fw, s):
    return ck.col2im(cols, (1, 1, *shape), fh, fw, s)[0, 0]


def right_conv2d_backward(dout, x, w, p):
    dx, dw, _ = ck.conv2d_backward(dout[None, None], x[None, None], w[None, None], 1, p)
    return dx[0, 0], dw[0, 0]


RIGHT = {
    checks.check_flip: lambda w: w[::-1, ::-1],
    checks.check_corr2d: ck.corr2d,
    checks.check_output_size: ck.output_size,
    checks.check_conv_matrix: ck.conv_matrix,
    checks.check_conv1d_dx: lambda dout, x, w: ck.conv1d_backward(dout, x, w)[0],
    checks.check_conv2d_backward: right_conv2d_backward,
    checks.check_im2col: right_im2col,
    checks.check_col2im: right_col2im,
}


def test_wrong_shape_and_wrong_type():
    assert "expected shape (2, 2), got shape (3,)" in repr(checks.check_corr2d(lambda x, k: np.zeros(3)))
    assert "expected an array of numbers, got dict" in repr(checks.check_corr2d(lambda x, k: {"a": 1}))


def test_hints_for_common_mistakes():
    flipped = checks.check_corr2d(lambda x, k: ck.corr2d(x, k[::-1, ::-1]))
    assert "Hint: you flipped the kernel" in repr(flipped) and "expected:\n[[37. 47.]" in repr(flipped)
    no_padding = checks.check_output_size(lambda n, f, s, p: (n - f) // s + 1)
    assert "n=4, f=2, stride=1, padding=1: expected 5, got 3" in repr(no_padding) and "2P" in repr(no_padding)
    floors = checks.check_output_size(lambda n, f, s, p: (n - f + 2 * p) // s + 1)
    assert "Raise a ValueError instead" in repr(floors)
    unflipped = checks.check_conv1d_dx(lambda dout, x, w: np.correlate(np.pad(dout, w.size - 1), w, "valid"))
    assert "Hint: w must be flipped" in repr(unflipped)
    transposed = checks.check_im2col(lambda x, fh, fw, s: right_im2col(x, fh, fw, s).T)
    assert "Hint: rows and columns are swapped" in repr(transposed)
    no_stride = checks.check_im2col(lambda x, fh, fw, s: right_im2col(x, fh, fw, 1))
    assert "Hint: the stride is ignored" in repr(no_stride)

    def assigning(cols, shape, fh, fw, s):
        out, wo = np.zeros(shape), (shape[1] - fw) // s + 1
        for c in range(cols.shape[1]):
            i, j = divmod(c, wo)
            out[i * s:i * s + fh, j * s:j * s + fw] = cols[:, c].reshape(fh, fw)
        return out

    assert "Hint: overlapping windows must add up (+=)" in repr(checks.check_col2im(assigning))


@pytest.mark.parametrize("answer", [lambda: None, lambda: 42, stub], ids=["ellipsis", "wrong", "stub"])
@pytest.mark.parametrize("grading", [False, True], ids=["jupyter", "nbgrader"])
def test_grading_a_hand_answer_not_passed_always_raises(answer, grading, monkeypatch):
    """No environment variable decides whether a failure fails: it raises in Jupyter as under nbgrader."""
    if grading:
        monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    else:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with pytest.raises(checks.NotYetError, match=r"not yet \(exercise 2\.1\)") as failed:
        checks.check_answer("2.1", answer)
    assert not failed.value.result and failed.value.message.startswith("not yet (exercise 2.1)")
    right = checks.check_answer("2.1", lambda: (ck.output_size(28, 5), ck.output_size(28, 5, 1, 2)))
    assert (right is None) if grading else repr(right) == "correct (exercise 2.1)"


def test_grading_a_failure_renders_as_its_message_only():
    """IPython shows a NotYetError through _render_traceback_: the message, wrapped, arrays kept whole."""
    with pytest.raises(checks.NotYetError) as failed:
        checks.check_conv2d_forward(lambda x, w, b, s, p: np.zeros((2, 3, 4, 4)) + 1e6)
    lines = failed.value._render_traceback_()
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    assert plain[0].startswith("not yet (multi-channel forward)"), plain
    assert "\n".join(plain).replace("\n  ", " ").replace("\n", " ") or True
    assert all(len(line) <= base.WIDTH for line in plain if not line.startswith(("[", " [")))
    assert not any("Traceback" in line or "File " in line for line in plain)
    assert "".join(line.strip() for line in plain).replace(" ", "") == \
        "".join(failed.value.message.split()).replace(" ", "")  # the same words, only wrapped


def _my_backward_by_convkit(dout, x, w, p):
    dx, dw, _ = ck.conv2d_backward(dout[None, None], x[None, None], w[None, None], 1, p)
    return dx[0, 0], dw[0, 0]


def test_grading_convkit_own_answer_is_switched_off_while_its_check_runs():
    saved = ck.conv2d_backward  # bound before the check: switched off too
    with pytest.raises(checks.NotYetError, match="write it yourself: convkit.conv2d_backward is switched off"):
        checks.check_conv2d_backward(lambda dout, x, w, p: (saved, _my_backward_by_convkit(dout, x, w, p))[1])
    # restored afterwards, also after the error
    x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    assert ck.conv2d_backward(np.ones((1, 1, 2, 2)), x, w)[0].sum() == 16
    # a function the exercise may use stays on: corr2d in the 2-D backward pass
    def by_corr2d(dout, x, w, p):
        (fh, fw), (h, wd) = w.shape, x.shape
        return ck.corr2d(np.pad(dout, ((fh - 1,) * 2, (fw - 1,) * 2)), w[::-1, ::-1])[p:p + h, p:p + wd], \
            ck.corr2d(np.pad(x, p), dout)
    assert checks.check_conv2d_backward(by_corr2d)


def test_grading_the_grader_run_ignores_what_the_students_code_replaced(monkeypatch):
    """grading.grade reads the checks afresh: a fake convkit.checks in sys.modules, patched functions,
    or a missing NBGRADER_EXECUTION change nothing."""
    import sys
    import types

    from convkit.checks import grading

    fake = types.ModuleType("convkit.checks")
    fake.__getattr__ = lambda name: (lambda *a, **k: "correct")
    monkeypatch.setitem(sys.modules, "convkit.checks", fake)
    monkeypatch.setitem(sys.modules, "convkit.checks.base", fake)
    monkeypatch.setattr(checks, "check_flip", lambda fn: "correct")
    monkeypatch.setattr(base, "_finish", lambda result: result)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with pytest.raises(AssertionError, match=r"exercise 1\.3 \(3 points\): not yet \(kernel flip\)"):
        grading.grade("1.3", "check_flip", lambda w: w, seed=7)
    assert grading.grade("1.3", "check_flip", lambda w: w[::-1, ::-1], seed=7) is None


def test_grading_hidden_cases_are_other_cases():
    """A function that only knows the released cases' answers passes the visible check, not the grader's."""
    from convkit.checks import grading

    seen = {}

    def recording(n, f, s, p):
        seen[(n, f, s, p)] = True
        return right_sizes(n, f, s, p)

    def right_sizes(n, f, s, p):
        if (n - f + 2 * p) % s:
            raise ValueError("not whole")
        return (n - f + 2 * p) // s + 1

    checks.check_output_size(recording)
    known = dict(seen)

    def memorised(n, f, s, p):
        if (n, f, s, p) not in known:
            return -1
        return right_sizes(n, f, s, p)

    assert checks.check_output_size(memorised) is not None
    with pytest.raises(AssertionError, match="expected"):
        grading.grade("2.2", "check_output_size", memorised, seed=2194)


def test_grading_every_check_cell_runs_the_grader_on_its_own_call():
    """Each graded cell: a hidden block that calls grading.grade with the visible call's check and arguments,
    its exercise and grade_id as convkit/checks/points.csv gives them."""
    from convkit.checks import grading

    table = grading.points()
    seen = set()
    for path in CHAPTERS:
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade"):
                continue
            source = "".join(cell["source"])
            hidden, visible = source.split("### END HIDDEN TESTS\n")
            imports, hidden = hidden.split("### BEGIN HIDDEN TESTS\n")
            assert all(line.startswith(("from ", "import ")) for line in imports.splitlines())  # runs first
            exercise, check, args = re.search(r'_grading\.grade\("([\d.]+)", "(\w+)", (.*), seed=\d+\)', hidden).groups()
            assert re.search(rf"checks\.{check}\({re.escape(args)}\)\s*$", visible), (path.name, source)
            points, grade_id, _ = table[exercise]
            assert meta["grade_id"] == grade_id and meta["points"] == points, (path.name, meta)
            seen.add(exercise)
    assert seen == set(table)


# Chapter 8's checks: dilation and the transposed convolution.

def right_dilated_output_size(n, f, s, p, d):
    span = n + 2 * p - d * (f - 1) - 1
    if span % s:
        raise ValueError("not whole")
    return span // s + 1


def right_conv_transpose(y, w, s):
    return ck.conv_transpose2d(y[None, None], w[None, None], stride=s)[0, 0]


def stamps_dx(dout, w, x_shape, s, p, d, add=True, crop=True, dilate=True):
    """The solution by stamps, with switches for the typical mistakes."""
    (H, W), (fh, fw) = x_shape, w.shape
    dd = d if dilate else 1
    dxp = np.zeros((H + 2 * p, W + 2 * p))
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            for u in range(fh):
                for v in range(fw):
                    r, c = i * s + u * dd, j * s + v * dd
                    if r < dxp.shape[0] and c < dxp.shape[1]:
                        if add:
                            dxp[r, c] += dout[i, j] * w[u, v]
                        else:
                            dxp[r, c] = dout[i, j] * w[u, v]
    return dxp[p:p + H, p:p + W] if crop else dxp


RIGHT8 = {
    checks.check_dilated_output_size: right_dilated_output_size,
    checks.check_conv_transpose: right_conv_transpose,
    checks.check_conv2d_dx: stamps_dx,
}


def test_chapter8_hints():
    def hint(result):
        text = repr(result)
        assert text.startswith("not yet"), text
        return text

    assert "D(F - 1) + 1 cells, not D*F" in hint(checks.check_dilated_output_size(
        lambda n, f, s, p, d: (n + 2 * p - d * f) // s + 1))
    assert "dilation spreads the taps" in hint(checks.check_dilated_output_size(
        lambda n, f, s, p, d: (n + 2 * p - f) // s + 1))
    assert "Raise a ValueError instead" in hint(checks.check_dilated_output_size(
        lambda n, f, s, p, d: (n + 2 * p - d * (f - 1) - 1) // s + 1))

    def assigned(y, w, s):
        out = np.zeros(((y.shape[0] - 1) * s + w.shape[0], (y.shape[1] - 1) * s + w.shape[1]))
        for i in range(y.shape[0]):
            for j in range(y.shape[1]):
                out[i * s:i * s + w.shape[0], j * s:j * s + w.shape[1]] = y[i, j] * w
        return out

    assert "add up (+=)" in hint(checks.check_conv_transpose(assigned))
    assert "no flip" in hint(checks.check_conv_transpose(lambda y, w, s: right_conv_transpose(y, w[::-1, ::-1], s)))
    assert "stamps sit 2 cells apart" in hint(checks.check_conv_transpose(lambda y, w, s: right_conv_transpose(y, w, 1)))

    assert "crop P rows and columns" in hint(checks.check_conv2d_dx(
        lambda *a: stamps_dx(*a, crop=False)))
    assert "stamps are of the dilated kernel" in hint(checks.check_conv2d_dx(lambda *a: stamps_dx(*a, dilate=False)))
    assert "add up (+=)" in hint(checks.check_conv2d_dx(lambda *a: stamps_dx(*a, add=False)))

    def short(dout, w, x_shape, s, p, d):  # sized by the stamps, not by x: misses the rows the forward floored
        (fh, fw), (ho, wo) = w.shape, dout.shape
        full = stamps_dx(dout, w, ((ho - 1) * s + d * (fh - 1) + 1 - 2 * p, (wo - 1) * s + d * (fw - 1) + 1 - 2 * p),
                         s, p, d)
        return full

    assert "dx has x's shape" in hint(checks.check_conv2d_dx(short))
    assert checks.check_answer("2.1", lambda: (ck.output_size(28, 5), ck.output_size(28, 5, 1, 2)))


# --- Chapter 9 ----------------------------------------------------------------------------------

from convkit import nn  # noqa: E402


def right_maxpool_backward(dout, x, size):
    pool = nn.MaxPool2D(size)
    pool.forward(x[None, None])
    return pool.backward(dout[None, None])[0, 0]


def maxpool_backward_scan(dout, x, size, ties_to_last=False):
    """A loop a student would write: scan each window, keep the best position."""
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            best = None
            for u in range(size):
                for v in range(size):
                    val = x[i * size + u, j * size + v]
                    if best is None or val > best[0] or (ties_to_last and val == best[0]):
                        best = (val, u, v)
            dx[i * size + best[1], j * size + best[2]] = dout[i, j]
    return dx


RIGHT_9 = {
    checks.check_relu_backward: lambda dout, x: np.where(x > 0, dout, 0),
    checks.check_maxpool_backward: right_maxpool_backward,
    checks.check_softmax_cross_entropy: nn.softmax_cross_entropy,
}


def test_a_loop_written_by_hand_passes_the_max_pool_check():
    assert checks.check_maxpool_backward(maxpool_backward_scan)


@pytest.mark.parametrize("wrong,hint", [
    (lambda d, x: d, "set dx to 0 where x <= 0"),
    (lambda d, x: np.where(x >= 0, d, 0), "use x > 0, not x >= 0"),
    (lambda d, x: np.where(d > 0, d, 0), "the mask comes from the forward's input x"),
    (lambda d, x: (x > 0).astype(float), "multiply the mask by dout"),
])
def test_relu_backward_hints(wrong, hint):
    result = checks.check_relu_backward(wrong)
    assert not result and "Hint: " in repr(result) and hint in repr(result), repr(result)


def _at_all_maxima(dout, x, size):
    h, w = x.shape
    b = x.reshape(h // size, size, w // size, size)
    return np.where(b == b.max(axis=(1, 3), keepdims=True), dout[:, None, :, None], 0).reshape(x.shape)


@pytest.mark.parametrize("wrong,hint", [
    (_at_all_maxima, "on a tie only one entry gets the gradient"),
    (lambda d, x, s: maxpool_backward_scan(d, x, s, ties_to_last=True), "the *first* maximum in reading order"),
    (lambda d, x, s: np.kron(d, np.ones((s, s))) / s ** 2, "average pooling's backward"),
    (lambda d, x, s: np.kron(d, np.ones((s, s))), "only the maximum of each window gets dout"),
    (lambda d, x, s: d, "dx has the shape of x"),
])
def test_maxpool_backward_hints(wrong, hint):
    result = checks.check_maxpool_backward(wrong)
    assert not result and "Hint: " in repr(result) and hint in repr(result), repr(result)


def _naive_softmax_ce(z, labels):
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = len(labels)
    d = p.copy()
    d[np.arange(n), labels] -= 1
    return -np.log(p[np.arange(n), labels]).mean(), d / n


def _scaled(loss_factor, grad_fn):
    def fn(z, labels):
        loss, dz = nn.softmax_cross_entropy(z, labels)
        return loss * (len(labels) if loss_factor else 1), grad_fn(dz, z, labels)
    return fn


def _without_onehot(dz, z, labels):
    p = dz * len(labels)
    p[np.arange(len(labels)), labels] += 1
    return p / len(labels)


@pytest.mark.parametrize("wrong,hint", [
    (_naive_softmax_ce, "subtract each row's maximum"),
    (_scaled(True, lambda dz, z, l: dz), "the loss is the *mean* over the batch"),
    (_scaled(False, lambda dz, z, l: dz * len(l)), "dlogits is divided by N"),
    (_scaled(False, _without_onehot), "subtract 1 at each row's label"),
    (_scaled(False, lambda dz, z, l: -dz), "the sign"),
    (lambda z, labels: nn.softmax_cross_entropy(z, labels)[1], "return a pair (loss, dlogits)"),
])
def test_softmax_cross_entropy_hints(wrong, hint):
    result = checks.check_softmax_cross_entropy(wrong)
    assert not result and hint in repr(result), repr(result)


# Chapter 6: channels and filters.

def right_layer_cost(x_shape, w_shape, stride, padding):
    (n, c, h, w), (k, _, fh, fw) = x_shape, w_shape
    ho, wo = ck.output_size(h, fh, stride, padding), ck.output_size(w, fw, stride, padding)
    return k * (c * fh * fw + 1), n * k * ho * wo * c * fh * fw


def loops_conv2d(x, w, b, stride, padding, *, channels=None, bias=True, flip=False, layout="NKHW"):
    """A multi-channel forward written with loops, independently of convkit, with switchable mistakes."""
    n, c, h, wd = x.shape
    k, _, fh, fw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = (h + 2 * padding - fh) // stride + 1, (wd + 2 * padding - fw) // stride + 1
    kern = w[..., ::-1, ::-1] if flip else w
    out = np.zeros((n, k, ho, wo))
    for a in range(n):
        for f in range(k):
            for i in range(ho):
                for j in range(wo):
                    window = xp[a, :, i * stride:i * stride + fh, j * stride:j * stride + fw]
                    used = slice(None) if channels is None else slice(0, channels)
                    out[a, f, i, j] = np.sum(window[used] * kern[f][used]) + (b[f] if bias else 0)
    return out.transpose(0, 2, 3, 1) if layout == "NHWK" else out


RIGHT6 = {
    checks.check_layer_cost: right_layer_cost,
    checks.check_conv2d_forward: loops_conv2d,
}


def test_chapter6_hand_answer():
    x, w, b = checks.exercise_6_1_layer()
    by_hand = b[1] + sum(w[1, c, u, v] * x[c, u, 1 + v] for c in range(2) for u in range(2) for v in range(2))
    assert by_hand == 15  # (-2 + 0 + 3 + 6) + (-2 + 4 + 0 + 4) + 2, as the solution writes it
    assert repr(checks.check_channel_output(15)) == "correct (exercise 6.1)"
    assert repr(checks.check_channel_output(lambda: 15.0)) == "correct (exercise 6.1)"
    stubbed = checks.check_channel_output(stub)
    assert not stubbed and "NotImplementedError" in repr(stubbed)
    assert "replace the ..." in repr(checks.check_channel_output(...))
    assert "is one number" in repr(checks.check_channel_output(lambda: [15, 2]))
    hints = {13: "add the bias b[1] = 2", 9: "add channel 1's window sum", 8: "add channel 0's window sum",
             5: "that is map 0", 7: "rows and columns are swapped", 12: "no flip"}
    for wrong, hint in hints.items():
        text = repr(checks.check_channel_output(wrong))
        assert text.startswith("not yet") and hint in text, (wrong, text)
    assert "write out the 8 products" in repr(checks.check_channel_output(100))


def test_chapter6_layer_cost_hints():
    def cost(**mistake):
        def fn(x_shape, w_shape, s, p):
            (n, c, h, w), (k, _, fh, fw) = x_shape, w_shape
            ho, wo = ck.output_size(h, fh, s, p), ck.output_size(w, fw, s, p)
            params = k * (c * fh * fw + (0 if mistake.get("no_bias") else 1))
            per_out = (1 if mistake.get("no_c") else c) * fh * fw
            madds = (1 if mistake.get("one_image") else n) * k * per_out * \
                ((h * w) if mistake.get("hw") else (ho * wo)) * (2 if mistake.get("flops") else 1)
            return params, madds
        return repr(checks.check_layer_cost(fn))

    assert "each filter has a bias too" in cost(no_bias=True)
    assert "count multiply-adds, not FLOPs" in cost(flops=True)
    assert "that is one image; the batch has N = 8" in cost(one_image=True)
    assert "not H*W: use the stride and padding" in cost(hw=True)
    assert "each output sums over the channels too" in cost(no_c=True)
    assert "return a pair" in repr(checks.check_layer_cost(lambda *a: 448))


def test_chapter6_forward_hints():
    def hint(**mistake):
        text = repr(checks.check_conv2d_forward(lambda x, w, b, s, p: loops_conv2d(x, w, b, s, p, **mistake)))
        assert text.startswith("not yet"), text
        return text

    assert "add the bias" in hint(bias=False)
    assert "sum over the channels too" in hint(channels=1)
    assert "no flip" in hint(flip=True)
    assert "(N, K, Hout, Wout)" in hint(layout="NHWK")
    assert "use the stride" in repr(checks.check_conv2d_forward(lambda x, w, b, s, p: ck.conv2d(x, w, b, 1, p)))
    no_pad = repr(checks.check_conv2d_forward(lambda x, w, b, s, p: ck.conv2d(x, w, b, s, 0)))
    assert "pad x with 1 zero(s)" in no_pad, no_pad


# Chapter 7's checks: a layer's dw and db, a layer's dx, the layer built from im2col and col2im.

def dilate7(a, s):
    out = np.zeros(((a.shape[0] - 1) * s + 1, (a.shape[1] - 1) * s + 1))
    out[::s, ::s] = a
    return out


def dw_db7(dout, x, w_shape, s, p, dil=True, pad=True, batch=True, db_axes=(0, 2, 3)):
    """The chapter's solution, with switches for the usual mistakes."""
    xbar = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if pad else x
    dw = np.zeros(w_shape)
    for n, k, c in np.ndindex(x.shape[0] if batch else 1, w_shape[0], w_shape[1]):
        dw[k, c] += ck.corr2d(xbar[n, c], dilate7(dout[n, k], s) if dil else dout[n, k])
    return dw, dout.sum(axis=db_axes)


def layer_dx7(dout, w, x_shape, s, p, rotate=True, dil=True, crop=True, filters=None):
    N, C, H, W = x_shape
    K, _, FH, FW = w.shape
    dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
    for n, k in np.ndindex(N, filters or K):
        full = np.pad(dilate7(dout[n, k], s) if dil else dout[n, k], ((FH - 1, FH - 1), (FW - 1, FW - 1)))
        for c in range(C):
            dxp[n, c] += ck.corr2d(full, w[k, c, ::-1, ::-1] if rotate else w[k, c])
    return dxp[:, :, p:p + H, p:p + W] if crop else dxp


class Layer7:
    """An im2col layer, with switches for the usual mistakes."""

    def __init__(self, W, b, stride=1, padding=0, slip=None):
        self.W, self.b, self.s, self.p, self.slip = W, b, stride, padding, slip

    def forward(self, x):
        K, _, FH, FW = self.W.shape
        N, _, H, W_ = x.shape
        Ho, Wo = ck.output_size(H, FH, self.s, self.p), ck.output_size(W_, FW, self.s, self.p)
        self.shape, self.cols = x.shape, ck.im2col(x, FH, FW, self.s, self.p)
        y = self.W.reshape(K, -1) @ self.cols
        if self.slip != "no bias":
            y = y + self.b[:, None]
        if self.slip == "out not transposed":
            return y.reshape(N, K, Ho, Wo)
        return y.reshape(K, N, Ho, Wo).transpose(1, 0, 2, 3)

    def backward(self, dout):
        K, _, FH, FW = self.W.shape
        dmat = dout.reshape(K, -1) if self.slip == "dout not transposed" else \
            dout.transpose(1, 0, 2, 3).reshape(K, -1)
        self.dW = dmat @ self.cols.T
        if self.slip != "dW not reshaped":
            self.dW = self.dW.reshape(self.W.shape)
        self.db = dout.sum(axis=(2, 3) if self.slip == "db axes" else (0, 2, 3))
        if self.slip == "no dW":
            self.dW = None
        dx = ck.col2im(self.W.reshape(K, -1).T @ dmat, self.shape, FH, FW, self.s, self.p)
        if self.slip == "dx scaled":  # a backward that disagrees with its own forward
            dx = 1.5 * dx
        return None if self.slip == "returns None" else dx


def layer7(slip=None):
    return lambda W, b, stride=1, padding=0: Layer7(W, b, stride, padding, slip)


RIGHT7 = {
    checks.check_layer_dw_db: lambda *a: dw_db7(*a),
    checks.check_layer_dx: lambda *a: layer_dx7(*a),
    checks.check_conv_layer: layer7(),
}


def _hint(result):
    text = repr(result)
    assert text.startswith("not yet"), text
    return text


def test_chapter7_dw_db_hints():
    assert "dilate dy first" in _hint(checks.check_layer_dw_db(lambda *a: dw_db7(*a, dil=False)))
    assert "pad x with 1 zero(s)" in _hint(checks.check_layer_dw_db(lambda *a: dw_db7(*a, pad=False)))
    assert "add over the batch" in _hint(checks.check_layer_dw_db(lambda *a: dw_db7(*a, batch=False)))
    assert "axis=(0, 2, 3)" in _hint(checks.check_layer_dw_db(lambda *a: dw_db7(*a, db_axes=(2, 3))))
    assert "return a pair (dw, db)" in _hint(checks.check_layer_dw_db(lambda *a: dw_db7(*a)[0]))


def test_chapter7_dx_hints():
    assert "rotate each kernel slice" in _hint(checks.check_layer_dx(lambda *a: layer_dx7(*a, rotate=False)))
    assert "dilate dy first" in _hint(checks.check_layer_dx(lambda *a: layer_dx7(*a, dil=False)))
    assert "crop 1 row(s)" in _hint(checks.check_layer_dx(lambda *a: layer_dx7(*a, crop=False)))
    assert "sum over the filters k" in _hint(checks.check_layer_dx(lambda *a: layer_dx7(*a, filters=1)))


@pytest.mark.parametrize("slip, hint", [
    ("out not transposed", "then move K after N"),
    ("no bias", "add the bias"),
    ("dout not transposed", "move K to the front"),
    ("dW not reshaped", "reshape dW to the shape of W"),
    ("db axes", "axis=(0, 2, 3)"),
    ("no dW", "layer.dW is not set"),
    ("returns None", "returned None"),
])
def test_chapter7_layer_hints(slip, hint):
    assert hint in _hint(checks.check_conv_layer(layer7(slip)))


@pytest.mark.parametrize("scale, error", [(1.5, "0.2"), (1 + 3e-6, "1.5e-6")])
def test_chapter7_layer_gradient_check_catches_a_backward_off_its_own_forward(scale, error, monkeypatch):
    """A backward that disagrees with the numerical gradient of the layer's own forward is named as such.

    The error is written as the chapter writes it: 1.5e-6, not 1.5e-06.
    """
    from convkit.checks import ch07_backward_2d

    class Scaled(ck.Conv2D):  # the reference scaled the same way, so only the gradient check can tell
        def backward(self, dout):
            return scale * super().backward(dout)

    class Off(Layer7):
        def backward(self, dout):
            return scale * super().backward(dout)

    monkeypatch.setattr(ch07_backward_2d, "Conv2D", Scaled)
    text = _hint(checks.check_conv_layer(lambda W, b, stride=1, padding=0: Off(W, b, stride, padding)))
    assert f"gradient check of dx: rel. error {error} >= 1e-7" in text, text


def test_chapter7_layer_not_a_layer():
    assert "has no method forward()" in _hint(checks.check_conv_layer(lambda W, b, stride, padding: object()))


def test_chapter7_dx_padded_by_p_instead_of_f_minus_1():
    def pad_by_p(dout, w, x_shape, s, p):
        N, C, H, W = x_shape
        dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
        for n, k in np.ndindex(N, w.shape[0]):
            full = np.pad(dilate7(dout[n, k], s), p)
            for c in range(C):
                dxp[n, c] += ck.corr2d(full, w[k, c, ::-1, ::-1])
        return dxp[:, :, p:p + H, p:p + W]

    assert "not with P" in _hint(checks.check_layer_dx(pad_by_p))


# --- Chapter 10 -------------------------------------------------------------------------------------------

def _f23(d, g, half=True):
    h = 0.5 if half else 1.0
    m1, m4 = (d[0] - d[2]) * g[0], (d[1] - d[3]) * g[2]
    m2, m3 = (d[1] + d[2]) * ((g[0] + g[1] + g[2]) * h), (d[2] - d[1]) * ((g[0] - g[1] + g[2]) * h)
    return np.array([m1 + m2 + m3, m2 - m3 - m4])


def test_winograd_f23_check():
    from convkit import checks as c
    assert c.check_winograd_f23(_f23)
    direct = c.check_winograd_f23(lambda d, g: np.array([d[0] * g[0] + d[1] * g[1] + d[2] * g[2],
                                                         d[1] * g[0] + d[2] * g[1] + d[3] * g[2]]))
    assert not direct and "6 multiplications" in str(direct)
    hidden = c.check_winograd_f23(lambda d, g: np.correlate(np.asarray(d, float), np.asarray(g, float), "valid"))
    assert not hidden and "numbers that count" in str(hidden)
    no_half = c.check_winograd_f23(lambda d, g: _f23(d, g, half=False))
    assert not no_half and "factor 1/2" in str(no_half)
    flipped = c.check_winograd_f23(lambda d, g: _f23(d, g[::-1]))
    assert not flipped and "convolution (w flipped)" in str(flipped)

    def stub(d, g):
        raise NotImplementedError

    assert str(c.check_winograd_f23(stub)).startswith("not yet") and "NotImplementedError" in str(c.check_winograd_f23(stub))


def _wino2d(x, g):
    from convkit.methods.winograd import AT, BT, G
    y = np.empty((x.shape[0] - 2, x.shape[1] - 2))
    u = G @ g @ G.T
    for i in range(0, y.shape[0], 2):
        for j in range(0, y.shape[1], 2):
            y[i : i + 2, j : j + 2] = AT @ (u * (BT @ x[i : i + 4, j : j + 4] @ BT.T)) @ AT.T
    return y


def test_winograd_corr2d_check():
    from convkit import checks as c
    assert c.check_winograd_corr2d(_wino2d)
    assert "w flipped" in str(c.check_winograd_corr2d(lambda x, g: _wino2d(x, g[::-1, ::-1])))
    assert "w is transposed" in str(c.check_winograd_corr2d(lambda x, g: _wino2d(x, g.T)))
    assert str(c.check_winograd_corr2d(lambda x, g: _wino2d(x, g)[:1])).startswith("not yet")
    boom = c.check_winograd_corr2d(lambda x, g: x[10, 10])
    assert str(boom).startswith("not yet") and "IndexError" in str(boom)


def test_answer_10_1():
    from convkit import checks as c
    assert c.check_answer("10.1", (56 * 56 * 64 * 64 * 9, 28 * 28 * 16 * 64 * 64))
    assert "28 x 28 tiles" in str(c.check_answer("10.1", (56 * 56 * 64 * 64 * 9, 56 * 56 * 16 * 64 * 64)))
    assert "direct needs more" in str(c.check_answer("10.1", (28 * 28 * 16 * 64 * 64, 56 * 56 * 64 * 64 * 9)))


RIGHT10 = {
    checks.check_winograd_f23: _f23,
    checks.check_winograd_corr2d: _wino2d,
}


# Chapter 11's checks: the receptive field, a depthwise-separable layer's cost, correlation through the FFT.

def right_receptive_field(layers):
    r, jump = 1, 1
    for f, s, d in layers:
        r += (f - 1) * d * jump
        jump *= s
    return r


def right_separable_cost(c, k, f, ho, wo):
    return c * f * f + c + c * k + k, ho * wo * (c * f * f + c * k)


def right_fft_corr2d(x, w):
    ho, wo = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
    spectrum = np.fft.rfft2(x) * np.conj(np.fft.rfft2(w, s=x.shape))
    return np.fft.irfft2(spectrum, s=x.shape)[:ho, :wo]


RIGHT11 = {
    checks.check_receptive_field: right_receptive_field,
    checks.check_separable_cost: right_separable_cost,
    checks.check_fft_corr2d: right_fft_corr2d,
}


def test_chapter11_receptive_field_hints():
    def no_strides(layers):
        return 1 + sum((f - 1) * d for f, s, d in layers)

    def own_stride(layers):
        r, jump = 1, 1
        for f, s, d in layers:
            jump *= s
            r += (f - 1) * d * jump
        return r

    assert "earlier layers multiply" in repr(checks.check_receptive_field(no_strides))
    assert "own stride does not widen" in repr(checks.check_receptive_field(own_stride))
    assert "multiply (F - 1) by D" in repr(checks.check_receptive_field(
        lambda layers: right_receptive_field([(f, s, 1) for f, s, d in layers])))


def test_chapter11_separable_cost_hints():
    standard = checks.check_separable_cost(lambda c, k, f, ho, wo: (k * (c * f * f + 1), ho * wo * k * c * f * f))
    assert "standard layer" in repr(standard)
    no_bias = checks.check_separable_cost(lambda c, k, f, ho, wo: (c * f * f + c * k, ho * wo * (c * f * f + c * k)))
    assert "biases" in repr(no_bias)


def test_chapter11_fft_corr2d_hints():
    def convolution(x, w):
        return right_fft_corr2d(x, w[::-1, ::-1])

    def whole(x, w):
        return np.fft.irfft2(np.fft.rfft2(x) * np.conj(np.fft.rfft2(w, s=x.shape)), s=x.shape)

    assert "convolution (w flipped)" in repr(checks.check_fft_corr2d(convolution))
    assert "keep only the valid outputs" in repr(checks.check_fft_corr2d(whole))


def test_grading_fft_corr2d_switches_corr2d_off():
    with pytest.raises(checks.NotYetError, match="switched off"):
        checks.check_fft_corr2d(lambda x, w: ck.corr2d(x, w))

# Every check of a student's function, with a right answer (check_answer and check_channel_output take
# hand-worked answers: their own tests are above).
ALL_RIGHT = {**RIGHT, **RIGHT6, **RIGHT7, **RIGHT8, **RIGHT_9, **RIGHT10, **RIGHT11}
HAND = {checks.check_channel_output: 15}


def test_every_check_of_a_function_is_tried_here():
    tried = {check.__name__ for check in [*ALL_RIGHT, *HAND]} | {"check_answer"}
    assert tried == {name for name in checks.__all__ if name.startswith("check_")}


@pytest.mark.parametrize("check", list(ALL_RIGHT), ids=lambda c: c.__name__)
def test_right_stub_and_crash(check):
    result = check(ALL_RIGHT[check])
    assert result and repr(result).startswith("correct")
    stubbed = check(stub)
    assert not stubbed and "not yet" in repr(stubbed) and "NotImplementedError" in repr(stubbed)
    crashed = check(lambda *a, **k: {}["missing"])
    assert not crashed and "your function raised KeyError" in repr(crashed)


# A check not passed must raise, or the graded cell scores full points for an untouched stub; a right
# answer passes while nbgrader grades (printed: no value for nbgrader to parse), its convkit functions on.
@pytest.mark.parametrize("check, right", [*ALL_RIGHT.items(), *HAND.items()], ids=lambda c: getattr(c, "__name__", ""))
def test_grading_not_passed_raises(check, right, monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with pytest.raises(checks.NotYetError, match="not yet .*NotImplementedError"):
        check(stub)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(checks.NotYetError, match="not yet .*NotImplementedError"):
        check(stub)
    monkeypatch.setattr(base, "_SWITCH_OFF", False)  # the right answers here call convkit's own functions
    assert check(right) is None
    assert capsys.readouterr().out.startswith("correct")


# --- The package's layout: convkit.checks re-exports each chapter module's checks -------------------

def chapter_modules():
    """convkit.checks.base and every chapter module, imported."""
    return [importlib.import_module(f"convkit.checks.{info.name}") for info in pkgutil.iter_modules(checks.__path__)
            if info.name not in GRADER_MODULES]


def notebook_code(path):
    """The code cells of a notebook, as one text."""
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def notebook_uses():
    """{notebook path: [every name used as checks.<name> in its code cells]}."""
    return {path: re.findall(r"\bchecks\.(\w+)", notebook_code(path)) for path in CHAPTERS}


def test_all_names_exist_once():
    assert len(checks.__all__) == len(set(checks.__all__))
    for name in checks.__all__:
        assert hasattr(checks, name), name


@pytest.mark.parametrize("module", chapter_modules(), ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_each_module_public_names_are_exported(module):
    public = [name for name, value in vars(module).items() if not name.startswith("_")
              and (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__ == module.__name__]
    assert sorted(public) == sorted(module.__all__)
    for name in module.__all__:
        assert name in checks.__all__ and getattr(checks, name) is getattr(module, name), name


def test_exported_names_come_from_the_modules():
    defined = {name for module in chapter_modules() for name in module.__all__}
    assert defined == set(checks.__all__)


def test_every_name_a_notebook_uses_exists():
    uses = notebook_uses()
    assert any(uses.values()), "no notebook uses a check: is the notebooks folder there?"
    for path, names in uses.items():
        for name in names:
            assert name in checks.__all__, f"{path.name} uses checks.{name}"


def test_each_chapter_module_holds_its_notebooks_checks():
    """notebooks/NN_name.ipynb's checks live in convkit/checks/chNN_name.py (check_answer, in base, serves all)."""
    for path, names in notebook_uses().items():
        module = importlib.import_module(f"convkit.checks.ch{path.stem}")
        for name in set(names) - set(base.__all__):
            assert name in module.__all__, f"{path.name} uses checks.{name}, which {module.__name__} does not hold"


def test_every_exercise_a_notebook_answers_by_hand_is_known():
    pattern = r"check_answer\(\s*[\"']([^\"']+)[\"']"
    answered = {path.name: re.findall(pattern, notebook_code(path)) for path in CHAPTERS}
    assert any(answered.values())
    for name, exercises in answered.items():
        for exercise in exercises:
            assert exercise in base._ANSWERS, (name, exercise)


@pytest.mark.parametrize("exercise", sorted(base._ANSWERS))
def test_each_hand_answer_and_its_hints(exercise):
    what, worked = base._ANSWERS[exercise]
    want, hints = worked()
    assert repr(checks.check_answer(exercise, want)) == f"correct (exercise {exercise})"
    assert repr(checks.check_answer(exercise, lambda: want)) == f"correct (exercise {exercise})"
    for wrong, advice in hints:
        assert f"Hint: {advice}." in repr(checks.check_answer(exercise, wrong))
    assert f"replace the ... with {what}" in repr(checks.check_answer(exercise, ...))


def test_an_unknown_exercise_lists_the_known_ones():
    assert repr(checks.check_answer("4.4", 1)) == f"not yet: no exercise '4.4'; choose one of {sorted(base._ANSWERS)}"


def old_module():
    """The source of convkit/checks.py before it became a package, from git; skip where there is no history."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)

    try:
        last = git("log", "-1", "--format=%H", "--", "convkit/checks.py").stdout.strip()
    except OSError:
        pytest.skip("no git here")
    for rev in (last, last + "^") if last else ():
        shown = git("show", f"{rev}:convkit/checks.py")
        if shown.returncode == 0:
            return shown.stdout
    pytest.skip("no git history of convkit/checks.py here (a shallow clone?)")


def test_every_name_the_old_module_exported_still_is():
    tree = ast.parse(old_module())
    exported = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AugAssign)) and "__all__" in ast.unparse(node).split("=")[0]:
            exported |= {elt.value for elt in node.value.elts}
    defined = {node.name for node in tree.body
               if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")}
    assert {name for name in defined if name.startswith("check_")} <= exported
    assert exported and exported <= set(checks.__all__), exported - set(checks.__all__)


HOOKED = r"""
import importlib.machinery, importlib.util, sys
# convkit reachable only through an import hook on sys.meta_path, as setuptools' editable installs make
# it (its folder is not on sys.path): the grader's hidden block must still find its files.
sys.path = [p for p in sys.path if p not in ("", {root!r})]
class Hook:
    def find_spec(self, name, path=None, target=None):
        if name == "convkit":
            return importlib.util.spec_from_file_location(name, {root!r} + "/convkit/__init__.py",
                                                          submodule_search_locations=[{root!r} + "/convkit"])
sys.meta_path.append(Hook())
assert importlib.machinery.PathFinder.find_spec("convkit") is None
answer_1_1 = ...
{hidden}
print("grader ran")
"""


def test_grading_the_hidden_block_finds_convkit_installed_through_an_import_hook(tmp_path):
    """The hidden block of a check cell, as nbgrader runs it, when convkit is installed in editable mode
    (found by a finder on sys.meta_path, not on sys.path): it loads the grader and the grader judges."""
    cell = next(c for c in json.loads(CHAPTERS[0].read_text())["cells"]
                if c.get("metadata", {}).get("nbgrader", {}).get("grade"))
    source = "".join(cell["source"])
    hidden = source.split("### BEGIN HIDDEN TESTS\n")[1].split("### END HIDDEN TESTS")[0]
    code = HOOKED.format(root=str(ROOT), hidden=hidden)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "NotYetError" in done.stderr and "grader ran" not in done.stdout, (done.stdout, done.stderr[-2000:])
