"""Measure the costs of a chain of blocks for the planners (DESIGN §4).

Each block is run once in isolation on its real input, under ``tracemalloc``,
and the quantities of the memory model (plan.py, note "memory model") are read
off directly:

- ``out_bytes``: the block's output;
- ``saved_bytes``: what is still allocated after the forward pass, beyond the
  output (the block's input was allocated before and is not counted) and
  beyond the graph's own objects (counted in ``const_bytes``, below);
- ``grad_bytes``: the parameter gradients its backward allocates (parameters
  not already counted by an earlier block);
- ``temp_bytes``: the largest transient above what the model accounts for, in
  the forward pass or the backward pass;
- ``rerun_bwd_bytes``: the transient of the block's backward inside a re-run
  (``costs.BlockCost``; memory model rule 6), read off a second traced run
  of the block wrapped alone in ``F.forget`` (``_forget_run``): the replay is
  run first, then the peak of the backward is taken above what the model
  has alive when it starts (``h_i``, ``g_{i+1}``, ``S_i``). Refilled arrays
  beyond ``S_i`` count in it: a retained output (``F.relu`` keeps its output;
  in a chain it is also the next block's input, which the model frees
  earlier) stays until that operation's backward. The output gradient is
  held to the end, as the model assumes; ``h_i`` is the caller's here, not
  freed at the block's first operation as a replayed ``h_i`` would be: both
  make the value an upper bound where they matter;
- ``const_bytes``: the graph's own objects (nodes, regions, placeholders),
  what a block run in ``F.forget`` keeps besides its output. The graph is
  the same whatever the plan (a replay builds none) and stays all step, so
  it is constant; it is taken out of ``saved_bytes``. With activations of a
  few tens of KiB it is a sizeable part of the peak.
- ``fwd_time`` / ``bwd_time``: the fastest of ``repeat`` untraced runs.

Measuring leaves the model as it was: link persistents (BatchNormalization
statistics), the framework random stream and parameter gradients are restored.
"""

import gc
import time
import tracemalloc

from rechain import _backprop
from rechain import random as _random
from rechain import variable as _variable
from rechain.recompute import costs as costs_lib

Variable = _variable.Variable


def blocks_of(chain):
    """The list of callables of a ``Sequential``, ``ChainList`` or sequence."""
    from rechain.links import link as _link
    if isinstance(chain, _link.Sequential):
        return list(chain._layers)
    if isinstance(chain, _link.ChainList):
        return list(chain)
    if isinstance(chain, (list, tuple)):
        for i, b in enumerate(chain):
            if not callable(b):
                raise TypeError(f"blocks[{i}] is not callable but {type(b).__name__}")
        return list(chain)
    raise TypeError(f"expected a Sequential, a ChainList or a list of callables, "
                    f"not {type(chain).__name__}")


def _links(blocks):
    from rechain.links import link as _link
    seen = {}
    for b in blocks:
        owner = b if isinstance(b, _link.Link) else getattr(b, "__self__", None)
        if isinstance(owner, _link.Link):
            for sub in owner.links():
                seen[id(sub)] = sub
    return list(seen.values())


def _params(block):
    from rechain.links import link as _link
    owner = block if isinstance(block, _link.Link) else getattr(block, "__self__", None)
    return list(owner.params()) if isinstance(owner, _link.Link) else []


class _Snapshot:
    """Persistents, parameter gradients and the random stream, to put back."""

    def __init__(self, blocks):
        self.links = _links(blocks)
        self.persist = [(link, [(name, value.copy() if hasattr(value, "copy") else value)
                                for name, value in link.persistents()])
                        for link in self.links]
        self.grads = [(p, p._grad_var) for link in self.links for p in link.params()]
        self.rng = _random.get_state()

    def restore(self):
        for link, values in self.persist:
            for name, value in values:
                current = getattr(link, name)
                if hasattr(current, "shape") and hasattr(value, "shape"):
                    current[...] = value
                else:
                    setattr(link, name, value)
        for p, g in self.grads:
            p._grad_var = g
        _random.set_state(self.rng)


def _time_block(block, x, params):
    """Seconds of one forward and one backward of ``block``, without tracing."""
    for p in params:
        p._grad_var = None
    gc.collect()
    h = Variable(x)
    t0 = time.perf_counter()
    y = block(h)
    fwd = time.perf_counter() - t0
    g = Variable._constant(y.xp.ones_like(y.array))
    t0 = time.perf_counter()
    _backprop.backward([y], [g])
    return fwd, time.perf_counter() - t0


