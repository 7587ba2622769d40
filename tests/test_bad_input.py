"""Every bad argument gets a ConvArgumentError (a ValueError) that names the offending values."""
import numpy as np
import pytest

import convkit as ck

X = np.zeros((2, 3, 5, 5))
W = np.zeros((4, 3, 3, 3))


def raises(match, fn, *args, **kwargs):
    with pytest.raises(ck.ConvArgumentError, match=match) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    return str(info.value)


@pytest.mark.parametrize("method", ck.METHODS)
def test_conv2d_shapes(method):
    raises(r"x must be 4-D \(N, C, H, W\); got x.shape=\(5, 5\)", ck.conv2d, np.zeros((5, 5)), W, method=method)
    raises(r"w must be 4-D .*w.shape=\(3, 3\)", ck.conv2d, X, np.zeros((3, 3)), method=method)
    raises(r"channel mismatch: x has C=3 .*w expects C=2", ck.conv2d, X, np.zeros((4, 2, 3, 3)), method=method)
    raises(r"b must have shape \(K,\) = \(4,\).*got b.shape=\(3,\)", ck.conv2d, X, W, np.zeros(3), method=method)
    raises(r"empty dimension: x.shape=\(0, 3, 5, 5\)", ck.conv2d, np.zeros((0, 3, 5, 5)), W, method=method)


def test_stride_and_padding_values():
    raises(r"stride must be >= 1; got stride=0", ck.conv2d, X, W, stride=0)
    raises(r"stride must be >= 1; got stride=\(1, 0\)", ck.conv2d, X, W, stride=(1, 0))
    raises(r"padding must be >= 0; got padding=-1", ck.conv2d, X, W, padding=-1)
    raises(r"stride must be an int or a pair.*stride=1.5", ck.conv2d, X, W, stride=1.5)
    raises(r"padding must be an int or a pair.*padding=\(1, 1, 1\)", ck.conv2d, X, W, padding=(1, 1, 1))
    raises(r"stride must be an int or a pair.*True", ck.conv2d, X, W, stride=True)


def test_window_larger_than_padded_input():
    msg = raises(r"window is larger than the padded input along the height", ck.conv2d,
                 np.zeros((1, 3, 2, 9)), W)
    assert "FH=3 > H + 2P = 2 + 2*0 = 2" in msg
    raises(r"along the width: FW=4 > W \+ 2P = 3", ck.conv2d, np.zeros((1, 1, 9, 3)), np.zeros((1, 1, 2, 4)))


def test_output_size_not_whole_names_dimension_formula_and_fix():
    msg = raises(r"output width is not a whole number", ck.conv2d, np.zeros((1, 3, 5, 6)), W, stride=2)
    assert "(W - FW + 2P)/S + 1 = (6 - 3 + 2*0)/2 + 1 = 2.5" in msg
    assert "P=1 (gives 3)" not in msg  # 6 - 3 + 2 = 5 is odd too: no padding helps with stride 2
    assert "No symmetric padding works" in msg and "crop the input to 5" in msg
    assert "would give 2 and drop 1 row(s)/column(s) of the input" in msg
    msg = raises(r"output height is not a whole number", ck.conv2d, np.zeros((1, 3, 7, 5)), W, stride=(3, 1))
    assert "(7 - 3 + 2*0)/3 + 1 = 2.33333" in msg and "P=1 (gives 3)" in msg
    # ResNet's 3x3, stride 2, padding 1 on 56: flooring loses only padding, and the message says so.
    msg = raises(r"not a whole number", ck.output_size, 56, 3, 2, 1)
    assert "would give 28 and drop 1 of the 1 zero padding" in msg and "no input lost" in msg
    msg = raises(r"not a whole number", ck.output_size, 7, 2, 2, 0)
    assert "P=" not in msg
    msg = raises(r"not a whole number", ck.output_size, 8, 3, 3, 0)
    assert "P=2 (gives 4)" in msg


def test_non_square_kernel_checked_on_the_right_side():
    # Seed 003 checks the width against the kernel's height; a 2x3 kernel on a
    # 4x5 input, stride 2, is fine along both axes only if each uses its own side.
    assert ck.conv2d(np.zeros((1, 1, 4, 5)), np.zeros((1, 1, 2, 3)), stride=2).shape == (1, 1, 2, 2)
    raises(r"output width", ck.conv2d, np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 3)), stride=2)


def test_unknown_method():
    raises(r"unknown method 'cudnn'; choose one of 'loops', 'matrix', 'im2col', 'fast'", ck.conv2d, X, W, method="cudnn")
    raises(r"unknown method", ck.conv2d_backward, np.zeros((2, 4, 3, 3)), X, W, method="cudnn")
    raises(r"unknown method", ck.Conv2D, 3, 4, 3, method="cudnn")


