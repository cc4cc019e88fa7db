"""Cost of the debug value check of F.forget (F21, region.py Note [value check]).

forget-call: 1,000 forget calls each wrapping two tiny ops, forward+backward,
µs per call with the check against without it. resmlp: N=16 blocks, width
512, batch 2048, every block under forget, one forward+backward step. Both
interleave the two variants and report medians of CPU time (the machine is
shared; CPU time is less disturbed by other processes than wall time). The
check is switched on for the regions alone, so the other checks of
config.debug do not enter the numbers.

Usage: python benchmarks/forget_check.py [--repeat 31] [--resmlp-repeat 9] [--skip-resmlp]
"""

import argparse
import gc
import statistics
import time

import _common  # noqa: F401  (single-threaded BLAS, import path)
import numpy

import rechain
import rechain.functions as F
from rechain.recompute import region

import resmlp

_state = {"check": False}
_init = region.Region.__init__


def _region_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.prints = [] if _state["check"] else None


region.Region.__init__ = _region_init


def _interleaved(once, repeat):
    once()
    res = {False: [], True: []}
    for _ in range(repeat):
        for check in (False, True):
            _state["check"] = check
            res[check].append(once())
    return statistics.median(res[False]), statistics.median(res[True])


def forget_call(n=1000, repeat=31):
    rng = numpy.random.default_rng(0)
    y = rechain.Variable(rng.uniform(0.4, 0.6, 4).astype(numpy.float32))
    z = rechain.Variable(rng.uniform(-0.1, 0.1, 4).astype(numpy.float32))
    x0 = rng.uniform(-1, 1, 4).astype(numpy.float32)

    def block(h):
        return h * y + z

    def once():
        gc.collect()
        t0 = time.process_time()
        h = rechain.Variable(x0)
        for _ in range(n):
            h = F.forget(block, h)
        F.sum(h).backward()
        return time.process_time() - t0

    off, on = _interleaved(once, repeat)
    print(f"forget-call: {off / n * 1e6:.1f} µs/call without the check, {on / n * 1e6:.1f} "
          f"with it: {(on - off) / n * 1e6:.1f} µs per forget call")


def resmlp_step(repeat=9):
    model = resmlp.build(16)
    x = resmlp.make_input()

    def once():
        model.cleargrads()
        gc.collect()
        t0 = time.process_time()
        h = rechain.Variable(x)
        for b in model:
            h = F.forget(b, h)
        resmlp.loss_of(h).backward()
        return time.process_time() - t0

    off, on = _interleaved(once, repeat)
    print(f"resmlp N=16, forget per block: {off:.3f} s without the check, {on:.3f} s with "
          f"it: +{(on / off - 1) * 100:.1f} %")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=31)
    p.add_argument("--resmlp-repeat", type=int, default=9)
    p.add_argument("--skip-resmlp", action="store_true")
    a = p.parse_args()
    forget_call(repeat=a.repeat)
    if not a.skip_resmlp:
        resmlp_step(a.resmlp_repeat)


if __name__ == "__main__":
    main()
