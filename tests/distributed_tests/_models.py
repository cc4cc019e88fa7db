"""Models and data shared by the distributed tests (every rank builds the same)."""

import numpy

import rechain
import rechain.functions as F
import rechain.links as L
import rechain.distributed as chainermn


class Block(rechain.Chain):
    """h + l2(relu(bn(l1(h)))), with a multi-node or a plain batch normalization."""

    def __init__(self, width, comm=None):
        super().__init__()
        with self.init_scope():
            # No bias before the normalization: its gradient is 0 in exact arithmetic
            # and its value would be rounding noise, meaningless to compare.
            self.l1 = L.Linear(width, width, nobias=True)
            self.bn = (L.BatchNormalization(width) if comm is None
                       else chainermn.MultiNodeBatchNormalization(width, comm))
            self.l2 = L.Linear(width, width)

    def forward(self, h):
        return h + self.l2(F.relu(self.bn(self.l1(h))))


class Net(rechain.Chain):
    """inp -> blocks -> out; ``mode`` 'plain', 'forget' (each block under F.forget)
    or 'planned' (``self.planned``, set by the test)."""

    def __init__(self, comm=None, n_in=5, width=8, n_blocks=3, n_out=3):
        super().__init__()
        with self.init_scope():
            self.inp = L.Linear(n_in, width)
            self.blocks = rechain.ChainList(*[Block(width, comm) for _ in range(n_blocks)])
            self.out = L.Linear(width, n_out)

    def forward(self, x, mode="plain"):
        h = self.inp(x)
        if mode == "planned":
            h = self.planned(h)
        else:
            for b in self.blocks:
                h = F.forget(b, h) if mode == "forget" else b(h)
        return self.out(h)


def make_net(comm=None, seed=0, **kwargs):
    rechain.random.seed(seed)
    with rechain.using_config("dtype", numpy.float64):
        return Net(comm, **kwargs)


def global_batch(step, n, n_in=5, n_out=3):
    """The global batch of ``step`` (float64), the same on every rank."""
    rng = numpy.random.default_rng(1000 + step)
    return rng.standard_normal((n, n_in)), rng.standard_normal((n, n_out))


def copy_params(src, dst):
    """dst's parameters and persistent statistics := src's (same structure)."""
    d = dict(dst.namedparams())
    for name, p in src.namedparams():
        d[name].array[...] = p.array
    for (_, a), (_, b) in zip(sorted(src.namedlinks()), sorted(dst.namedlinks())):
        for k in ("avg_mean", "avg_var"):
            if getattr(a, k, None) is not None:
                getattr(b, k)[...] = getattr(a, k)


def rel_err(a, b):
    a, b = numpy.asarray(a, numpy.float64), numpy.asarray(b, numpy.float64)
    return float(numpy.linalg.norm(a - b) / max(numpy.linalg.norm(b), 1e-300))
