"""Plans: which blocks of a chain run in which mode, and what that costs.

Schedules
=========

Blocks are numbered from 0 like ``costs.blocks``: block ``i`` reads the
activation ``h_i`` and writes ``h_{i+1}``; ``h_0`` is the chain input. A
*schedule* is a sequence of items covering blocks ``0..n-1`` in order:

- an int ``i``: run block ``i`` plainly ("store"): it keeps its saved arrays
  and its input ``h_i`` until its backward has run;
- ``Segment(start, stop, inner)``: run blocks ``start..stop-1`` inside one
  ``F.forget`` region. The forward pass keeps only the region's input
  ``h_start``. When the backward pass reaches the region, the region is run
  again following ``inner`` (items covering ``start..stop-1`` with the same
  meaning, so nested segments are nested forget regions), then the backward
  pass goes through those items in reverse order.

Note "early stop". A re-run stops early: ``F.forget`` replays a region only
up to the last operation that keeps something for backward
(``rechain/recompute/region.py``, ``_StopReplay``). A stored block keeps its
saved arrays and a nested segment its input, so in a re-run of ``inner =
[i_1, ..., i_k]`` every item runs except a trailing segment ``i_k``: the
replay fills its input and stops before running its blocks; they run only in
that segment's own re-run, when backward reaches it. So in
``Segment(0, 4, [Segment(0, 2), Segment(2, 4)])`` blocks 0 and 1 run three
times (forward pass, the outer re-run, their own re-run) and blocks 2 and 3
twice (forward pass, their own re-run). A trailing segment of a re-run hence
costs exactly what its inner items spliced in its place cost. The forward
pass (top level) runs every item.

The memory model (note "memory model")
======================================

Sizes: ``A_k`` bytes for ``h_k`` and for its gradient ``g_k``; ``S_i``, ``T_i``,
``W_i`` the saved, temporary and parameter-gradient bytes of block ``i`` (see
``costs.py``).

1. ``h_0`` is alive all along (the caller holds it). At top level, ``h_n``
   stays alive once computed (the loss needs it).
2. Running block ``i`` forward costs a transient ``A_{i+1} + S_i + T_i`` above
   what is alive; then ``h_{i+1}`` is alive, plus ``S_i`` if it is stored.
3. Every item, stored block or segment, keeps its input until its backward is
   done. Inside a segment's forgetting run an intermediate ``h_j`` is freed as
   soon as block ``j`` has consumed it.
4. What an item keeps is freed right after its backward, at top level as in
   a re-run: the backward pass frees each node's saved arrays once the node's
   backward has run (function_node Note [freeing backward]), and a forget
   region's input once its replay is done.
5. An output that nothing keeps is freed at once: the output of a re-run
   region is not needed, its gradient is already there. After the forward
   pass the gradient ``g_n`` (``A_n`` bytes) is created. A re-run whose last
   item is a segment does not run that segment (note "early stop"): no
   forward time, no transient, no output; its input is kept as rule 3 says.
6. Backward of block ``i``, with ``g_{i+1}``, ``S_i`` and ``h_i`` alive, costs a
   transient ``A_i + W_i + T_i`` (``g_i`` and the parameter gradients being
   produced, and workspace); then ``g_{i+1}`` is freed and, inside a re-run,
   ``S_i`` and ``h_i`` (``h_i`` unless another item still holds it); ``W_i``
   stays to the end. Inside a re-run the transient is ``R_i``: the block's
   ``rerun_bwd_bytes`` when known, but at least ``A_i + W_i`` (``g_i`` and
   ``W_i`` are made before anything is freed), else ``A_i + W_i + T_i``: there
   backprop drops the refilled arrays of each operation of the block right
   after that operation's backward, so ``S_i`` shrinks while ``g_i`` and
   ``W_i`` grow, and ``R_i`` is measured (``measure.py``) rather than derived.
   A top-level block frees its arrays the same way (rule 4).
7. Backward of a segment: re-run ``inner`` forward (rules 2, 3, 5, with
   ``g_stop`` alive; a trailing segment of ``inner`` is not run), backward
   through it (rule 6), then free the segment's input.
8. Peak = ``const_bytes`` + the largest live total at any moment, transients
   included. Time = ``fwd_time`` summed over every forward execution
   (re-runs included, trailing segments of re-runs not) + ``bwd_time`` of
   every block + ``seconds_per_byte`` times the peak above ``const_bytes``
   (Note [time model]).
9. A stored block inside a re-run keeps ``S'_i`` (``rerun_saved_bytes``,
   default ``S_i``): a replay refills every array the block's nodes keep,
   where at top level a block may keep less and rebuild the rest in its
   backward (``F.lean_apply`` is off in a replay); its backward's transient
   is then ``R_i`` above ``S'_i`` (rule 6). At top level the transient may be
   another one, ``R^top_i`` (``top_bwd_bytes``, default ``R_i``; never below
   ``A_i + W_i``): a backward may write its gradient into an array it is
   handed (function_node Note [gradient buffers]), a refilled one always,
   a top-level one only when nothing else holds it.
   The last item of a re-run, when it is a stored block, has one measured
   peak ``L_i`` (``rerun_last_bytes``) above what is alive when its replay
   starts, for its forward and its backward together: the replay stops after
   its last operation that keeps something (note "early stop"), so its
   output is often never made; without ``L_i``, the larger of rule 2's
   forward and rule 6's backward moments (``BlockCost.rerun_last``).

Note [time model]. The blocks' times are measured one block at a time
(``measure.py``), where little memory is live, and a plan's time is their
sum. That holds for a whole step as long as the memory a step frees is kept
for the next one, which rechain asks of glibc at import (rechain/_heap.py,
Note [cpu heap]): on resmlp N=16 (width 256, batch 1024) all eleven plans
of ``benchmarks/plan_accuracy.py`` came within 7% of their measured steps.
With malloc left as it comes (``RECHAIN_CPU_HEAP=system``) a step refaults
its pages as its heap grows and is trimmed, and runs slower than its blocks
by an amount that follows the heap's ups and downs, not only its peak (there
store-all ran 17% above its blocks, forget-every-block 4%). For that case a
plan's predicted time may add ``seconds_per_byte`` times its own peak;
``measure`` leaves the rate at 0 and ``benchmarks/plan_accuracy.py`` fits it
from a measured forget-every-block step and reports the predictions with it
and without.

``simulate`` below is the reference implementation of this model: it walks a
schedule step by step and tracks every live array. The planners compute the
same numbers in closed form; tests check that they agree.
"""

