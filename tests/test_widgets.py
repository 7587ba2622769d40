"""The Python side of the widgets: the data they send the front end is convkit's own."""
import numpy as np
import pytest

import convkit as ck
from convkit.widgets import BackpropStepper, Im2colStepper, MatrixExplorer, WindowStepper


def test_window_stepper_sends_convkits_output():
    w = WindowStepper(np.arange(1, 10).reshape(3, 3), [[1, 2], [3, 4]])
    assert w.out == ck.corr2d(np.arange(1, 10).reshape(3, 3), [[1, 2], [3, 4]]).tolist() == [[37, 47], [67, 77]]
    assert (w.kernel_h, w.kernel_w, w.stride, w.padding, w.step) == (2, 2, 1, 0, 0)
    assert repr(w) == "WindowStepper(input 3x3, kernel 2x2, stride 1, padding 0, output 2x2)"


def test_window_stepper_non_square_with_stride_and_padding():
    x = np.arange(20).reshape(4, 5)
    k = np.array([[1, 0, -1], [2, 1, 0]])
    w = WindowStepper(x, k, stride=2, padding=1)
    want = ck.conv2d(x[None, None], k[None, None], None, 2, 1)[0, 0]
    np.testing.assert_array_equal(w.out, want)
    assert np.shape(w.out) == (3, 3)


def test_window_stepper_front_end_ships_with_the_package():
    w = WindowStepper([[1, 2], [3, 4]], [[1]])
    assert "export default" in str(w._esm) and "renderWindows" in str(w._esm)


def test_window_stepper_refuses_bad_input():
    with pytest.raises(ck.ConvArgumentError, match="x must be a non-empty 2-D array"):
        WindowStepper(np.zeros((2, 2, 2)), [[1]])
    with pytest.raises(ck.ConvArgumentError, match="output height is not a whole number"):
        WindowStepper(np.zeros((4, 4)), np.ones((2, 2)), stride=3)


def test_matrix_explorer_sends_w_star_and_the_output():
    x, k = np.arange(1, 10).reshape(3, 3), np.array([[1, 2], [3, 4]])
    w = MatrixExplorer(x, k)
    np.testing.assert_array_equal(w.m, ck.conv_matrix(k, (3, 3)))
    np.testing.assert_array_equal(np.array(w.m) @ x.ravel(), np.ravel(w.out))  # Y* = W* X*
    assert w.out == [[37, 47], [67, 77]]
    assert repr(w) == "MatrixExplorer(W* 4x9, output 2x2)"


def test_backprop_stepper_sends_the_input_gradient():
    x, wt, dy = np.array([1.0, -2.0, 3.0, 0.5, 2.0]), np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -1.0])
    w = BackpropStepper(x, wt, dy)
    numeric = ck.numerical_gradient(lambda v: ck.conv1d(v, wt), x.copy(), dy)
    np.testing.assert_allclose(w.dx, numeric, atol=1e-9)
    assert w.dx == [0.5, 0.0, -0.5, 5.0, -2.0]  # term by term: w0*dy0, w1*dy0 + w0*dy1, ...


def test_im2col_stepper_sends_columns_and_col2im():
    x = np.arange(16).reshape(4, 4)
    w = Im2colStepper(x, 2, 2, stride=1, padding=1)
    np.testing.assert_array_equal(w.cols, ck.im2col(x[None, None], 2, 2, 1, 1))
    # With padding 1 every pixel of the 4x4 lies in exactly four 2x2 windows.
    np.testing.assert_array_equal(w.back, 4 * x)
    with pytest.raises(ck.ConvArgumentError, match="not a whole number"):
        Im2colStepper(x, 3, 3, stride=2)


def test_im2col_stepper_col2im_is_x_times_the_window_count():
    """What the page's final col2im note states, on a geometry where corners lie in fewer windows."""
    x = np.arange(1, 26).reshape(5, 5)
    w = Im2colStepper(x, 3, 3, stride=1, padding=0)
    cover = np.zeros((5, 5), int)
    for i in range(3):
        for j in range(3):
            cover[i : i + 3, j : j + 3] += 1  # the window at (i, j), counted by hand
    np.testing.assert_array_equal(w.back, x * cover)
    assert cover[0, 0] == 1 and cover[2, 2] == 9


