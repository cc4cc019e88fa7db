"""Worker: hand-written NumPy forward+backward, the compute floor (see _worker.py).

No framework: each benchmark's forward keeps exactly what its hand-written
backward needs, and both work in place wherever they can. It runs in the
repository's interpreter (NumPy 2). Modes plain, forget and sqrt: the forget
modes keep block inputs only and re-run each block (or segment) by hand right
before its backward, so they are the floor of what a framework's forget does.

resmlp block  out = h + relu(bn(h W1^T + b1)) W2^T + b2, batchnorm with batch
statistics (biased variance, eps as Chainer's); it keeps h (the block's input,
which is the previous block's output anyway), xhat, 1/std and r = relu(...).
"""

import numpy as np

import _worker
import spec


class Backend:
    def info(self):
        return {"framework": "numpy", "version": np.__version__, "numpy": np.__version__,
                "blas": spec.blas_info()}

    def build(self, kind, cfg):
        if kind == "tiny":
            return Tiny(cfg)
        if kind == "resmlp":
            return ResMLP(cfg)
        if kind == "mlp":
            return MLP(cfg)
        raise ValueError(f"no hand-written {kind!r}")


class Tiny:
    """h = h * y + z with a hand-kept tape: the cost of the NumPy calls themselves."""

    def __init__(self, cfg):
        self.iters = cfg["iters"]
        self.x0, self.y, self.z = spec.tiny_data(np)

    def step(self, mode):
        assert mode == "plain"
        x0, y, z, n = self.x0, self.y, self.z, self.iters

        def forward():
            tape = []
            h = x0
            for _ in range(n):
                tape.append(h)  # the mul keeps its input h (and y)
                h = h * y + z
            return h, tape

        def backward(res):
            h, tape = res
            loss = float(h.sum())
            g = np.ones_like(h)
            gy = np.zeros_like(y)
            gz = np.zeros_like(z)
            for hp in reversed(tape):
                gz += g           # add: z's grad; g flows through to h * y
                gy += g * hp      # mul: y's grad
                g = g * y         # mul: h's grad
            return loss, g, gy, gz

        fwd, bwd, (loss, gx, gy, gz) = spec.timed_step(forward, backward)
        return fwd, bwd, [loss, float(gy.sum()), float(gz.sum())]

    def peak(self, mode):
        return None, "not measured"


def _loss_and_grad(h):
    b = h.shape[0]
    flat = h.reshape(-1)
    loss = float(np.dot(flat, flat)) / b
    return loss, h * np.float32(2.0 / b)


def _block_forward(p, h):
    """One resmlp block: its output and what its backward needs (h, xhat, 1/std, r)."""
    xhat = h @ p["W1"].T
    xhat += p["b1"]
    xhat -= xhat.mean(axis=0)
    var = np.einsum("ij,ij->j", xhat, xhat) / np.float32(xhat.shape[0])
    inv_std = 1.0 / np.sqrt(var + np.float32(spec.BN_EPS))
    xhat *= inv_std
    r = xhat * p["gamma"]
    r += p["beta"]
    np.maximum(r, 0, out=r)
    out = r @ p["W2"].T
    out += p["b2"]
    out += h
    return out, (h, xhat, inv_std, r)


def _block_backward(p, saved, g):
    """Gradient of the block's input and its parameter gradients, from its saved arrays
    (consumed: xhat is overwritten) and the output gradient g."""
    hin, xhat, inv_std, r = saved
    b = np.float32(g.shape[0])
    gb2 = g.sum(axis=0)
    gW2 = g.T @ r
    gr = g @ p["W2"]
    gr *= r > 0
    del r
    ggamma = np.einsum("ij,ij->j", gr, xhat)
    gbeta = gr.sum(axis=0)
    gr *= p["gamma"]                                    # d loss / d xhat
    gr -= gr.mean(axis=0)
    xhat *= p["gamma"] * ggamma / b                     # mean(gxhat * xhat) * xhat
    gr -= xhat
    del xhat
    gr *= inv_std                                       # d loss / d (h W1^T + b1)
    gb1 = gr.sum(axis=0)
    gW1 = gr.T @ hin
    gh = gr @ p["W1"]
    gh += g
    return gh, dict(W1=gW1, b1=gb1, gamma=ggamma, beta=gbeta, W2=gW2, b2=gb2)


