"""Measure the costs of a chain of blocks for the planners (DESIGN §4).

Memory and time are measured apart (Note [measuring]):

Memory is deterministic and read under ``tracemalloc``, one traced pass per
block on its real input (the previous block's output), giving the
quantities of the memory model (plan.py, note "memory model"):

- ``out_bytes``: the block's output;
- ``saved_bytes``: what is still allocated after the forward pass, beyond the
  output (the block's input was allocated before and is not counted) and
  beyond the graph's own objects (counted in ``const_bytes``, below);
- ``grad_bytes``: the parameter gradients its backward allocates (parameters
  not already counted by an earlier block);
- ``temp_bytes``: the largest transient above what the model accounts for, in
  the forward pass or the backward pass;
- ``rerun_bwd_bytes``: the transient of the block's backward with its saved
  arrays alive (``costs.BlockCost``; memory model rule 6): the peak of the
  backward above the block's input, its saved arrays and the output
  gradient. The backward frees each operation's saved arrays once that
  operation's backward is done (function_node Note [freeing backward]), at
  top level as in a re-run, so one traced backward gives it. A block whose
  last operation keeps its output (``F.relu``) has that output counted in
  it: inside a re-run the replay refills it as an array of its own, where
  the chain's activation ``h_{i+1}`` is already freed;
- ``const_bytes``: the graph's own objects (nodes, regions, placeholders),
  what a block run in ``F.forget`` keeps besides its output: one traced
  forward of the block under ``F.forget``. The graph is the same whatever
  the plan (a replay builds none) and stays all step, so it is constant; it
  is taken out of ``saved_bytes``.

Time is read from untraced runs (tracing slows every allocation down):
each block runs forward and backward, and ``fwd_time`` / ``bwd_time`` are
the median of its samples. Blocks that look the same (Note [measuring])
pool their samples, so a chain of identical blocks gets one median for all
and a block timed once at 13x its neighbours (a preemption on a busy
machine) changes nothing; a block alike to no other is timed ``repeat``
times.

Note [measuring]. Cost. The traced pass runs every block forward twice
(plainly and under ``F.forget``) and backward once; the timed pass runs
each block ``ceil(repeat / g)`` times, ``g`` the size of its group of alike
blocks. For a chain of identical blocks that is about 2.4 training steps
(traced runs of large arrays cost about what untraced ones do); for a chain
of ``n`` different blocks, ``1.3 + repeat`` steps. Alike: the same class (or
the same function), the same parameter shapes and dtypes, the same input
and output shapes, the same measured bytes. Blocks alike by these but
doing different work (a hyper-parameter that changes only time) would
share a time; measure them with ``pool=False``.

Measuring leaves the model as it was: link persistents (BatchNormalization
statistics), the framework random stream and parameter gradients are
restored. A ``tracemalloc`` session the caller started keeps running (its
peak is reset by the measurement; tracemalloc cannot put a peak back).
Progress: after about 2 seconds a line per second on stderr, or every step
to a ``progress`` callable.
"""

import gc
import math
import statistics
import sys
import time
import tracemalloc

from rechain import _backprop
from rechain import random as _random
from rechain import variable as _variable
from rechain.recompute import costs as costs_lib

Variable = _variable.Variable

#: The clock of the timed runs (tests replace it to inject timings).
_clock = time.perf_counter
#: Seconds after which ``measure`` starts reporting progress on stderr.
PROGRESS_AFTER = 2.0


def _is_link(obj):
    """Duck test for a Link (this module imports no link: links import it)."""
    return all(callable(getattr(obj, name, None)) for name in ("params", "links", "persistents"))


def blocks_of(chain):
    """The list of callables of a ``Sequential``, ``ChainList`` or sequence."""
    if isinstance(chain, (list, tuple)):
        for i, b in enumerate(chain):
            if not callable(b):
                raise TypeError(f"blocks[{i}] is not callable but {type(b).__name__}")
        return list(chain)
    if _is_link(chain) and hasattr(type(chain), "__iter__") and hasattr(type(chain), "__len__"):
        return list(chain)       # ChainList: its children; Sequential: its layers
    raise TypeError(f"expected a Sequential, a ChainList or a list of callables, "
                    f"not {type(chain).__name__}")


