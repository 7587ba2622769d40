"""convkit.nn against numerical gradients and PyTorch: each layer, the loss, the optimizers, a training run."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from convkit import nn
from convkit.data import load_digits
from convkit.train import batches, make_net

torch.set_num_threads(1)
TOL = 1e-8  # float64 gradient checks: rounding lands near 1e-10, a wrong term near 1e-2


def away_from_kinks(shape, rng, gap=1e-3):
    """Random entries, none within ``gap`` of 0 (ReLU's kink): centred differences with h = 1e-5 stay exact."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < gap, gap + np.abs(x), x)


def no_near_ties(pool, x, gap=1e-3):
    """True if no window of ``pool`` has a runner-up within ``gap`` of its maximum.

    Windows of ReLU's exact zeros are let through: their entries came from negative inputs at least
    a ReLU check's gap away from 0, so a step of h changes none of them.
    """
    (fh, fw), (sh, sw) = pool.kernel_size, pool.stride
    v = ck.im2col(x.reshape(-1, 1, *x.shape[2:]), fh, fw, (sh, sw))  # one column per window
    top2 = np.sort(v, axis=0)[-2:]
    return bool(np.all((top2[1] - top2[0] > gap) | (top2[1] == 0)))


def check_layer(layer, x, rng, params=()):
    """Gradient-check dx and each named parameter's gradient of ``layer`` at ``x``; returns the errors."""
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    grads = {name: getattr(layer, "d" + name).copy() for name in params}
    errors = {"dx": ck.rel_error(dx, ck.numerical_gradient(layer.forward, x.copy(), dout))}
    for name in params:
        value = getattr(layer, name)
        errors["d" + name] = ck.rel_error(grads[name], ck.numerical_gradient(lambda v: layer.forward(x), value, dout))
    return errors


# --- numerical gradients ------------------------------------------------------------------------

def test_relu_gradient():
    rng = np.random.default_rng(0)
    errors = check_layer(nn.ReLU(), away_from_kinks((2, 3, 4, 5), rng), rng)
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("kernel_size,stride,shape", [(2, None, (2, 3, 6, 4)), ((3, 2), (2, 1), (2, 2, 7, 5)),
                                                      (3, 1, (1, 2, 5, 5))])
def test_maxpool_gradient(kernel_size, stride, shape):
    rng = np.random.default_rng(1)
    pool = nn.MaxPool2D(kernel_size, stride)
    x = rng.standard_normal(shape)
    assert no_near_ties(pool, x)  # else a step of h could change the arg-max
    errors = check_layer(pool, x, rng)
    assert max(errors.values()) < TOL, errors


def test_flatten_gradient():
    rng = np.random.default_rng(2)
    errors = check_layer(nn.Flatten(), rng.standard_normal((3, 2, 2, 3)), rng)
    assert max(errors.values()) < TOL, errors


def test_linear_gradient():
    rng = np.random.default_rng(3)
    layer = nn.Linear(7, 4, rng=0)
    layer.b = rng.standard_normal(4)
    errors = check_layer(layer, rng.standard_normal((5, 7)), rng, params=("W", "b"))
    assert max(errors.values()) < TOL, errors


def test_softmax_cross_entropy_gradient():
    rng = np.random.default_rng(4)
    z, labels = rng.standard_normal((6, 10)) * 3, rng.integers(0, 10, 6)
    loss, dz = nn.softmax_cross_entropy(z, labels)
    numeric = ck.numerical_gradient(lambda v: np.array(nn.softmax_cross_entropy(v, labels)[0]), z.copy(), 1.0)
    assert ck.rel_error(dz, numeric) < TOL


def test_whole_network_gradient():
    """The chapter's CNN (small channels) end to end: dx and every parameter's gradient."""
    rng = np.random.default_rng(5)
    net = make_net(0, channels=(3, 4))
    for p in net.parameters():
        if p.name == "b":
            p.value[...] = rng.standard_normal(p.value.shape) * 0.1  # no zero biases: every term counts
    x, labels = rng.random((3, 1, 8, 8)), rng.integers(0, 10, 3)

    def loss_of(_):
        return np.array(nn.softmax_cross_entropy(net.forward(x), labels)[0])

    # Keep ReLU inputs away from 0 and pooling windows away from ties, so the checks are exact.
    acts = x
    for layer in net:
        if isinstance(layer, nn.ReLU):
            assert np.min(np.abs(acts)) > 1e-4
        if isinstance(layer, nn.MaxPool2D):
            assert no_near_ties(layer, acts, 1e-4)
        acts = layer.forward(acts)
    loss, dz = nn.softmax_cross_entropy(net.forward(x), labels)
    dx = net.backward(dz)
    numeric_dx = ck.numerical_gradient(lambda v: np.array(nn.softmax_cross_entropy(net.forward(v), labels)[0]),
                                       x.copy(), 1.0)
    assert ck.rel_error(dx, numeric_dx) < TOL
    for p in net.parameters():
        grad = p.grad.copy()
        assert ck.rel_error(grad, ck.numerical_gradient(loss_of, p.value, 1.0)) < TOL, p


def test_the_gradient_check_can_fail():
    """A ReLU that lets everything through, and a pool that spreads the gradient evenly, are caught."""
    rng = np.random.default_rng(6)
    x = away_from_kinks((2, 2, 4, 4), rng)
    dout = rng.standard_normal(x.shape)
    relu = nn.ReLU()
    assert ck.rel_error(dout, ck.numerical_gradient(relu.forward, x.copy(), dout)) > 1e-2
    pool = nn.MaxPool2D(2)
    dpool = rng.standard_normal((2, 2, 2, 2))
    spread = np.repeat(np.repeat(dpool, 2, axis=2), 2, axis=3) / 4
    assert ck.rel_error(spread, ck.numerical_gradient(pool.forward, x.copy(), dpool)) > 1e-2


# --- PyTorch ----------------------------------------------------------------------------------------

def torch_grad(fn, x, dout):
    t = torch.tensor(x, requires_grad=True)
    out = fn(t)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), t.grad.numpy()