def _one_block(block, x, params, counted):
    """Measure one block on input array ``x``; return (BlockCost, output array).

    Memory is read under tracemalloc; the times of this pass are replaced by
    untraced runs (tracing slows every allocation down).
    """
    for p in params:
        p._grad_var = None
    gc.collect()
    h = Variable(x)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        t0 = time.perf_counter()
        y = block(h)
        fwd = time.perf_counter() - t0
        now, peak = tracemalloc.get_traced_memory()
        kept = now - base
        out = int(y.array.nbytes)
        saved = max(kept - out, 0)
        temp_f = max(peak - now, 0)
        # As in a chain, the output gradient lives only in backprop's table,
        # so it is freed as soon as it is consumed.
        base_b = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        t0 = time.perf_counter()
        _backprop.backward([y], [Variable._constant(y.xp.ones_like(y.array))])
        bwd = time.perf_counter() - t0
        peak_b = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    grad_bytes = 0
    for p in params:
        if p._grad_var is not None and id(p) not in counted:
            counted.add(id(p))
            grad_bytes += int(p._grad_var.array.nbytes)
    # Model: backward runs with g_{i+1} (out bytes) alive and costs a transient
    # A_i (the input gradient) + grad_bytes + temp_bytes.
    temp_b = max(peak_b - base_b - out - int(x.nbytes) - grad_bytes, 0)
    cost = dict(fwd_time=fwd, bwd_time=bwd, out_bytes=out, saved_bytes=saved,
                temp_bytes=max(temp_f, temp_b),
                grad_bytes=grad_bytes)
    return cost, y.array


def _forget_run(block, x, params):
    """Run ``block`` alone in ``F.forget`` as a stored block of a re-run.

    The block runs in ``F.forget`` on ``x``; the region is replayed (the saved
    arrays refilled) with the output gradient ``g_{i+1}`` alive, then backward
    runs. Backprop drops each operation's refilled arrays once its backward
    is done, as it does for a stored block of a chain's re-run.

    Returns:
        ``(graph, backward)``: the bytes the forgotten block keeps besides its
        output (the graph's nodes and the region: Python objects, no saved
        array), and the peak of the backward above what was alive before the
        replay (``h_i``, ``g_{i+1}``, the graph).
    """
    from rechain import function_node
    from rechain.functions.util.forget import forget
    from rechain.recompute import region as _region
    for p in params:
        p._grad_var = None
    gc.collect()
    h = Variable(x)
    regions = []

    def run(v):
        regions.append(function_node.current_handler())
        return block(v)

    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        y = forget(run, h)
        graph = max(tracemalloc.get_traced_memory()[0] - start - int(y.array.nbytes), 0)
        region = regions[0] if regions else None
        while isinstance(region, _region.Region) and isinstance(region.parent, _region.Region):
            region = region.parent
        g = Variable._constant(y.xp.ones_like(y.array))
        before = tracemalloc.get_traced_memory()[0]
        if isinstance(region, _region.Region):
            region.recompute()       # the re-run's forward: fills the saved arrays
        tracemalloc.reset_peak()
        _backprop.backward([y], [g])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return graph, max(peak - before, 0)


def measure(chain, x, repeat=3):
    """Measure each block of ``chain`` on input ``x`` (one forward+backward each).

    Args:
        chain: A ``Sequential``, a ``ChainList`` or a list of callables, each
            taking and returning one Variable.
        x (ndarray): The input of the first block.
        repeat (int): Untraced timing runs per block (the fastest is kept);
            memory is measured in one more, traced, run.

    Returns:
        ChainCosts: Per-block costs, ``input_bytes`` of ``x``.
    """
    blocks = blocks_of(chain)
    if not blocks:
        raise ValueError("measure: the chain has no block")
    if repeat < 1:
        raise ValueError(f"measure: repeat must be at least 1, got {repeat}")
    x = _variable.as_array(x)
    snap = _Snapshot(blocks)
    counted = set()
    results = []
    const = 0
    try:
        h = x
        for i, block in enumerate(blocks):
            params = _params(block)
            cost, y = _one_block(block, h, params, counted)
            graph, backward = _forget_run(block, h, params)
            # The graph's objects stay all step whatever the plan (a replay
            # builds no graph): they go to const_bytes, not to saved_bytes.
            graph = min(graph, cost["saved_bytes"])
            const += graph
            cost["saved_bytes"] -= graph
            # above h_i, g_{i+1}, the graph and S_i: what rule 6 adds
            cost["rerun_bwd_bytes"] = max(backward - cost["saved_bytes"], 0)
            times = [_time_block(block, h, params) for _ in range(repeat)]
            cost["fwd_time"] = min(t[0] for t in times)
            cost["bwd_time"] = min(t[1] for t in times)
            results.append(costs_lib.BlockCost(**cost))
            h = y
    finally:
        snap.restore()
    return costs_lib.ChainCosts(input_bytes=int(x.nbytes), blocks=results, const_bytes=const)
