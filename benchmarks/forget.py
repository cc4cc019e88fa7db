"""DESIGN §5 "forget-call" and "resmlp" benchmarks for F.forget.

forget-call: 1,000 forget calls each wrapping two tiny ops (h * y + z on
4-element float32 arrays), forward+backward; reported as µs per call beyond the
plain run and beyond the recompute of its two ops (one more plain forward).

resmlp: N residual blocks h + l2(relu(bn(l1(h)))), width 512, batch 2048,
float32, loss sum(h*h)/B; plain vs F.forget per block: time of a training
step (forward+backward), its ratio against the ideal (2F+B)/(F+B) from the
measured plain forward F and backward B, and peak traced memory.

Usage: python benchmarks/forget.py [--calls 1000] [--blocks 16] [--repeat 5] [--skip-resmlp]
"""

import argparse
import gc
import statistics
import time

import _common
import numpy

import rechain
import rechain.functions as F


def forget_call(n_calls, repeat):
    rng = numpy.random.default_rng(0)
    y = rechain.Variable(rng.uniform(0.4, 0.6, 4).astype(numpy.float32))
    z = rechain.Variable(rng.uniform(-0.1, 0.1, 4).astype(numpy.float32))
    x0 = rng.uniform(-1, 1, 4).astype(numpy.float32)

    def block(h):
        return h * y + z

    def once(use_forget):
        gc.collect()
        t0 = time.perf_counter()
        h = rechain.Variable(x0)
        if use_forget:
            for _ in range(n_calls):
                h = F.forget(block, h)
        else:
            for _ in range(n_calls):
                h = block(h)
        loss = F.sum(h)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        del h, loss
        y.cleargrad()
        z.cleargrad()
        return t1 - t0, t2 - t0

    once(False)
    once(True)
    plain, forgot = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine load
        plain.append(once(False))
        forgot.append(once(True))
    p_fwd = statistics.median(r[0] for r in plain)
    p_tot = statistics.median(r[1] for r in plain)
    f_tot = statistics.median(r[1] for r in forgot)
    per_call = (f_tot - p_tot) / n_calls * 1e6
    beyond = (f_tot - p_tot - p_fwd) / n_calls * 1e6
    return per_call, beyond, p_tot / n_calls * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--blocks", type=int, default=16)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--skip-resmlp", action="store_true")
    a = p.parse_args()
    per_call, beyond, plain = forget_call(a.calls, a.repeat)
    print(f"forget-call ({a.calls} calls of 2 tiny ops, median of {a.repeat}): "
          f"+{per_call:.2f} us per call over plain ({plain:.2f} us per plain block); "
          f"+{beyond:.2f} us beyond recomputing the two ops")
    if not a.skip_resmlp:
        import resmlp
        resmlp.report_forget(a.blocks, a.repeat)


if __name__ == "__main__":
    main()
