"""Recomputation: the machinery behind F.forget, and planning what to forget."""

from rechain.recompute.region import RecomputeError, replayed_state  # noqa: F401
