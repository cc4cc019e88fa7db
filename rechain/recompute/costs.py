"""Costs of a chain of blocks: the only input the planners read.

A chain is ``n`` blocks run one after the other. Block ``i`` (numbered from 0,
like ``costs.blocks[i]``) reads the activation ``h_i`` and writes ``h_{i+1}``;
``h_0`` is the chain input and ``h_n`` the chain output. The planners see a
chain only through these numbers:

- ``ChainCosts.input_bytes``: size of ``h_0``.
- ``BlockCost.out_bytes``: size of the block output ``h_{i+1}`` (a gradient
  with respect to an activation has the activation's size).
- ``BlockCost.saved_bytes``: what the block keeps for its backward pass when
  run plainly, *not* counting its input ``h_i`` nor its output ``h_{i+1}``:
  those are activations of the chain and are counted once, as such.
- ``BlockCost.temp_bytes``: the extra transient peak while the block runs
  (workspace, a temporary that dies before the block returns), forward or
  backward.
- ``BlockCost.grad_bytes``: the gradients of the block's parameters, created
  by its backward and alive until the step ends (parameters whose gradients
  are cleared before each step; gradients alive all along belong in
  ``const_bytes``).
- ``BlockCost.rerun_bwd_bytes``: optional; the transient of the block's
  backward when the block runs stored inside a re-run (a forget region being
  replayed), where backprop frees the refilled saved arrays node by node.
- ``BlockCost.rerun_saved_bytes``: optional; what the block keeps when it
  is a stored item of a re-run, where a replay refills every array its
  nodes keep (a lean block keeps one array more there: ``F.lean_apply`` is
  off in a replay).
- ``BlockCost.rerun_last_bytes``: optional; the peak of the block as the
  last item of a re-run (the replay stops after its last operation that
  keeps something, then its backward runs).
- ``BlockCost.top_bwd_bytes``: optional; the transient of the block's
  backward at top level, where it differs from a re-run's.
- ``BlockCost.fwd_time`` / ``bwd_time``: seconds for one forward / one
  backward execution.
- ``ChainCosts.const_bytes``: parameters and anything else alive all along;
  it adds to every peak.
- ``ChainCosts.seconds_per_byte``: optional (default 0); the time a step
  spends per byte of its peak above ``const_bytes``, besides the blocks'
  own times: the cost of the memory a step makes fresh when malloc hands
  freed pages back to the system and faults them in again as the next step
  grows the heap (``RECHAIN_CPU_HEAP=system``, Note [cpu heap]); 0 from
  ``measure`` (Note [time model] in ``plan.py``).

How the planners turn these numbers into a peak and a time is the memory
model documented in ``rechain/recompute/plan.py``.
"""

import dataclasses
import math
import numbers

__all__ = ["BlockCost", "ChainCosts"]