# Chapter 6: the channel stepper.
from convkit.widgets import ChannelStepper  # noqa: E402

X2 = np.array([[[1, 2, 0], [0, 1, 3], [2, 1, 1]], [[0, 1, 1], [2, 0, 1], [1, 3, 0]]])  # (C, H, W) = (2, 3, 3)
W2 = np.array([[[[1, 0], [0, 1]], [[0, 1], [1, 0]]], [[[1, -1], [0, 2]], [[2, 0], [-1, 1]]]])  # (K, C, FH, FW)


def test_channel_stepper_sends_convkits_output():
    b = np.array([1.0, -2.0])
    w = ChannelStepper(X2, W2, b)
    want = ck.conv2d(X2[None], W2, b)[0]
    np.testing.assert_array_equal(w.out, want)
    # y[0, 0, 0] by hand: b0 + (1*1 + 2*0 + 0*0 + 1*1) + (0*0 + 1*1 + 2*1 + 0*0) = 1 + 2 + 3
    assert w.out[0][0][0] == 6.0
    assert (w.stride, w.padding, w.step, w.kind) == (1, 0, 0, "channels")
    assert np.shape(w.x) == (2, 3, 3) and np.shape(w.w) == (2, 2, 2, 2) and w.b == [1.0, -2.0]
    assert repr(w) == "ChannelStepper(input 2x3x3, 2 filters 2x2x2, stride 1, padding 0, output 2x2x2)"


def test_channel_stepper_with_stride_padding_and_no_bias():
    rng = np.random.default_rng(0)
    x, wt = rng.integers(-3, 4, (3, 5, 4)), rng.integers(-2, 3, (4, 3, 3, 2))
    w = ChannelStepper(x, wt, stride=2, padding=1, step=5)
    np.testing.assert_array_equal(w.out, ck.conv2d(x[None], wt, None, 2, 1)[0])
    assert np.shape(w.out) == (4, 3, 3) and w.b == [0.0] * 4 and w.step == 5
    assert "renderChannels" in str(w._esm) and "channels: renderChannels" in str(w._esm)


def test_channel_stepper_refuses_bad_input():
    with pytest.raises(ck.ConvArgumentError, match=r"x must be a non-empty 3-D array of numbers \(C, H, W\); got shape \(1, 2, 3, 3\)"):
        ChannelStepper(X2[None], W2)
    with pytest.raises(ck.ConvArgumentError, match=r"w must be a non-empty 4-D array"):
        ChannelStepper(X2, W2[0])
    with pytest.raises(ck.ConvArgumentError, match="channel mismatch"):
        ChannelStepper(X2[:1], W2)
    with pytest.raises(ck.ConvArgumentError, match=r"b must have one entry per filter, shape \(K,\) = \(2,\); got \(3,\)"):
        ChannelStepper(X2, W2, np.zeros(3))
    with pytest.raises(ck.ConvArgumentError, match="not a whole number"):
        ChannelStepper(X2, W2, stride=2)
    with pytest.raises(ck.ConvArgumentError, match="stride must be one int"):
        ChannelStepper(X2, W2, stride=(1, 1))
    with pytest.raises(ck.ConvArgumentError, match=r"step must be between 0 and K\*Hout\*Wout - 1 = 7; got 8"):
        ChannelStepper(X2, W2, step=8)


# Chapter 7: the backprop stepper in 2-D (dx, dw and db at any stride and padding).

X7 = np.array([[1, 0, 2, 1, 0], [3, 1, 0, 2, 1], [0, 2, 1, 3, 0], [1, 0, 3, 1, 2], [2, 1, 0, 0, 1]], float)
W7 = np.arange(1.0, 10.0).reshape(3, 3)
DY7 = np.array([[1, 0, -1], [2, 1, 0], [0, -1, 1]], float)


