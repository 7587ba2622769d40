"""Figures, photo helpers and the upload control of Chapter 9 (a small CNN that learns).

Needs matplotlib (imported here only). Colours come from the Okabe-Ito palette
of :mod:`convkit.figures`; no figure tells things apart by colour alone.
"""
from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np

from .. import conv2d
from ..errors import ConvArgumentError
from .kit import BLUE, ORANGE, SKY, VERMILION, draw_grid

__all__ = ["PHOTO_FILTERS", "maxpool_figure", "relu_figure", "training_figure", "filters_figure",
           "feature_maps_figure", "confusion_matrix", "confusion_figure", "mistakes_figure", "kernel_figure",
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
    """ReLU and its derivative, side by side (the derivative taken as 0 at 0)."""
    t = np.linspace(-2, 2, 401)
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 2.6), sharex=True)
    axes[0].plot(t, np.maximum(t, 0), color=BLUE, lw=2.5)
    axes[0].set_title("ReLU: out = max(x, 0)")
    axes[1].plot(t[t <= 0], 0 * t[t <= 0], color=VERMILION, lw=2.5)
    axes[1].plot(t[t > 0], 1 + 0 * t[t > 0], color=VERMILION, lw=2.5, linestyle="--")
    axes[1].plot([0], [0], "o", color=VERMILION, ms=7)
    axes[1].plot([0], [1], "o", mfc="white", mec=VERMILION, ms=7)
    axes[1].set_title("d out / d x: 0 for x ≤ 0, 1 for x > 0")
    for ax in axes:
        ax.axhline(0, color="#888888", lw=0.8)
        ax.axvline(0, color="#888888", lw=0.8)
        ax.set_xlabel("x")
    fig.tight_layout()
    return fig


def maxpool_figure(x, dout, size=2):
    """A 2-D max pool forward and backward on one channel: the input with each window's arg-max
    outlined, the output, dout, and dx (dout on the arg-maxes, 0 elsewhere).

    Parameters
    ----------
    x : array_like, shape (H, W)
    dout : array_like, shape (H/size, W/size)
    size : int
        Window and stride.
    """
    from ..nn import MaxPool2D

    x, dout = np.asarray(x, float), np.asarray(dout, float)
    pool = MaxPool2D(size)
    out = pool.forward(x[None, None])[0, 0]
    dx = pool.backward(dout[None, None])[0, 0]
    winners = [(int(r), int(c), 1, 1) for r, c in zip(*np.nonzero(dx))] or None
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.2), gridspec_kw={"width_ratios": [x.shape[1], out.shape[1] + 1,
                                                                                   out.shape[1] + 1, x.shape[1]]})
    draw_grid(axes[0], x, title="x (arg-max outlined)", highlight=winners)
    for r in range(0, x.shape[0], size):  # the windows' borders
        for c in range(0, x.shape[1], size):
            axes[0].add_patch(plt.Rectangle((c, r), size, size, fill=False, edgecolor=BLUE, lw=2, linestyle="--"))
    draw_grid(axes[1], out, title="out: each window's max")
    draw_grid(axes[2], dout, title="dout", colour=SKY, highlight=(0, 0, *dout.shape))
    draw_grid(axes[3], dx, title="dx: dout on the arg-max", highlight=winners)
    fig.tight_layout()
    return fig


