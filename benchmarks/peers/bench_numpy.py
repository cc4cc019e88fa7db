"""Worker: hand-written NumPy forward+backward, the compute floor (see _worker.py).

No framework: each benchmark's forward keeps exactly what its hand-written
backward needs, and both work in place wherever they can. It runs in the
repository's interpreter (NumPy 2). Only the plain mode exists.

resmlp block  out = h + relu(bn(h W1^T + b1)) W2^T + b2, batchnorm with batch
statistics (biased variance, eps as Chainer's); it keeps h (the block's input,
which is the previous block's output anyway), xhat, 1/std and r = relu(...).
"""

import numpy as np

import _worker
import spec


class Backend:
    def info(self):
        return {"framework": "numpy", "version": np.__version__, "numpy": np.__version__}

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


class ResMLP:
    def __init__(self, cfg):
        self.params = spec.resmlp_params(np, cfg["blocks"], cfg["width"])
        self.x = spec.make_input(np, cfg["batch"], cfg["width"])
        self.grads = None

    def forward(self):
        h = self.x
        tape = []
        for p in self.params:
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
            tape.append((h, xhat, inv_std, r))
            h = out
        return h, tape

    def backward(self, res):
        h, tape = res
        loss, g = _loss_and_grad(h)
        del h
        grads = [None] * len(self.params)
        b = np.float32(g.shape[0])
        for i in range(len(self.params) - 1, -1, -1):
            p = self.params[i]
            hin, xhat, inv_std, r = tape.pop()
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
            g = gh
            grads[i] = dict(W1=gW1, b1=gb1, gamma=ggamma, beta=gbeta, W2=gW2, b2=gb2)
            del gr, gh, hin
        self.grads = grads
        return loss

    def step(self, mode):
        assert mode == "plain"
        self.grads = None
        fwd, bwd, loss = spec.timed_step(self.forward, self.backward)
        return fwd, bwd, [loss, float(np.abs(self.grads[0]["W1"]).sum()),
                          float(np.abs(self.grads[-1]["W2"]).sum())]

    def peak(self, mode):
        self.grads = None
        return spec.tracemalloc_peak(lambda: self.backward(self.forward())), "tracemalloc"


class MLP:
    def __init__(self, cfg):
        self.params = spec.mlp_params(np, cfg["blocks"], cfg["width"])
        self.x = spec.make_input(np, cfg["batch"], cfg["width"])
        self.grads = None

    def forward(self):
        h = self.x
        tape = [h]
        for p in self.params:
            h = h @ p["W"].T
            h += p["b"]
            np.maximum(h, 0, out=h)
            tape.append(h)
        return h, tape

    def backward(self, res):
        h, tape = res
        loss, g = _loss_and_grad(h)
        del h
        grads = [None] * len(self.params)
        for i in range(len(self.params) - 1, -1, -1):
            out = tape.pop()
            g *= out > 0
            del out
            hin = tape[-1]
            grads[i] = dict(W=g.T @ hin, b=g.sum(axis=0))
            g = g @ self.params[i]["W"]
        self.grads = grads
        return loss

    def step(self, mode):
        assert mode == "plain"
        self.grads = None
        fwd, bwd, loss = spec.timed_step(self.forward, self.backward)
        return fwd, bwd, [loss, float(np.abs(self.grads[0]["W"]).sum()),
                          float(np.abs(self.grads[-1]["W"]).sum())]

    def peak(self, mode):
        self.grads = None
        return spec.tracemalloc_peak(lambda: self.backward(self.forward())), "tracemalloc"


if __name__ == "__main__":
    _worker.serve(Backend())
