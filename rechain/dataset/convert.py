"""Turn a minibatch (a list of examples) into arrays, and move arrays to a device.

A batch from an iterator is a list of examples. :func:`concat_examples`
stacks it along a new leading axis, field by field: a list of
``(x, t)`` tuples becomes ``(xs, ts)``, a list of dicts becomes a dict of
arrays, and a list of arrays becomes one array.
"""

import numpy

from rechain import backend
from rechain.utils import text


def _get_device(device):
    """The device object for ``device``; None stays None (leave arrays as they are).

    Anything :func:`rechain.get_device` accepts works; so does any object with
    a ``send`` method (a device-like object).
    """
    if device is None or isinstance(device, backend.Device):
        return device
    if not isinstance(device, str) and callable(getattr(device, "send", None)):
        return device
    return backend.get_device(device)


def to_device(device, x):
    """Send an array (or the arrays of a list/tuple/dict) to a device.

    Args:
        device: Where to send ``x``: None leaves it where it is; otherwise a
            device object or any specifier :func:`rechain.get_device` accepts:
            ``'@numpy'`` or a negative int for the CPU (NumPy), ``'@cupy:N'``
            or an int ``N >= 0`` for GPU N (CuPy). An object with a ``send``
            method is asked to send it.
        x: An array (or None, or a list/tuple/dict of arrays).

    Returns:
        The array on the requested device (the same object if it is already
        there).

    Raises:
        ValueError, TypeError: If ``device`` is not a device specifier.
        RuntimeError: If a GPU is requested but CuPy or a GPU is missing.

    Example:
        >>> to_device(-1, numpy.zeros(2))
        array([0., 0.])
    """
    device = _get_device(device)
    if device is None:
        return x
    return device.send(x)


