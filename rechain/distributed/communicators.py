"""Communicators: ChainerMN's ``create_communicator`` on mpi4py.

A communicator wraps an mpi4py communicator (``MPI.COMM_WORLD`` by default)
and gives the operations data-parallel training needs: the model-level
``bcast_data`` / ``multi_node_mean_grad``, array collectives and point to
point messages, and their pickled-object counterparts.

Note [one message per dtype]: ``multi_node_mean_grad`` packs the gradients
of all parameters of a dtype into one contiguous buffer, in the order of the
sorted parameter names, and all-reduces each buffer with one
``MPI_Allreduce`` (sum), then divides by the number of processes. With
``allreduce_grad_dtype`` every gradient is packed into one buffer of that
dtype instead (float16 halves the bytes; MPI has no float16 sum, so a user
operation adds them as NumPy float16). The first buffer carries one more
element per parameter, 1 where the rank has a gradient and 0 where it has
None: a parameter no rank has a gradient for keeps None (so the optimizer
leaves it and its state alone, as in single-process rechain), one some ranks
lack counts as zeros there (ChainerMN's ``zero_fill``).

Note [structure check]: before each ``multi_node_mean_grad`` and
``bcast_data`` the ranks exchange a hash of their parameter list (names,
shapes, dtypes, initialised or not), one small ``allgather``. When the hashes
differ they exchange the lists themselves and every rank raises the same
ValueError naming the first parameter that differs and the ranks concerned,
instead of all-reducing buffers of different layouts (undefined behaviour in
MPI: a hang or garbage).
"""

import hashlib
import pickle

import numpy

from rechain import backend
from rechain import function_node
from rechain.distributed import _mpi

#: ChainerMN's communicator names and what each is here. On the CPU there is
#: one implementation; the names differ in ChainerMN by how they use GPUs and
#: NCCL, which changes speed, not results.
COMMUNICATOR_NAMES = {
    "mpi": "MPI all-reduce of packed buffers (this module)",
    "naive": "the same as 'mpi' (ChainerMN's: one MPI call per parameter; packing gives "
             "the same sums in fewer messages)",
    "flat": "the same as 'mpi' (ChainerMN's: packed buffer, MPI all-reduce)",
    "hierarchical": "the same as 'mpi' (ChainerMN's: NCCL inside a node, MPI between "
                    "nodes; MPI's own algorithms already use shared memory inside a node)",
    "two_dimensional": "the same as 'mpi' (ChainerMN's: reduce-scatter inside a node, "
                       "all-reduce between nodes)",
    "single_node": "the same as 'mpi' (ChainerMN's: NCCL on one node)",
    "pure_nccl": "the same as 'mpi' (ChainerMN's: NCCL only, GPUs)",
    "non_cuda_aware": "the same as 'mpi' (ChainerMN's: GPU buffers staged through host "
                      "memory; host arrays need no staging)",
}


