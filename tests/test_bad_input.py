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
    raises(r"unknown method 'fft'; choose one of 'loops', 'matrix', 'im2col', 'fast'", ck.conv2d, X, W, method="fft")
    raises(r"unknown method", ck.conv2d_backward, np.zeros((2, 4, 3, 3)), X, W, method="fft")
    raises(r"unknown method", ck.Conv2D, 3, 4, 3, method="fft")


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
    raises(r"dout must have the shape of the last forward's output \(2, 4, 5, 5\); got \(2, 4, 4, 4\)",
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