import dataclasses
import decimal
import math
import numbers
import re

from rechain.recompute import costs as costs_lib

__all__ = ["Segment", "Plan", "simulate", "parse_bytes", "check_schedule",
           "segments_schedule"]

MiB = 1 << 20


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclasses.dataclass(frozen=True, repr=False)
class Segment:
    """A forget region over blocks ``start..stop-1`` of a schedule.

    Attributes:
        start: First block of the region (its input ``h_start`` is kept).
        stop: One past the last block.
        inner: The schedule followed when the region is re-run in the
            backward pass: items covering ``start..stop-1`` in order (ints
            and nested ``Segment``). Defaults to storing every block, which is
            what ``checkpoint_sequential`` does. Stored as a tuple.

    Raises:
        TypeError: ``start``/``stop`` are not ints or an item is neither an int
            nor a Segment.
        ValueError: The range is empty or ``inner`` does not cover it in order.

    Example:
        >>> Segment(2, 5)                        # re-run 2, 3, 4 storing all
        >>> Segment(0, 6, [Segment(0, 3), 3, 4, 5])
    """

    start: int
    stop: int
    inner: tuple = None

    def __post_init__(self):
        if not _is_int(self.start) or not _is_int(self.stop):
            raise TypeError(
                f"Segment: start and stop must be ints, got {self.start!r} and {self.stop!r}")
        start, stop = int(self.start), int(self.stop)
        if not 0 <= start < stop:
            raise ValueError(f"Segment: need 0 <= start < stop, got start={start}, stop={stop}")
        inner = tuple(range(start, stop)) if self.inner is None else self.inner
        if isinstance(inner, (Segment, str, bytes)) or _is_int(inner):
            raise TypeError(
                f"Segment({start}, {stop}): inner must be a list of items, got {inner!r}")
        inner = tuple(inner)
        _check_items(inner, start, stop, f"Segment({start}, {stop}).inner")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "stop", stop)
        object.__setattr__(self, "inner", tuple(int(x) if _is_int(x) else x for x in inner))

    def __repr__(self):
        if self.inner == tuple(range(self.start, self.stop)):
            return f"Segment({self.start}, {self.stop})"
        return f"Segment({self.start}, {self.stop}, {list(self.inner)!r})"


