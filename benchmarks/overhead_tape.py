"""How cheap can a define-by-run graph in plain Python be? (issue 10)

The overhead benchmark of DESIGN.md §5 -- ``h = h * y + z`` on 4-element
float32 arrays, then ``sum(h).backward()`` -- run by rechain, by PyTorch (if
it is installed in this interpreter) and by the leanest generic reverse-mode
tape written here: an object per op keeping its inputs, outputs kept on a
tape in creation order, a dict of gradients by tensor, backward walking the
tape in reverse. The tape has none of what rechain's graph carries for
Chainer's API and for memory (VariableNodes and weak references, retained
arrays, ranks, hooks, saved-array handlers, the freeing backward), so the
gap between it and rechain is what that structure costs per op, and the gap
between it and PyTorch says whether pure Python could reach a target.

Interleaved repetitions, medians; single-threaded BLAS (benchmarks/_common.py).

    python benchmarks/overhead_tape.py [--iters 1000] [--repeat 30]
"""

import argparse
import os
import statistics
import sys
import time

import _common  # noqa: F401  (single-threaded BLAS, before NumPy)
import numpy

import rechain
import rechain.functions as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import spec  # noqa: E402  (benchmarks/peers/spec.py: the benchmark's data)


class Tensor:
    __slots__ = ("data", "op")

    def __init__(self, data, op=None):
        self.data = data
        self.op = op


class MulOp:
    __slots__ = ("a", "b")

    def backward(self, g):
        return ((self.a, g * self.b.data), (self.b, g * self.a.data))


class AddOp:
    __slots__ = ("a", "b")

    def backward(self, g):
        return ((self.a, g), (self.b, g))


class Tape:
    def __init__(self):
        self.entries = []

    def mul(self, a, b):
        op = MulOp()
        op.a, op.b = a, b
        y = Tensor(a.data * b.data, op)
        self.entries.append((op, y))
        return y

    def add(self, a, b):
        op = AddOp()
        op.a, op.b = a, b
        y = Tensor(a.data + b.data, op)
        self.entries.append((op, y))
        return y

    def backward(self, y):
        grads = {id(y): numpy.ones_like(y.data)}
        for op, out in reversed(self.entries):
            g = grads.pop(id(out), None)
            if g is None:
                continue
            for x, gx in op.backward(g):
                prev = grads.get(id(x))
                grads[id(x)] = gx if prev is None else prev + gx
        self.entries.clear()
        return grads


def runners(iters):
    x0, yd, zd = spec.tiny_data(numpy)

    def tape_step():
        tape = Tape()
        y, z = Tensor(yd), Tensor(zd)
        t0 = time.perf_counter()
        h = Tensor(x0)
        for _ in range(iters):
            h = tape.add(tape.mul(h, y), z)
        float(h.data.sum())
        grads = tape.backward(h)
        assert id(y) in grads and id(z) in grads
        return time.perf_counter() - t0

    ry, rz = rechain.Variable(yd), rechain.Variable(zd)

    def rechain_step():
        ry.cleargrad()
        rz.cleargrad()
        t0 = time.perf_counter()
        h = rechain.Variable(x0)
        for _ in range(iters):
            h = h * ry + rz
        F.sum(h).backward()
        return time.perf_counter() - t0

    out = {"rechain": rechain_step, "Python tape": tape_step}
    try:
        import torch
    except ImportError:
        return out
    torch.set_num_threads(1)
    ty = torch.from_numpy(yd).requires_grad_(True)
    tz = torch.from_numpy(zd).requires_grad_(True)

    def torch_step():
        ty.grad = tz.grad = None
        t0 = time.perf_counter()
        h = torch.from_numpy(x0).requires_grad_(True)
        for _ in range(iters):
            h = h * ty + tz
        h.sum().backward()
        return time.perf_counter() - t0

    out["PyTorch"] = torch_step
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iters", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=30)
    a = p.parse_args(argv)
    fns = runners(a.iters)
    times = {k: [] for k in fns}
    for f in fns.values():
        f()                                   # warm-up
    for _ in range(a.repeat):
        for k, f in fns.items():
            times[k].append(f())
    base = times.get("PyTorch")
    print("| run | µs per op (forward + backward) | ÷ PyTorch, paired |")
    print("|---|---:|---:|")
    for k, t in times.items():
        us = statistics.median(t) / (2 * a.iters) * 1e6
        ratio = (f"{statistics.median(x / b for x, b in zip(t, base)):.2f}"
                 if base is not None else "—")
        print(f"| {k} | {us:.2f} | {ratio} |")
    return times


if __name__ == "__main__":
    main()
