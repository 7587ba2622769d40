"""Chapter 9's helpers: photos in, filtered photos out, the upload control, the figures' contents."""
import datetime
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import convkit as ck  # noqa: E402
from convkit.figures import ch09_cnn as cf  # noqa: E402
from convkit.train import History, make_net  # noqa: E402
from figure_rules import rules_test  # noqa: E402


NET = make_net(0, channels=(16, 8))
DIGITS = np.random.default_rng(5).random((40, 1, 8, 8))
LABELS = np.arange(40) % 10
PREDICTED = np.where(np.arange(40) % 3 == 0, (LABELS + 1) % 10, LABELS)
W_TRUE = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
PHOTO = np.random.default_rng(6).random((300, 256, 3))
# Every figure the chapter draws, with made-up data of the chapter's shapes.
FIGURES = {
    "relu": lambda: cf.relu_figure(),
    "max pool": lambda: cf.maxpool_figure([[1, 3, 2, 0], [4, 2, 1, 1], [0, 5, 6, 6], [1, 2, 6, 3]], [[1, 2], [3, 4]]),
    "digits": lambda: cf.digits_figure(DIGITS, LABELS),
    "training": lambda: cf.training_figure(History(np.geomspace(2, 0.1, 8 * 45), np.linspace(0.5, 0.97, 8),
                                                   np.linspace(0.75, 0.98, 8), 1.0)),
    "16 filters": lambda: cf.filters_figure(NET[0].W),
    "feature maps": lambda: cf.feature_maps_figure(NET, DIGITS[0]),
    "confusion": lambda: cf.confusion_figure(cf.confusion_matrix(LABELS.repeat(9), PREDICTED.repeat(9))),
    "14 mistakes": lambda: cf.mistakes_figure(DIGITS, LABELS, PREDICTED),
    "no mistakes": lambda: cf.mistakes_figure(DIGITS, LABELS, LABELS),
    "kernel": lambda: cf.kernel_figure([W_TRUE * t for t in (0.1, 0.5, 0.9, 0.99, 1.0)], [0, 5, 10, 20, 40],
                                       np.geomspace(1, 1e-9, 41), W_TRUE),
    "photo": lambda: cf.photo_figure(PHOTO, cf.filter_photo(PHOTO)),
    "small photo": lambda: cf.photo_figure(PHOTO[:90, :70], cf.filter_photo(PHOTO[:90, :70])),
}
test_the_figure_rules = rules_test(FIGURES)

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)  # what the browser sends, as ipywidgets keeps it


def png_bytes(array, mode):
    buf = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_load_photo_from_bytes_in_any_colour_mode():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    np.testing.assert_allclose(cf.load_photo(png_bytes(rgb, "RGB")), rgb / 255.0)
    grey = rng.integers(0, 256, (4, 6), dtype=np.uint8)
    np.testing.assert_allclose(cf.load_photo(png_bytes(grey, "L")), np.repeat(grey[:, :, None] / 255.0, 3, axis=2))
    rgba = rng.integers(0, 256, (3, 3, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    np.testing.assert_allclose(cf.load_photo(png_bytes(rgba, "RGBA")), rgba[..., :3] / 255.0)


def test_a_large_photo_is_shrunk_and_the_sample_photo_ships_with_matplotlib(tmp_path):
    big = np.zeros((1300, 700, 3), dtype=np.uint8)
    path = tmp_path / "big.png"
    path.write_bytes(png_bytes(big, "RGB"))
    assert cf.load_photo(path).shape == (434, 234, 3)  # every 3rd pixel: longer side <= 600
    assert cf.sample_photo().shape == (300, 256, 3)


def test_not_a_picture_gets_a_clear_error(tmp_path):
    with pytest.raises(ck.ConvArgumentError, match="cannot read that as a picture"):
        cf.load_photo(b"this is not a picture")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ck.ConvArgumentError, match="cannot read that as a picture"):
        cf.load_photo(tmp_path / "notes.txt")


def test_filter_photo_is_each_channel_correlated_with_each_kernel():
    rng = np.random.default_rng(1)
    photo = rng.random((9, 11, 3))
    out = cf.filter_photo(photo)
    for name, w in cf.PHOTO_FILTERS.items():
        for c in range(3):
            np.testing.assert_allclose(out[name][:, :, c], ck.corr2d(np.pad(photo[:, :, c], 1), w), atol=1e-12)
    with pytest.raises(ck.ConvArgumentError, match="odd size"):
        cf.filter_photo(photo, {"even": np.ones((2, 2))})
    with pytest.raises(ck.ConvArgumentError, match=r"\(H, W, 3\)"):
        cf.filter_photo(photo[:, :, 0])


def test_upload_control_filters_an_uploaded_photo():
    box = cf.upload_control()
    upload, out = box.children
    assert upload.accept == "image/*" and not upload.multiple and not out.outputs
    rgb = np.random.default_rng(2).integers(0, 256, (12, 10, 3), dtype=np.uint8)
    content = png_bytes(rgb, "RGB")
    upload.value = ({"name": "mine.png", "type": "image/png", "size": len(content),
                     "content": memoryview(content), "last_modified": NOW},)
    assert out.outputs[0]["text"] == "mine.png: 12x10 pixels\n"
    picture = out.outputs[1]
    assert picture["data"]["image/png"] and "mine.png and its versions filtered with edges in x" in str(picture)
    upload.value = ({"name": "notes.txt", "type": "text/plain", "size": 5, "content": memoryview(b"hello"),
                     "last_modified": NOW},)
    assert len(out.outputs) == 1 and out.outputs[0]["text"].startswith(
        "notes.txt: cannot read that as a picture (JPEG, PNG, ...)")
    assert not plt.get_fignums()  # the figure was closed, so the notebook does not draw it a second time


def test_confusion_matrix_against_scikit_learn():
    from sklearn.metrics import confusion_matrix

    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 10, 200), rng.integers(0, 10, 200)
    np.testing.assert_array_equal(cf.confusion_matrix(y, p), confusion_matrix(y, p, labels=range(10)))


def test_the_kernel_figure_shows_w_true():
    fig = FIGURES["kernel"]()
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]
    assert "w_true" in texts and "step 40" in texts and texts.count("-2") == 1  # w_true's numbers as {:g}


def test_figures_show_what_they_say():
    net = make_net(0, channels=(4, 8))
    image = np.random.default_rng(4).random((1, 8, 8))
    fig = cf.feature_maps_figure(net, image, channels=4)
    texts = [t.get_text() for t in fig.axes[0].texts]
    labels = [t for t in texts if t == "input" or t[:4] in ("Conv", "ReLU", "MaxP")]
    assert labels == ["input", "Conv2D 4×8×8", "ReLU 4×8×8", "MaxPool2D 4×4×4", "Conv2D 8×4×4", "ReLU 8×4×4",
                      "MaxPool2D 8×2×2"]
    assert len(cf.filters_figure(net[0].W).axes) == 4 + 1  # the filters and a colour bar
    labels, predicted = np.array([1, 2, 3, 4]), np.array([1, 5, 3, 7])
    fig = cf.mistakes_figure(np.zeros((4, 1, 8, 8)), labels, predicted)
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["is 2,\nsaid 5", "is 4,\nsaid 7"]
    h = History(np.linspace(2, 0.1, 90), np.array([0.5, 0.9]), np.array([0.8, 0.95]), 1.0)
    assert len(cf.training_figure(h).axes) == 2
    fig = cf.maxpool_figure([[1, 3], [4, 2]], [[5]])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "dx: dout on the arg-max" in " ".join(texts) and texts.count("5") == 2  # dout and dx