def training_figure(history):
    """Loss of every mini-batch (and its mean per epoch), and the accuracies after each epoch."""
    loss = np.asarray(history.loss)
    epochs = len(history.test_acc)
    steps = len(loss) // epochs
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    axes[0].plot(np.arange(1, len(loss) + 1) / steps, loss, color=SKY, lw=1, label="each mini-batch")
    axes[0].plot(np.arange(1, epochs + 1), loss.reshape(epochs, steps).mean(axis=1), "o-", color=BLUE, lw=2,
                 label="mean over the epoch")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("cross-entropy loss")
    axes[0].legend()
    e = np.arange(1, epochs + 1)
    axes[1].plot(e, history.train_acc, "s--", color=ORANGE, lw=2, label="train (during the epoch)")
    axes[1].plot(e, history.test_acc, "o-", color=BLUE, lw=2, label="test (end of the epoch)")
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("accuracy")
    axes[1].set_ylim(min(0.5, float(np.min(history.train_acc))), 1.0)
    axes[1].legend(loc="lower right")
    for ax in axes:
        ax.set_xticks(e)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def filters_figure(w, title="the filters of the first layer"):
    """Each (FH, FW) filter of a one-channel layer as a small image, on one symmetric colour scale.

    w : (K, 1, FH, FW)
    """
    w = np.asarray(w)
    k = w.shape[0]
    cols = min(k, 8)
    rows = -(-k // cols)
    lim = np.abs(w).max()
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols, 1.35 * rows + 0.6))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < k:
            im = ax.imshow(w[i, 0], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(f"k = {i}", fontsize=9)
    fig.colorbar(im, ax=list(np.ravel(axes)), shrink=0.8, label="weight (red +, blue −)")
    fig.suptitle(title)
    return fig


def feature_maps_figure(net, image, channels=8):
    """One image and what each layer of ``net`` makes of it: the first ``channels`` maps per layer,
    each row on one colour scale (magma: brighter is larger).

    image : (1, H, W); net : a Sequential whose layers before Flatten give (1, K, H', W').
    """
    from ..nn import Flatten

    rows, x = [("input", np.asarray(image)[None])], np.asarray(image)[None]
    for layer in net:
        if isinstance(layer, Flatten):
            break
        x = layer.forward(x)
        rows.append((repr(layer).split(",")[0].split("(")[0] + f" {x.shape[1]}×{x.shape[2]}×{x.shape[3]}", x))
    fig, axes = plt.subplots(len(rows), channels, figsize=(1.2 * channels + 1.6, 1.25 * len(rows)))
    for r, (name, maps) in enumerate(rows):
        shown = maps[0, :channels]
        lo, hi = float(shown.min()), float(shown.max())  # one colour scale per row: dead maps stay black
        for c in range(channels):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            for s in ax.spines.values():
                s.set_visible(False)
            if c < maps.shape[1]:
                ax.imshow(maps[0, c], cmap="gray_r" if r == 0 else "magma", vmin=lo, vmax=hi if hi > lo else lo + 1)
            if r == 0 and c == 0:
                ax.set_title("image", fontsize=8)
            elif r > 0:
                ax.set_title(f"k = {c}", fontsize=8)
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def confusion_matrix(labels, predicted, classes=10):
    """counts[i, j]: how many images of class i were predicted as class j. (classes, classes) ints."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels), np.asarray(predicted)), 1)
    return counts


def confusion_figure(counts):
    """The confusion matrix with every count written in its cell; the diagonal is right."""
    counts = np.asarray(counts)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    ax.imshow(counts, cmap="Blues")
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            if counts[i, j]:
                dark = counts[i, j] > counts.max() / 2
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=9,
                        color="white" if dark else "black", fontweight="normal" if i == j else "bold")
    ax.set_xticks(range(counts.shape[1]))
    ax.set_yticks(range(counts.shape[0]))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title("test digits: right on the diagonal, mistakes off it (bold)")
    fig.tight_layout()
    return fig


def mistakes_figure(images, labels, predicted, cols=8):
    """Every misclassified image with its true label and the network's answer.

    images : (N, 1, H, W); labels, predicted : (N,)
    """
    wrong = np.flatnonzero(np.asarray(labels) != np.asarray(predicted))
    if wrong.size == 0:
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "no mistakes on these images", ha="center", va="center")
        return fig
    cols = min(cols, wrong.size)
    rows = -(-wrong.size // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.35 * cols, 1.6 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(images[i, 0], cmap="gray_r")
        ax.set_title(f"is {labels[i]}, said {predicted[i]}", fontsize=9)
    fig.tight_layout()
    return fig


def kernel_figure(snapshots, steps, errors, true_w):
    """Learning a kernel: the largest entry error per step (log scale), and the kernel at a few steps.

    snapshots : list of (FH, FW) kernels at ``steps``; errors : (steps,) max |w - true_w| per step
    """
    fig = plt.figure(figsize=(11, 3.6))
    grid = fig.add_gridspec(2, len(snapshots) + 1, height_ratios=[1, 1], width_ratios=[2.2] + [1] * len(snapshots))
    ax = fig.add_subplot(grid[:, 0])
    ax.semilogy(np.arange(len(errors)), errors, color=BLUE, lw=2)
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("max |w − w_true|")
    ax.grid(alpha=0.3)
    ax.set_title("error of the learned kernel")
    for i, (w, s) in enumerate(zip(snapshots, steps)):
        a = fig.add_subplot(grid[0, i + 1])
        draw_grid(a, np.round(w, 2) + 0.0, fmt="{:.2f}", fontsize=8, title=f"step {s}")
    a = fig.add_subplot(grid[1, len(snapshots)])
    draw_grid(a, true_w, fmt="{:g}", fontsize=8, title="w_true", colour=SKY, highlight=(0, 0, *true_w.shape))
    fig.tight_layout()
    return fig


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


def photo_figure(photo, results):
    """The photo and each filtered version, side by side."""
    panels = [("original", photo)] + [(name, _shown(name, img)) for name, img in results.items()]
    fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 3.4))
    for ax, (name, img) in zip(np.ravel(axes), panels):
        ax.imshow(img)
        ax.set_title(name, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    return fig


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