def _check_bytes(owner, name, value):
    """Return ``value`` as a non-negative int, or raise naming the field."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{owner}: {name} must be a number of bytes (an int), "
            f"got {type(value).__name__} {value!r}")
    if not isinstance(value, numbers.Integral):
        value = float(value)
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(
                f"{owner}: {name} must be a whole number of bytes, got {value!r}")
    value = int(value)
    if value < 0:
        raise ValueError(f"{owner}: {name} must be >= 0 bytes, got {value}")
    return value


def _check_seconds(owner, name, value):
    """Return ``value`` as a finite non-negative float, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{owner}: {name} must be a number of seconds, "
            f"got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be finite, got {value!r}")
    if value < 0:
        raise ValueError(f"{owner}: {name} must be >= 0 seconds, got {value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class BlockCost:
    """Measured cost of one block of a chain.

    Attributes:
        fwd_time: Seconds for one forward execution of the block.
        bwd_time: Seconds for its backward execution.
        out_bytes: Size of the block output (the next block's input).
        saved_bytes: Bytes the block keeps for backward when run plainly,
            excluding its input and its output (those are chain activations,
            counted separately).
        temp_bytes: Extra transient peak while the block runs forward or
            backward (workspace). Defaults to 0.
        grad_bytes: Gradients of the block's parameters, created by its
            backward and kept to the end of the step. Defaults to 0.
        rerun_bwd_bytes: The transient of the block's backward when the block
            is a stored item of a re-run (memory model of ``plan.py``, rules
            6 and 9), or None (the default) to use the rule of a plain
            backward, ``A_i + grad_bytes + temp_bytes``. Precisely: with what
            the block keeps in a re-run (``rerun_saved()``), ``h_i``,
            ``g_{i+1}`` and whatever else alive when the block's backward
            starts in the re-run, the live bytes never exceed that total plus
            ``rerun_bwd_bytes`` until the backward is done; then ``g_{i+1}``,
            the kept arrays and ``h_i`` are freed and ``g_i`` and the
            parameter gradients remain. The model uses at least ``A_i +
            grad_bytes`` (see ``rerun_backward``). It may be smaller than the
            plain rule: backprop drops each node's refilled arrays right after
            that node's backward, so they shrink while ``g_i`` and the
            gradients are being made, and a node may write its gradient into
            a refilled array (function_node Note [gradient buffers]). Also
            used at top level when ``top_bwd_bytes`` is None.
        rerun_saved_bytes: What the block keeps when it is a stored item of
            a re-run (rule 9), or None (the default) for ``saved_bytes``. It
            can exceed ``saved_bytes``: a replay refills every array the
            block's nodes keep, so a block that rebuilds an array in its
            backward at top level (``F.lean_apply``, which is off in a
            replay) keeps that array in a re-run.
        rerun_last_bytes: The peak of the block as the last item of a
            re-run, above everything alive when its replay starts (its
            input ``h_i`` and the gradient ``g_{i+1}`` among them), until
            its backward is done, or None (the default) for the model's
            rule (``rerun_last``). The replay stops after the block's last
            operation that keeps something (note "early stop" in
            ``plan.py``), so the block's output is often never made.
        top_bwd_bytes: The transient of the block's backward at top level,
            above ``saved_bytes``, ``h_i``, ``g_{i+1}`` and whatever else is
            alive then, as ``rerun_bwd_bytes`` is in a re-run; or None (the
            default) for ``rerun_backward``. The two differ where a backward
            writes its gradient into an array it is handed (function_node
            Note [gradient buffers]): a refilled array always may be, a
            top-level one only when nothing else holds it.

    Raises:
        TypeError: A field is not a number.
        ValueError: A field is negative or not finite, or a byte count is not
            a whole number.

    Example:
        >>> BlockCost(fwd_time=1e-3, bwd_time=2e-3, out_bytes=4096, saved_bytes=4096)
    """

    fwd_time: float
    bwd_time: float
    out_bytes: int
    saved_bytes: int
    temp_bytes: int = 0
    grad_bytes: int = 0
    rerun_bwd_bytes: int = None
    rerun_saved_bytes: int = None
    rerun_last_bytes: int = None
    top_bwd_bytes: int = None

    def __post_init__(self):
        for name in ("fwd_time", "bwd_time"):
            object.__setattr__(self, name, _check_seconds("BlockCost", name, getattr(self, name)))
        for name in ("out_bytes", "saved_bytes", "temp_bytes", "grad_bytes"):
            object.__setattr__(self, name, _check_bytes("BlockCost", name, getattr(self, name)))
        for name in ("rerun_bwd_bytes", "rerun_saved_bytes", "rerun_last_bytes",
                     "top_bwd_bytes"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _check_bytes("BlockCost", name,
                                                            getattr(self, name)))

    def rerun_saved(self):
        """What the block keeps as a stored item of a re-run (rule 9):
        ``rerun_saved_bytes``, or ``saved_bytes`` when that is None."""
        return self.saved_bytes if self.rerun_saved_bytes is None else self.rerun_saved_bytes

    def top_backward(self, in_bytes):
        """The transient of this block's backward at top level (rule 6):
        ``max(top_bwd_bytes, in_bytes + grad_bytes)``, or
        ``rerun_backward(in_bytes)`` when ``top_bwd_bytes`` is None."""
        if self.top_bwd_bytes is not None:
            return max(self.top_bwd_bytes, in_bytes + self.grad_bytes)
        return self.rerun_backward(in_bytes)

    def rerun_last(self, in_bytes):
        """The peak of this block as the last item of a re-run (rule 9).

        ``rerun_last_bytes`` when known, but at least ``rerun_saved()`` (the
        replay makes what the block keeps) and ``in_bytes + grad_bytes -
        out_bytes`` (once done, ``g_i`` and the parameter gradients are there
        in place of ``g_{i+1}``); else the forward moment ``out_bytes +
        rerun_saved() + temp_bytes`` or the backward moment ``rerun_saved() +
        rerun_backward(in_bytes)``, whichever is larger.
        """
        saved = self.rerun_saved()
        if self.rerun_last_bytes is not None:
            return max(self.rerun_last_bytes, saved,
                       in_bytes + self.grad_bytes - self.out_bytes)
        return max(self.out_bytes + saved + self.temp_bytes,
                   saved + self.rerun_backward(in_bytes))

    def rerun_backward(self, in_bytes):
        """The transient of this block's backward inside a re-run.

        Args:
            in_bytes: Size of the block input ``h_i`` (its gradient ``g_i``
                has that size).

        Returns:
            ``max(rerun_bwd_bytes, in_bytes + grad_bytes)``: the model makes
            ``g_i`` and the parameter gradients before it frees ``g_{i+1}``,
            ``S_i`` and ``h_i``, so that moment is always one. When
            ``rerun_bwd_bytes`` is None, the plain rule ``in_bytes +
            grad_bytes + temp_bytes``.
        """
        if self.rerun_bwd_bytes is not None:
            return max(self.rerun_bwd_bytes, in_bytes + self.grad_bytes)
        return in_bytes + self.grad_bytes + self.temp_bytes


@dataclasses.dataclass
class ChainCosts:
    """Costs of a whole chain: its input, its blocks in order, its constant.

    Attributes:
        input_bytes: Size of the chain input ``h_0`` (kept by the caller all
            along).
        blocks: One ``BlockCost`` per block, in execution order; at least one.
        const_bytes: Bytes alive during the whole step whatever the plan
            (parameters, and gradients that are not cleared between steps).
            Defaults to 0.
        seconds_per_byte: Seconds a step spends per byte of its peak above
            ``const_bytes``, besides the blocks' times (Note [time model] in
            ``plan.py``). Defaults to 0.

    Raises:
        TypeError: ``blocks`` is not a sequence of ``BlockCost``.
        ValueError: The chain is empty or a size is negative.

    Example:
        >>> ChainCosts(4096, [BlockCost(1e-3, 2e-3, 4096, 0)] * 8, const_bytes=1 << 20)
    """

    input_bytes: int
    blocks: list
    const_bytes: int = 0
    seconds_per_byte: float = 0.0

    def __post_init__(self):
        self.input_bytes = _check_bytes("ChainCosts", "input_bytes", self.input_bytes)
        self.const_bytes = _check_bytes("ChainCosts", "const_bytes", self.const_bytes)
        self.seconds_per_byte = _check_seconds("ChainCosts", "seconds_per_byte",
                                               self.seconds_per_byte)
        if isinstance(self.blocks, (str, bytes, BlockCost)):
            raise TypeError(
                f"ChainCosts: blocks must be a list of BlockCost, got {type(self.blocks).__name__}")
        try:
            blocks = list(self.blocks)
        except TypeError:
            raise TypeError(
                f"ChainCosts: blocks must be a list of BlockCost, "
                f"got {type(self.blocks).__name__}") from None
        if not blocks:
            raise ValueError("ChainCosts: the chain is empty; give at least one BlockCost")
        for i, block in enumerate(blocks):
            if not isinstance(block, BlockCost):
                raise TypeError(
                    f"ChainCosts: blocks[{i}] must be a BlockCost, got {type(block).__name__}")
        self.blocks = blocks

    def __len__(self):
        return len(self.blocks)

    @property
    def n(self):
        """Number of blocks."""
        return len(self.blocks)

    @classmethod
    def uniform(cls, n, fwd_time, bwd_time, out_bytes, saved_bytes=0, temp_bytes=0,
                input_bytes=None, const_bytes=0, grad_bytes=0, rerun_bwd_bytes=None,
                rerun_saved_bytes=None, rerun_last_bytes=None, top_bwd_bytes=None):
        """A chain of ``n`` identical blocks.

        Args:
            n: Number of blocks, at least 1.
            fwd_time, bwd_time, out_bytes, saved_bytes, temp_bytes,
                grad_bytes, rerun_bwd_bytes, rerun_saved_bytes,
                rerun_last_bytes, top_bwd_bytes: The cost of every block (see
                ``BlockCost``).
            input_bytes: Size of the chain input; defaults to ``out_bytes``.
            const_bytes: Constant bytes (parameters and gradients).

        Returns:
            A ``ChainCosts``.

        Example:
            >>> ChainCosts.uniform(32, 1e-3, 2e-3, out_bytes=1 << 20)
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"ChainCosts.uniform: n must be an int, got {type(n).__name__}")
        if n < 1:
            raise ValueError(f"ChainCosts.uniform: n must be >= 1, got {n}")
        block = BlockCost(fwd_time, bwd_time, out_bytes, saved_bytes, temp_bytes, grad_bytes,
                          rerun_bwd_bytes, rerun_saved_bytes, rerun_last_bytes,
                          top_bwd_bytes)
        if input_bytes is None:
            input_bytes = block.out_bytes
        return cls(input_bytes, [block] * int(n), const_bytes)

    def scaled(self, factor):
        """These costs for a batch ``factor`` times as large (an estimate).

        Activations scale with the batch: ``input_bytes``, ``out_bytes``,
        ``saved_bytes``, ``temp_bytes``, ``rerun_bwd_bytes``,
        ``rerun_saved_bytes``, ``rerun_last_bytes``, ``top_bwd_bytes`` and the
        times are
        multiplied by ``factor`` (bytes rounded to whole bytes); what does not
        depend on the batch is kept: ``grad_bytes`` and ``const_bytes``. Used
        by a planned chain when a training step's batch changes
        (``rechain.recompute.apply``, Note [when a planned chain plans]);
        measuring the new shape gives the real numbers.

        Args:
            factor: A positive number.

        Returns:
            A new ``ChainCosts``.
        """
        factor = _check_seconds("ChainCosts.scaled", "factor", factor)
        if factor == 0:
            raise ValueError("ChainCosts.scaled: factor must be > 0")

        def size(nbytes):
            return None if nbytes is None else int(round(nbytes * factor))

        blocks = [BlockCost(b.fwd_time * factor, b.bwd_time * factor, size(b.out_bytes),
                            size(b.saved_bytes), size(b.temp_bytes), b.grad_bytes,
                            size(b.rerun_bwd_bytes), size(b.rerun_saved_bytes),
                            size(b.rerun_last_bytes), size(b.top_bwd_bytes))
                  for b in self.blocks]
        return ChainCosts(size(self.input_bytes), blocks, self.const_bytes,
                          self.seconds_per_byte)
