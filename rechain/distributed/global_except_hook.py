"""An uncaught exception on one rank aborts every rank, instead of a hang.

When one process of an MPI job dies of an exception while the others wait
for it in a collective, the others wait forever: the launcher only notices a
process that exits, and mpi4py finalizes MPI in an ``atexit`` handler, which
itself blocks. :func:`add_hook` installs a ``sys.excepthook`` that prints the traceback, then one line naming the
rank, and calls ``MPI_Abort`` on ``COMM_WORLD``, which makes the launcher end
every process with a nonzero exit status.

``rechain.distributed.create_communicator`` installs the hook when the
process runs under an MPI launcher (``RECHAIN_MPI_ABORT_ON_EXCEPTION=0``
turns that off); ChainerMN's ``CHAINERMN_FORCE_ABORT_ON_EXCEPTION`` is not
needed. An exception in another thread ends only that thread, as
in Python, and does not abort (a thread that the main thread waits for should
hand its exception over). Code that catches its own exceptions can use
:func:`abort_on_error` as a context manager around the risky part.
"""

import contextlib
import os
import sys
import traceback

_original = None


def _message(exc_type, exc):
    from rechain.distributed import _mpi
    MPI = _mpi.mpi()
    rank, size = MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size()
    return (f"rechain.distributed: rank {rank} of {size} raised "
            f"{exc_type.__name__}: {exc}; calling MPI_Abort to stop all {size} ranks")


def _abort(exc_type, exc, tb):
    try:
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        sys.stderr.write(_message(exc_type, exc) + "\n")
        sys.stderr.flush()
        sys.stdout.flush()
    finally:
        from rechain.distributed import _mpi
        _mpi.mpi().COMM_WORLD.Abort(1)


def _hook(exc_type, exc, tb):
    if issubclass(exc_type, KeyboardInterrupt) or (
            issubclass(exc_type, SystemExit) and exc.code in (0, None)):
        return _original(exc_type, exc, tb)
    _abort(exc_type, exc, tb)


def add_hook():
    """Install the hooks (once; later calls do nothing)."""
    global _original
    if _original is not None:
        return
    _original = sys.excepthook
    sys.excepthook = _hook


def remove_hook():
    """Restore the hooks that were there before :func:`add_hook`."""
    global _original
    if _original is None:
        return
    sys.excepthook = _original
    _original = None


def _add_hook_if_enabled():
    from rechain.distributed import _mpi
    if os.environ.get("RECHAIN_MPI_ABORT_ON_EXCEPTION", "1") != "0" \
            and (_mpi.under_mpi_launcher()
                 or os.environ.get("CHAINERMN_FORCE_ABORT_ON_EXCEPTION")):
        add_hook()


@contextlib.contextmanager
def abort_on_error():
    """Abort every rank if the block raises (for code run where exceptions are
    caught, e.g. under a test runner or a thread pool)."""
    try:
        yield
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        _abort(type(e), e, e.__traceback__)
