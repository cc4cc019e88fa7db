"""DESIGN §5 "overhead": 10,000 tiny ops (h = h * y + z, 4-element float32), µs per op.

Usage: python benchmarks/overhead.py [--ops 10000] [--repeat 7]
"""

import argparse
import gc
import statistics
import time

import _common  # noqa: F401  (sets single-threaded BLAS and sys.path)
import numpy

import rechain
import rechain.functions as F


def run(n_ops, repeat):
    rng = numpy.random.default_rng(0)
    y = rechain.Variable(rng.uniform(0.4, 0.6, 4).astype(numpy.float32))
    z = rechain.Variable(rng.uniform(-0.1, 0.1, 4).astype(numpy.float32))
    x0 = rng.uniform(-1, 1, 4).astype(numpy.float32)

    def once():
        gc.collect()
        t0 = time.perf_counter()
        h = rechain.Variable(x0)
        for _ in range(n_ops // 2):
            h = h * y + z
        loss = F.sum(h)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        del h, loss  # teardown is not timed
        y.cleargrad()
        z.cleargrad()
        return t1 - t0, t2 - t1

    once()  # warm-up
    runs = [once() for _ in range(repeat)]
    fwd = statistics.median(r[0] for r in runs)
    bwd = statistics.median(r[1] for r in runs)
    total = statistics.median(r[0] + r[1] for r in runs)
    return fwd / n_ops * 1e6, bwd / n_ops * 1e6, total / n_ops * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--ops", type=int, default=10000)
    p.add_argument("--repeat", type=int, default=7)
    a = p.parse_args()
    fwd, bwd, total = run(a.ops, a.repeat)
    print(f"overhead ({a.ops} tiny ops, median of {a.repeat}): forward {fwd:.2f} us/op, "
          f"backward {bwd:.2f} us/op, forward+backward {total:.2f} us/op")


if __name__ == "__main__":
    main()
