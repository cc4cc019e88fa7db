"""Worker: the DESIGN §5 benchmarks in PyTorch 2.13 CPU (run by the PyTorch venv), see _worker.py.

forget is torch.utils.checkpoint.checkpoint(fn, h, use_reentrant=False) with
its defaults otherwise (preserve_rng_state=True, like rechain's F.forget,
which replays the random stream too).

Peak memory: tracemalloc does not see tensor storage, so the peak is taken
from the PyTorch profiler's allocator events (profile_memory=True): every
allocation and free of the CPU allocator during the step, summed in time
order; the peak of that running sum is the peak over the baseline at the
step's start. It counts tensor bytes only (no Python objects), which is
what dominates the other frameworks' tracemalloc figures at these sizes.
"""

import numpy
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

import _worker
import spec


def _ckpt(fn, h):
    return checkpoint(fn, h, use_reentrant=False)


def profiler_peak(fn):
    """Peak bytes of the CPU allocator during fn() over the bytes live at its start."""
    import gc
    from torch.profiler import ProfilerActivity, profile
    gc.collect()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    events.sort(key=lambda e: e.start_ns())
    cur = peak = 0
    for e in events:
        cur += e.nbytes()
        peak = max(peak, cur)
    return peak


def _torch_blas():
    """torch's own BLAS (its matmuls run in its build's library, not NumPy's OpenBLAS):
    the math-library and CPU-capability lines and BLAS_INFO of torch.__config__.show()."""
    out = []
    for ln in torch.__config__.show().splitlines():
        ln = ln.strip().lstrip("- ")
        if ln.startswith(("Intel(R) oneAPI Math Kernel", "OpenBLAS", "CPU capability")):
            out.append(ln)
        elif ln.startswith("Build settings:"):
            out += [kv.strip() for kv in ln.split(":", 1)[1].split(",")
                    if kv.strip().startswith(("BLAS_INFO=", "LAPACK_INFO="))]
    return out


class Backend:
    def info(self):
        return {"framework": "torch", "version": torch.__version__, "numpy": numpy.__version__,
                "threads": torch.get_num_threads(),
                "interop_threads": torch.get_num_interop_threads(), "blas": spec.blas_info(),
                "torch_blas": _torch_blas()}

    def build(self, kind, cfg):
        if kind in ("tiny", "forget-call"):
            return Tiny(cfg)
        if kind == "resmlp":
            return ResMLP(cfg)
        if kind == "mlp":
            return MLP(cfg)
        raise ValueError(f"unknown kind {kind!r}")


class Tiny:
    def __init__(self, cfg):
        self.iters = cfg["iters"]
        x0, y, z = spec.tiny_data(numpy)
        self.x0 = torch.from_numpy(x0)
        self.y = torch.from_numpy(y).requires_grad_(True)
        self.z = torch.from_numpy(z).requires_grad_(True)

    def step(self, mode):
        y, z, n = self.y, self.z, self.iters

        def block(h):
            return h * y + z

        def forward():
            h = self.x0.detach().requires_grad_(True)
            if mode == "forget":
                for _ in range(n):
                    h = _ckpt(block, h)
            else:
                for _ in range(n):
                    h = block(h)
            return h.sum()

        def backward(loss):
            loss.backward()
            return float(loss.detach())

        y.grad = None
        z.grad = None
        fwd, bwd, loss = spec.timed_step(forward, backward)
        return fwd, bwd, [loss, float(y.grad.sum()), float(z.grad.sum())]

    def peak(self, mode):
        return None, "not measured"


class _Model:
    def _loss(self, h):
        return (h * h).sum() * (1.0 / h.shape[0])

    def step(self, mode):
        self.model.zero_grad(set_to_none=True)
        fwd, bwd, loss = spec.timed_step(lambda: self.forward(mode), self._backward)
        return fwd, bwd, [loss] + self.grad_check()

    @staticmethod
    def _backward(loss):
        loss.backward()
        return float(loss.detach())

    def peak(self, mode):
        self.model.zero_grad(set_to_none=True)
        return profiler_peak(lambda: self.forward(mode).backward()), "torch profiler allocator events"

    def input(self):
        return self.x.detach().requires_grad_(True)  # as Chainer's Variable(x): gets a grad too


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.l1 = nn.Linear(width, width)
        self.bn = nn.BatchNorm1d(width, eps=spec.BN_EPS, momentum=0.1)
        self.l2 = nn.Linear(width, width)

    def forward(self, h):
        return h + self.l2(torch.relu(self.bn(self.l1(h))))


def _set(param, arr):
    with torch.no_grad():
        param.copy_(torch.from_numpy(arr))


class ResMLP(_Model):
    def __init__(self, cfg):
        w = cfg["width"]
        self.model = nn.ModuleList([Block(w) for _ in range(cfg["blocks"])])
        self.model.train()
        for blk, p in zip(self.model, spec.resmlp_params(numpy, cfg["blocks"], w)):
            _set(blk.l1.weight, p["W1"])
            _set(blk.l1.bias, p["b1"])
            _set(blk.bn.weight, p["gamma"])
            _set(blk.bn.bias, p["beta"])
            _set(blk.l2.weight, p["W2"])
            _set(blk.l2.bias, p["b2"])
        self.x = torch.from_numpy(spec.make_input(numpy, cfg["batch"], w))
        self.segs = spec.segments(cfg["blocks"])

    def forward(self, mode):
        blocks = list(self.model)
        h = self.input()
        if mode == "plain":
            for b in blocks:
                h = b(h)
        elif mode == "forget":
            for b in blocks:
                h = _ckpt(b, h)
        elif mode == "sqrt":
            for start, stop in self.segs:
                def seg(h, _bs=blocks[start:stop]):
                    for b in _bs:
                        h = b(h)
                    return h
                h = _ckpt(seg, h)
        else:
            raise ValueError(mode)
        return self._loss(h)

    def grad_check(self):
        return [float(self.model[0].l1.weight.grad.abs().sum()),
                float(self.model[-1].l2.weight.grad.abs().sum())]


class Layer(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.l = nn.Linear(width, width)

    def forward(self, h):
        return torch.relu(self.l(h))


class MLP(_Model):
    def __init__(self, cfg):
        w = cfg["width"]
        self.model = nn.ModuleList([Layer(w) for _ in range(cfg["blocks"])])
        for lay, p in zip(self.model, spec.mlp_params(numpy, cfg["blocks"], w)):
            _set(lay.l.weight, p["W"])
            _set(lay.l.bias, p["b"])
        self.x = torch.from_numpy(spec.make_input(numpy, cfg["batch"], w))

    def forward(self, mode):
        h = self.input()
        for lay in self.model:
            h = _ckpt(lay, h) if mode == "forget" else lay(h)
        return self._loss(h)

    def grad_check(self):
        return [float(self.model[0].l.weight.grad.abs().sum()),
                float(self.model[-1].l.weight.grad.abs().sum())]


if __name__ == "__main__":
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    _worker.serve(Backend())