def _owner(block):
    if _is_link(block):
        return block
    owner = getattr(block, "__self__", None)
    return owner if _is_link(owner) else None


def _links(blocks):
    seen = {}
    for b in blocks:
        owner = _owner(b)
        if owner is not None:
            for sub in owner.links():
                seen[id(sub)] = sub
    return list(seen.values())


def _params(block):
    owner = _owner(block)
    return list(owner.params()) if owner is not None else []


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


class _Tracing:
    """tracemalloc on for a block, leaving a caller's session running."""

    def __enter__(self):
        self.started = not tracemalloc.is_tracing()
        if self.started:
            tracemalloc.start()
        return self

    def __exit__(self, *exc):
        if self.started:
            tracemalloc.stop()
        return False


def _keeps_output(y):
    """Whether the operation that made ``y`` keeps ``y`` itself for its backward."""
    creator = getattr(y, "creator", None)
    kept = getattr(creator, "_retained_out", None) or ()
    return any(d is y.array for d in kept)


def _memory(block, x, params, counted):
    """The byte fields of ``block`` on input array ``x``, traced; and its output.

    Returns:
        ``(fields, graph, output array)``: ``graph`` is what the block keeps
        under ``F.forget`` besides its output (the graph's objects).
    """
    from rechain.functions.util.forget import forget
    for p in params:
        p._grad_var = None
    gc.collect()
    h = Variable(x)
    with _Tracing():
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        y = block(h)
        now, peak = tracemalloc.get_traced_memory()
        out = int(y.array.nbytes)
        saved = max(now - base - out, 0)
        temp_f = max(peak - now, 0)
        keeps_output = _keeps_output(y)
        # As in a chain, the output gradient lives only in backprop's table,
        # so it is freed as soon as it is consumed.
        base_b = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        _backprop.backward([y], [Variable._constant(y.xp.ones_like(y.array))])
        peak_b = tracemalloc.get_traced_memory()[1]
        grad_bytes = 0
        for p in params:
            if p._grad_var is not None and id(p) not in counted:
                counted.add(id(p))
                grad_bytes += int(p._grad_var.array.nbytes)
            p._grad_var = None
        y_array = y.array
        del y
        gc.collect()
        h = Variable(x)
        start = tracemalloc.get_traced_memory()[0]
        y_forget = forget(block, h)
        graph = max(tracemalloc.get_traced_memory()[0] - start - int(y_forget.array.nbytes), 0)
        del y_forget
    for p in params:
        p._grad_var = None
    # Model: backward runs with g_{i+1} (out bytes) alive and costs a transient
    # A_i (the input gradient) + grad_bytes + temp_bytes.
    transient_b = max(peak_b - base_b - out, 0)        # above h_i, y, S_i and g_{i+1}
    temp_b = max(transient_b - int(x.nbytes) - grad_bytes, 0)
    graph = min(graph, saved)
    fields = dict(out_bytes=out, saved_bytes=saved - graph,
                  temp_bytes=max(temp_f, temp_b), grad_bytes=grad_bytes,
                  rerun_bwd_bytes=transient_b + (out if keeps_output else 0))
    return fields, graph, y_array


def _timed(block, x, params):
    """Seconds of one forward and one backward of ``block``, untraced."""
    for p in params:
        p._grad_var = None
    h = Variable(x)
    t0 = _clock()
    y = block(h)
    t1 = _clock()
    g = Variable._constant(y.xp.ones_like(y.array))
    t2 = _clock()
    _backprop.backward([y], [g])
    t3 = _clock()
    return t1 - t0, t3 - t2


def _signature(block, x, fields, y_shape):
    """What makes two blocks alike for pooling their times (Note [measuring])."""
    owner = _owner(block)
    if owner is not None:
        kind = (type(owner), getattr(block, "__func__", None))
        params = tuple(sorted((name, tuple(p.shape), str(p.dtype))
                              for name, p in owner.namedparams()
                              if getattr(p, "array", None) is not None))
    else:
        kind, params = (block,), ()
    return (kind, params, tuple(x.shape), str(x.dtype), tuple(y_shape),
            tuple(sorted(fields.items())))


