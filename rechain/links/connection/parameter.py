"""Parameter: a link that holds one array as its parameter ``W`` (Chainer's ``L.Parameter``)."""

from rechain import backend
from rechain import variable
from rechain.functions.math.identity import identity
from rechain.links import link as _link


class Parameter(_link.Link):
    """A link whose only parameter ``W`` is the given array; calling it returns ``W``.

    Chainer kept this link from before parameters were Variables; a
    :class:`rechain.Parameter` registered on any link does the same job. The
    array is used as it is (not copied); the link lives on the array's device.

    Args:
        array (numpy.ndarray or cupy.ndarray): The initial value of ``W``.

    Attributes:
        W (rechain.Parameter): The parameter.

    Example:
        >>> p = L.Parameter(numpy.zeros((2, 3), numpy.float32))
        >>> p().shape
        (2, 3)
    """

    def __init__(self, array):
        super().__init__()
        if not isinstance(array, backend.array_types):
            raise TypeError(f"Parameter: array must be a numpy or cupy array, not "
                            f"{type(array).__name__}")
        with self.init_scope():
            self.W = variable.Parameter(array)
        device = backend.get_device_from_array(array)
        if isinstance(device, backend.GpuDevice):
            self.to_device(device)

    def forward(self, volatile="off"):
        """Return ``W`` as a new Variable joined to it in the graph (gradients reach ``W``).

        Args:
            volatile: Chainer v1's flag, kept for old call sites: only
                ``'off'`` (or False) is accepted; for no graph, call under
                :func:`rechain.no_backprop_mode`.
        """
        if volatile not in ("off", False):
            raise ValueError(f"Parameter.forward: volatile={volatile!r} is not supported; "
                             f"call it under rechain.no_backprop_mode() instead")
        return identity(self.W)