def _span(item):
    if isinstance(item, Segment):
        return item.start, item.stop
    return item, item + 1


def _check_items(items, lo, hi, where):
    """Raise unless ``items`` cover blocks ``lo..hi-1`` in order."""
    at = lo
    for k, item in enumerate(items):
        if not isinstance(item, Segment) and not _is_int(item):
            raise TypeError(
                f"{where}: item {k} must be a block index (int) or a Segment, "
                f"got {type(item).__name__} {item!r}")
        start, stop = _span(int(item) if _is_int(item) else item)
        if start != at:
            if at >= hi:
                raise ValueError(
                    f"{where}: item {k} ({item!r}) comes after the last block {hi - 1}")
            raise ValueError(
                f"{where}: item {k} ({item!r}) starts at block {start}, "
                f"but block {at} comes next")
        if stop > hi:
            raise ValueError(f"{where}: item {k} ({item!r}) runs past the last block {hi - 1}")
        at = stop
    if at != hi:
        raise ValueError(
            f"{where}: the items cover blocks {lo}..{at - 1} only; "
            f"they must cover {lo}..{hi - 1}")


def check_schedule(schedule, n):
    """Return ``schedule`` as a tuple after checking it covers ``n`` blocks.

    Args:
        schedule: Items (ints and ``Segment``) covering blocks ``0..n-1``.
        n: Number of blocks of the chain.

    Returns:
        The schedule as a tuple.

    Raises:
        TypeError, ValueError: The schedule is malformed; the message names the
            offending item.
    """
    if isinstance(schedule, (Segment, str, bytes)) or _is_int(schedule):
        raise TypeError(f"schedule: must be a list of items, got {schedule!r}")
    schedule = tuple(int(x) if _is_int(x) else x for x in schedule)
    _check_items(schedule, 0, n, "schedule")
    return schedule


def segments_schedule(n, k):
    """The schedule of ``checkpoint_sequential``: ``k`` equal segments.

    Chen et al. 2016: blocks ``0..n-1`` are cut into ``min(k, n)`` runs of
    equal length (the first ones one block longer when ``k`` does not divide
    ``n``); each run but the last is a forget region that stores everything
    when re-run; the last runs plainly (forgetting it would re-run it at once).

    Args:
        n: Number of blocks, at least 1.
        k: Number of segments, at least 1.

    Returns:
        A tuple of ``Segment`` and ints.

    Example:
        >>> segments_schedule(10, 3)
        (Segment(0, 4), Segment(4, 7), 7, 8, 9)
    """
    for name, value in (("n", n), ("k", k)):
        if not _is_int(value):
            raise TypeError(f"segments_schedule: {name} must be an int, got {value!r}")
        if value < 1:
            raise ValueError(f"segments_schedule: {name} must be >= 1, got {value}")
    k = min(int(k), int(n))
    size, extra = divmod(int(n), k)
    bounds = [0]
    for g in range(k):
        bounds.append(bounds[-1] + size + (1 if g < extra else 0))
    schedule = [Segment(a, b) for a, b in zip(bounds[:-2], bounds[1:-1])]
    schedule.extend(range(bounds[-2], int(n)))
    return tuple(schedule)


