"""Figures, photo helpers and the upload control of Chapter 9 (a small CNN that learns).

Drawn with the book's one kit (:mod:`convkit.figures.kit`): each figure fits a
phone's text column, stacking what the page's width cannot hold side by side; no
figure tells things apart by colour alone.
"""
from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np

from .. import conv2d
from ..errors import ConvArgumentError
from .kit import (BLUE, CELL_IN, DPI, MIN_FONT_PT, ORANGE, ROOM_IN, SKY, VERMILION, caption, caption_height, draw_grid,
                  grid, legible, line, outline, plot_figure, sheet, wrap)

__all__ = ["PHOTO_FILTERS", "maxpool_figure", "relu_figure", "training_figure", "filters_figure",
           "feature_maps_figure", "digits_figure", "confusion_matrix", "confusion_figure", "mistakes_figure",
           "kernel_figure",
           "sample_photo", "load_photo", "filter_photo", "photo_figure", "upload_control"]

#: Hand-made 3x3 filters for photographs: name -> w (FH, FW). The edge filters sum to 0 (flat regions
#: give 0), the blur and the sharpening sum to 1 (flat regions keep their brightness).
PHOTO_FILTERS = {
    "edges in x": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "edges in y": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "blur": np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16,
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
}


def relu_figure():
    """ReLU above its derivative (the derivative taken as 0 at 0)."""
    t = np.linspace(-2, 2, 401)
    fig = plot_figure(4.4)
    axes = fig.subplots(2, 1, sharex=True)
    axes[0].plot(t, np.maximum(t, 0), color=BLUE, lw=2.5)
    axes[0].set_title("ReLU: out = max(x, 0)")
    axes[1].plot(t[t <= 0], 0 * t[t <= 0], color=VERMILION, lw=2.5)
    axes[1].plot(t[t > 0], 1 + 0 * t[t > 0], color=VERMILION, lw=2.5, linestyle="--")
    axes[1].plot([0], [0], "o", color=VERMILION, ms=7)
    axes[1].plot([0], [1], "o", mfc="white", mec=VERMILION, ms=7)
    axes[1].set_title("d out / d x: 0 for x ≤ 0,\n1 for x > 0")
    for ax in axes:
        ax.axhline(0, color="#888888", lw=0.8)
        ax.axvline(0, color="#888888", lw=0.8)
    axes[1].set_xlabel("x")
    return legible(fig)


def maxpool_figure(x, dout, size=2):
    """A 2-D max pool forward and backward on one channel: the input with each window's arg-max
    outlined, the output; below, dx (dout on the arg-maxes, 0 elsewhere) and dout.

    Parameters
    ----------
    x : array_like, shape (H, W)
    dout : array_like, shape (H/size, W/size)
    size : int
        Window and stride.
    """
    from .. import nn

    x, dout = np.asarray(x, float), np.asarray(dout, float)
    pool = nn.MaxPool2D(size)
    out = pool.forward(x[None, None])[0, 0]
    dx = pool.backward(dout[None, None])[0, 0]
    winners = [(int(r), int(c), 1, 1) for r, c in zip(*np.nonzero(dx))] or None
    (h, w), (ho, wo) = x.shape, out.shape
    gap = 1.0
    width = w + gap + max(wo, 3)
    cell = min(CELL_IN, ROOM_IN / width)
    right = w + gap
    rows = [((x, "x, arg-max outlined", dict(highlight=winners)), (out, "out: each window's max", {})),
            ((dx, "dx: dout on the arg-max", dict(highlight=winners)),
             (dout, "dout", dict(colour=SKY, highlight=(0, 0, *dout.shape))))]
    titles = [[wrap(t, (w if k == 0 else width - right) * cell) for k, (_, t, _) in enumerate(row)] for row in rows]
    heads = [max(len(a), len(b)) * line(cell) + 0.2 for a, b in titles]
    tops = [heads[0], heads[0] + h + 0.6 + heads[1]]
    fig, ax = sheet(width, tops[1] + h, cell)
    for row, lines, top in zip(rows, titles, tops):
        for (values, _, kw), title, x0 in zip(row, lines, (0, right)):
            caption(ax, title, x0 + values.shape[1] / 2, top - 0.15 - len(title) * line(cell), cell)
            grid(ax, values, x0, top, **kw)
    for r, c in np.ndindex(h // size, w // size):  # the windows' borders
        outline(ax, c * size, tops[0] + r * size, size, size, lw=2, linestyle="--", color=BLUE)
    return fig


def digits_figure(images, labels):
    """The first image of each digit 0 to 9, titled with its label, in two rows of five.

    images : (N, 1, H, W); labels : (N,)
    """
    labels = np.asarray(labels)
    fig = plot_figure(2.0)
    for digit, ax in enumerate(fig.subplots(2, 5).ravel()):
        ax.imshow(images[np.flatnonzero(labels == digit)[0], 0], cmap="gray_r")
        ax.set_title(str(digit))
        ax.axis("off")
    return legible(fig)


def training_figure(history):
    """Loss of every mini-batch (and its mean per epoch) above the accuracies after each epoch."""
    loss = np.asarray(history.loss)
    epochs = len(history.test_acc)
    steps = len(loss) // epochs
    fig = plot_figure(6.0)
    axes = fig.subplots(2, 1)
    axes[0].plot(np.arange(1, len(loss) + 1) / steps, loss, color=SKY, lw=1, label="each mini-batch")
    axes[0].plot(np.arange(1, epochs + 1), loss.reshape(epochs, steps).mean(axis=1), "o-", color=BLUE, lw=2,
                 label="mean over the epoch")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("cross-entropy loss")
    # Each legend above its plot, where no data can hide under it.
    axes[0].legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=MIN_FONT_PT, frameon=False)
    e = np.arange(1, epochs + 1)
    axes[1].plot(e, history.train_acc, "s--", color=ORANGE, lw=2, label="train (during the epoch)")
    axes[1].plot(e, history.test_acc, "o-", color=BLUE, lw=2, label="test (end of the epoch)")
    axes[1].set_ylabel("accuracy")
    axes[1].set_ylim(min(0.5, float(np.min(history.train_acc))), 1.0)
    axes[1].legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=MIN_FONT_PT, frameon=False)
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.set_xticks(e)
        ax.grid(alpha=0.3)
    return legible(fig)


