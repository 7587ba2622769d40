"""The convolution theorem: correlation as a product of Fourier transforms (Chapter 11).

A correlation is a convolution with the flipped kernel, and a convolution is a
product of spectra: with ``X = rfft2(x_pad)`` and ``Wf = rfft2(w)``, both of
the padded input's size (Hp, Wp),

    out[n, k] = irfft2( sum_c X[n, c] * conj(Wf[k, c]) )[:Hout, :Wout] + b[k],

``conj(Wf)`` being the spectrum of the flipped kernel (circularly shifted). The
transforms are circular, but the windows that stay inside the padded input
never wrap around its edge, and those are the outputs kept. The sum over c is
one complex matrix product per frequency, (N, C) @ (C, K).

Stride and dilation: the kernel is dilated (zeros between its taps, to its span
D(F - 1) + 1), the stride-1 output computed and every S-th row and column kept,
so a strided call computes about S*S times the outputs it returns: the FFT pays
off for large kernels at stride 1, where direct methods cost FH*FW per output
and this ``log(Hp*Wp)``.

Backward, with ``D = rfft2(dout)`` (dout spread onto the stride-1 output's grid,
zeros between, and zero-padded to (Hp, Wp)):

* ``dx_pad[n, c] = irfft2( sum_k D[n, k] * Wf[k, c] )``: a full convolution of dout
  with w, which fills exactly (Hp, Wp), so nothing wraps; dx is its middle;
* ``dw[k, c] = irfft2( sum_n X[n, c] * conj(D[n, k]) )[:span_h, :span_w]``, the
  taps every D-th entry: the correlation of x_pad with dout;
* ``db`` is dout summed.

Accuracy: a transform of n points rounds with an error about ``log2(n) * eps``
relative to the array's norm, spread over every entry alike; direct methods'
errors are relative to each output's own terms. :data:`RTOL` is the bound the
tests hold it to, and says what was measured.

Memory: the spectra are complex, Hp*(Wp/2 + 1) entries per plane, for x (N*C
planes), the kernels (K*C: each kernel padded to the input's size, the cost of
small kernels here) and their product (N*K); :func:`bytes_needed` counts each
step's arrays and numpy's transform scratch (:data:`RFFT2_PEAK`).
"""
import numpy as np

#: Tolerance the tests hold the FFT method to against the direct methods: the error
#: ||a - b|| / (||a|| + ||b||) (``convkit.rel_error``) of out, dx and dw against a float64 direct
#: result, below 16 units of rounding of the dtype (1.9e-6 in float32, 3.6e-15 in float64).
#: Why a bound on the norm, not on each entry: a transform of n points rounds with an error of
#: about log2(n) units relative to the whole array's norm, spread over every entry alike, so an
#: output whose terms cancel can be off by more, relative to itself, than a direct sum makes it.
#: Measured (tests/test_fft.py, up to 256x256 inputs and 15x15 kernels): at most 2.2 units in
#: float64 and 0.7 in float32 (numpy's float32 transforms work in double precision inside);
#: 16 leaves room for log2(n) to grow to about 2**20 points.
RTOL = {np.dtype(np.float32): 16 * float(np.finfo(np.float32).eps),
        np.dtype(np.float64): 16 * float(np.finfo(np.float64).eps)}


def _padded(x, g):
    return np.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw)))


def _kernel_spectrum(w, g):
    """rfft2 of the dilated kernel (zeros between its taps and around it), at the padded input's size."""
    wd = np.zeros((g.k, g.c, *g.padded_hw), w.dtype)  # padded here, not by rfft2's s=: one known copy
    wd[:, :, : g.span_h : g.dil_h, : g.span_w : g.dil_w] = w
    return np.fft.rfft2(wd)


def _per_frequency(a, b):
    """sum_q a[p, q] * b[q, r] at every frequency: a (P, Q, F1, F2), b (Q, R, F1, F2) -> (P, R, F1, F2)."""
    p, q, f1, f2 = a.shape
    r = b.shape[1]
    am = np.ascontiguousarray(np.moveaxis(a, (2, 3), (0, 1))).reshape(-1, p, q)  # (F, P, Q): one copy
    bm = np.ascontiguousarray(np.moveaxis(b, (2, 3), (0, 1))).reshape(-1, q, r)  # (F, Q, R)
    prod = np.matmul(am, bm)  # (F, P, R)
    del am, bm
    return np.ascontiguousarray(prod.transpose(1, 2, 0)).reshape(p, r, f1, f2)