class _Simulator:
    """Walks a schedule and tracks every live array (see "memory model")."""

    def __init__(self, costs):
        self.blocks = costs.blocks
        self.act = [costs.input_bytes] + [b.out_bytes for b in costs.blocks]
        self.arrays = {}          # array id -> [nbytes, number of holders]
        self.next_id = 0
        self.live = 0
        self.peak = 0
        self.time = 0.0

    def new(self, nbytes):
        """Allocate an array with one holder (its creator)."""
        key = self.next_id
        self.next_id += 1
        self.arrays[key] = [nbytes, 1]
        self.live += nbytes
        self.peak = max(self.peak, self.live)
        return key

    def hold(self, key):
        self.arrays[key][1] += 1

    def drop(self, key):
        entry = self.arrays[key]
        entry[1] -= 1
        if entry[1] == 0:
            self.live -= entry[0]
            del self.arrays[key]

    def transient(self, nbytes):
        self.peak = max(self.peak, self.live + nbytes)

    def run_block(self, i):
        """Forward of block ``i``: the transient and the time (rule 2)."""
        block = self.blocks[i]
        self.transient(self.act[i + 1] + block.saved_bytes + block.temp_bytes)
        self.time += block.fwd_time

    def rerun_block(self, i, last):
        """Forward of block ``i`` stored in a re-run (rules 2, 9)."""
        block = self.blocks[i]
        if last:
            self.transient(block.rerun_last(self.act[i]))   # forward and backward
        else:
            self.transient(self.act[i + 1] + block.rerun_saved() + block.temp_bytes)
        self.time += block.fwd_time

    def forward(self, items, h, rerun=False):
        """Run ``items`` forward from ``h`` (held once by the caller).

        In a re-run (``rerun``) a trailing segment is not run (note "early
        stop"): its input is kept and returned in place of an output.

        Returns the output array (held once, for the caller) and, per item,
        what its backward needs.
        """
        records = []
        last = len(items) - 1
        for k, item in enumerate(items):
            self.hold(h)                           # rule 3: keep the item input
            h_in = h
            if rerun and k == last and isinstance(item, Segment):
                records.append((item, h_in, None, None))   # the replay stops here
            elif isinstance(item, Segment):
                for j in range(item.start, item.stop):
                    self.run_block(j)
                    out = self.new(self.act[j + 1])
                    self.drop(h)                   # the intermediate dies here
                    h = out
                records.append((item, h_in, None, None))
            elif rerun:
                self.rerun_block(item, k == last)
                saved = self.new(self.blocks[item].rerun_saved())
                if k < last:
                    out = self.new(self.act[item + 1])
                    self.drop(h)
                    h = out
                # else the output is not made (rule 9): h goes back for the
                # caller to drop (rule 5), the item holds it still
                records.append((item, h_in, saved, k == last))
            else:
                self.run_block(item)
                saved = self.new(self.blocks[item].saved_bytes)
                out = self.new(self.act[item + 1])
                self.drop(h)
                h = out
                records.append((item, h_in, saved, None))
        return h, records

    def backward(self, records, g):
        """Backward through ``records`` in reverse; ``g`` is the output gradient.

        Each item frees what it keeps once its backward is done (rules 4, 6, 7),
        at top level as in a re-run.
        """
        for item, h_in, saved, in_rerun in reversed(records):
            if isinstance(item, Segment):
                self.hold(h_in)
                out, inner_records = self.forward(item.inner, h_in, rerun=True)
                self.drop(out)                     # rule 5
                g = self.backward(inner_records, g)
                self.drop(h_in)                    # the segment's input
            else:
                block = self.blocks[item]
                if in_rerun is None:                                   # rule 9
                    self.transient(block.top_backward(self.act[item]))
                elif not in_rerun:                                     # rule 6
                    self.transient(block.rerun_backward(self.act[item]))
                # the last item of a re-run: its peak was taken with its forward
                self.time += block.bwd_time
                # freed as made: the transient above covers the moment they
                # overlap (at least A_i + W_i above S_i and g_{i+1}; for the
                # last item of a re-run, its measured peak)
                self.drop(g)
                self.drop(saved)
                self.new(block.grad_bytes)         # parameter gradients: kept
                g_in = self.new(self.act[item])
                self.drop(h_in)
                g = g_in
        return g

    def run(self, schedule):
        h0 = self.new(self.act[0])                 # the caller's hold, never dropped
        self.hold(h0)
        out, records = self.forward(schedule, h0)  # out stays held: the loss needs it
        g = self.new(self.act[-1])
        self.backward(records, g)
        return self.peak, self.time