class Converter:
    """Base class of batch converters.

    A converter turns a batch from an iterator into what the model takes, and
    moves it to a device. Subclasses implement ``__call__(batch, device)``.
    Updaters and evaluators accept a :class:`Converter` or any plain callable
    with the same arguments.
    """

    def __call__(self, batch, device):
        """Convert ``batch`` and send it to ``device``.

        Args:
            batch: The batch (usually a list of examples).
            device: Where to send it (see :func:`to_device`); None leaves the
                arrays where they are.

        Returns:
            The converted batch.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")


class _FunctionConverter(Converter):
    """A :class:`Converter` that calls a function given to :func:`converter`."""

    def __init__(self, function):
        if not callable(function):
            raise TypeError(
                f"converter: the decorated object must be callable, not {type(function).__name__}"
            )
        self.base_callable = function
        self.__doc__ = getattr(function, "__doc__", None)
        self.__name__ = getattr(function, "__name__", type(self).__name__)
        self.__wrapped__ = function

    def __call__(self, *args, **kwargs):
        # As in Chainer, the function receives a device object (None stays
        # None); a bad specifier fails here, before any work.
        if len(args) >= 2:
            args = (args[0], _get_device(args[1])) + args[2:]
        elif "device" in kwargs:
            kwargs["device"] = _get_device(kwargs["device"])
        return self.base_callable(*args, **kwargs)

    def __repr__(self):
        return f"converter({self.__name__})"


def converter():
    """Decorator turning a function ``f(batch, device)`` into a :class:`Converter`.

    The function keeps working as before; the result is also an instance of
    :class:`Converter`, which is what code that checks for converters looks
    for. As in Chainer, the decorator is called with no arguments:
    ``@converter()``. As in Chainer, the function receives the device as a
    device object (:func:`rechain.get_device` of what the caller passed; None
    stays None), and a bad device specifier is rejected before it runs.

    Returns:
        callable: The decorator.

    Example:
        >>> @converter()
        ... def first_field(batch, device):
        ...     return to_device(device, numpy.stack([x for x, _ in batch]))
        >>> isinstance(first_field, Converter)
        True
        >>> first_field([(numpy.zeros(2), 0), (numpy.ones(2), 1)], None).shape
        (2, 2)
    """
    def wrap(function):
        return _FunctionConverter(function)
    return wrap


def _as_array(value):
    return value if isinstance(value, backend.array_types) else numpy.asarray(value)


def _stack(values, padding, context):
    """Stack the values of one field of every example along a new axis 0.

    Args:
        values: One array-like per example.
        padding: None to require equal shapes, or the scalar that fills the
            area outside each smaller array.
        context: Text naming the field, for error messages.
    """
    arrays = [_as_array(v) for v in values]
    xp = backend.get_array_module(*arrays)
    if xp is not numpy:
        arrays = [xp.asarray(a) for a in arrays]
    first_shape = arrays[0].shape
    if padding is None:
        for i, a in enumerate(arrays):
            if a.shape != first_shape:
                raise ValueError(
                    f"concat_examples: example {i}{context} has shape {a.shape}, but example 0 "
                    f"has shape {first_shape}; pass padding= to pad ragged arrays"
                )
        return xp.stack(arrays)

    for i, a in enumerate(arrays):
        if a.ndim != len(first_shape):
            raise ValueError(
                f"concat_examples: example {i}{context} has {a.ndim} dimensions (shape "
                f"{a.shape}), but example 0 has {len(first_shape)} (shape {first_shape}); "
                f"padding cannot fix a difference in the number of dimensions"
            )
    shape = tuple(max(a.shape[d] for a in arrays) for d in range(len(first_shape)))
    dtype = numpy.result_type(*[a.dtype for a in arrays])
    out = xp.full((len(arrays),) + shape, padding, dtype=dtype)
    for i, a in enumerate(arrays):
        out[(i,) + tuple(slice(0, d) for d in a.shape)] = a
    return out


def concat_examples(batch, device=None, padding=None):
    """Stack a list of examples into arrays, field by field.

    * Tuple examples ``(x, t)`` give a tuple of arrays ``(xs, ts)``.
    * Dict examples ``{'x': x, 't': t}`` give a dict of arrays.
    * Array (or scalar, or nested list) examples give one array.

    Each output array has the batch as its new leading axis.

    Args:
        batch (list): The examples; all of the same structure.
        device: Where to put the results (see :func:`to_device`): None leaves
            them on the device of the inputs, a negative int or ``'@numpy'``
            gives NumPy arrays, an int ``>= 0`` or ``'@cupy:N'`` CuPy arrays
            on that GPU; a device object is asked to ``send`` them.
        padding: None to require arrays of equal shape in each field, or a
            scalar to pad ragged arrays up to the largest shape in the batch
            (each array sits at the low corner). For tuple examples it may be
            a tuple with one value per field, for dict examples a dict with
            one value per key.

    Returns:
        A tuple, dict, or single array of stacked values.

    Raises:
        ValueError: If the batch is empty, the examples differ in structure,
            or arrays of a field differ in shape and no padding is given.

    Example:
        >>> xs, ts = concat_examples([(numpy.zeros(2), 0), (numpy.ones(2), 1)])
        >>> xs.shape, ts.tolist()
        ((2, 2), [0, 1])
    """
    if len(batch) == 0:
        raise ValueError("concat_examples: the batch is empty")
    first = batch[0]

    if isinstance(first, tuple):
        n_fields = len(first)
        if isinstance(padding, tuple):
            if len(padding) != n_fields:
                raise ValueError(
                    f"concat_examples: padding has {len(padding)} values but the examples "
                    f"have {n_fields} fields"
                )
            paddings = padding
        else:
            paddings = (padding,) * n_fields
        for i, example in enumerate(batch):
            if not isinstance(example, tuple) or len(example) != n_fields:
                got = (f"a tuple of {len(example)} fields" if isinstance(example, tuple)
                       else f"a {type(example).__name__}")
                raise ValueError(
                    f"concat_examples: example 0 is a tuple of {n_fields} fields but example "
                    f"{i} is {got}"
                )
        return tuple(
            to_device(device, _stack([example[k] for example in batch], paddings[k],
                                     f" ({text.ordinal(k + 1)} field)"))
            for k in range(n_fields)
        )

    if isinstance(first, dict):
        keys = list(first)
        if isinstance(padding, dict):
            missing = [k for k in keys if k not in padding]
            if missing:
                raise ValueError(f"concat_examples: padding has no value for keys {missing}")
            paddings = padding
        else:
            paddings = {k: padding for k in keys}
        for i, example in enumerate(batch):
            if not isinstance(example, dict) or set(example) != set(keys):
                got = (f"a dict with keys {sorted(example, key=str)}"
                       if isinstance(example, dict) else f"a {type(example).__name__}")
                raise ValueError(
                    f"concat_examples: example 0 is a dict with keys {sorted(keys, key=str)} "
                    f"but example {i} is {got}"
                )
        return {
            k: to_device(device, _stack([example[k] for example in batch], paddings[k],
                                        f" (key {k!r})"))
            for k in keys
        }

    for i, example in enumerate(batch):
        if isinstance(example, (tuple, dict)):
            raise ValueError(
                f"concat_examples: example 0 is a {type(first).__name__} but example {i} is "
                f"a {type(example).__name__}"
            )
    return to_device(device, _stack(batch, padding, ""))


# As in Chainer, the default converter is a Converter instance, so code that
# checks ``isinstance(c, Converter)`` accepts it; the plain function stays
# available under its own name.
concat_examples_func = concat_examples
concat_examples = _FunctionConverter(concat_examples_func)
