"""Warnings and a temporary directory: ``nondeterministic``, ``experimental``, ``tempdir``."""

import contextlib
import shutil
import tempfile
import warnings


def nondeterministic(f_name):
    """Warn that ``f_name`` may give run-to-run differences, if ``config.warn_nondeterministic``."""
    from rechain.configuration import config
    if config.warn_nondeterministic:
        warnings.warn("Potentially non-deterministic code is being executed while "
                      f"config.warn_nondeterministic is set. Source: {f_name}")


def experimental(api_name):
    """Issue a FutureWarning that ``api_name`` is experimental.

    Silenced by ``rechain.disable_experimental_feature_warning = True``.
    """
    import rechain
    if not getattr(rechain, "disable_experimental_feature_warning", False):
        warnings.warn(f"{api_name} is experimental. The interface can change in the "
                      "future.", FutureWarning)


@contextlib.contextmanager
def tempdir(ignore_errors=False, **kwargs):
    """A temporary directory (``tempfile.mkdtemp(**kwargs)``), removed on exit."""
    path = tempfile.mkdtemp(**kwargs)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=ignore_errors)


def _format_array_props(arrays):
    """``'shape=(2, 3), dtype=float32'`` per array (None shown as such), joined."""
    parts = []
    for a in arrays:
        if a is None:
            parts.append("None")
        else:
            parts.append(f"shape={tuple(a.shape)}, dtype={a.dtype}")
    return "[" + "; ".join(parts) + "]"