def test_dtype_and_non_arrays():
    raises(r"x must hold real numbers; got dtype complex128", ck.conv2d, X.astype(complex), W)
    raises(r"x must hold real numbers; got dtype <U1", ck.conv2d, np.full((1, 1, 3, 3), "a"), W)
    raises(r"x is not an array", ck.conv2d, [[1, 2], [3]], W)


def test_backward_dout_shape():
    raises(r"dout must have the output's shape \(N, K, Hout, Wout\) = \(2, 4, 3, 3\).*got dout.shape=\(2, 4, 3\)",
           ck.conv2d_backward, np.zeros((2, 4, 3)), X, W)
    raises(r"dout must have the output's shape \(4,\).*got dout.shape=\(3,\)", ck.conv1d_backward,
           np.zeros(3), np.zeros(6), np.zeros(3))


def test_corr2d_and_conv_matrix():
    raises(r"corr2d takes a 2-D input .*x.shape=\(1, 3, 3\)", ck.corr2d, np.zeros((1, 3, 3)), np.zeros((2, 2)))
    raises(r"kernel must fit inside the input: w.shape=\(4, 1\), x.shape=\(3, 3\)", ck.corr2d, np.zeros((3, 3)),
           np.zeros((4, 1)))
    raises(r"conv_matrix is for one channel", ck.conv_matrix, np.zeros((1, 2, 2)), (3, 3))
    raises(r"output width is not a whole number", ck.conv_matrix, np.zeros((2, 2)), (4, 3), stride=2)


def test_conv1d():
    raises(r"1-D signal x \(L,\).*x.shape=\(2, 3\)", ck.conv1d, np.zeros((2, 3)), np.zeros(2))
    raises(r"stride must be an int >= 1; got stride=0", ck.conv1d, np.zeros(5), np.zeros(2), stride=0)
    raises(r"padding must be an int >= 0; got padding=-2", ck.conv1d, np.zeros(5), np.zeros(2), padding=-2)
    raises(r"output length is not a whole number: \(L - F \+ 2P\)/S \+ 1 = \(5 - 2", ck.conv1d, np.zeros(5),
           np.zeros(2), stride=2)
    raises(r"F=6 > L \+ 2P = 5", ck.conv1d, np.zeros(5), np.zeros(6))
    raises(r"b must be a scalar", ck.conv1d, np.zeros(5), np.zeros(2), b=np.zeros(2))


def test_im2col_col2im():
    raises(r"x must be 4-D", ck.im2col, np.zeros((4, 4)), 2, 2)
    raises(r"\(fh, fw\) must be >= 1", ck.im2col, np.zeros((1, 1, 4, 4)), 0, 2)
    raises(r"cols must have shape \(C\*fh\*fw, N\*Hout\*Wout\) = \(4, 25\).*got cols.shape=\(4, 24\)",
           ck.col2im, np.zeros((4, 24)), (1, 1, 4, 4), 2, 2, 1, 1)
    raises(r"x_shape must be \(N, C, H, W\)", ck.col2im, np.zeros((4, 25)), (4, 4), 2, 2)


def test_output_size_arguments():
    raises(r"stride must be an int >= 1; got stride=0", ck.output_size, 5, 3, 0)
    raises(r"n must be an int >= 1; got n=5.0", ck.output_size, 5.0, 3)
    raises(r"F|f=6 > n \+ 2P", ck.output_size, 5, 6)


def test_layer_misuse():
    layer = ck.Conv2D(3, 4, 3, padding=1, rng=0)
    raises(r"backward\(\) needs a forward\(\) first", layer.backward, np.zeros((2, 4, 5, 5)))
    layer.forward(X)
    raises(r"dout must have the shape of the last forward's output \(2, 4, 5, 5\); got dout.shape=\(2, 4, 4, 4\)",
           layer.backward, np.zeros((2, 4, 4, 4)))
    raises(r"channel mismatch", layer.forward, np.zeros((2, 1, 5, 5)))
    raises(r"kernel_size must be >= 1", ck.Conv2D, 3, 4, 0)


def test_numerical_gradient_refuses_float32():
    raises(r"float64 ndarray .* got float32", ck.numerical_gradient, lambda v: v, np.zeros(3, np.float32),
           np.ones(3))
    raises(r"rel_error compares arrays of one shape", ck.rel_error, np.zeros(3), np.zeros(4))


