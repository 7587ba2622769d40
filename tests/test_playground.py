"""DigitPlayground (Chapter 9): the state holds the trained net's weights, and the page's forward pass is convkit's.

The JavaScript forward pass (convkit/widgets_js/playground.js, float32) runs in node on all 360 test digits
and is compared with convkit's float64 forward pass of the same net: the same prediction for every digit,
and every logit within a bound derived from float32's unit roundoff and the layers' sizes (below).
"""
import base64
import json
import shutil
import subprocess

import numpy as np
import pytest

import convkit as ck
from convkit import nn
from convkit.data import load_digits
from convkit.playground import DigitPlayground
from convkit.train import make_net, predict, train

JS = ck.__path__[0] + "/widgets_js/playground.js"
U32, U64 = 2.0 ** -24, 2.0 ** -53  # unit roundoff of float32 and float64


@pytest.fixture(scope="module")
def trained():
    """The chapter's network, trained as the chapter trains it (8 epochs, seeds 0)."""
    data = load_digits()
    net = make_net(0)
    train(net, data, epochs=8, rng=0, progress=False)
    return net, data


def test_state_holds_the_nets_weights_as_float32(trained):
    net, data = trained
    w = DigitPlayground(net, data.x_test[:20], data.labels_test[:20], start=3)
    assert [layer["op"] for layer in w.layers] == ["conv", "relu", "maxpool", "conv", "relu", "maxpool", "flatten",
                                                   "linear"]
    for layer, state in zip(net, w.layers):
        if hasattr(layer, "W"):
            # little-endian float32 bytes in base64, 4 bytes a number: exactly the weights rounded to float32
            assert isinstance(state["W"], str) and len(base64.b64decode(state["W"])) == 4 * layer.W.size
            np.testing.assert_array_equal(float32s(state["W"]), layer.W.astype(np.float32).ravel())
            np.testing.assert_array_equal(float32s(state["b"]), layer.b.astype(np.float32))
    assert w.layers[0]["pad"] == [1, 1, 1, 1] and w.layers[0]["stride"] == [1, 1]
    assert (w.layers[0]["k"], w.layers[0]["c"], w.layers[3]["k"], w.layers[3]["c"]) == (16, 1, 32, 16)
    assert w.layers[2]["fh"] == 2 and w.layers[2]["stride"] == [2, 2]
    assert (w.layers[7]["in"], w.layers[7]["out"]) == (128, 10)
    # The digits on the data's own scale (convkit.data: ink counts / 16, 0 to 1); painting puts the full ink.
    np.testing.assert_array_equal(w.samples, data.x_test[:20, 0])
    assert w.labels == data.labels_test[:20].tolist() and w.image == data.x_test[3, 0].tolist()
    assert w.ink == 1.0 == data.x_test.max()
    assert repr(w) == "DigitPlayground(input 8x8, 8 layers, 6090 float32 weights, 20 test digits)"
    assert "export function forward" in str(w._esm) and "export default" in str(w._esm)
    # The state stays small: the weights' float32 bytes in base64, 20 digits (about 60 kB; 102.6 kB with the
    # weights as a JSON list of decimals, which the page also had to parse before the widget could start).
    size = len(json.dumps(w.get_state()))
    assert size < 64_000, size


def float32s(text):
    """The numbers of a state's base64 string (little-endian float32), as the page decodes them."""
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def test_bad_input_is_refused_naming_the_value(trained):
    net, data = trained
    x, y = data.x_test[:5], data.labels_test[:5]
    with pytest.raises(ck.ConvArgumentError, match=r"net must be a convkit.nn.Sequential.*got \[1, 2\]"):
        DigitPlayground([1, 2], x, y)
    with pytest.raises(ck.ConvArgumentError, match=r"images must be .*\(N, 1, H, W\).*shape \(5, 8, 8\)"):
        DigitPlayground(net, x[:, 0], y)
    with pytest.raises(ck.ConvArgumentError, match=r"finite ink values >= 0.*from -1.0"):
        DigitPlayground(net, x - 1.0, y)
    with pytest.raises(ck.ConvArgumentError, match=r"labels must be integers, one per image, shape \(5,\).*\(4,\)"):
        DigitPlayground(net, x, y[:4])
    with pytest.raises(ck.ConvArgumentError, match="start must be an int from 0 to 4.*got 5"):
        DigitPlayground(net, x, y, start=5)
    dilated = nn.Sequential(ck.Conv2D(1, 2, 3, padding=2, dilation=2, rng=0), nn.Flatten(), nn.Linear(128, 10, rng=0))
    with pytest.raises(ck.ConvArgumentError, match=r"dilation 1.*got Conv2D\(1, 2, .*dilation=\(2, 2\)"):
        DigitPlayground(dilated, x, y)
    with pytest.raises(ck.ConvArgumentError, match=r"runs Conv2D, ReLU, .*got Tanh\(\)"):
        DigitPlayground(nn.Sequential(Tanh()), x, y)


