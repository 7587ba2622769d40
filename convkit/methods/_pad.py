"""Zero padding and cropping of (N, C, H, W) arrays by a Geometry."""
import numpy as np


def pad(x, g):
    return np.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw)))


def crop(xp, g):
    return xp[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w]
