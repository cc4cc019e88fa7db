"""scatter_dataset: every example on some rank, equal lengths (or disjoint parts)."""

import collections

import numpy
import pytest

import rechain.distributed as chainermn

pytestmark = pytest.mark.mpi


@pytest.mark.parametrize("n", [0, 1, 7, 10, 11, 64])
@pytest.mark.parametrize("shuffle", [False, True])
def test_equal_lengths_cover_the_dataset(comm, n, shuffle):
    data = list(range(n)) if comm.rank == 0 else None
    part = chainermn.scatter_dataset(data, comm, shuffle=shuffle, seed=3)
    parts = comm.allgather_obj(list(part))
    assert {len(p) for p in parts} == {-(-n // comm.size)}
    counts = collections.Counter(x for p in parts for x in p)
    assert set(counts) == set(range(n))
    # the extra copies are exactly what equal lengths need (fewer than size)
    assert sum(c - 1 for c in counts.values()) == comm.size * -(-n // comm.size) - n


@pytest.mark.parametrize("n", [0, 5, 10, 11])
def test_disjoint_parts_cover_exactly_once(comm, n):
    part = chainermn.scatter_dataset(numpy.arange(n) if comm.rank == 0 else None, comm,
                                     shuffle=True, seed=0, force_equal_length=False)
    parts = comm.allgather_obj([int(v) for v in part])
    assert sorted(x for p in parts for x in p) == list(range(n))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_seed_fixes_the_parts_and_root_and_chunks(comm):
    data = [("x", i) for i in range(23)]
    a = chainermn.scatter_dataset(data, comm, shuffle=True, seed=5, max_buf_len=16)
    b = chainermn.scatter_dataset(data, comm, shuffle=True, seed=5)
    assert list(a) == list(b)
    root = comm.size - 1
    c = chainermn.scatter_dataset(data if comm.rank == root else None, comm, root=root)
    n = -(-23 // comm.size)
    start = 23 * comm.rank // comm.size
    assert list(c) == data[start:start + n]
    assert chainermn.scatter_index(23, comm) == (start, start + n)


def test_bad_arguments(comm):
    with pytest.raises(ValueError, match="root must be in"):
        chainermn.scatter_dataset([1], comm, root=comm.size)
    with pytest.raises(ValueError, match="max_buf_len"):
        chainermn.scatter_dataset([1], comm, max_buf_len=0)
    assert chainermn.create_empty_dataset([5, 6, 7]) == [(), (), ()]
