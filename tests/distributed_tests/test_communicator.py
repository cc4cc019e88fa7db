"""The communicator's array and object operations, ranks and names."""

import numpy
import pytest

import rechain
import rechain.links as L
import rechain.distributed as chainermn
from rechain.distributed import communicators

pytestmark = pytest.mark.mpi


def test_ranks(comm):
    assert 0 <= comm.rank < comm.size >= 2
    assert comm.intra_size * comm.inter_size == comm.size     # one machine here
    assert (comm.intra_rank, comm.inter_rank) == (comm.rank, 0)
    assert comm.allgather_obj(comm.rank) == list(range(comm.size))


@pytest.mark.parametrize("name", sorted(communicators.COMMUNICATOR_NAMES))
def test_every_chainermn_name(name):
    c = chainermn.create_communicator(name)
    assert c.name == name and c.size >= 2
    x = numpy.full(3, c.rank, numpy.float32)
    numpy.testing.assert_array_equal(c.allreduce(x), numpy.full(3, sum(range(c.size))))


def test_bad_name_and_arguments():
    with pytest.raises(ValueError, match="unknown communicator 'nccl2'"):
        chainermn.create_communicator("nccl2")
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        chainermn.create_communicator("mpi", bogus=1)


def test_arrays(comm):
    r, n = comm.rank, comm.size
    x = numpy.arange(6, dtype=numpy.float64).reshape(2, 3) + r
    numpy.testing.assert_array_equal(comm.allreduce(x), n * numpy.arange(6.).reshape(2, 3)
                                     + sum(range(n)))
    numpy.testing.assert_array_equal(comm.allreduce(x, op="max"), x - r + n - 1)
    numpy.testing.assert_array_equal(comm.bcast(x, root=n - 1), x - r + n - 1)
    got = comm.gather(numpy.full(r + 1, r, numpy.int64), root=0)
    if r == 0:
        assert [g.tolist() for g in got] == [[k] * (k + 1) for k in range(n)]
    else:
        assert got is None
    all_ = comm.allgather(x)
    assert len(all_) == n and all(numpy.array_equal(a, x - r + k) for k, a in enumerate(all_))
    ys = comm.alltoall([numpy.full((k + 1,), 10 * r + k, numpy.float32) for k in range(n)])
    assert [y.tolist() for y in ys] == [[10 * k + r] * (r + 1) for k in range(n)]
    part = comm.scatter([numpy.full(2, k) for k in range(n)] if r == 0 else None)
    assert part.tolist() == [r, r]
    v = rechain.Variable(numpy.ones(2, numpy.float32))
    numpy.testing.assert_array_equal(comm.allreduce(v), numpy.full(2, n))
    with pytest.raises(ValueError, match="op must be one of"):
        comm.allreduce(x, op="mean")
    with pytest.raises(TypeError, match="allreduce: expected an array"):
        comm.allreduce([1, 2])
    with pytest.raises(ValueError, match="alltoall: needs"):
        comm.alltoall([x])


def test_point_to_point(comm):
    r, n = comm.rank, comm.size
    nxt, prev = (r + 1) % n, (r - 1) % n
    payload = (numpy.full((2, 2), r, numpy.float16), numpy.arange(r + 1))
    if r % 2 == 0:
        comm.send(payload, nxt, tag=5)
        got = comm.recv(prev, tag=5)
    else:
        got = comm.recv(prev, tag=5)
        comm.send(payload, nxt, tag=5)
    assert isinstance(got, tuple) and got[0].dtype == numpy.float16
    numpy.testing.assert_array_equal(got[0], numpy.full((2, 2), prev))
    numpy.testing.assert_array_equal(got[1], numpy.arange(prev + 1))
    if r == 0:
        comm.send(numpy.ones(3), 1)
        comm.send_obj({"from": 0}, 1, tag=2)
    elif r == 1:
        numpy.testing.assert_array_equal(comm.recv(0), numpy.ones(3))
        assert comm.recv_obj(0, tag=2) == {"from": 0}


def test_objects(comm):
    big = list(range(5000)) if comm.rank == 0 else None
    assert comm.bcast_obj(big, max_buf_len=1000) == list(range(5000))
    assert comm.allreduce_obj(comm.rank + 1) == comm.size * (comm.size + 1) // 2
    got = comm.gather_obj(("r", comm.rank))
    assert got == ([("r", k) for k in range(comm.size)] if comm.rank == 0 else None)
    with pytest.raises(ValueError, match="max_buf_len"):
        comm.bcast_obj(1, max_buf_len=0)


def test_split_and_finalize(comm):
    sub = comm.split(comm.rank % 2, comm.rank)
    assert sub.size == len(range(comm.rank % 2, comm.size, 2))
    assert sub.rank == comm.rank // 2
    total = sub.allreduce(numpy.array([comm.rank], numpy.int64))
    assert total[0] == sum(range(comm.rank % 2, comm.size, 2))
    sub.finalize()


def test_bcast_data_gives_rank0_values(comm):
    rechain.random.seed(comm.rank)
    model = rechain.ChainList(L.Linear(3, 2), L.Linear(2, 2, nobias=True))
    mine = {k: p.array.copy() for k, p in model.namedparams()}
    root = {k: comm.bcast(v) for k, v in sorted(mine.items())}
    comm.bcast_data(model)
    for k, p in model.namedparams():
        numpy.testing.assert_array_equal(p.array, root[k])