class Tanh:
    """A layer the page does not know."""

    def forward(self, x):
        return np.tanh(x)

    def backward(self, dout):
        return dout

    def __repr__(self):
        return "Tanh()"


def js_logits(images, layers, tmp_path):
    """The page's forward pass, run by node on each (H, W) image: its float32 logits."""
    shutil.copy(JS, tmp_path / "playground.mjs")  # an ES module whatever package.json says
    (tmp_path / "run.mjs").write_text(
        'import { forward } from "./playground.mjs";\nimport { readFileSync } from "node:fs";\n'
        'const { layers, images } = JSON.parse(readFileSync(0, "utf8"));\n'
        "process.stdout.write(JSON.stringify(images.map((im) => Array.from(forward(layers, im).logits))));\n")
    run = subprocess.run(["node", str(tmp_path / "run.mjs")], input=json.dumps({"layers": layers, "images": images}),
                         capture_output=True, text=True, timeout=120, check=True)
    return np.array(json.loads(run.stdout))


def gamma(n, u):
    return n * u / (1 - n * u)


def logit_bound(net, x):
    """How far float32 logits (weights rounded to float32, every product and sum in float32) can be from exact.

    Each output of a convolution or linear layer with n = C*FH*FW (or in_features) terms is a sum whose
    every term w*x has met at most n + 2 roundings of float32 (the weight, the product, the n - 1 additions
    and the bias), so it is off by at most gamma(n + 2) * (|W| |x| + |b|), plus |W| times the error of its
    inputs (gamma(k) = k u / (1 - k u), u = 2^-24; Higham, Accuracy and Stability, Ch. 3). ReLU and max
    pooling never increase an error (entry by entry). The float64 reference adds gamma(n + 1) with u = 2^-53.
    """
    a, e = np.abs(x), np.zeros_like(x)  # the digits k/16 are exact in float32: no input error
    for layer in net:
        if isinstance(layer, ck.Conv2D):
            n = layer.W[0].size
            absw = lambda v, b=None: ck.conv2d(v, np.abs(layer.W), b, layer.stride, layer.padding)
        elif isinstance(layer, nn.Linear):
            n = layer.W.shape[1]
            absw = lambda v, b=None: v @ np.abs(layer.W).T + (0 if b is None else b)
        else:
            a, e = np.abs(layer.forward(a)), layer.forward(e)  # ReLU, max pooling, flatten: |.| and error kept
            continue
        a_next = absw(a + e, np.abs(layer.b))
        e = absw(e) + (gamma(n + 2, U32) + gamma(n + 1, U64)) * a_next
        a = a_next
    return e


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's JavaScript")
def test_js_forward_pass_equals_convkits_on_every_test_digit(trained, tmp_path):
    net, data = trained
    w = DigitPlayground(net, data.x_test[:1], data.labels_test[:1])
    z_js = js_logits(data.x_test[:, 0].tolist(), w.layers, tmp_path)
    z = net.forward(data.x_test)  # convkit, float64, its own weights
    bound = logit_bound(net, data.x_test)
    diff = np.abs(z_js - z)
    print(f"\nJS float32 vs convkit float64 on {len(z)} digits: predictions equal on "
          f"{np.sum(z_js.argmax(1) == z.argmax(1))}/{len(z)}; max |logit difference| {diff.max():.3g}; "
          f"largest difference / bound {np.max(diff / bound):.3g}; bound from {bound.min():.3g} to {bound.max():.3g}")
    assert z_js.shape == (360, 10)
    np.testing.assert_array_equal(z_js.argmax(1), predict(net, data.x_test))
    assert np.all(diff <= bound)