class ResMLP:
    """plain keeps every block's saved arrays; forget keeps each block's input only and
    re-runs the block's whole forward right before its backward (as a framework's
    forget/checkpoint does, its output included); sqrt keeps each segment's input
    and re-runs the segment (spec.segments) before backpropagating through it."""

    def __init__(self, cfg):
        self.params = spec.resmlp_params(np, cfg["blocks"], cfg["width"])
        self.x = spec.make_input(np, cfg["batch"], cfg["width"])
        self.segs = spec.segments(cfg["blocks"])
        self.grads = None

    def _groups(self, mode):
        n = len(self.params)
        if mode == "forget":
            return [(i, i + 1) for i in range(n)]
        if mode == "sqrt":
            return self.segs
        raise ValueError(f"numpy resmlp: unknown mode {mode!r}")

    def forward(self, mode):
        h = self.x
        if mode == "plain":
            tape = []
            for p in self.params:
                h, saved = _block_forward(p, h)
                tape.append(saved)
            return [h, tape]
        inputs = []
        for start, stop in self._groups(mode):
            inputs.append(h)
            for p in self.params[start:stop]:
                h, _ = _block_forward(p, h)
        return [h, inputs]

    def backward(self, mode, res):
        h, tape = res
        res.clear()  # the caller's list: h goes once the loss gradient is taken
        loss, g = _loss_and_grad(h)
        del h
        grads = [None] * len(self.params)
        if mode == "plain":
            for i in range(len(self.params) - 1, -1, -1):
                g, grads[i] = _block_backward(self.params[i], tape.pop(), g)
        else:
            for start, stop in reversed(self._groups(mode)):
                h = tape.pop()
                saved = []
                for p in self.params[start:stop]:                # the recompute
                    h, s = _block_forward(p, h)
                    saved.append(s)
                del h, s
                for i in range(stop - 1, start - 1, -1):
                    g, grads[i] = _block_backward(self.params[i], saved.pop(), g)
        self.grads = grads
        return loss

    def step(self, mode):
        self.grads = None
        fwd, bwd, loss = spec.timed_step(lambda: self.forward(mode),
                                         lambda res: self.backward(mode, res))
        return fwd, bwd, [loss, float(np.abs(self.grads[0]["W1"]).sum()),
                          float(np.abs(self.grads[-1]["W2"]).sum())]

    def peak(self, mode):
        self.grads = None
        return (spec.tracemalloc_peak(lambda: self.backward(mode, self.forward(mode))),
                "tracemalloc")


class MLP:
    """plain keeps every layer's output (the next layer's input); forget keeps the
    inputs only and re-runs each layer's forward for relu's mask before its backward."""

    def __init__(self, cfg):
        self.params = spec.mlp_params(np, cfg["blocks"], cfg["width"])
        self.x = spec.make_input(np, cfg["batch"], cfg["width"])
        self.grads = None

    @staticmethod
    def _layer(p, h):
        h = h @ p["W"].T
        h += p["b"]
        np.maximum(h, 0, out=h)
        return h

    def forward(self, mode):
        if mode not in ("plain", "forget"):
            raise ValueError(f"numpy mlp: unknown mode {mode!r}")
        h = self.x
        tape = [h]
        for p in self.params:
            h = self._layer(p, h)
            tape.append(h)
        if mode == "forget":
            tape.pop()  # the last output is the loss's input only
        return [h, tape]

    def backward(self, mode, res):
        h, tape = res
        res.clear()
        loss, g = _loss_and_grad(h)
        if mode == "plain":
            tape.pop()  # h: the last layer's output
        else:
            h = None
        grads = [None] * len(self.params)
        for i in range(len(self.params) - 1, -1, -1):
            p = self.params[i]
            hin = tape[-1]
            out = h if mode == "plain" else self._layer(p, hin)
            h = None
            g *= out > 0
            del out
            grads[i] = dict(W=g.T @ hin, b=g.sum(axis=0))
            g = g @ p["W"]
            last = tape.pop()  # layer i's input: in plain, layer i-1's output
            if mode == "plain":
                h = last
            del hin, last
        self.grads = grads
        return loss

    def step(self, mode):
        self.grads = None
        fwd, bwd, loss = spec.timed_step(lambda: self.forward(mode),
                                         lambda res: self.backward(mode, res))
        return fwd, bwd, [loss, float(np.abs(self.grads[0]["W"]).sum()),
                          float(np.abs(self.grads[-1]["W"]).sum())]

    def peak(self, mode):
        self.grads = None
        return (spec.tracemalloc_peak(lambda: self.backward(mode, self.forward(mode))),
                "tracemalloc")


if __name__ == "__main__":
    _worker.serve(Backend())
