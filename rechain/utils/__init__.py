"""Utilities: input checks (``type_check``), text helpers and ``WalkerAlias``."""

from rechain.utils.walker_alias import WalkerAlias  # noqa: F401