def test_fast_path_cache_survives_a_later_forward():
    """The fast path shares its scratch buffers between calls (the workspace), never its cache."""
    from convkit.geometry import conv_geometry
    from convkit.methods import fast

    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal(X.shape), rng.standard_normal(W.shape), np.zeros(4)
    ws = {}
    g = conv_geometry(x.shape, w.shape, 1, 1)
    dout = rng.standard_normal(g.out_shape)
    _, first = fast.forward(x, w, b, g, ws)
    expected = fast.backward(dout, first, {})
    fast.forward(rng.standard_normal(x.shape), w, b, g, ws)
    got = fast.backward(dout, first, ws)
    for name, a, e in zip(("dx", "dw", "db"), got, expected):
        np.testing.assert_array_equal(a, e, err_msg=name)


# Dilation, drop_last, pad, from_weights and the transposed convolution (Chapter 8).
X1, W1 = np.zeros((1, 1, 6, 5)), np.zeros((1, 1, 3, 3))


@pytest.mark.parametrize("method", ck.METHODS)
def test_dilation_values(method):
    raises(r"dilation must be >= 1; got dilation=0", ck.conv2d, X, W, method=method, dilation=0)
    raises(r"dilation must be >= 1; got dilation=\(2, 0\)", ck.conv2d_backward, np.zeros((2, 4, 3, 3)), X, W,
           method=method, dilation=(2, 0))
    raises(r"dilation must be an int or a pair.*dilation=1.5", ck.conv2d, X, W, method=method, dilation=1.5)
    raises(r"dilation must be an int or a pair.*dilation=True", ck.Conv2D, 3, 4, 3, method=method, dilation=True)
    raises(r"dilation must be an int >= 1; got dilation=0", ck.output_size, 7, 3, dilation=0)


def test_dilated_window_larger_than_the_padded_input():
    msg = raises(r"the dilated window is larger than the padded input along the height", ck.conv2d,
                 np.zeros((1, 1, 5, 9)), W1, dilation=3)
    assert "D(FH - 1) + 1 = 3*(3 - 1) + 1 = 7 > H + 2P = 5 + 2*0 = 5" in msg
    assert ck.conv2d(np.zeros((1, 1, 5, 9)), W1, dilation=3, padding=1).shape == (1, 1, 1, 5)


def test_dilated_output_size_not_whole_gives_pytorchs_formula_and_the_opt_in():
    msg = raises(r"output height is not a whole number", ck.conv2d, np.zeros((1, 1, 8, 5)), W1, dilation=2,
                 stride=2)
    assert "(H + 2P - D(FH - 1) - 1)/S + 1 = (8 + 2*0 - 2*(3 - 1) - 1)/2 + 1 = 2.5" in msg
    assert "H - D(FH - 1) - 1 = 3 is odd" in msg and "would give 2 and drop 1 row(s)/column(s)" in msg
    assert msg.endswith("To floor on purpose, pass drop_last=True.")
    msg = raises(r"not a whole number", ck.output_size, 10, 3, 3, 0, 2)
    assert "(n + 2P - D(f - 1) - 1)/S + 1 = (10 + 2*0 - 2*(3 - 1) - 1)/3 + 1 = 2.66667" in msg
    assert "P=2 (gives 4)" in msg and "P=1" not in msg  # the window spans 5: (10 + 2P - 5) must divide by 3
    assert ck.output_size(10, 3, 3, 2, 2) == 4


def test_drop_last_is_offered_only_where_it_exists():
    assert "drop_last" not in raises(r"not a whole number", ck.conv1d, np.zeros(5), np.zeros(2), stride=2)
    for fn, args in [(ck.conv2d, (X1, W1)), (ck.output_size, (6, 3)), (ck.im2col, (X1, 3, 3)),
                     (ck.conv_matrix, (np.zeros((3, 3)), (6, 5)))]:
        assert "pass drop_last=True" in raises(r"not a whole number", fn, *args, stride=2)
        assert fn(*args, stride=2, drop_last=True) is not None


@pytest.mark.parametrize("bad", ["yes", 1, None, np.zeros(3)])
def test_drop_last_must_be_a_bool(bad):
    raises(r"drop_last must be True or False", ck.conv2d, X1, W1, drop_last=bad)
    raises(r"drop_last must be True or False", ck.Conv2D, 1, 1, 3, drop_last=bad)
    raises(r"drop_last must be True or False", ck.output_size, 6, 3, drop_last=bad)


def test_pad_and_padding_both_given():
    raises(r"padding and its alias pad are both given, with different values \(padding=1, pad=2\): give one",
           ck.conv2d, X, W, padding=1, pad=2)
    raises(r"padding and its alias pad", ck.Conv2D.from_weights, W, padding=(1, 0), pad=1)
    assert ck.conv2d(X, W, padding=1, pad=1).shape == (2, 4, 5, 5)  # the same value twice is no conflict