@pytest.mark.parametrize("x, w, stride, padding", [
    (X7, W7, 2, 1),                                                          # the chapter's example
    (np.arange(20.0).reshape(4, 5), np.array([[1.0, -2.0], [0.5, 3.0]]), 1, 0),
    (np.arange(42.0).reshape(7, 6) % 5, np.array([[1.0, 0.0], [2.0, -1.0], [1.0, 1.0]]), 3, 1),
])
def test_backprop_stepper_2d_sends_convkits_gradients(x, w, stride, padding):
    out = ck.conv2d(x[None, None], w[None, None], stride=stride, padding=padding)[0, 0]
    dy = np.arange(out.size, dtype=float).reshape(out.shape) % 4 - 1.5
    widget = BackpropStepper(x, w, dy, stride=stride, padding=padding)
    dx, dw, db = ck.conv2d_backward(dy[None, None], x[None, None], w[None, None], stride, padding)
    np.testing.assert_array_equal(widget.dx, dx[0, 0])
    np.testing.assert_array_equal(widget.dw, dw[0, 0])
    assert widget.db == db[0] == dy.sum()
    # ... and they are the true gradients (numerical, as Chapter 4 checks them).
    num_dx = ck.numerical_gradient(lambda v: ck.conv2d(v[None, None], w[None, None], stride=stride,
                                                       padding=padding)[0, 0], x.copy(), dy)
    num_dw = ck.numerical_gradient(lambda v: ck.conv2d(x[None, None], v[None, None], stride=stride,
                                                       padding=padding)[0, 0], w.copy(), dy)
    assert ck.rel_error(widget.dx, num_dx) < ck.GRADIENT_CHECK_TOL
    assert ck.rel_error(widget.dw, num_dw) < ck.GRADIENT_CHECK_TOL
    assert (widget.dims, widget.stride, widget.padding, widget.wrt, widget.kind) == (2, stride, padding, "x", "backprop")


def test_backprop_stepper_2d_example_numbers_and_repr():
    """The numbers the chapter and the page state: dx[1, 1] = 9·1 + 7·0 + 3·2 + 1·1, dw[1, 1] = 3, db = 3."""
    widget = BackpropStepper(X7, W7, DY7, stride=2, padding=1, wrt="w", step=4)
    assert widget.dx[1][1] == 9 * 1 + 7 * 0 + 3 * 2 + 1 * 1 == 16
    assert widget.dw[1][1] == 3 and widget.db == 3
    assert (widget.wrt, widget.step) == ("w", 4)
    assert repr(widget) == "BackpropStepper(input 5x5, kernel 3x3, stride 2, padding 1, dy 3x3, showing dw)"


def test_backprop_stepper_1d_is_chapter_4s():
    """Chapter 4's call is unchanged: 1-D arrays, dx only, the same repr and traits."""
    widget = BackpropStepper(np.array([1.0, -2.0, 3.0, 0.5, 2.0]), np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -1.0]))
    assert widget.dims == 1 and widget.kind == "backprop" and widget.dx == [0.5, 0.0, -0.5, 5.0, -2.0]
    assert repr(widget) == "BackpropStepper(5 inputs, 3 weights, 3 outputs)"
    with pytest.raises(ck.ConvArgumentError, match="Pass x, w and dy as 2-D arrays"):
        BackpropStepper([1.0, 2.0, 3.0], [1.0, 1.0], [1.0, 1.0], stride=2)


def test_backprop_stepper_2d_refuses_bad_input():
    with pytest.raises(ck.ConvArgumentError, match=r"dy must have the output's shape \(Hout, Wout\) = \(3, 3\)"):
        BackpropStepper(X7, W7, np.ones((2, 2)), stride=2, padding=1)
    with pytest.raises(ck.ConvArgumentError, match="not a whole number"):
        BackpropStepper(X7, W7, np.ones((2, 2)), stride=3, padding=0)
    with pytest.raises(ck.ConvArgumentError, match="stride must be an int >= 1"):
        BackpropStepper(X7, W7, DY7, stride=(2, 2), padding=1)
    with pytest.raises(ck.ConvArgumentError, match="wrt must be 'x', 'w' or 'b'"):
        BackpropStepper(X7, W7, DY7, stride=2, padding=1, wrt="dx")
    with pytest.raises(ck.ConvArgumentError, match="w must be a non-empty 2-D array"):
        BackpropStepper(X7, np.ones((1, 3, 3)), DY7, stride=2, padding=1)