def create_communicator(communicator_name="mpi", mpi_comm=None, allreduce_grad_dtype=None,
                        **kwargs):
    """Make a communicator over ``mpi_comm`` (``MPI.COMM_WORLD`` by default).

    Every name ChainerMN accepts is accepted, so ported code runs unchanged:
    ``'mpi'`` (the default here), ``'naive'``, ``'flat'``, ``'hierarchical'``,
    ``'two_dimensional'``, ``'single_node'``, ``'pure_nccl'`` and
    ``'non_cuda_aware'`` all give the same :class:`MpiCommunicator`, whose
    gradient all-reduce packs the gradients into one buffer per dtype (see
    :data:`COMMUNICATOR_NAMES` for what each name means in ChainerMN). The
    results are the same; ChainerMN's names differ in how they use GPUs and
    NCCL, which rechain does not.

    Args:
        communicator_name (str): One of the names above.
        mpi_comm: An mpi4py communicator.
        allreduce_grad_dtype: Pack gradients into this dtype for the
            all-reduce (e.g. ``numpy.float16``, half the bytes) and cast
            them back; None: each gradient's own dtype.
        batched_copy: Accepted and ignored, as in ChainerMN v7 (always on).

    Returns:
        MpiCommunicator

    Example:
        >>> import rechain.distributed as chainermn
        >>> comm = chainermn.create_communicator('naive')
        >>> comm.rank, comm.size
        (0, 1)
    """
    if communicator_name not in COMMUNICATOR_NAMES and communicator_name != "dummy":
        raise ValueError(f"create_communicator: unknown communicator {communicator_name!r}; "
                         f"choose among {sorted(COMMUNICATOR_NAMES)}")
    kwargs.pop("batched_copy", None)
    if kwargs:
        raise TypeError(f"create_communicator: unexpected keyword arguments {sorted(kwargs)}")
    MPI = _mpi.mpi()
    if mpi_comm is None:
        mpi_comm = MPI.COMM_WORLD
    return MpiCommunicator(mpi_comm, name=communicator_name,
                           allreduce_grad_dtype=allreduce_grad_dtype)


def _as_host(array):
    """A C-contiguous host array of ``array`` (CuPy arrays are copied to the host)."""
    if backend.get_array_module(array) is not numpy:
        return numpy.ascontiguousarray(backend.to_cpu(array))
    return numpy.ascontiguousarray(array)


def _like(template, host):
    """``host`` on the device of ``template``."""
    xp = backend.get_array_module(template)
    return host if xp is numpy else xp.asarray(host)


class _Header:
    """What the receiver of arrays must know first: shapes, dtype, tuple or not."""

    def __init__(self, data):
        self.is_tuple = isinstance(data, (tuple, list))
        arrays = data if self.is_tuple else [data]
        self.shapes = [tuple(a.shape) for a in arrays]
        self.dtypes = [numpy.dtype(a.dtype) for a in arrays]
        self.on_gpu = any(backend.get_array_module(a) is not numpy for a in arrays)


def _array_data(data, who):
    from rechain import variable
    if isinstance(data, variable.Variable):
        data = data.array
    if isinstance(data, (tuple, list)):
        return [_array_data(d, who) for d in data]
    if not hasattr(data, "dtype") or not hasattr(data, "shape"):
        raise TypeError(f"{who}: expected an array or a tuple of arrays, got "
                        f"{type(data).__name__}")
    return data


