"""How the distributed tests run.

Tests marked ``mpi`` need several processes: they run under a launcher,
``mpirun -np 2 python -m pytest tests/distributed_tests -m mpi`` (and
``-np 3``; .ci/run does both). Outside a launcher they are skipped. Under a
launcher:

- a size of 1 is an error (the launcher did not give several processes);
- nothing may be skipped, and at least one test must pass, or the session
  fails (so an MPI step cannot pass by running nothing);
- a failing test on any rank prints its report naming the rank, then aborts
  every rank (``MPI_Abort``): the other ranks would otherwise wait forever in
  the next collective;
- tests not marked ``mpi`` (those that start mpirun themselves) are
  deselected.
"""

import os
import sys

import pytest

from rechain.distributed import _mpi

UNDER_MPI = _mpi.under_mpi_launcher()


def pytest_configure(config):
    config.addinivalue_line("markers", "mpi: runs under mpirun with several processes")
    if not UNDER_MPI:
        return
    MPI = _mpi.mpi()
    if MPI.COMM_WORLD.Get_size() < 2:
        raise pytest.UsageError("tests/distributed_tests under an MPI launcher need at "
                                "least 2 processes (mpirun -np 2 ...), got 1")


_PASSED = []


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    # Rank 0 reports to the terminal; the others only report failures (below).
    if UNDER_MPI and _mpi.mpi().COMM_WORLD.Get_rank() != 0:
        tr = session.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            session.config.pluginmanager.unregister(tr)


def pytest_collection_modifyitems(config, items):
    if UNDER_MPI:
        keep = [i for i in items if "mpi" in i.keywords]
        drop = [i for i in items if "mpi" not in i.keywords]
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep
        return
    skip = pytest.mark.skip(reason="needs several processes: run under mpirun -np 2 "
                                   "(see .ci/run)")
    for item in items:
        if "mpi" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not UNDER_MPI:
        return
    MPI = _mpi.mpi()
    rank, size = MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size()
    if report.failed:
        sys.stderr.write(f"\n===== rank {rank} of {size}: {item.nodeid} FAILED "
                         f"({report.when}) =====\n{report.longreprtext}\n"
                         f"===== rank {rank}: aborting all ranks =====\n")
        sys.stderr.flush()
        MPI.COMM_WORLD.Abort(1)
    if report.passed and report.when == "call":
        _PASSED.append(item.nodeid)
    if report.skipped:
        sys.stderr.write(f"\nrank {rank}: {item.nodeid} was skipped under MPI; the "
                         f"distributed tests may not skip there: aborting\n")
        sys.stderr.flush()
        MPI.COMM_WORLD.Abort(1)


def pytest_sessionfinish(session, exitstatus):
    if not UNDER_MPI:
        return
    passed = len(_PASSED)
    if passed == 0:
        sys.stderr.write("distributed tests: no test passed under MPI\n")
        session.exitstatus = 1
    minimum = int(os.environ.get("RECHAIN_MPI_MIN_TESTS", "0"))
    if passed < minimum:
        sys.stderr.write(f"distributed tests: {passed} passed under MPI, expected at "
                         f"least {minimum}\n")
        session.exitstatus = 1


@pytest.fixture(scope="session")
def models():
    """The shared models and data of ``_models.py`` (loaded by path: the tests are
    imported in importlib mode)."""
    import importlib.util
    path = os.path.join(os.path.dirname(__file__), "_models.py")
    spec = importlib.util.spec_from_file_location("_rechain_distributed_test_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def comm():
    import rechain.distributed as chainermn
    return chainermn.create_communicator("naive")