def test_backprop_stepper_2d_front_end_ships_with_the_package():
    source = BackpropStepper(X7, W7, DY7, stride=2, padding=1)._esm
    assert "renderBackprop2d" in str(source) and 'model.get("dims") === 2' in str(source)


# Chapter 8: the transposed-convolution stepper.
from convkit.widgets import TransposedStepper  # noqa: E402


@pytest.mark.parametrize("y, w, stride", [
    ([[1, 2], [3, -1]], [[1, 1, 1], [1, 2, 1], [1, 1, 1]], 2),          # the chapter's example
    (np.arange(6).reshape(2, 3) - 2.5, [[1, -2], [0.5, 3], [2, 1]], 3),  # non-square, floats, stride > F_W
    ([[2]], [[1, 2], [3, 4]], 1),
])
def test_transposed_stepper_sends_convkits_output_and_stamp_counts(y, w, stride):
    t = TransposedStepper(np.array(y), np.array(w), stride=stride)
    y4, w4 = np.array(y, float)[None, None], np.array(w, float)[None, None]
    np.testing.assert_array_equal(t.out, ck.conv_transpose2d(y4, w4, stride=stride)[0, 0])
    # The stamps covering each cell: (W*)^T applied to ones, with a kernel of ones.
    np.testing.assert_array_equal(t.cover, ck.conv_transpose2d(np.ones_like(y4), np.ones_like(w4), stride=stride)[0, 0])
    # The same output as (W*)^T y*, reshaped: the page's other view.
    h, wd = np.shape(t.out)
    m = ck.conv_matrix(np.array(w, float), (h, wd), stride)
    np.testing.assert_array_equal((m.T @ np.ravel(y)).reshape(h, wd), t.out)
    assert (t.kernel_h, t.kernel_w, t.stride, t.step, t.view) == (*np.shape(w), stride, 0, "stamps")
    assert t.k == np.array(w).tolist() and t.y == np.array(y).tolist()


def test_transposed_stepper_repr_and_checkerboard():
    t = TransposedStepper(np.array([[1, 2], [3, -1]]), np.ones((3, 3)), stride=2, step=3, view="matrix")
    assert repr(t) == "TransposedStepper(y 2x2, kernel 3x3, stride 2, output 5x5)"
    assert (t.step, t.view, t.kind) == (3, "matrix", "transposed")
    assert sorted({v for row in t.cover for v in row}) == [1, 2, 4]   # F = 3, S = 2: a checkerboard
    even = TransposedStepper(np.ones((4, 4)), np.ones((4, 4)), stride=2)
    assert np.array(even.cover)[2:-2, 2:-2].min() == np.array(even.cover)[2:-2, 2:-2].max() == 4


def test_transposed_stepper_refuses_bad_input():
    y, w = [[1, 2], [3, 4]], [[1]]
    for kwargs, message in [
        (dict(stride=0), "stride must be an int >= 1 .* got stride=0"),
        (dict(stride=1.5), "got stride=1.5"),
        (dict(step=4), r"step must be an int from 0 to H_out\*W_out - 1 = 3 .* got step=4"),
        (dict(step=-1), "got step=-1"),
        (dict(view="rows"), "view must be 'stamps' or 'matrix'.* got view='rows'"),
    ]:
        with pytest.raises(ck.ConvArgumentError, match=message):
            TransposedStepper(y, w, **kwargs)
    with pytest.raises(ck.ConvArgumentError, match=r"y must be a non-empty 2-D array of numbers; got shape \(2, 2, 1\)"):
        TransposedStepper(np.ones((2, 2, 1)), w)
    with pytest.raises(ck.ConvArgumentError, match=r"w must be a non-empty 2-D array of numbers; got shape \(0,\)"):
        TransposedStepper(y, [])