class MpiCommunicator:
    """ChainerMN's communicator API over an mpi4py communicator.

    Attributes:
        mpi_comm: The mpi4py communicator.
        name (str): The name it was created with.
        allreduce_grad_dtype: See :func:`create_communicator`.
    """

    def __init__(self, mpi_comm, name="mpi", allreduce_grad_dtype=None):
        self.mpi_comm = mpi_comm
        self.name = name
        self.allreduce_grad_dtype = (None if allreduce_grad_dtype is None
                                     else numpy.dtype(allreduce_grad_dtype))
        MPI = _mpi.mpi()
        self._intra = mpi_comm.Split_type(MPI.COMM_TYPE_SHARED, key=mpi_comm.rank)
        self._inter = mpi_comm.Split(self._intra.rank, mpi_comm.rank)
        self._checked = {}
        #: The last multi_node_mean_grad: ``seconds`` (packing, MPI, unpacking),
        #: ``mpi_seconds`` (inside MPI_Allreduce), ``bytes`` (of the buffers) and
        #: ``messages`` (all-reduce calls).
        self.last_allreduce = {"seconds": 0.0, "mpi_seconds": 0.0, "bytes": 0, "messages": 0}

    # -- ranks ------------------------------------------------------------------------
    @property
    def rank(self):
        """This process's rank in the communicator."""
        return self.mpi_comm.rank

    @property
    def size(self):
        """Number of processes."""
        return self.mpi_comm.size

    @property
    def intra_rank(self):
        """Rank among the processes of this machine (shared memory)."""
        return self._intra.rank

    @property
    def intra_size(self):
        """Number of processes on this machine."""
        return self._intra.size

    @property
    def inter_rank(self):
        """Index of this machine among the machines."""
        return self._inter.rank

    @property
    def inter_size(self):
        """Number of machines (processes with the same intra rank)."""
        return self._inter.size

    def __repr__(self):
        return f"MpiCommunicator(name={self.name!r}, rank={self.rank}, size={self.size})"

    # -- configuration, ChainerMN's -------------------------------------------------------
    def set_config(self, name, value=True, **kwargs):
        """ChainerMN's ``set_config``: ``'allreduce_grad_dtype'`` (``'batched_copy'`` is
        accepted and ignored)."""
        if name == "allreduce_grad_dtype":
            self.allreduce_grad_dtype = None if value is None else numpy.dtype(value)
        elif name != "batched_copy":
            raise ValueError(f"MpiCommunicator.set_config: unknown option {name!r}")

    def get_config(self, name=None):
        if name == "allreduce_grad_dtype":
            return self.allreduce_grad_dtype
        if name == "batched_copy":
            return True
        raise ValueError(f"MpiCommunicator.get_config: unknown option {name!r}")

    def split(self, color, key):
        """``MPI_Comm_split``: a communicator of the processes with the same ``color``,
        ranked by ``key``."""
        return MpiCommunicator(self.mpi_comm.Split(color, key), name=self.name,
                               allreduce_grad_dtype=self.allreduce_grad_dtype)

    def barrier(self):
        self.mpi_comm.Barrier()

    def abort(self, errorcode=1):
        """Abort every process of the communicator (``MPI_Abort``)."""
        self.mpi_comm.Abort(errorcode)

    def finalize(self):
        """Free the communicators made for intra/inter ranks (MPI itself is finalized
        by mpi4py at exit)."""
        for c in (self._intra, self._inter):
            try:
                c.Free()
            except Exception:
                pass

    # -- objects (pickled) ---------------------------------------------------------------
    def send_obj(self, obj, dest, tag=0):
        self.mpi_comm.send(obj, dest=dest, tag=tag)

    def recv_obj(self, source, status=None, tag=None):
        MPI = _mpi.mpi()
        return self.mpi_comm.recv(source=source, status=status,
                                  tag=MPI.ANY_TAG if tag is None else tag)

    def bcast_obj(self, obj, max_buf_len=256 * 1024 * 1024, root=0):
        """Broadcast a picklable object from ``root``, in chunks of at most
        ``max_buf_len`` bytes (so a large dataset does not hit MPI's 2 GiB count)."""
        if not 0 < max_buf_len <= 2 ** 31 - 1:
            raise ValueError(f"bcast_obj: max_buf_len must be in [1, 2**31-1], got "
                             f"{max_buf_len}")
        MPI = _mpi.mpi()
        payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL) \
            if self.rank == root else None
        n = self.mpi_comm.bcast(None if payload is None else len(payload), root=root)
        buf = numpy.frombuffer(payload, numpy.uint8).copy() if self.rank == root \
            else numpy.empty(n, numpy.uint8)
        for start in range(0, n, max_buf_len):
            self.mpi_comm.Bcast([buf[start:start + max_buf_len], MPI.BYTE], root=root)
        return obj if self.rank == root else pickle.loads(buf.tobytes())

    def gather_obj(self, obj, root=0):
        """The objects of all ranks as a list at ``root``, None elsewhere."""
        return self.mpi_comm.gather(obj, root=root)

    def allgather_obj(self, obj):
        """The objects of all ranks as a list, on every rank."""
        return self.mpi_comm.allgather(obj)

    def allreduce_obj(self, obj):
        """The sum (``+``) of every rank's object, on every rank."""
        return self.mpi_comm.allreduce(obj)

    # -- arrays (buffers) ------------------------------------------------------------------
    def send(self, data, dest, tag=0):
        """Send an array or a tuple of arrays to ``dest`` (received by :meth:`recv`)."""
        data = _array_data(data, "send")
        header = _Header(data)
        self.mpi_comm.send(header, dest=dest, tag=tag)
        for a in (data if header.is_tuple else [data]):
            self.mpi_comm.Send(_mpi.buffer(_as_host(a)), dest=dest, tag=tag)

    def recv(self, source, tag=0):
        """Receive what :meth:`send` sent: an array, or a tuple of arrays."""
        header = self.mpi_comm.recv(source=source, tag=tag)
        out = []
        for shape, dtype in zip(header.shapes, header.dtypes):
            buf = numpy.empty(shape, dtype)
            self.mpi_comm.Recv(_mpi.buffer(buf), source=source, tag=tag)
            out.append(backend.to_gpu(buf) if header.on_gpu else buf)
        return tuple(out) if header.is_tuple else out[0]

    def bcast(self, x, root=0, max_buf_len=None):
        """Broadcast an array from ``root``; every rank returns it."""
        meta = None
        if self.rank == root:
            x = _array_data(x, "bcast")
            meta = (tuple(x.shape), numpy.dtype(x.dtype))
        shape, dtype = self.mpi_comm.bcast(meta, root=root)
        buf = _as_host(x).copy() if self.rank == root else numpy.empty(shape, dtype)
        self.mpi_comm.Bcast(_mpi.buffer(buf), root=root)
        return _like(x, buf) if self.rank == root else buf

    def gather(self, x, root=0):
        """The arrays of all ranks as a tuple at ``root`` (None elsewhere); shapes may
        differ, dtypes must agree."""
        x = _as_host(_array_data(x, "gather"))
        # every rank learns the shapes, so that all of them raise on a dtype mismatch
        metas = self.mpi_comm.allgather((tuple(x.shape), x.dtype))
        dtypes = sorted({str(d) for _, d in metas})
        if len(dtypes) != 1:
            raise TypeError(f"gather: the ranks' arrays have different dtypes {dtypes}")
        if self.rank != root:
            self.mpi_comm.Gatherv(_mpi.buffer(x), None, root=root)
            return None
        counts = [int(numpy.prod(s)) for s, _ in metas]
        recv = numpy.empty(sum(counts), x.dtype)
        displs = numpy.concatenate([[0], numpy.cumsum(counts)[:-1]]).astype(int).tolist()
        self.mpi_comm.Gatherv(_mpi.buffer(x), [recv, counts, displs, _mpi.datatype(x.dtype)],
                              root=root)
        return tuple(recv[d:d + c].reshape(s) for (s, _), c, d in zip(metas, counts, displs))

    def allgather(self, x):
        """The arrays of all ranks (same shape and dtype) as a tuple, on every rank."""
        x = _as_host(_array_data(x, "allgather"))
        metas = self.mpi_comm.allgather((tuple(x.shape), x.dtype))
        if len(set(metas)) != 1:
            raise ValueError(f"allgather: the ranks' arrays differ in shape or dtype: {metas}")
        recv = numpy.empty((self.size,) + x.shape, x.dtype)
        self.mpi_comm.Allgather(_mpi.buffer(x), _mpi.buffer(recv))
        return tuple(recv)

    def allreduce(self, x, op="sum"):
        """The element-wise ``op`` (``'sum'``, ``'max'``, ``'min'``, ``'prod'``) of the
        ranks' arrays, on every rank."""
        MPI = _mpi.mpi()
        ops = {"sum": None, "max": MPI.MAX, "min": MPI.MIN, "prod": MPI.PROD}
        if op not in ops:
            raise ValueError(f"allreduce: op must be one of {sorted(ops)}, got {op!r}")
        x = _array_data(x, "allreduce")
        buf = _as_host(x).copy()
        mpi_op = ops[op] or _mpi.sum_op(buf.dtype)
        self.mpi_comm.Allreduce(MPI.IN_PLACE, _mpi.buffer(buf), op=mpi_op)
        return _like(x, buf)

    def scatter(self, xs, root=0):
        """Rank ``i`` receives ``xs[i]`` of ``root``'s tuple of ``size`` arrays."""
        if self.rank == root:
            xs = _array_data(xs, "scatter")
            if len(xs) != self.size:
                raise ValueError(f"scatter: needs {self.size} arrays (one per rank), got "
                                 f"{len(xs)}")
            for i, a in enumerate(xs):
                if i != root:
                    self.send(a, i, tag=17)
            return xs[root]
        return self.recv(root, tag=17)

    def alltoall(self, xs):
        """Rank ``j`` receives ``xs[j]`` of every rank: a tuple of ``size`` arrays
        (one ``MPI_Alltoallv``; dtypes must agree)."""
        xs = [_as_host(a) for a in _array_data(xs, "alltoall")]
        if len(xs) != self.size:
            raise ValueError(f"alltoall: needs {self.size} arrays (one per rank), got "
                             f"{len(xs)}")
        dtype = xs[0].dtype
        if any(a.dtype != dtype for a in xs):
            raise TypeError("alltoall: the arrays must have one dtype")
        shapes = self.mpi_comm.alltoall([tuple(a.shape) for a in xs])
        scounts = [a.size for a in xs]
        rcounts = [int(numpy.prod(s)) for s in shapes]
        sd = [0] + numpy.cumsum(scounts)[:-1].tolist()
        rd = [0] + numpy.cumsum(rcounts)[:-1].tolist()
        send = numpy.concatenate([a.ravel() for a in xs]) if xs else numpy.empty(0, dtype)
        recv = numpy.empty(sum(rcounts), dtype)
        t = _mpi.datatype(dtype)
        self.mpi_comm.Alltoallv([send, scounts, sd, t], [recv, rcounts, rd, t])
        return tuple(recv[d:d + c].reshape(s) for s, c, d in zip(shapes, rcounts, rd))

    # -- models ------------------------------------------------------------------------------
    def _check_structure(self, model, who):
        """Every rank has the same parameters (Note [structure check])."""
        sig = [(name, None if p.array is None else tuple(p.array.shape),
                None if p.array is None else str(p.array.dtype))
               for name, p in sorted(model.namedparams())]
        digest = hashlib.sha1(repr(sig).encode()).hexdigest()
        digests = self.mpi_comm.allgather(digest)
        if len(set(digests)) == 1:
            return
        sigs = self.mpi_comm.allgather(sig)
        raise ValueError(_mismatch_message(who, sigs))

    def bcast_data(self, model, root=0):
        """Give every rank ``root``'s parameter values (initialised parameters; one
        ``MPI_Bcast`` per dtype)."""
        self._check_structure(model, "bcast_data")
        groups = {}
        for _, p in sorted(model.namedparams()):
            if p.array is not None:
                groups.setdefault(numpy.dtype(p.array.dtype), []).append(p)
        for dtype, params in groups.items():
            n = sum(p.array.size for p in params)
            buf = numpy.empty(n, dtype)
            off = 0
            if self.rank == root:
                for p in params:
                    buf[off:off + p.array.size] = _as_host(p.array).ravel()
                    off += p.array.size
            self.mpi_comm.Bcast(_mpi.buffer(buf), root=root)
            if self.rank != root:
                off = 0
                for p in params:
                    k = p.array.size
                    function_node.before_parameter_update(p)
                    xp = backend.get_array_module(p.array)
                    p.array[...] = xp.asarray(buf[off:off + k].reshape(p.array.shape))
                    off += k

    def broadcast_data(self, model):
        """ChainerMN's old name of :meth:`bcast_data`."""
        self.bcast_data(model)

    def multi_node_mean_grad(self, model, zero_fill=False):
        """Replace each parameter's gradient by the mean over the ranks.

        One ``MPI_Allreduce`` per dtype (Note [one message per dtype]). A
        parameter with no gradient on a rank counts as zeros there; one with no
        gradient on any rank keeps None (or gets zeros with ``zero_fill``).
        Uninitialised parameters are skipped (they have no gradient).
        """
        import time
        self._check_structure(model, "multi_node_mean_grad")
        MPI = _mpi.mpi()
        params = [p for _, p in sorted(model.namedparams()) if p.array is not None]
        if not params:
            return
        groups = {}
        for p in params:
            dtype = self.allreduce_grad_dtype or numpy.dtype(p.array.dtype)
            groups.setdefault(dtype, []).append(p)
        start = time.perf_counter()
        in_mpi = 0.0
        nbytes = 0
        first = True
        results = []
        for dtype, ps in groups.items():
            sizes = [p.array.size for p in ps]
            n = sum(sizes)
            extra = len(params) if first else 0
            buf = numpy.empty(n + extra, dtype)
            off = 0
            for p, k in zip(ps, sizes):
                g = p.grad
                if g is None:
                    buf[off:off + k] = 0
                else:
                    buf[off:off + k] = _as_host(g).ravel()
                off += k
            if first:
                buf[n:] = [0 if p.grad is None else 1 for p in params]
            t0 = time.perf_counter()
            self.mpi_comm.Allreduce(MPI.IN_PLACE, _mpi.buffer(buf), op=_mpi.sum_op(dtype))
            in_mpi += time.perf_counter() - t0
            nbytes += buf.nbytes
            results.append((ps, sizes, buf, n))
            first = False
        counts = results[0][2][results[0][3]:]
        has_grad = {id(p): c > 0 for p, c in zip(params, counts)}
        scale = 1.0 / self.size
        for ps, sizes, buf, n in results:
            mean = buf[:n]
            mean *= mean.dtype.type(scale)
            off = 0
            for p, k in zip(ps, sizes):
                if has_grad[id(p)] or zero_fill:
                    g = mean[off:off + k].reshape(p.array.shape)
                    if g.dtype != p.array.dtype:
                        g = g.astype(p.array.dtype)
                    p.grad = _like(p.array, g)
                off += k
        self.last_allreduce = {"seconds": time.perf_counter() - start, "mpi_seconds": in_mpi,
                               "bytes": nbytes, "messages": len(results)}

    def allreduce_grad(self, model, zero_fill=False):
        """ChainerMN's old name of :meth:`multi_node_mean_grad` (a mean, not a sum)."""
        self.multi_node_mean_grad(model, zero_fill)


def _mismatch_message(who, sigs):
    """The error of Note [structure check]: the first parameter that differs."""
    base = sigs[0]
    for rank, sig in enumerate(sigs[1:], start=1):
        if sig == base:
            continue
        names0 = [s[0] for s in base]
        names = [s[0] for s in sig]
        for a, b in zip(base, sig):
            if a != b:
                if a[0] != b[0]:
                    return (f"{who}: the ranks' models differ: parameter {a[0]!r} on rank 0 "
                            f"but {b[0]!r} on rank {rank} at the same position "
                            f"(rank 0 has {len(base)} parameters, rank {rank} {len(sig)})")
                return (f"{who}: the ranks' models differ: parameter {a[0]!r} has shape "
                        f"{a[1]} and dtype {a[2]} on rank 0 but shape {b[1]} and dtype "
                        f"{b[2]} on rank {rank}")
        extra = sorted(set(names0) ^ set(names))
        return (f"{who}: the ranks' models differ: rank 0 has {len(base)} parameters, rank "
                f"{rank} {len(sig)} (not on both: {extra})")
    return f"{who}: the ranks' models differ"