class _Progress:
    """Progress lines on stderr after PROGRESS_AFTER seconds, or a callback."""

    def __init__(self, progress, total):
        self.callback = progress if callable(progress) else None
        self.quiet = progress is False
        self.total = total
        self.start = time.perf_counter()
        self.last = None

    def __call__(self, phase, done):
        if self.callback is not None:
            self.callback(phase, done, self.total)
            return
        if self.quiet:
            return
        now = time.perf_counter()
        if now - self.start < PROGRESS_AFTER or (self.last is not None and now - self.last < 1):
            return
        self.last = now
        print(f"measure: {phase} {done}/{self.total} blocks, {now - self.start:.1f} s",
              file=sys.stderr, flush=True)

    def finish(self):
        if self.callback is None and not self.quiet and self.last is not None:
            print(f"measure: done in {time.perf_counter() - self.start:.1f} s",
                  file=sys.stderr, flush=True)


def measure(chain, x, repeat=3, *, pool=True, progress=None):
    """Measure each block of ``chain`` on input ``x`` (Note [measuring]).

    Args:
        chain: A ``Sequential``, a ``ChainList`` or a list of callables, each
            taking and returning one Variable.
        x (ndarray): The input of the first block.
        repeat (int): Timing samples per block: a block's times are the
            median of at least this many untraced runs, its own and those of
            the blocks alike to it (``pool``).
        pool (bool): Pool the timing samples of alike blocks (default). With
            False every block is timed ``repeat`` times on its own.
        progress: None (a line per second on stderr once measuring has taken
            2 s), False (silent) or a callable ``progress(phase, done,
            total)``, ``phase`` being ``'memory'`` or ``'time'``.

    Returns:
        ChainCosts: Per-block costs, ``input_bytes`` of ``x``.
    """
    blocks = blocks_of(chain)
    if not blocks:
        raise ValueError("measure: the chain has no block")
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"measure: repeat must be at least 1, got {repeat!r}")
    x = _variable.as_array(x)
    report = _Progress(progress, len(blocks))
    snap = _Snapshot(blocks)
    counted = set()
    fields, inputs, signatures = [], [], []
    const = 0
    # Each traced delta starts after a full collection: it frees the
    # garbage of the previous run and empties the interpreter's free lists
    # (objects taken from a free list are not seen by tracemalloc). With
    # the objects alive now frozen (gc.freeze), a collection walks only
    # what measuring made: 1 ms, not 50 (Note [measuring]).
    gc.collect()
    freeze = gc.get_freeze_count() == 0      # leave a caller's freeze alone
    if freeze:
        gc.freeze()
    try:
        h = x
        for i, block in enumerate(blocks):
            params = _params(block)
            cost, graph, y = _memory(block, h, params, counted)
            const += graph
            fields.append(cost)
            inputs.append(h)
            signatures.append(_signature(block, h, cost, y.shape) if pool else i)
            report("memory", i + 1)
            h = y
        del h
        groups = {}
        for i, sig in enumerate(signatures):
            groups.setdefault(sig, []).append(i)
        samples = {sig: ([], []) for sig in groups}
        done = 0
        for sig, members in groups.items():
            runs = math.ceil(repeat / len(members))
            for i in members:
                params = _params(blocks[i])
                for _ in range(runs):
                    fwd, bwd = _timed(blocks[i], inputs[i], params)
                    samples[sig][0].append(fwd)
                    samples[sig][1].append(bwd)
                done += 1
                report("time", done)
        results = []
        for i, sig in enumerate(signatures):
            fwd, bwd = samples[sig]
            results.append(costs_lib.BlockCost(fwd_time=statistics.median(fwd),
                                               bwd_time=statistics.median(bwd), **fields[i]))
    finally:
        if freeze:
            gc.unfreeze()
        snap.restore()
        report.finish()
    return costs_lib.ChainCosts(input_bytes=int(x.nbytes), blocks=results, const_bytes=const)