def forward(x, w, b, g, ws=None):
    hp, wp = g.padded_hw
    xf = np.fft.rfft2(_padded(x, g))  # (N, C, Hp, Wp/2 + 1)
    wf = _kernel_spectrum(w, g).conj().transpose(1, 0, 2, 3)  # (C, K, ...): the flipped kernels' spectra
    full = np.fft.irfft2(_per_frequency(xf, wf), s=(hp, wp))  # (N, K, Hp, Wp): stride-1 output at the top left
    del xf, wf
    out = full[:, :, : g.sh * (g.ho - 1) + 1 : g.sh, : g.sw * (g.wo - 1) + 1 : g.sw] + b[:, None, None]
    return out.astype(x.dtype, copy=False), (x, w, g)


def cache_for(x, w, g, ws=None):
    return (x, w, g)


def backward(dout, cache, ws=None):
    x, w, g = cache
    hp, wp = g.padded_hw
    d1 = np.zeros((g.n, g.k, hp, wp), dout.dtype)  # dout on the stride-1 grid, zero-padded to (Hp, Wp)
    d1[:, :, : g.sh * (g.ho - 1) + 1 : g.sh, : g.sw * (g.wo - 1) + 1 : g.sw] = dout
    df = np.fft.rfft2(d1)
    del d1
    dxp = np.fft.irfft2(_per_frequency(df, _kernel_spectrum(w, g)), s=(hp, wp))  # (N, C, Hp, Wp)
    dx = dxp[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w].astype(x.dtype)  # a copy: dxp is freed
    del dxp
    xf = np.fft.rfft2(_padded(x, g))
    dwf = _per_frequency(df.conj().transpose(1, 0, 2, 3), xf)  # (K, C, ...): sum over n
    del xf, df
    dw = np.fft.irfft2(dwf, s=(hp, wp))[:, :, : g.span_h : g.dil_h, : g.span_w : g.dil_w].astype(x.dtype)
    return dx, dw, dout.sum(axis=(0, 2, 3))


#: The peak of numpy's ``rfft2`` (numpy 2.4's pocketfft), in multiples of the spectrum it returns:
#: twice in complex128; six times in complex64, whose transform along the second-last axis holds
#: complex128 scratch (measured with tracemalloc; ``irfft2`` holds one copy of its input besides).
RFFT2_PEAK = {8: 2, 4: 6}


def bytes_needed(g, dtype, backward=False):
    """Peak bytes: the largest of the moments of the pass, each the arrays alive at it.

    In units of one image plane's spectrum ``spec`` (Hp*(Wp/2 + 1) complex entries) X, W and P
    are the spectra of x (N*C planes), of the kernels (K*C) and their product (N*K). The forward:
    rfft2 of the padded x; the kernels' spectrum and its conjugate; X and W copied to one matrix
    per frequency and multiplied; the product transposed back; irfft2 (with a copy of its input)
    to the real stride-1 output ``full`` (N*K planes of Hp*Wp); the strided output with the bias. The backward runs the same
    steps for dx (dout spread onto the padded grid, its spectrum D, size P) and then for dw.
    """
    item = np.dtype(dtype).itemsize
    hp, wp = g.padded_hw
    plane, spec = hp * wp * item, hp * (wp // 2 + 1) * 2 * item
    rf = RFFT2_PEAK[item] * spec  # rfft2's peak per plane, its output included
    X, W, P = g.n * g.c * spec, g.k * g.c * spec, g.n * g.k * spec
    kernel = g.k * g.c * (plane + rf)  # the dilated kernel on the padded grid, its rfft2
    if not backward:
        full = g.n * g.k * plane
        return max(g.n * g.c * (plane + rf), X + kernel, X + 2 * W, 2 * X + 2 * W + P, X + W + 2 * P,
                   X + W + 2 * P + full, full + g.n * g.k * g.ho * g.wo * item)
    dx, dw = g.n * g.c * g.h * g.w * item, g.k * g.c * g.fh * g.fw * item
    dxp = g.n * g.c * plane
    first = max(g.n * g.k * (plane + rf), P + kernel, 2 * P + 2 * W + X, P + W + 2 * X, P + 2 * X + dxp, P + dxp + dx)
    second = max(P + dx + g.n * g.c * (plane + rf), P + dx + X + P, 3 * P + dx + 2 * X + W, 2 * P + dx + X + 2 * W,
                 dx + 2 * W + g.k * g.c * plane + dw)
    return max(first, second)