@given(seed=st.integers(0, 2**32 - 1), fh=st.integers(1, 3), fw=st.integers(1, 3), sh=st.integers(1, 3),
       sw=st.integers(1, 3), ho=st.integers(1, 4), wo=st.integers(1, 4), ties=st.booleans())
def test_maxpool_against_pytorch(seed, fh, fw, sh, sw, ho, wo, ties):
    """Any window and stride (overlapping or not); with ``ties``, small integers make many equal maxima."""
    rng = np.random.default_rng(seed)
    shape = (2, 3, (ho - 1) * sh + fh, (wo - 1) * sw + fw)
    x = rng.integers(-2, 3, shape).astype(float) if ties else rng.standard_normal(shape)
    dout = rng.standard_normal((2, 3, ho, wo))
    pool = nn.MaxPool2D((fh, fw), (sh, sw))
    out, dx = pool.forward(x), pool.backward(dout)
    t_out, t_dx = torch_grad(lambda t: F.max_pool2d(t, (fh, fw), (sh, sw)), x, dout)
    np.testing.assert_array_equal(out, t_out)
    np.testing.assert_allclose(dx, t_dx, rtol=1e-12, atol=1e-12)


def test_maxpool_tie_rule():
    """A tie goes to the first maximum in reading order: row by row, then left to right."""
    x = np.array([[0.0, 5.0, 1.0, 1.0],
                  [5.0, 5.0, 1.0, 1.0]])[None, None]
    pool = nn.MaxPool2D(2)
    np.testing.assert_array_equal(pool.forward(x), [[[[5.0, 1.0]]]])
    dx = pool.backward(np.array([[[[1.0, 2.0]]]]))
    np.testing.assert_array_equal(dx[0, 0], [[0, 1, 2, 0], [0, 0, 0, 0]])


def test_maxpool_propagates_nan_as_pytorch_does():
    x = np.array([[1.0, np.nan, 3.0, 2.0], [0.0, 5.0, 1.0, np.nan]])[None, None]
    x = np.concatenate([x, x[:, :, ::-1]], axis=2)  # NaN first, last, and next to a larger number
    dout = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    pool = nn.MaxPool2D(2)
    out, dx = pool.forward(x), pool.backward(dout)
    t_out, t_dx = torch_grad(lambda t: F.max_pool2d(t, 2), x, dout)
    np.testing.assert_array_equal(out, t_out)  # NaN where PyTorch has NaN
    np.testing.assert_array_equal(dx, t_dx)
    assert np.isnan(out).all()


def test_maxpool_overlapping_windows_add_up():
    """With stride 1 a 3x3 window's maximum is the arg-max of every window that contains it."""
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 2] = 9.0
    pool = nn.MaxPool2D(3, stride=1)
    pool.forward(x)
    dx = pool.backward(np.ones((1, 1, 2, 2)))
    assert dx[0, 0, 1, 2] == 4 and dx.sum() == 4


@given(seed=st.integers(0, 2**32 - 1), shape=st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_relu_against_pytorch(seed, shape):
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, shape) * rng.random(shape)  # exact zeros too: their gradient is 0 in both
    dout = rng.standard_normal(shape)
    relu = nn.ReLU()
    out, dx = relu.forward(x), relu.backward(dout)
    t_out, t_dx = torch_grad(torch.relu, x, dout)
    np.testing.assert_array_equal(out, t_out)
    np.testing.assert_array_equal(dx, t_dx)