def simulate(costs, schedule):
    """Peak bytes and time of running ``schedule`` on a chain, step by step.

    This is the reference implementation of the memory model in this
    module's docstring: it walks the forward pass and the backward pass (with
    every re-run) and tracks each live array, its holders and the transients.

    Args:
        costs: A ``ChainCosts``.
        schedule: Items (ints and ``Segment``) covering all blocks.

    Returns:
        ``(peak_bytes, time)``: the peak including ``costs.const_bytes``, an
        int, and the total seconds, a float.

    Raises:
        TypeError, ValueError: ``costs`` is not a ChainCosts or the schedule
            does not cover the chain.

    Example:
        >>> simulate(costs, [0, Segment(1, 4), 4])
    """
    if not isinstance(costs, costs_lib.ChainCosts):
        raise TypeError(f"simulate: costs must be a ChainCosts, got {type(costs).__name__}")
    schedule = check_schedule(schedule, costs.n)
    peak, time = _Simulator(costs).run(schedule)
    return costs.const_bytes + peak, time + costs.seconds_per_byte * peak


_UNITS = {
    "": 1, "b": 1,
    "kb": 10 ** 3, "mb": 10 ** 6, "gb": 10 ** 9, "tb": 10 ** 12,
    "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*$")


def parse_bytes(value):
    """Read a byte count: an int, or a string such as ``"300MiB"``/``"1.5GB"``.

    Units (case-insensitive): B, KB, MB, GB, TB (powers of 1000) and KiB, MiB,
    GiB, TiB (powers of 1024); no unit means bytes. Fractions are rounded
    down to whole bytes.

    Args:
        value: An int, a finite non-negative float, or a string.

    Returns:
        The number of bytes, an int.

    Raises:
        TypeError: ``value`` is neither a number nor a string.
        ValueError: The string cannot be read, the unit is unknown, or the
            value is negative or not finite.

    Example:
        >>> parse_bytes("1.5GB"), parse_bytes("300MiB"), parse_bytes(4096)
        (1500000000, 314572800, 4096)
    """
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match is None:
            stripped = value.strip()
            if stripped.startswith("-"):
                raise ValueError(f"parse_bytes: a byte size must be >= 0, got {value!r}")
            raise ValueError(
                f"parse_bytes: cannot read {value!r} as a byte size; expected a number "
                f"with an optional unit, such as '300MiB', '1.5GB' or '4096'")
        number, unit = match.groups()
        if unit.lower() not in _UNITS:
            raise ValueError(
                f"parse_bytes: unknown unit {unit!r} in {value!r}; use one of "
                f"B, KB, MB, GB, TB, KiB, MiB, GiB, TiB")
        return int(decimal.Decimal(number) * _UNITS[unit.lower()])
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"parse_bytes: expected an int or a string such as '300MiB', "
            f"got {type(value).__name__} {value!r}")
    if not _is_int(value):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"parse_bytes: a byte size must be finite, got {value!r}")
        value = math.floor(value)
    value = int(value)
    if value < 0:
        raise ValueError(f"parse_bytes: a byte size must be >= 0, got {value}")
    return value