def test_dlfs_habit_conv2d_of_weights_is_a_short_error_naming_from_weights():
    """Conv2D(W, b, stride, pad) as Deep Learning from Scratch's Convolution: say what to call, print no array."""
    w = np.random.default_rng(0).standard_normal((30, 1, 5, 5))
    for args, kwargs in [((w, np.zeros(30), 1, 0), {}), ((w, np.zeros(30)), {"stride": 1, "pad": 0})]:
        msg = raises(r"^Conv2D\(in_channels, out_channels, kernel_size, ...\) makes a layer with new weights",
                     ck.Conv2D, *args, **kwargs)
        assert "array of shape (30, 1, 5, 5)" in msg and "Conv2D.from_weights(W, b, stride, pad)" in msg
        assert len(msg) < 400 and "[" not in msg and "height" not in msg
    assert "out_channels must be an int >= 1; got out_channels=an array of shape (30,)" in raises(
        r"out_channels", ck.Conv2D, 3, np.zeros(30), 3)
    raises(r"in_channels must be an int >= 1; got in_channels=3.0", ck.Conv2D, 3.0, 4, 3)
    raises(r"out_channels must be an int >= 1; got out_channels=0", ck.Conv2D, 3, 0, 3)
    raises(r"kernel_size is missing", ck.Conv2D, 3, 4)


def test_from_weights_errors_name_the_argument_and_shape():
    w = np.zeros((30, 1, 5, 5))
    raises(r"W must be 4-D \(K, C, FH, FW\); got W.shape=\(5, 5\)", ck.Conv2D.from_weights, w[0, 0])
    raises(r"b must have shape \(K,\) = \(30,\), one per filter; got b.shape=\(3,\)", ck.Conv2D.from_weights, w,
           np.zeros(3))
    msg = raises(r"stride must be an int or a pair of ints \(height, width\); got stride=an array of shape "
                 r"\(30, 1, 5, 5\)", ck.Conv2D.from_weights, w, None, w)
    assert len(msg) < 150
    raises(r"W must hold real numbers", ck.Conv2D.from_weights, w.astype(complex))
    raises(r"unknown method 'cudnn'", ck.Conv2D.from_weights, w, method="cudnn")
    raises(r"channel mismatch: x has C=3", ck.Conv2D.from_weights(w).forward, np.zeros((1, 3, 5, 5)))


def test_long_values_are_cut_in_messages():
    msg = raises(r"stride must be an int or a pair", ck.conv2d, X, W, stride=list(range(300)))
    assert len(msg) < 150 and msg.endswith("...")


def test_transposed_convolution_arguments():
    y, w = np.zeros((1, 2, 3, 3)), np.zeros((2, 1, 3, 3))
    raises(r"channel mismatch: y has K=2 channels \(y.shape=\(1, 2, 3, 3\)\) but w has K=3 filters", ck.conv_transpose2d,
           y, np.zeros((3, 1, 3, 3)))
    raises(r"y must be 4-D \(N, K, Hy, Wy\); got y.shape=\(3, 3\)", ck.conv_transpose2d, y[0, 0], w)
    raises(r"output_padding must be smaller than the stride.*got output_padding=2 with stride=2",
           ck.conv_transpose2d, y, w, stride=2, output_padding=2)
    raises(r"output_padding must be smaller than the stride.*got output_padding=1 with stride=1",
           ck.conv_transpose2d, y, w, dilation=2, output_padding=1)  # PyTorch allows it; convkit says why not
    raises(r"output_padding must be >= 0", ck.conv_transpose2d, y, w, output_padding=-1)
    raises(r"output height would be \(Hy - 1\)\*S - 2P \+ D\(F - 1\) \+ 1 \+ output_padding = "
           r"\(1 - 1\)\*1 - 2\*1 \+ 1\*\(1 - 1\) \+ 1 \+ 0 = -1 < 1", ck.conv_transpose2d, np.zeros((1, 2, 1, 1)),
           np.zeros((2, 1, 1, 1)), padding=1)
    raises(r"b must have shape \(C,\) = \(1,\), one per output channel \(w.shape\[1\]\); got b.shape=\(2,\)",
           ck.conv_transpose2d, y, w, np.zeros(2))
    raises(r"dout must have the shape of conv_transpose2d's output \(N, C, H, W\) = \(1, 1, 5, 5\).*"
           r"got dout.shape=\(1, 1, 4, 4\)", ck.conv_transpose2d_backward, np.zeros((1, 1, 4, 4)), y, w)
    raises(r"unknown method", ck.conv_transpose2d_backward, np.zeros((1, 1, 5, 5)), y, w, method="cudnn")
    raises(r"y must hold real numbers", ck.conv_transpose2d, y.astype(complex), w)
    raises(r"output_padding must be smaller than the stride; got output_padding=2 with stride=2",
           ck.transposed_output_size, 4, 3, 2, 1, 1, 2)
    raises(r"f must be an int >= 1; got f=0", ck.transposed_output_size, 4, 0)