def test_linear_against_pytorch():
    rng = np.random.default_rng(7)
    layer = nn.Linear(6, 3, rng=1)
    layer.b = rng.standard_normal(3)
    x, dout = rng.standard_normal((5, 6)), rng.standard_normal((5, 3))
    out, dx = layer.forward(x), layer.backward(dout)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, layer.W, layer.b))
    t_out = F.linear(tx, tw, tb)
    t_out.backward(torch.tensor(dout))
    for ours, theirs in [(out, t_out.detach()), (dx, tx.grad), (layer.dW, tw.grad), (layer.db, tb.grad)]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_flatten_against_pytorch():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 4, 5))
    flat = nn.Flatten()
    out = flat.forward(x)
    dout = rng.standard_normal(out.shape)
    t_out, t_dx = torch_grad(lambda t: torch.flatten(t, 1), x, dout)
    np.testing.assert_array_equal(out, t_out)
    np.testing.assert_array_equal(flat.backward(dout), t_dx)


@pytest.mark.parametrize("scale", [1.0, 1e3])  # 1e3: exp would overflow without the max subtracted
def test_softmax_cross_entropy_against_pytorch(scale):
    rng = np.random.default_rng(9)
    z, labels = rng.standard_normal((8, 10)) * scale, rng.integers(0, 10, 8)
    loss, dz = nn.softmax_cross_entropy(z, labels)
    tz = torch.tensor(z, requires_grad=True)
    t_loss = F.cross_entropy(tz, torch.tensor(labels))
    t_loss.backward()
    assert np.isfinite(loss) and loss == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-10, atol=1e-15)


class _Holder:
    """A layer-like object with one parameter ``W`` whose gradient the test sets by hand."""

    def __init__(self, w):
        self.W, self.dW = w, None


