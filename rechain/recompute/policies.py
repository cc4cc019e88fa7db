"""Selective recomputation: keep what a policy selects, rebuild the rest op by op.

Note [selective recomputation]. :func:`selective` (and :func:`checkpoint`)
apply a *policy* instead of a limit: a callable ``policy(op, shapes, nbytes)``
told, for each op recorded inside, the FunctionNode, the shapes of its inputs
and the bytes of its outputs, returns True to keep what the op makes. When the
block ends, every other evictable array is evicted, so backward re-runs the
cheap ops from the kept outputs of the expensive ones (JAX's
``checkpoint_dots``, PyTorch's selective checkpointing). Unlike ``F.forget``,
nothing replays the function: single ops re-run from their recorded inputs.
"""

import weakref

import numpy

from rechain.recompute.account import _Account, is_dot


# -- policies of selective recomputation (Note [selective recomputation]) ----------

def dots_saveable(op, shapes, nbytes):
    """Keep the outputs of matrix products and convolutions, recompute the rest."""
    return is_dot(op)


checkpoint_dots = dots_saveable


def nothing_saveable(op, shapes, nbytes):
    """Keep nothing made inside: every array is rebuilt from the block's inputs."""
    return False


def everything_saveable(op, shapes, nbytes):
    """Keep everything (the plain run, for comparison)."""
    return True


def save_only(*labels):
    """A policy that keeps the outputs of the ops of the given labels
    (FunctionNode class names, e.g. ``save_only("LinearFunction")``)."""
    names = frozenset(labels)
    for n in names:
        if not isinstance(n, str):
            raise TypeError(f"save_only: op labels must be strings, not {type(n).__name__}")

    def policy(op, shapes, nbytes):
        return op.label in names
    policy.__qualname__ = f"save_only{tuple(sorted(names))}"
    return policy


class Selective(_Account):
    """Keep only what ``policy`` says of the ops that run inside; made by
    :func:`selective` (Note [selective recomputation])."""

    def __init__(self, policy):
        if not callable(policy):
            raise TypeError(f"selective: policy must be a callable (op, shapes, nbytes) -> "
                            f"bool, not {type(policy).__name__}")
        super().__init__()
        self.policy = policy
        self._kept_nodes = weakref.WeakSet()

    def _keeps(self, f, in_data, out_data):
        keep = self.policy(f, tuple(x.shape for x in in_data),
                           sum(int(y.nbytes) for y in out_data))
        if not isinstance(keep, (bool, numpy.bool_)):
            raise TypeError(f"selective: the policy {getattr(self.policy, '__qualname__', '')}"
                            f" returned {type(keep).__name__} for {f.label}; it must return "
                            f"True (keep the op's outputs) or False")
        return bool(keep)

    def _kept(self, c):
        return c in self._kept_nodes

    def _after_rebuild(self, f):
        super()._after_rebuild(f)
        self._peak()

    def __exit__(self, *exc):
        try:
            if exc[0] is None:
                for e in self._candidates():
                    self._evict(e)
                self.stats["saved_bytes"] = self.resident
        finally:
            super().__exit__(*exc)
        return False


def selective(policy=dots_saveable):
    """Keep only the outputs of the ops ``policy`` selects; the rest is rebuilt
    by re-running single ops in backward (Note [selective recomputation]).

    Args:
        policy (callable): ``policy(op, shapes, nbytes) -> bool``; see
            :func:`dots_saveable`, :func:`nothing_saveable`,
            :func:`everything_saveable`, :func:`save_only`.

    Returns:
        Selective: A context manager.
    """
    return Selective(policy)


def checkpoint(func, *args, policy=dots_saveable, **kwargs):
    """Call ``func(*args, **kwargs)`` keeping only what ``policy`` selects of
    the arrays it saves for backward; like ``F.forget`` with a policy, but
    backward re-runs single cheap ops instead of replaying ``func``.

    Returns:
        What ``func`` returns.
    """
    if not callable(func):
        raise TypeError(f"checkpoint: func must be callable, not {type(func).__name__}")
    with Selective(policy):
        return func(*args, **kwargs)
