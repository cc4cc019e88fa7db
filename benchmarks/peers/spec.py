"""Benchmark parameters shared by run.py and every worker (DESIGN.md §5).

Imported by interpreters of different environments (the repo's Python with
NumPy 2, the Chainer venv with NumPy 1.26, the PyTorch venv), so it uses the
standard library and NumPy only.
"""

import gc
import math
import time
import tracemalloc

# --- benchmark definitions -------------------------------------------------

#: benchmark name -> description used in the tables.
BENCHMARKS = ("overhead", "forget-call", "resmlp-16", "resmlp-32", "mlp32")

#: frameworks in the order of the tables; rechain first (ratios are rechain ÷ peer).
FRAMEWORKS = ("rechain", "chainer", "torch", "numpy")

#: modes a framework has for each kind of benchmark (numpy is hand-written: no forget).
MODES = {
    "tiny": {"rechain": ("plain",), "chainer": ("plain",), "torch": ("plain",),
             "numpy": ("plain",)},
    "forget-call": {"rechain": ("plain", "forget"), "chainer": ("plain", "forget"),
                    "torch": ("plain", "forget")},
    # lean: rechain's memory-lean BN->ReLU blocks (rechain.demo.ResBlock(lean=True)), plain
    # otherwise; a worker whose rechain has no such block reports it unavailable.
    "resmlp": {"rechain": ("plain", "lean", "forget", "sqrt"),
               "chainer": ("plain", "forget", "sqrt"),
               "torch": ("plain", "forget", "sqrt"), "numpy": ("plain", "forget", "sqrt")},
    "mlp": {"rechain": ("plain", "forget"), "chainer": ("plain", "forget"),
            "torch": ("plain", "forget"), "numpy": ("plain", "forget")},
}


def configs(quick=False):
    """Benchmark name -> dict(kind, cfg, repeat). Same cfg for every framework."""
    if quick:
        return {
            "overhead": dict(kind="tiny", cfg=dict(iters=1000), repeat=3),
            "forget-call": dict(kind="forget-call", cfg=dict(iters=200), repeat=3),
            "resmlp-16": dict(kind="resmlp", cfg=dict(blocks=2, width=512, batch=2048), repeat=3),
            "resmlp-32": dict(kind="resmlp", cfg=dict(blocks=4, width=512, batch=2048), repeat=3),
            "mlp32": dict(kind="mlp", cfg=dict(blocks=4, width=1024, batch=256), repeat=3),
        }
    return {
        # 10,000 tiny ops = 5,000 iterations of h = h * y + z (a mul and an add).
        "overhead": dict(kind="tiny", cfg=dict(iters=5000), repeat=11),
        # 1,000 forget calls, each wrapping the two ops of h = h * y + z.
        "forget-call": dict(kind="forget-call", cfg=dict(iters=1000), repeat=11),
        "resmlp-16": dict(kind="resmlp", cfg=dict(blocks=16, width=512, batch=2048), repeat=9),
        "resmlp-32": dict(kind="resmlp", cfg=dict(blocks=32, width=512, batch=2048), repeat=7),
        "mlp32": dict(kind="mlp", cfg=dict(blocks=32, width=1024, batch=256), repeat=9),
    }


def segments(n_blocks):
    """Split blocks 0..n-1 into ceil(sqrt(n)) contiguous segments of near-equal size.

    Every segment is one forget/checkpoint region (unlike PyTorch's
    checkpoint_sequential, which runs its last segment plainly), so all
    frameworks recompute exactly the same blocks. Returns (start, stop) pairs.
    """
    k = max(1, math.ceil(math.sqrt(n_blocks)))
    base, extra = divmod(n_blocks, k)
    out, start = [], 0
    for i in range(k):
        stop = start + base + (1 if i < extra else 0)
        out.append((start, stop))
        start = stop
    return out


# --- identical data and parameters for every framework --------------------

def tiny_data(np):
    """x0, y, z of the tiny-op benchmarks (4-element float32)."""
    rng = np.random.default_rng(0)
    y = rng.uniform(0.4, 0.6, 4).astype(np.float32)
    z = rng.uniform(-0.1, 0.1, 4).astype(np.float32)
    x0 = rng.uniform(-1, 1, 4).astype(np.float32)
    return x0, y, z


def resmlp_params(np, blocks, width, seed=0):
    """Per block: W1, b1, gamma, beta, W2, b2 (Linear weights are (out, in))."""
    rng = np.random.default_rng(seed)
    out = []
    s = 1.0 / math.sqrt(width)
    for _ in range(blocks):
        out.append(dict(
            W1=(rng.standard_normal((width, width), dtype=np.float32) * s),
            b1=rng.uniform(-0.1, 0.1, width).astype(np.float32),
            gamma=rng.uniform(0.5, 1.5, width).astype(np.float32),
            beta=rng.uniform(-0.1, 0.1, width).astype(np.float32),
            W2=(rng.standard_normal((width, width), dtype=np.float32) * s),
            b2=rng.uniform(-0.1, 0.1, width).astype(np.float32),
        ))
    return out


def mlp_params(np, blocks, width, seed=0):
    """Per layer: W (out, in), b; He-scaled so activations stay O(1) through 32 ReLUs."""
    rng = np.random.default_rng(seed)
    s = math.sqrt(2.0 / width)
    return [dict(W=rng.standard_normal((width, width), dtype=np.float32) * s,
                 b=rng.uniform(-0.1, 0.1, width).astype(np.float32))
            for _ in range(blocks)]


def make_input(np, batch, width, seed=1):
    return np.random.default_rng(seed).standard_normal((batch, width), dtype=np.float32)


BN_EPS = 2e-5  # Chainer's default; PyTorch's BatchNorm1d is given the same.

# --- measurement helpers used by the workers -------------------------------


def blas_info():
    """What threadpoolctl sees loaded in this process: per library its internal API
    (openblas, mkl, ...), version, architecture (OpenBLAS's core type) and threads.

    threadpoolctl is a benchmark-environment package, never a rechain dependency:
    without it the answer says so instead of failing.
    """
    try:
        import threadpoolctl
    except ImportError:
        return [{"error": "threadpoolctl not installed (pip install threadpoolctl)"}]
    keep = ("user_api", "internal_api", "version", "architecture", "num_threads",
            "threading_layer", "prefix")
    return [{k: d.get(k) for k in keep} for d in threadpoolctl.threadpool_info()]


def timed_step(forward, backward):
    """Run forward() then backward(result); return (fwd s, bwd s, result of backward)."""
    gc.collect()
    t0 = time.perf_counter()
    loss = forward()
    t1 = time.perf_counter()
    out = backward(loss)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, out


def tracemalloc_peak(fn):
    """Peak traced bytes of fn() over a baseline taken just before it."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base