def filters_figure(w, title="the filters of the first layer"):
    """Each (FH, FW) filter of a one-channel layer as a small image, on one symmetric colour scale.

    w : (K, 1, FH, FW)
    """
    w = np.asarray(w)
    k = w.shape[0]
    cols = min(k, 4)
    rows = -(-k // cols)
    lim = np.abs(w).max()
    fig = plot_figure(0.85 * rows + 1.3)
    axes = np.atleast_1d(fig.subplots(rows, cols))
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < k:
            im = ax.imshow(w[i, 0], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(f"k = {i}")
    fig.colorbar(im, ax=list(axes.ravel()), shrink=0.8, location="bottom", label="weight (red +, blue −)")
    fig.suptitle(title)
    return legible(fig)


def feature_maps_figure(net, image, channels=8):
    """One image and what each layer of ``net`` makes of it: the first ``channels`` maps per layer, each row
    under its layer's name and on one colour scale (magma: brighter is larger).

    image : (1, H, W); net : a Sequential whose layers before Flatten give (1, K, H', W').
    """
    from .. import nn

    rows, x = [("input", np.asarray(image)[None])], np.asarray(image)[None]
    for layer in net:
        if isinstance(layer, nn.Flatten):
            break
        x = layer.forward(x)
        rows.append((repr(layer).split(",")[0].split("(")[0] + f" {x.shape[1]}×{x.shape[2]}×{x.shape[3]}", x))
    gap = 0.15
    width = channels + (channels - 1) * gap
    cell = ROOM_IN / width
    head = wrap(f"the first {channels} maps of each layer, one colour scale a row (brighter: larger)",
                width * cell)
    row_h = line(cell) + 0.1 + 1 + 0.3
    top = caption_height(head, cell)
    fig, ax = sheet(width, top + len(rows) * row_h - 0.3, cell)
    caption(ax, head, width / 2, 0, cell)
    for r, (name, maps) in enumerate(rows):
        y = top + r * row_h
        ax.text(0, y, name, ha="left", va="top", fontsize=MIN_FONT_PT)
        shown = maps[0, :channels]
        lo, hi = float(shown.min()), float(shown.max())  # one colour scale per row: dead maps stay black
        for c in range(min(channels, maps.shape[1])):
            x0, y0 = c * (1 + gap), y + line(cell) + 0.1
            ax.imshow(maps[0, c], cmap="gray_r" if r == 0 else "magma", vmin=lo, vmax=hi if hi > lo else lo + 1,
                      extent=(x0, x0 + 1, y0 + 1, y0), interpolation="nearest")
    return fig


def confusion_matrix(labels, predicted, classes=10):
    """counts[i, j]: how many images of class i were predicted as class j. (classes, classes) ints."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels), np.asarray(predicted)), 1)
    return counts


def confusion_figure(counts):
    """The confusion matrix with every count written in its cell; the diagonal is right."""
    counts = np.asarray(counts)
    fig = plot_figure(3.6)
    ax = fig.subplots()
    ax.imshow(counts, cmap="Blues")
    for i, j in zip(*np.nonzero(counts)):
        dark = counts[i, j] > counts.max() / 2
        ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=MIN_FONT_PT,
                color="white" if dark else "black", fontweight="normal" if i == j else "bold")
    ax.set_xticks(range(counts.shape[1]))
    ax.set_yticks(range(counts.shape[0]))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    fig.suptitle("test digits: right on the diagonal,\nmistakes off it (bold)", fontsize=MIN_FONT_PT)
    return legible(fig)


def mistakes_figure(images, labels, predicted, cols=4):
    """Every misclassified image with its true label and the network's answer.

    images : (N, 1, H, W); labels, predicted : (N,)
    """
    wrong = np.flatnonzero(np.asarray(labels) != np.asarray(predicted))
    if wrong.size == 0:
        fig = plot_figure(0.6)
        ax = fig.subplots()
        ax.axis("off")
        ax.text(0.5, 0.5, "no mistakes on these images", ha="center", va="center")
        return legible(fig)
    cols = min(cols, wrong.size)
    rows = -(-wrong.size // cols)
    fig = plot_figure(1.25 * rows)
    axes = np.atleast_2d(fig.subplots(rows, cols, squeeze=False))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(images[i, 0], cmap="gray_r")
        ax.set_title(f"is {labels[i]},\nsaid {predicted[i]}")
    return legible(fig)


def kernel_figure(snapshots, steps, errors, true_w):
    """Learning a kernel: the largest entry error per step (log scale), and below it the kernel at a few
    steps, then the true kernel.

    snapshots : list of (FH, FW) kernels at ``steps``; errors : (steps,) max |w - true_w| per step
    """
    per_row = 2  # three numbers with a sign and a decimal each need half the phone's width
    panels = [(np.round(w, 1) + 0.0, f"step {s}", dict(fmt="{:.1f}")) for w, s in zip(snapshots, steps)]
    panels.append((np.asarray(true_w), "w_true", dict(colour=SKY, highlight=(0, 0, *np.shape(true_w)))))
    rows = -(-len(panels) // per_row)
    fig = plot_figure(2.2 + 1.7 * rows)
    spec = fig.add_gridspec(1 + rows, per_row, height_ratios=[2.2] + [1.7] * rows)
    ax = fig.add_subplot(spec[0, :])
    ax.semilogy(np.arange(len(errors)), errors, color=BLUE, lw=2)
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("max |w − w_true|")
    ax.grid(alpha=0.3)
    ax.set_title("error of the learned kernel")
    for n, (values, title, kw) in enumerate(panels):
        draw_grid(fig.add_subplot(spec[1 + n // per_row, n % per_row]), values, title=title, fontsize=MIN_FONT_PT,
                  **kw)
    return legible(fig)


def sample_photo(step=2):
    """matplotlib's sample photograph of Grace Hopper, (H, W, 3) floats in [0, 1], every ``step``-th pixel.

    Ships with matplotlib (``matplotlib.cbook.get_sample_data``): nothing is downloaded. At step 2 it is
    300x256 pixels, small enough that a 3x3 filter's effect shows at the size it is drawn.
    """
    from matplotlib.cbook import get_sample_data

    with get_sample_data("grace_hopper.jpg") as f:
        return load_photo(f.read(), max_side=None)[::step, ::step]


def load_photo(source, max_side=600):
    """A photograph as (H, W, 3) floats in [0, 1], from a file path or the file's bytes (JPEG, PNG, ...).

    Grey images get three equal channels, an alpha channel is dropped, and a photo whose longer side
    exceeds ``max_side`` is shrunk by keeping every s-th pixel (so that filtering it stays quick).
    """
    from PIL import Image, UnidentifiedImageError

    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            img = Image.open(io.BytesIO(bytes(source)))
        else:
            img = Image.open(source)
        img = np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0
    except (UnidentifiedImageError, OSError) as why:
        raise ConvArgumentError(f"cannot read that as a picture (JPEG, PNG, ...): {why}") from None
    if max_side is not None:
        step = int(np.ceil(max(img.shape[:2]) / max_side))
        img = img[::step, ::step]
    return img


def filter_photo(photo, filters=None, method="fast"):
    """Run each (FH, FW) filter over each colour channel of ``photo`` with :func:`convkit.conv2d`.

    The three channels go in as a batch of three one-channel images, x (3, 1, H, W), and the
    filters as w (K, 1, FH, FW) with padding (FH - 1)/2: out (3, K, H, W), one map per channel and
    filter. Returns name -> (H, W, 3) array, unclipped.
    """
    filters = PHOTO_FILTERS if filters is None else filters
    photo = np.asarray(photo, dtype=np.float64)
    if photo.ndim != 3 or photo.shape[2] != 3:
        raise ConvArgumentError(f"photo must be (H, W, 3); got shape {photo.shape}")
    w = np.stack([np.asarray(f, dtype=np.float64) for f in filters.values()])[:, None]  # (K, 1, FH, FW)
    fh, fw = w.shape[2:]
    if fh % 2 == 0 or fw % 2 == 0:
        raise ConvArgumentError(f"filters of odd size keep the photo's size with padding (F - 1)/2; got {fh}x{fw}")
    x = photo.transpose(2, 0, 1)[:, None]  # (3, 1, H, W): the channels as a batch
    out = conv2d(x, w, padding=((fh - 1) // 2, (fw - 1) // 2), method=method)  # (3, K, H, W)
    return {name: out[:, k].transpose(1, 2, 0) for k, name in enumerate(filters)}


def _shown(name, img):
    """Edge maps are signed: mid-grey is 0, lighter and darker the two signs (the 99th percentile of
    the size reaching white or black); the rest is clipped to [0, 1]."""
    if name.startswith("edges"):
        return np.clip(0.5 + 0.5 * img / max(np.percentile(np.abs(img), 99), 1e-12), 0, 1)
    return np.clip(img, 0, 1)


def photo_figure(photo, results, crop=(160, 140)):
    """The photo and each filtered version, two to a row in reading order.

    Each panel shows the middle ``crop`` (rows, columns) of the picture at one pixel per pixel of the
    PNG, so that what a 3x3 filter does is not lost to shrinking the picture to a phone's width.
    """
    panels = [("original", photo)] + [(name, _shown(name, img)) for name, img in results.items()]
    h, w = np.shape(photo)[:2]
    ch, cw = min(crop[0], h), min(crop[1], w)
    r0, c0 = (h - ch) // 2, (w - cw) // 2
    rows = -(-len(panels) // 2)
    fig = plot_figure(rows * (ch / DPI + 0.3))
    axes = fig.subplots(rows, 2, squeeze=False).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, (name, img) in zip(axes, panels):
        ax.imshow(img[r0:r0 + ch, c0:c0 + cw], interpolation="nearest")
        ax.set_title(name)
    return legible(fig)


def upload_control(filters=None):
    """A file-upload button; in a running kernel, an uploaded photo is filtered and shown below it.

    Returns an ipywidgets VBox (the button, then an Output). In the static book there is no kernel:
    choosing a file there runs nothing, sends nothing anywhere, and changes nothing on the page.
    """
    import ipywidgets as widgets
    from IPython.display import Image

    # No icon: the widget manager would fetch an icon font for it, which the book does not serve.
    upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload a photo", icon="",
                                tooltip="a JPEG or PNG from your computer")
    out = widgets.Output()

    def show(change):
        if not change["new"]:
            return
        name, content = change["new"][0]["name"], change["new"][0]["content"]
        out.outputs = ()
        try:
            photo = load_photo(content)
        except ConvArgumentError as why:
            out.append_stdout(f"{name}: {why}\n")
            return
        out.append_stdout(f"{name}: {photo.shape[0]}x{photo.shape[1]} pixels\n")
        fig = photo_figure(photo, filter_photo(photo, filters))
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)  # drawn here, not again by the notebook's inline backend
        names = ", ".join(PHOTO_FILTERS if filters is None else filters)
        alt = f"{name} and its versions filtered with {names}"
        out.append_display_data(Image(buf.getvalue(), format="png", alt=alt))

    upload.observe(show, names="value")
    return widgets.VBox([upload, out])
