"""The benchmarks written once against the Chainer v7 API.

bench_rechain.py runs this with ``rechain``, bench_chainer.py with Chainer
7.8.1: literally the same code, so the two differ only in the framework.
"""

import inspect

import numpy

import spec


class Backend:
    def __init__(self, ch, name):
        self.ch = ch
        self.name = name
        self.F = ch.functions
        self.L = ch.links

    def info(self):
        return {"framework": self.name, "version": self.ch.__version__,
                "numpy": numpy.__version__, "blas": spec.blas_info(),
                "unavailable_modes": [] if self.lean_block() else ["lean"]}

    def lean_block(self):
        """rechain's memory-lean resmlp block class (demo.ResBlock with ``lean``), or None."""
        if self.name != "rechain":
            return None
        try:
            from rechain.demo import ResBlock
        except ImportError:
            return None
        if "lean" not in inspect.signature(ResBlock).parameters:
            return None
        return ResBlock

    def build(self, kind, cfg):
        if kind in ("tiny", "forget-call"):
            return Tiny(self, cfg)
        if kind == "resmlp":
            return ResMLP(self, cfg)
        if kind == "mlp":
            return MLP(self, cfg)
        raise ValueError(f"unknown kind {kind!r}")


class Tiny:
    """h = h * y + z repeated; mode forget wraps each iteration in F.forget."""

    def __init__(self, be, cfg):
        self.be = be
        self.iters = cfg["iters"]
        x0, y, z = spec.tiny_data(numpy)
        self.x0 = x0
        self.y = be.ch.Variable(y)
        self.z = be.ch.Variable(z)

    def step(self, mode):
        ch, F = self.be.ch, self.be.F
        y, z, n = self.y, self.z, self.iters

        def block(h):
            return h * y + z

        def forward():
            h = ch.Variable(self.x0)
            if mode == "forget":
                for _ in range(n):
                    h = F.forget(block, h)
            else:
                for _ in range(n):
                    h = block(h)
            return F.sum(h)

        def backward(loss):
            loss.backward()
            return float(loss.array)

        y.cleargrad()
        z.cleargrad()
        fwd, bwd, loss = spec.timed_step(forward, backward)
        check = [loss, float(y.grad.sum()), float(z.grad.sum())]
        return fwd, bwd, check

    def peak(self, mode):
        return None, "not measured"


class _Model:
    lean = None  # the model built of lean blocks, where the benchmark has one

    def _loss(self, h):
        return self.be.F.sum(h * h) * (1.0 / h.shape[0])

    def _net(self, mode):
        if mode == "lean":
            if self.lean is None:
                raise ValueError(f"{self.be.name}: no memory-lean block (mode 'lean')")
            return self.lean
        return self.model

    def step(self, mode):
        self._net(mode).cleargrads()
        fwd, bwd, loss = spec.timed_step(lambda: self.forward(mode), self._backward)
        return fwd, bwd, [loss] + self.grad_check(self._net(mode))

    def _backward(self, loss):
        loss.backward()
        return float(loss.array)

    def peak(self, mode):
        self._net(mode).cleargrads()
        return spec.tracemalloc_peak(lambda: self.forward(mode).backward()), "tracemalloc"


class ResMLP(_Model):
    def __init__(self, be, cfg):
        self.be = be
        ch, F, L = be.ch, be.F, be.L

        class Block(ch.Chain):
            def __init__(self, width):
                super().__init__()
                with self.init_scope():
                    self.l1 = L.Linear(width, width)
                    self.bn = L.BatchNormalization(width, eps=spec.BN_EPS)
                    self.l2 = L.Linear(width, width)

            def forward(self, h):
                return h + self.l2(F.relu(self.bn(self.l1(h))))

        w = cfg["width"]
        params = spec.resmlp_params(numpy, cfg["blocks"], w)
        self.model = ch.ChainList(*[Block(w) for _ in range(cfg["blocks"])])
        self._load(self.model, params)
        lean = be.lean_block()
        if lean is not None:
            # The same weights in rechain's lean blocks: same loss and gradients expected.
            self.lean = ch.ChainList(*[lean(w, lean=True) for _ in range(cfg["blocks"])])
            for blk in self.lean:
                if blk.bn.eps != spec.BN_EPS:
                    raise ValueError(f"lean block: BatchNormalization eps {blk.bn.eps}, "
                                     f"the benchmark uses {spec.BN_EPS}")
            self._load(self.lean, params)
        self.x = spec.make_input(numpy, cfg["batch"], w)
        self.segs = spec.segments(cfg["blocks"])

    @staticmethod
    def _load(model, params):
        for blk, p in zip(model, params):
            blk.l1.W.array[...] = p["W1"]
            blk.l1.b.array[...] = p["b1"]
            blk.bn.gamma.array[...] = p["gamma"]
            blk.bn.beta.array[...] = p["beta"]
            blk.l2.W.array[...] = p["W2"]
            blk.l2.b.array[...] = p["b2"]

    def forward(self, mode):
        F = self.be.F
        blocks = list(self.model)
        h = self.be.ch.Variable(self.x)
        if mode in ("plain", "lean"):
            for b in self._net(mode):
                h = b(h)
        elif mode == "forget":
            for b in blocks:
                h = F.forget(b, h)
        elif mode == "sqrt":
            for start, stop in self.segs:
                def seg(h, _bs=blocks[start:stop]):
                    for b in _bs:
                        h = b(h)
                    return h
                h = F.forget(seg, h)
        else:
            raise ValueError(mode)
        return self._loss(h)

    @staticmethod
    def grad_check(net):
        return [float(abs(net[0].l1.W.grad).sum()),
                float(abs(net[len(net) - 1].l2.W.grad).sum())]


class MLP(_Model):
    def __init__(self, be, cfg):
        self.be = be
        ch, F, L = be.ch, be.F, be.L

        class Layer(ch.Chain):
            def __init__(self, width):
                super().__init__()
                with self.init_scope():
                    self.l = L.Linear(width, width)

            def forward(self, h):
                return F.relu(self.l(h))

        w = cfg["width"]
        self.model = ch.ChainList(*[Layer(w) for _ in range(cfg["blocks"])])
        for lay, p in zip(self.model, spec.mlp_params(numpy, cfg["blocks"], w)):
            lay.l.W.array[...] = p["W"]
            lay.l.b.array[...] = p["b"]
        self.x = spec.make_input(numpy, cfg["batch"], w)

    def forward(self, mode):
        F = self.be.F
        h = self.be.ch.Variable(self.x)
        for lay in self.model:
            h = F.forget(lay, h) if mode == "forget" else lay(h)
        return self._loss(h)

    @staticmethod
    def grad_check(net):
        return [float(abs(net[0].l.W.grad).sum()),
                float(abs(net[len(net) - 1].l.W.grad).sum())]
