"""Measure the costs of a chain of blocks for the planners (DESIGN §4).

Memory and time are measured apart (Note [measuring]):

Memory is deterministic and read under ``tracemalloc``, one traced pass per
block on its real input (the previous block's output; blocks alike in
structure share one, Note [measuring]), giving the quantities of the
memory model (plan.py, note "memory model"):

- ``out_bytes``: the block's output;
- ``saved_bytes``: what is still allocated after the forward pass, beyond the
  output (the block's input was allocated before and is not counted) and
  beyond the graph's own objects (counted in ``const_bytes``, below);
- ``grad_bytes``: the parameter gradients its backward allocates (parameters
  not already counted by an earlier block);
- ``temp_bytes``: the largest transient above what the model accounts for, in
  the forward pass or the backward pass;
- ``rerun_saved_bytes``: what the block keeps as a stored item of a re-run
  (memory model rule 9): a traced backward of the block under ``F.forget``
  followed by a probe, an operation that keeps only a 0-d output, so that
  the replay runs the whole block; the probe's backward reads what the
  refilled block holds, then makes the output gradient. A lean block
  (``F.lean_apply``, off in a replay) keeps one array more here than at top
  level. An output the block keeps (``F.relu``) is not counted: in a re-run
  it is the next item's input, an activation;
- ``rerun_bwd_bytes``: the transient of the block's backward with its saved
  arrays alive (``costs.BlockCost``; memory model rules 6 and 9): the peak
  of the probed backward above the block's input and the output gradient
  (its high-water mark), less ``saved_bytes``. The backward frees each
  operation's saved arrays once that operation's backward is done
  (function_node Note [freeing backward]), at top level as in a re-run, and
  the mark is the same in both (a lean block rebuilds at top level what a
  re-run keeps). There, as in a chain, the output gradient is held by
  backprop alone and a kept output (``F.relu``) by its node alone, so a
  backward may write its gradient into them (function_node Note [gradient
  buffers]); a block's plain traced backward, whose caller holds both, would
  overstate the mark by an array (it is the fallback when the probe's
  backward does not run);
- ``rerun_last_bytes``: the peak of the block as the last item of a re-run:
  a traced backward of the block alone under ``F.forget`` (the replay stops
  after its last operation that keeps something), above its input and
  output gradient;
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
times. Medians are rounded to a 2% geometric grid (``_on_grid``), so that
repeated measurements give the same numbers, hence the same plan.

Note [measuring]. Cost. Bytes are deterministic, and blocks alike in
structure (the same class, the same parameter shapes and dtypes, the same
input shape and dtype; a Sequential's functions the same objects) have the
same bytes: the first two of such blocks are traced, and when their bytes
agree (within 1% or 1 KiB, the graph's Python objects) the others take
theirs without being traced. A traced block runs forward six times
(plainly, under ``F.forget``, and twice under ``F.forget`` with a replay
each: the probed re-run and the re-run as a last item) and backward three
times, under tracing; the others run forward once, without a graph, for
their output. Then every block
runs forward and backward untraced ``ceil(repeat / g)`` times, ``g``
the size of its group of alike blocks (alike in structure and bytes, or,
for the others, in class, shapes and measured bytes), after one untimed
run of the first block. For a chain of
identical blocks that is about 1.3 training steps plus two traced blocks
(each about four of its own training steps); for ``n`` different blocks,
about ``4 + repeat`` steps, tracing's
slowdown of small operations aside. Warm: the timed runs come after the
memory pass, when the heap has grown to what measuring holds (every
block's input) and is kept (rechain/_heap.py, Note [cpu heap]); timed
while it grew, as the first thing a process did, the blocks' backward
took 15-24% longer than in a training step (resmlp N=32: store-all
predicted at 1.97-2.04 s, measured 1.80 s), and 1.00-1.02x of it now. Blocks alike by these tests but
doing different work (a hyper-parameter that changes only the time, or the
bytes of a third block only) would share numbers: measure them with
``pool=False``, which traces and times every block on its own.
``seconds_per_byte`` (Note [time model] in ``plan.py``) is left at 0: with
the heap kept (Note [cpu heap]) a step costs the sum of its blocks, and
without it a step timed inside ``measure`` runs on a warm allocator and does
not show what that rate prices.

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
from rechain import configuration as _configuration
from rechain import random as _random
from rechain import variable as _variable
from rechain.recompute import costs as costs_lib

Variable = _variable.Variable

#: The clock of the timed runs (tests replace it to inject timings).
_clock = time.perf_counter
#: Seconds after which ``measure`` starts reporting progress on stderr.
PROGRESS_AFTER = 2.0
#: Times are rounded to a geometric grid of this ratio (Note [measuring]).
TIME_GRID = 1.02


def _on_grid(seconds):
    """``seconds`` rounded to the nearest power of ``TIME_GRID``.

    Two measurements of the same chain differ by timing noise; rounded to a
    2% grid, medians that differ by less than the noise mostly coincide, so
    the planner sees the same numbers and gives the same plan (ties between
    plans are then broken the same way). The rounding moves a time by 1% at
    most.
    """
    if seconds <= 0:
        return 0.0
    step = math.log(TIME_GRID)
    return math.exp(round(math.log(seconds) / step) * step)


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


def _probe_node():
    """A FunctionNode class of one input that seeds the block's backward.

    Its backward returns a gradient of ones for the block's output, made
    there, so that backprop alone holds it, as in a chain. With a ``box``
    (a list) it is a probe: it keeps its 0-d output, so inside ``F.forget``
    the replay runs the whole block before it (note "early stop"); its
    backward asks for that output (which makes the region replay), records
    the traced memory in ``box`` and resets the peak before making the
    gradient.
    """
    from rechain import backend
    from rechain import function_node

    class _Probe(function_node.FunctionNode):
        def __init__(self, box=None):
            self.box = box

        def forward(self, inputs):
            y, = inputs
            self.like = (backend.get_array_module(y), y.shape, y.dtype)
            if self.box is not None:
                self.retain_outputs((0,))
            return y.reshape(-1)[:1].sum(),

        def backward(self, indexes, grad_outputs):
            if self.box is not None:
                self.get_retained_outputs()
                self.box.append(tracemalloc.get_traced_memory()[0])
                tracemalloc.reset_peak()
            xp, shape, dtype = self.like
            return Variable._constant(xp.ones(shape, dtype)),

    return _Probe


def _rerun_memory(block, x, params, out):
    """What the block keeps in a re-run, its backward's high-water mark there,
    its peak as the last item of a re-run; traced (module docstring).

    Args:
        out: Bytes of the block's output (and of its gradient).

    Returns:
        ``(saved, high, last)``: the bytes the refilled block holds when its
        backward starts (None if the probe's backward did not run), the peak
        of that backward above ``h_i`` and ``g_{i+1}`` (None likewise), and
        the peak of the block alone under ``F.forget``, replay and backward,
        above ``h_i`` and ``g_{i+1}``. The output gradient is made by a node's
        backward, so that backprop alone holds it, as in a chain.
    """
    from rechain.functions.util.forget import forget
    node = _probe_node()
    box = []

    def traced_backward(fn):
        for p in params:
            p._grad_var = None
        z = forget(fn, Variable(x))
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        _backprop.backward([z], [Variable._constant(z.xp.ones_like(z.array))])
        peak = tracemalloc.get_traced_memory()[1]
        del z
        for p in params:
            p._grad_var = None
        return base, peak

    base, peak = traced_backward(lambda h: node(box).apply((block(h),))[0])
    saved = high = None
    if box:
        saved = max(box[0] - base, 0)
        high = max(peak - base - out, 0)      # the peak was reset before g_{i+1}
    # the seed is outside the region: the replay stops inside the block
    for p in params:
        p._grad_var = None
    z = node().apply((forget(block, Variable(x)),))[0]
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    _backprop.backward([z], [Variable._constant(z.xp.ones_like(z.array))])
    last = max(tracemalloc.get_traced_memory()[1] - base - out, 0)
    del z
    return saved, high, last


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
        # As in a chain, the output gradient is made by a node's backward
        # (held by backprop alone) and nobody but the graph holds the
        # block's output, so a backward may write into them (function_node
        # Note [gradient buffers]); the next block's input is a copy.
        y_array = y.array.copy()
        z = _probe_node()().apply((y,))[0]
        del y
        gc.collect()
        tracemalloc.reset_peak()
        _backprop.backward([z], [Variable._constant(z.xp.ones_like(z.array))])
        # above h_i and S_i and what the block holds, and g_{i+1}
        peak_b = tracemalloc.get_traced_memory()[1] - int(y_array.nbytes)
        del z
        grad_bytes = 0
        for p in params:
            if p._grad_var is not None and id(p) not in counted:
                counted.add(id(p))
                grad_bytes += int(p._grad_var.array.nbytes)
            p._grad_var = None
        gc.collect()
        h = Variable(x)
        start = tracemalloc.get_traced_memory()[0]
        y_forget = forget(block, h)
        graph = max(tracemalloc.get_traced_memory()[0] - start - int(y_forget.array.nbytes), 0)
        del y_forget
        gc.collect()
        rerun_saved, high, rerun_last = _rerun_memory(block, x, params, out)
    for p in params:
        p._grad_var = None
    # Model (plan.py, rule 6): backward runs with g_{i+1} (out bytes) alive
    # and costs a transient A_i (the input gradient) + grad_bytes + temp_bytes
    top_b = max(peak_b - base - out - saved, 0)       # above h_i, S_i and g_{i+1}
    temp_b = max(top_b - int(x.nbytes) - grad_bytes, 0)
    graph = min(graph, saved)
    rerun_bwd = None
    if rerun_saved is not None:
        if keeps_output:
            # the kept output is the next item's input h_{i+1} in a re-run,
            # an activation counted as such (costs.py), alive until this
            # block's backward: part of the transient
            rerun_saved = max(rerun_saved - out, 0)
        rerun_bwd = max(high - rerun_saved, 0)
    fields = dict(out_bytes=out, saved_bytes=saved - graph,
                  temp_bytes=max(temp_f, temp_b), grad_bytes=grad_bytes,
                  rerun_bwd_bytes=rerun_bwd, rerun_saved_bytes=rerun_saved,
                  rerun_last_bytes=rerun_last, top_bwd_bytes=top_b)
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
    for p in params:
        # dropped at once (the snapshot puts the caller's back): measuring
        # holds one block's parameter gradients at a time, not the model's
        p._grad_var = None
    return t1 - t0, t3 - t2, y.array


def _structure(block, x, params, counted):
    """What must agree for two blocks to have the same bytes (Note [measuring]).

    None for a block whose parameters are partly counted already (shared
    with an earlier block): its gradient bytes differ, so it is measured.
    """
    fresh = [id(p) not in counted for p in params]
    if any(fresh) and not all(fresh):
        return None
    owner = _owner(block)
    if owner is None:
        return None                      # a plain function: measured
    layers = tuple(id(la) if not _is_link(la) else type(la)
                   for la in getattr(owner, "_layers", ()))      # a Sequential's functions
    return (type(owner), getattr(block, "__func__", None), layers, all(fresh),
            tuple(sorted((name, tuple(p.shape), str(p.dtype))
                         for name, p in owner.namedparams()
                         if getattr(p, "array", None) is not None)),
            tuple(x.shape), str(x.dtype))


def _same_bytes(a, b):
    """Byte fields equal to within 1% or 1 KiB (Python objects of the graph)."""
    for name, value in a.items():
        other = b[name]
        if value is None or other is None:
            if value is not other:
                return False
        elif abs(value - other) > max(1024, 0.01 * max(value, other)):
            return False
    return True


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
        shapes = {}        # structural signature -> [fields, graph, verified]
        timed = [[] for _ in blocks]     # per block: (fwd, bwd) samples
        for i, block in enumerate(blocks):
            params = _params(block)
            shape = _structure(block, h, params, counted) if pool else None
            known = shapes.get(shape) if pool else None
            inputs.append(h)
            if known is not None and known[2]:
                # Note [measuring]: a block alike in structure to two blocks
                # measured alike has their bytes; a forward gives its output
                cost, graph = dict(known[0]), known[1]
                counted.update(id(p) for p in params)
                with _configuration.no_backprop_mode():
                    y = block(Variable(h)).array
            else:
                cost, graph, y = _memory(block, h, params, counted)
                if pool and shape is not None:
                    if known is None:
                        shapes[shape] = [cost, graph, False]
                    elif known[2] is False and _same_bytes(known[0], cost):
                        shapes[shape] = [cost, graph, True]
                    else:
                        shapes[shape] = [cost, graph, None]    # differ: measure each
            const += graph
            fields.append(cost)
            signatures.append((shape, _signature(block, h, cost, y.shape), y.shape)
                              if pool else i)
            report("memory", i + 1)
            h = y
        del h
        if pool:      # blocks alike in structure and in bytes share their times
            signatures = [("alike", key, out) if key is not None and shapes[key][2]
                          else ("own", sig) for key, sig, out in signatures]
        groups = {}
        for i, sig in enumerate(signatures):
            groups.setdefault(sig, []).append(i)
        done = 0
        # Timed only now, every block on its input of the memory pass: the
        # process's heap has grown to what measuring holds, and one untimed
        # run makes the block's own working set (Note [measuring], "warm")
        _timed(blocks[0], inputs[0], _params(blocks[0]))
        for sig, members in groups.items():
            runs = math.ceil(repeat / len(members))
            for i in members:
                params = _params(blocks[i])
                while len(timed[i]) < runs:
                    fwd, bwd, _ = _timed(blocks[i], inputs[i], params)
                    timed[i].append((fwd, bwd))
                done += 1
                report("time", done)
        samples = {sig: ([t[0] for i in members for t in timed[i]],
                         [t[1] for i in members for t in timed[i]])
                   for sig, members in groups.items()}
        results = []
        for i, sig in enumerate(signatures):
            fwd, bwd = samples[sig]
            results.append(costs_lib.BlockCost(fwd_time=_on_grid(statistics.median(fwd)),
                                               bwd_time=_on_grid(statistics.median(bwd)),
                                               **fields[i]))
        costs = costs_lib.ChainCosts(input_bytes=int(x.nbytes), blocks=results,
                                     const_bytes=const)
    finally:
        if freeze:
            gc.unfreeze()
        snap.restore()
        report.finish()
    return costs
