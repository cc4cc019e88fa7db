"""DESIGN §5 "resmlp": N residual blocks h + l2(relu(bn(l1(h)))), float32.

Width 512, batch 2048 by default; loss sum(h*h)/B. Used by forget.py (plain vs
forget per block) and runnable alone:

    python benchmarks/resmlp.py --blocks 16 --repeat 5
    python benchmarks/resmlp.py --blocks 16 --lean   # plain vs lean blocks

``--lean`` compares plain blocks with lean ones (demo.ResBlock(lean=True):
L.BatchNormalizationReLU and F.lean_apply, bitwise the same gradients, one
array of the block's width less kept per block), both without forget.
"""

import argparse
import gc
import statistics
import time

import _common
import numpy

import rechain
import rechain.functions as F
from rechain import demo
from rechain import memory


def build(n_blocks, width=512, seed=0, lean=False):
    rechain.random.seed(seed)
    return rechain.ChainList(*[demo.ResBlock(width, lean=lean) for _ in range(n_blocks)])


def make_input(batch=2048, width=512, seed=0):
    return numpy.random.default_rng(seed).standard_normal((batch, width), dtype=numpy.float32)


def loss_of(h):
    return F.sum(h * h) * (1.0 / h.shape[0])


def forward(model, x, mode="plain"):
    h = rechain.Variable(x)
    for block in model:
        h = F.forget(block, h) if mode == "forget" else block(h)
    return loss_of(h)


def measure(model, x, mode, repeat):
    """Median forward and backward seconds and peak traced bytes of one step."""
    def once():
        model.cleargrads()
        gc.collect()
        t0 = time.perf_counter()
        loss = forward(model, x, mode)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1

    once()
    runs = [once() for _ in range(repeat)]
    model.cleargrads()
    gc.collect()
    with memory.track() as tracker:
        forward(model, x, mode).backward()
    peak = tracker.peak
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
            statistics.median(r[0] + r[1] for r in runs), peak)


def report_forget(n_blocks, repeat, width=512, batch=2048):
    model = build(n_blocks, width)
    x = make_input(batch, width)
    f, b, plain, p_peak = measure(model, x, "plain", repeat)
    _, _, forgot, f_peak = measure(model, x, "forget", repeat)
    ideal = (2 * f + b) / (f + b)
    print(f"resmlp N={n_blocks} width={width} batch={batch} (median of {repeat}):")
    print(f"  plain : {plain:.3f} s/step (F {f:.3f} s, B {b:.3f} s), peak {_common.mib(p_peak):.0f} MiB")
    print(f"  forget: {forgot:.3f} s/step, peak {_common.mib(f_peak):.0f} MiB")
    print(f"  time ratio forget/plain {forgot / plain:.3f}, ideal (2F+B)/(F+B) {ideal:.3f}, "
          f"measured/ideal {forgot / plain / ideal:.3f}")
    return dict(plain=plain, forget=forgot, F=f, B=b, ideal=ideal,
                plain_peak=p_peak, forget_peak=f_peak)


def report_lean(n_blocks, repeat, width=512, batch=2048):
    x = make_input(batch, width)
    out = {}
    print(f"resmlp N={n_blocks} width={width} batch={batch}, plain (median of {repeat}):")
    for lean in (False, True):
        model = build(n_blocks, width, lean=lean)
        f, b, step, peak = measure(model, x, "plain", repeat)
        name = "lean " if lean else "plain"
        print(f"  {name}: {step:.3f} s/step (F {f:.3f} s, B {b:.3f} s), "
              f"peak {_common.mib(peak):.0f} MiB")
        out[name.strip()] = dict(step=step, F=f, B=b, peak=peak)
    print(f"  peak lean/plain {out['lean']['peak'] / out['plain']['peak']:.3f}, "
          f"time lean/plain {out['lean']['step'] / out['plain']['step']:.3f}")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--blocks", type=int, default=16)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch", type=int, default=2048)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--lean", action="store_true",
                   help="compare plain blocks with lean blocks (BatchNormalizationReLU)")
    a = p.parse_args()
    if a.lean:
        report_lean(a.blocks, a.repeat, a.width, a.batch)
    else:
        report_forget(a.blocks, a.repeat, a.width, a.batch)


if __name__ == "__main__":
    main()