def _mib(nbytes):
    return f"{nbytes / MiB:,.1f} MiB"


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a planner decided, with its predicted cost.

    Attributes:
        planner: Name of the planner that made the plan.
        schedule: Tuple of items (ints and ``Segment``) covering the chain.
        predicted_peak: Peak bytes under the memory model, ``const_bytes``
            included; None for a plan made without costs (``segments=`` or
            the default of ``forget()``, before any measurement).
        predicted_time: Seconds for one forward and backward pass (None
            likewise).
        budget: The budget in bytes the plan was made for (None: no limit).
        costs: The ``ChainCosts`` the plan was made for (not compared).
    """

    planner: str
    schedule: tuple
    predicted_peak: int
    predicted_time: float
    budget: int = None
    costs: costs_lib.ChainCosts = dataclasses.field(default=None, repr=False, compare=False)

    def modes(self):
        """Per block, what the forward pass keeps.

        Returns:
            A list with one entry per block: ``'store'`` (run plainly, keeps
            its input and saved arrays), ``'checkpoint'`` (first block of a
            forget region: its input is kept, it is re-run) or ``'recompute'``
            (inside a forget region: nothing kept, re-run).
        """
        modes = []
        for item in self.schedule:
            if isinstance(item, Segment):
                modes.append("checkpoint")
                modes.extend(["recompute"] * (item.stop - item.start - 1))
            else:
                modes.append("store")
        return modes

    def forward_runs(self):
        """Per block, how many times it runs forward in one step.

        Returns:
            A list of ints: 1 for the forward pass, plus one for every re-run
            that runs the block: the re-run of each forget region (at any
            depth) that contains it, except a region's re-run that reaches
            the block only through a trailing nested region, which that
            re-run does not run (note "early stop").
        """
        n = sum(_span(item)[1] - _span(item)[0] for item in self.schedule)
        runs = [1] * n

        def rerun(items):
            """One re-run of ``items``, then the re-runs of its segments."""
            for k, item in enumerate(items):
                if isinstance(item, Segment):
                    if k < len(items) - 1:         # a trailing segment is not run
                        for j in range(item.start, item.stop):
                            runs[j] += 1
                    rerun(item.inner)
                else:
                    runs[item] += 1

        for item in self.schedule:
            if isinstance(item, Segment):
                rerun(item.inner)
        return runs

    def __str__(self):
        modes = self.modes()
        runs = self.forward_runs()
        title = f"Plan from {self.planner!r}: {len(modes)} blocks"
        if self.budget is not None:
            title += f", budget {_mib(self.budget)} ({self.budget:,} B)"
        lines = [title, f"{'block':>6}  {'mode':<10}  {'kept bytes':>14}  {'runs':>4}"]
        kept_total = 0
        for i, (mode, count) in enumerate(zip(modes, runs)):
            kept = None
            if self.costs is not None:
                block = self.costs.blocks[i]
                h_in = self.costs.input_bytes if i == 0 else self.costs.blocks[i - 1].out_bytes
                kept = {"store": h_in + block.saved_bytes, "checkpoint": h_in,
                        "recompute": 0}[mode]
                kept_total += kept
            kept_text = "?" if kept is None else f"{kept:,}"
            lines.append(f"{i:>6}  {mode:<10}  {kept_text:>14}  {count:>4}")
        counts = {m: modes.count(m) for m in ("store", "checkpoint", "recompute")}
        lines.append(
            f"totals: {counts['store']} store, {counts['checkpoint']} checkpoint, "
            f"{counts['recompute']} recompute; {sum(runs) - len(runs)} forward re-runs")
        if self.costs is not None:
            lines.append(f"kept for the whole step: {kept_total:,} B ({_mib(kept_total)}) "
                         f"besides the output and {self.costs.const_bytes:,} B constant")
            base_peak, base_time = simulate(self.costs, range(self.costs.n))
            extra = (self.predicted_time / base_time - 1) * 100 if base_time > 0 else 0.0
            lines.append(f"predicted peak {_mib(self.predicted_peak)} ({self.predicted_peak:,} B), "
                         f"store_all {_mib(base_peak)}")
            lines.append(f"predicted time {self.predicted_time:.6g} s, "
                         f"store_all {base_time:.6g} s ({extra:+.1f}%)")
        elif self.predicted_peak is None:
            lines.append("no predicted peak or time: the plan was made without costs "
                         "(measure the chain with rechain.recompute.measure and evaluate "
                         "the schedule with rechain.recompute.planners.evaluate)")
        else:
            lines.append(f"predicted peak {_mib(self.predicted_peak)} "
                         f"({self.predicted_peak:,} B); time {self.predicted_time:.6g} s")
        return "\n".join(lines)
