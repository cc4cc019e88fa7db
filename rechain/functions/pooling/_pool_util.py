"""Window geometry shared by the 2-d pooling functions."""

from rechain.functions.connection import _conv_util as cu
from rechain.utils import type_check


class PoolParams:
    """Kernel size, stride, padding and ``cover_all`` of a 2-d pooling (ints)."""

    def __init__(self, fname, ksize, stride, pad, cover_all):
        self.fname = fname
        self.kh, self.kw = cu.pair(ksize, fname, "ksize")
        if stride is None:
            stride = (self.kh, self.kw)
        self.sy, self.sx = cu.pair(stride, fname, "stride")
        self.ph, self.pw = cu.pair(pad, fname, "pad")
        self.cover_all = bool(cover_all)

    def outsize(self, h, w):
        return (cu.get_conv_outsize(h, self.kh, self.sy, self.ph, self.cover_all),
                cu.get_conv_outsize(w, self.kw, self.sx, self.pw, self.cover_all))

    def taps(self):
        """``(k, i, j)`` for every kernel tap, ``k = i * kw + j``."""
        return [(i * self.kw + j, i, j) for i in range(self.kh) for j in range(self.kw)]

    def check(self, x, pad_below_window=False):
        fname = self.fname
        if self.kh < 1 or self.kw < 1:
            raise ValueError(f"{fname}: ksize must be positive, got {(self.kh, self.kw)}")
        if self.sy < 1 or self.sx < 1:
            raise ValueError(f"{fname}: stride must be positive, got {(self.sy, self.sx)}")
        if self.ph < 0 or self.pw < 0:
            raise ValueError(f"{fname}: pad must be non-negative, got {(self.ph, self.pw)}")
        type_check.expect_float(fname, "x", x)
        if x.ndim != 4:
            raise type_check.InvalidType(f"{fname}: x must be 4-d (N, C, H, W), got shape "
                                         f"{tuple(x.shape)}")
        h, w = x.shape[2:]
        hp, wp = h + 2 * self.ph, w + 2 * self.pw
        if self.kh > hp or self.kw > wp:
            raise type_check.InvalidType(
                f"{fname}: window {(self.kh, self.kw)} is larger than the padded input "
                f"{(hp, wp)} of x {tuple(x.shape)} with pad {(self.ph, self.pw)}")
        if pad_below_window and (self.ph >= self.kh or self.pw >= self.kw):
            raise type_check.InvalidType(
                f"{fname}: pad {(self.ph, self.pw)} must be smaller than the window "
                f"{(self.kh, self.kw)} (x {tuple(x.shape)})")

    def padded(self, x, out_h, out_w, value):
        return cu.pad_for(x, self.kh, self.kw, self.sy, self.sx, self.ph, self.pw,
                          out_h, out_w, pad_value=value)

    def tap(self, xpad, i, j, out_h, out_w):
        return cu.tap(xpad, i, j, self.sy, self.sx, out_h, out_w)

    def canvas(self, xp, n, c, h, w, dtype, out_h, out_w):
        return cu.padded_canvas(xp, (n, c), dtype, h, w, self.kh, self.kw, self.sy, self.sx,
                                self.ph, self.pw, out_h, out_w)

    def crop(self, img, h, w):
        return cu.crop(img, h, w, self.ph, self.pw)