def test_transposed_stepper_front_end_ships_with_the_package():
    t = TransposedStepper([[1]], [[1]])
    assert "renderTransposed" in str(t._esm) and "transposed: renderTransposed" in str(t._esm)


# Chapter 8: the receptive-field explorer.
from convkit.widgets import ReceptiveFieldExplorer, receptive_field  # noqa: E402


@pytest.mark.parametrize("layers, outputs, cell", [
    ([(3, 1, 1), (3, 2, 1), (3, 1, 2)], 3, 1),   # the chapter's
    ([(3, 1, 1), (3, 1, 2), (3, 1, 4)], 3, 1),   # doubling dilations: 15 wide, no holes
    ([(2, 3, 1), (5, 2, 3)], 4, 3),              # stride larger than the kernel: holes
    ([(3, 1, 4)], 1, 0),
])
def test_receptive_field_explorer_field_is_convkits_gradient(layers, outputs, cell):
    """The field is the set of inputs with a non-zero dY/dX, and its width is the recurrence's r_L."""
    rf = ReceptiveFieldExplorer(layers, outputs, cell)
    # dY/dX by finite differences through the stack, with convkit's forward (weights of ones): independent of
    # the backward pass the widget uses.
    n0 = len(rf.field[0])
    def forward(x):
        for f, s, d in layers:
            x = ck.conv2d(x, np.ones((1, 1, 1, f)), None, s, 0, dilation=d)
        return x[0, 0, 0, cell]
    x = np.zeros((1, 1, 1, n0))
    grad = [forward(x + np.eye(n0)[t].reshape(x.shape)) - forward(x) for t in range(n0)]
    np.testing.assert_allclose(rf.field[0], grad, atol=1e-9)
    lit = np.flatnonzero(rf.field[0])
    r = 1
    for n, (f, s, d) in enumerate(layers):
        r += (f - 1) * d * int(np.prod([lay[1] for lay in layers[:n]]))
    assert rf.sizes[-1] == r == lit[-1] - lit[0] + 1
    assert [len(g) for g in rf.field][-1] == outputs and rf.field[-1][cell] == 1
    assert rf.field == receptive_field([list(v) for v in layers], outputs, cell)
    assert rf.step == len(layers) and rf.kind == "field"


def test_receptive_field_explorer_holes_and_repr():
    rf = ReceptiveFieldExplorer([(2, 3, 1), (5, 2, 3)], outputs=4, cell=3)
    lit = np.flatnonzero(rf.field[0])
    assert len(lit) < rf.sizes[-1]      # the dilation outruns the stride: holes in the field
    assert repr(ReceptiveFieldExplorer()) == ("ReceptiveFieldExplorer(3 layers (F, S, D) [(3, 1, 1), (3, 2, 1), "
                                              "(3, 1, 2)], output 1 of 3: field r = 13 inputs)")
    assert ReceptiveFieldExplorer().sizes == [1, 3, 5, 13]


def test_receptive_field_explorer_refuses_bad_input():
    for kwargs, message in [
        (dict(layers=[]), r"layers must be a list of 1 to 4 \(F, S, D\) triples.* got layers=\[\]"),
        (dict(layers=[(3, 1, 1)] * 5), "layers must be a list of 1 to 4"),
        (dict(layers=[(3, 0, 1)]), r"layer 1 must be \(F, S, D\).* got \(3, 0, 1\)"),
        (dict(layers=[(3, 1, 1), (3, 1)]), r"layer 2 must be \(F, S, D\).* got \(3, 1\)"),
        (dict(outputs=0), "outputs must be an int from 1 to 9; got outputs=0"),
        (dict(cell=3), "cell must be an int from 0 to outputs - 1 = 2; got cell=3"),
        (dict(step=4), r"step must be an int from 0 to len\(layers\) = 3; got step=4"),
    ]:
        with pytest.raises(ck.ConvArgumentError, match=message):
            ReceptiveFieldExplorer(**kwargs)