@pytest.mark.parametrize("make", [
    (lambda p: nn.SGD(p, lr=0.1), lambda t: torch.optim.SGD(t, lr=0.1)),
    (lambda p: nn.SGD(p, lr=0.05, momentum=0.9), lambda t: torch.optim.SGD(t, lr=0.05, momentum=0.9)),
    (lambda p: nn.Adam(p), lambda t: torch.optim.Adam(t)),
    (lambda p: nn.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6),
     lambda t: torch.optim.Adam(t, lr=0.02, betas=(0.8, 0.99), eps=1e-6)),
], ids=["sgd", "sgd-momentum", "adam", "adam-options"])
def test_optimizers_against_pytorch(make):
    """Ten steps with the same gradients: the same parameters, to rounding."""
    ours_of, theirs_of = make
    rng = np.random.default_rng(10)
    w0 = rng.standard_normal((3, 4))
    holder = _Holder(w0.copy())
    tw = torch.tensor(w0.copy(), requires_grad=True)
    ours, theirs = ours_of([nn.Param(holder, "W")]), theirs_of([tw])
    for _ in range(10):
        g = rng.standard_normal(w0.shape)
        holder.dW = g
        tw.grad = torch.tensor(g)
        ours.step()
        theirs.step()
        np.testing.assert_allclose(holder.W, tw.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert np.abs(holder.W - w0).max() > 1e-3  # the parameter really moved, in place


def torch_twin(net):
    """The same network in PyTorch, float64, with a copy of ``net``'s current weights."""
    conv1, conv2, linear = [layer for layer in net if hasattr(layer, "W")]
    twin = torch.nn.Sequential(
        torch.nn.Conv2d(conv1.W.shape[1], conv1.W.shape[0], 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(conv2.W.shape[1], conv2.W.shape[0], 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(linear.W.shape[1], linear.W.shape[0]),
    ).double()
    with torch.no_grad():
        for ours, theirs in zip([conv1, conv2, linear], [twin[0], twin[3], twin[7]]):
            theirs.weight.copy_(torch.tensor(ours.W))
            theirs.bias.copy_(torch.tensor(ours.b))
    return twin


@pytest.mark.parametrize("optimizer", ["adam", "sgd-momentum"])
def test_training_matches_a_pytorch_twin(optimizer):
    """Same initial weights, same batches, same optimizer: the same loss at every step, to rounding."""
    data = load_digits()
    net = make_net(0, channels=(8, 16))
    twin = torch_twin(net)
    if optimizer == "adam":
        ours, theirs = nn.Adam(net.parameters(), lr=3e-3), torch.optim.Adam(twin.parameters(), lr=3e-3)
    else:
        ours = nn.SGD(net.parameters(), lr=0.05, momentum=0.9)
        theirs = torch.optim.SGD(twin.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    ours_loss, theirs_loss = [], []
    for _ in range(2):  # two epochs: 90 steps
        for idx in batches(len(data.labels_train), 32, rng):
            x, labels = data.x_train[idx], data.labels_train[idx]
            loss, dz = nn.softmax_cross_entropy(net.forward(x), labels)
            net.backward(dz)
            ours.step()
            theirs.zero_grad()
            t_loss = F.cross_entropy(twin(torch.tensor(x)), torch.tensor(labels))
            t_loss.backward()
            theirs.step()
            ours_loss.append(loss)
            theirs_loss.append(t_loss.item())
    ours_loss, theirs_loss = np.array(ours_loss), np.array(theirs_loss)
    assert ours_loss[-10:].mean() < 0.5 * ours_loss[:10].mean()  # it learned something
    # Measured here: 1e-15 (1e-14 relative) at worst, even over 15 epochs; the bound leaves room for
    # other CPUs' BLAS, and a wrong update rule or gradient misses it by orders of magnitude.
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=1e-10, atol=0)
    for ours_p, theirs_p in zip(net.parameters(), twin.parameters()):
        np.testing.assert_allclose(ours_p.value, theirs_p.detach().numpy(), rtol=0, atol=1e-10)


# --- interface and bad input ---------------------------------------------------------------------

def test_sequential_runs_in_order_and_lists_parameters():
    net = make_net(0, channels=(2, 3))
    assert len(net) == 8 and isinstance(net[1], nn.ReLU)
    assert [(type(p.layer).__name__, p.name) for p in net.parameters()] == [
        ("Conv2D", "W"), ("Conv2D", "b"), ("Conv2D", "W"), ("Conv2D", "b"), ("Linear", "W"), ("Linear", "b")]
    x = np.random.default_rng(0).random((4, 1, 8, 8))
    by_hand = x
    for layer in net:
        by_hand = layer.forward(by_hand)
    np.testing.assert_array_equal(net.forward(x), by_hand)
    assert net.forward(x).shape == (4, 10)
    assert net.backward(np.ones((4, 10))).shape == x.shape
    assert "MaxPool2D(kernel_size=(2, 2), stride=(2, 2))" in repr(net)


def test_same_seed_same_network():
    a, b = make_net(3), make_net(3)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.value, q.value)
    assert not np.array_equal(make_net(4)[0].W, a[0].W)


@pytest.mark.parametrize("call,message", [
    (lambda: nn.MaxPool2D(2).forward(np.zeros((1, 1, 5, 4))),
     r"MaxPool2D\(kernel_size=\(2, 2\), stride=\(2, 2\)\) does not fit x.shape=\(1, 1, 5, 4\).*not a whole number"),
    (lambda: nn.MaxPool2D(2).forward(np.zeros((4, 4))), r"x must be 4-D \(N, C, H, W\); got x.shape=\(4, 4\)"),
    (lambda: nn.MaxPool2D(0), r"kernel_size must be >= 1; got kernel_size=0"),
    (lambda: nn.Linear(64, 10).forward(np.zeros((2, 16, 2, 2))), r"\(N, in_features\) = \(N, 64\).*Flatten"),
    (lambda: nn.Linear(3, 0), r"must be >= 1"),
    (lambda: nn.ReLU().backward(np.zeros(3)), r"ReLU\(\).backward\(\) needs a forward\(\) first"),
    (lambda: (lambda r: (r.forward(np.zeros((2, 3))), r.backward(np.zeros((3, 2)))))(nn.ReLU()),
     r"dout must have the shape of the last forward's output \(2, 3\); got dout.shape=\(3, 2\)"),
    (lambda: nn.softmax_cross_entropy(np.zeros((2, 10)), [3, 10]),
     r"labels must lie in 0..9.*got \[10\] at rows \[1\]"),
    (lambda: nn.softmax_cross_entropy(np.zeros((2, 10)), [1.0, 2.0]), r"labels must be integers"),
    (lambda: nn.softmax_cross_entropy(np.zeros((2, 10)), [1, 2, 3]), r"labels must have shape \(N,\) = \(2,\)"),
    (lambda: nn.softmax_cross_entropy(np.zeros(10), [1]), r"logits must be 2-D \(N, M\)"),
    (lambda: nn.SGD(make_net(0).parameters(), lr=-1), r"SGD: lr must be a number with lr > 0; got lr=-1"),
    (lambda: nn.SGD(make_net(0).parameters(), lr=0.1, momentum=1.0), r"0 < momentum < 1; got momentum=1.0"),
    (lambda: nn.Adam([np.zeros(3)]), r"Adam takes a list of convkit.nn.Param"),
    (lambda: nn.Adam([]), r"Adam got no parameters"),
    (lambda: nn.Sequential(nn.ReLU(), print), r"layer 1 \(<built-in function print>\) has no forward"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ck.ConvArgumentError, match=message):
        call()


def test_integer_input_becomes_float():
    x = np.arange(-4, 4).reshape(1, 2, 2, 2)
    assert nn.ReLU().forward(x).dtype == np.float64
    np.testing.assert_array_equal(nn.MaxPool2D(2).forward(x)[:, :, 0, 0], [[-1.0, 3.0]])
