"""Variables: arrays with a place in the computational graph.

A :class:`Variable` holds an array and, through its :class:`VariableNode`, its
place in the graph. Function nodes hold the *nodes* of their inputs, never the
Variables, so a graph keeps no array alive except those its function nodes
declared with ``retain_inputs`` / ``retain_outputs``.
"""

import numbers
import weakref

import numpy

from rechain import backend
from rechain import configuration

_array_types = backend.array_types


class VariableNode:
    """The graph-side half of a Variable: creator, rank and metadata, no data.

    Attributes:
        creator: The :class:`~rechain.FunctionNode` that produced the variable,
            or None for a leaf.
        rank (int): Topological rank: 0 for a leaf made as one, one more than
            the creator's otherwise (a node that loses its creator keeps it).
        requires_grad (bool): Whether gradients flow into this node.
        shape, dtype: Of the variable's array.
        name (str or None): Name shown in reports.
    """

    __slots__ = ("_variable", "creator", "rank", "requires_grad", "shape", "dtype",
                 "name", "_data_ref", "__weakref__")

    def __init__(self, variable, name=None, *, requires_grad=True, creator=None, **kwargs):
        if kwargs:
            if "grad" in kwargs:
                raise ValueError("VariableNode: the grad argument is not supported (Chainer "
                                 "removed it in v2); set the gradient on the Variable")
            raise TypeError(f"VariableNode: unexpected keyword arguments {sorted(kwargs)}")
        data = variable._data
        self._variable = weakref.ref(variable)
        self.creator = creator
        self.rank = 0 if creator is None else creator.rank + 1
        self.requires_grad = requires_grad
        self.shape = None if data is None else data.shape
        self.dtype = None if data is None else data.dtype
        self.name = name

    @property
    def creator_node(self):
        return self.creator

    @property
    def label(self):
        """``'(2, 5), float32'`` (Chainer's form: ``'(1), float32'``; ``'float32'``
        for a scalar)."""
        shape = self.shape
        if shape == ():
            return str(self.dtype)
        return f"({', '.join(map(str, shape or ()))}), {self.dtype}"

    def get_variable_or_none(self):
        """The living Variable of this node, or None if it was dropped."""
        return self._variable()

    @property
    def data(self):
        """The array of this node's Variable while it lives; after, the array
        a rebuild may still find (one something else holds), else None."""
        v = self._variable()
        if v is not None and v._data is not None:
            return v._data
        r = getattr(self, "_data_ref", None)
        return None if r is None else r()

    @property
    def grad(self):
        """The gradient of this node's Variable (None once it is gone)."""
        v = self._variable()
        return None if v is None else v.grad

    def unchain(self):
        """Forget the creator: this node becomes a leaf (its rank stays, as in
        Chainer). The creator forgets this output too, so that a gradient of
        this node does not flow into the creator when a sibling output's does
        (Chainer's)."""
        f = self.creator
        if f is not None and f.outputs is not None and len(f.outputs) > 1:
            f.outputs = tuple([_GONE if r() is self else r for r in f.outputs])
        self.creator = None

    @property
    def _rank(self):
        """Chainer's name of :attr:`rank` (its tests read and set it)."""
        return self.rank

    @_rank.setter
    def _rank(self, value):
        self.rank = value

    @property
    def _requires_grad(self):
        """Chainer's name of :attr:`requires_grad` (its tests set it)."""
        return self.requires_grad

    @_requires_grad.setter
    def _requires_grad(self, value):
        self.requires_grad = value

    def __repr__(self):
        return f"<VariableNode {self.name or ''} shape={self.shape} dtype={self.dtype}>"


class _Gone:
    pass


#: A dead weak reference: a function node's entry for an output it no longer has.
_GONE = weakref.ref(_Gone())


def _check_data(data, where):
    if data is None:
        return data
    if isinstance(data, _array_types):
        if data.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(
                f"{where}: data must have a numeric or boolean dtype, got {data.dtype} "
                f"(shape {tuple(data.shape)}); convert it with numpy.asarray(data, "
                f"dtype=...)")
        return data
    if isinstance(data, (numpy.generic, int, float, bool, complex)):
        raise TypeError(f"{where}: data must be an ndarray, not a scalar of type "
                        f"{type(data).__name__}; wrap it with numpy.asarray(...)")
    raise TypeError(f"{where}: data must be a NumPy or CuPy ndarray or None, "
                    f"not {type(data).__name__}")


#: dtype kinds a Variable may hold: bool, integers, floats, complex.
_NUMERIC_KINDS = frozenset("biufc")


class Variable:
    """An array together with its place in the computational graph.

    Args:
        data (ndarray or None): The array (NumPy or CuPy).
        name (str): Optional name.
        grad (ndarray or None): Initial gradient.
        requires_grad (bool): Whether gradients are computed for it.

    Example:
        >>> x = rechain.Variable(np.array([1., 2.], np.float32))
        >>> y = F.sum(x * x)
        >>> y.backward(); x.grad
        array([2., 4.], dtype=float32)
    """

    __slots__ = ("_data", "_node", "_grad_var", "__weakref__")
    _has_chainerx_array = False   # Chainer's flag; rechain has no ChainerX arrays
    __array_priority__ = 200  # so ndarray <op> Variable defers to Variable

    def __init__(self, data=None, *, name=None, grad=None, requires_grad=True):
        self._data = _check_data(data, "Variable")
        self._node = VariableNode(self, name, requires_grad=requires_grad)
        if data is not None:
            _remember_data(self._node, data)
        self._grad_var = None
        if grad is not None:
            self.grad = grad

    # -- construction used by function nodes (no checks, hot path) -----------
    @staticmethod
    def _constant(data, requires_grad=False):
        return _constant(data, requires_grad)

    @classmethod
    def _on_node(cls, data, node):
        """A Variable sharing ``node`` (used to hand retained arrays to backward)."""
        v = object.__new__(Variable)
        v._data = data
        v._grad_var = None
        v._node = node
        return v

    @classmethod
    def _init_unchecked(cls, data=None, name=None, grad=None, grad_valid=True,
                        requires_grad=True, is_chainerx_array=None, node=None, layout=None):
        """Chainer's constructor without the checks of ``__init__`` (a Variable of
        ``data`` as it is; ``node``: the VariableNode to share). rechain has no
        ChainerX arrays and no memory layouts: asking for either is an error."""
        if is_chainerx_array or layout is not None:
            raise ValueError("Variable._init_unchecked: rechain has no ChainerX arrays and "
                             "no memory layouts")
        v = _new(Variable)
        v._data = data
        v._grad_var = None
        if node is None:
            node = VariableNode(v, name, requires_grad=requires_grad)
            if data is not None:
                _remember_data(node, data)
        v._node = node
        if grad is not None:
            v.grad = grad
        return v

    # -- data ------------------------------------------------------------------
    @property
    def array(self):
        """The underlying array."""
        return self._data

    @array.setter
    def array(self, data):
        self._data = _check_data(data, "Variable.array")
        node = self._node
        if data is not None:
            node.shape, node.dtype = data.shape, data.dtype

    data = array

    @property
    def grad_var(self):
        """The gradient as a Variable (or None)."""
        return self._grad_var

    @grad_var.setter
    def grad_var(self, g):
        if g is not None and not isinstance(g, Variable):
            raise TypeError(f"Variable.grad_var must be a Variable or None, not {type(g).__name__}")
        if g is not None:
            self._check_grad_array(g._data)
        self._grad_var = g

    @property
    def grad(self):
        """The gradient array (or None)."""
        g = self._grad_var
        return None if g is None else g._data

    @grad.setter
    def grad(self, g):
        if g is None:
            self._grad_var = None
            return
        g = _check_data(g, "Variable.grad")
        self._check_grad_array(g)
        # a gradient set by hand is a leaf that requires a gradient (Chainer's):
        # a double backprop from it reaches it (``y.grad_var.grad``)
        self._grad_var = Variable._constant(g, True)

    def _check_grad_array(self, g):
        data = self._data
        if data is None:
            return
        of = f" of {self.name}" if self.name else ""
        if g.shape != data.shape:
            raise ValueError(f"Variable.grad: gradient shape {g.shape} does not match "
                             f"the data shape {data.shape}{of}")
        if g.dtype != data.dtype:
            raise TypeError(f"Variable.grad: gradient dtype {g.dtype} does not match the "
                            f"data dtype {data.dtype}{of}")

    @property
    def node(self):
        return self._node

    @property
    def creator(self):
        """The function that produced this variable (None for a leaf): its
        FunctionNode, or for an old-style ``Function`` the Function itself, as
        in Chainer (``creator_node`` is always the node)."""
        c = self._node.creator
        if c is not None and c._wraps_function:
            return c.function
        return c

    @creator.setter
    def creator(self, f):
        # an old-style Function stands for its node (FunctionAdapter)
        self.creator_node = getattr(f, "node", f) if f is not None else None

    @property
    def creator_node(self):
        """The FunctionNode that produced this variable (None for a leaf)."""
        return self._node.creator

    @creator_node.setter
    def creator_node(self, f):
        node = self._node
        node.creator = f
        if f is not None:  # None keeps the rank (Chainer's)
            node.rank = f.rank + 1

    @property
    def rank(self):
        return self._node.rank

    @property
    def requires_grad(self):
        return self._node.requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self._node.requires_grad = bool(value)

    @property
    def name(self):
        return self._node.name

    @name.setter
    def name(self, n):
        self._node.name = n

    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size

    @property
    def xp(self):
        return backend.get_array_module(self._data)

    @property
    def label(self):
        return self._node.label

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d Variable")
        return len(self._data)

    def item(self):
        """The value of a one-element variable as a Python scalar."""
        if self._data.size != 1:
            raise ValueError(f"Variable.item: only one-element variables can be converted "
                             f"to a Python scalar, this one has shape {self._data.shape}")
        return self._data.item()

    def __bool__(self):
        raise TypeError("the truth value of a Variable is ambiguous; use "
                        "bool(v.array) or v.item()")

    __hash__ = object.__hash__

    def __reduce__(self):
        # copy.copy, copy.deepcopy and pickle give a new leaf with its own node.
        return _rebuild_variable, (self._data, self.name, self.grad, self.requires_grad)

    def __repr__(self):
        # as Chainer prints it: ``variable name([...])``, rows aligned under
        # the first, comma-separated like repr(ndarray)
        return self._format(", ", True)

    def __str__(self):
        return self._format(" ", False)

    def _format(self, separator, shape_if_empty):
        head = "variable " + self.name if self.name else "variable"
        a = self._data
        if a is None:
            return f"{head}(None)"
        a = backend.to_cpu(a) if not isinstance(a, numpy.ndarray) else a
        if shape_if_empty and a.size == 0 and a.shape != (0,):
            return f"{head}([], shape={a.shape!r})"
        body = numpy.array2string(a, separator=separator, prefix=head + "(")
        return f"{head}({body})"

    def summary(self):
        name = self.name or "variable"
        a = self._data
        if a is None:
            return f"<{name} (no array)>"
        return f"<{name} shape={a.shape} dtype={a.dtype}>"

    def debug_print(self):
        """A few lines on the array, its device and its gradient (Chainer's
        layout: the summary, then device, backend, shape, dtype, the array's
        mean and standard deviation, and the gradient's: ``0`` if it is all
        zeros, ``None`` if there is none)."""
        a = self._data

        def stats(x):
            xp = backend.get_array_module(x)
            return f"mean={float(xp.mean(x)):.8f}, std={float(xp.std(x)):.8f}"
        if a is None:
            device = kind = shape = dtype = data = None
        else:
            device = getattr(a, "device", "CPU") if not isinstance(a, numpy.ndarray) else "CPU"
            kind, shape, dtype, data = type(a), a.shape, a.dtype, stats(a)
        g = self.grad
        if g is None:
            grad = None
        elif not backend.get_array_module(g).any(g):
            grad = 0
        else:
            grad = stats(g)
        return (f"{self.summary()}\n- device: {device}\n- backend: {kind}\n- shape: {shape}"
                f"\n- dtype: {dtype}\n- statistics: {data}\n- grad: {grad}")

    # -- graph ---------------------------------------------------------------
    def cleargrad(self):
        """Set the gradient to None."""
        self._grad_var = None

    def zerograd(self):
        """Set the gradient to zeros (deprecated as in Chainer: use :meth:`cleargrad`)."""
        import warnings
        warnings.warn("Variable.zerograd is deprecated (as in Chainer); use cleargrad",
                      DeprecationWarning, stacklevel=2)
        xp = self.xp
        self._grad_var = Variable._constant(xp.zeros_like(self._data))

    def addgrad(self, var):
        """Add ``var``'s gradient to this variable's gradient."""
        g = var._grad_var
        if g is None:
            return
        if self._data is None and hasattr(self, "initialize"):
            self.initialize(g._data.shape)  # an uninitialized Parameter (Chainer's)
        self._check_grad_array(g._data)
        self._grad_var = g if self._grad_var is None else self._grad_var + g

    def copydata(self, var):
        """Copy ``var``'s array into this variable's array in place.

        As in Chainer, an uninitialized Parameter on either side is first
        initialized with the other's shape (by its initializer); if both are
        uninitialized, nothing happens."""
        src = var._data if isinstance(var, Variable) else var
        if src is None:
            if self._data is None:
                return
            if not hasattr(var, "initialize"):
                raise ValueError("copydata: the source has no array and cannot be "
                                 "initialized (it is not a Parameter)")
            var.initialize(self._data.shape)
            src = var._data
        if self._data is None:
            if not hasattr(self, "initialize"):
                self._data = src.copy()
                return
            self.initialize(src.shape)
        xp = backend.get_array_module(self._data)
        xp.copyto(self._data, backend.to_cpu(src) if xp is numpy else xp.asarray(src))

    def unchain(self):
        """Cut the link to the creator: this variable becomes a leaf."""
        self._node.unchain()

    def unchain_backward(self):
        """Cut every link in the graph behind this variable (frees it)."""
        stack = [self._node]
        while stack:
            node = stack.pop()
            f = node.creator
            if f is None:
                continue
            node.unchain()
            inputs = f.inputs
            if inputs is not None:
                stack.extend(inputs)
            f.unchain()

    def retain_data(self):
        """Kept for Chainer compatibility; rechain nodes retain through functions."""

    def set_creator(self, f):
        self.creator = f

    def set_creator_node(self, f):
        self.creator_node = f

    def to_cpu(self):
        self._data = backend.to_cpu(self._data)
        if self._grad_var is not None:
            self._grad_var._data = backend.to_cpu(self._grad_var._data)

    def to_gpu(self, device=None):
        self._data = backend.to_gpu(self._data, device)
        if self._grad_var is not None:
            self._grad_var._data = backend.to_gpu(self._grad_var._data, device)

    def to_device(self, device):
        """Move the array and gradient to ``device`` (a device object or any
        :func:`rechain.get_device` specifier, e.g. ``'@numpy'``, ``'@cupy:0'``)."""
        device = backend.get_device(device)
        if isinstance(device, backend.GpuDevice):
            self.to_gpu(device.device.id)
        else:
            self.to_cpu()

    @property
    def device(self):
        """The :class:`~rechain.backend.Device` of the array (for an
        uninitialised Parameter, where it will be created)."""
        if self._data is None:
            gpu = getattr(self, "_initial_device", None)
            return backend.CpuDevice() if gpu is None else backend.GpuDevice(gpu)
        return backend.get_device_from_array(self._data)

    def backward(self, retain_grad=False, enable_double_backprop=False, loss_scale=None,
                 retain_graph=None):
        """Run backpropagation from this variable.

        The initial gradient is ``self.grad`` if set, else one for a
        one-element variable. Each node's saved arrays are freed as soon as
        its backward has run; a later backward through the same graph rebuilds
        them exactly by re-running the ops that made them (function_node Note
        [freeing backward]).

        Args:
            retain_grad (bool): Keep the gradients of intermediate variables.
            enable_double_backprop (bool): Build a graph of the backward pass so
                that gradients can be differentiated again (the saved arrays
                are kept).
            loss_scale (float): Multiply the initial gradient by this factor;
                every Parameter reached records it so optimizers unscale.
            retain_graph (bool): Keep the saved arrays, so that a later
                backward need not recompute them. Default
                ``rechain.config.retain_graph`` (False).
        """
        a = self._data
        if self._grad_var is None and a is not None and a.size == 1 and a.ndim != 0:
            import warnings
            warnings.warn(
                f"Variable.backward: an output of shape {a.shape} is taken as a scalar "
                f"(its initial gradient is one); that is deprecated, as in Chainer: make "
                f"the loss 0-dimensional (F.squeeze, F.sum) or set its grad",
                DeprecationWarning, stacklevel=2)
        from rechain import _backprop
        _backprop.backward_from((self,), None, retain_grad, enable_double_backprop,
                                loss_scale, retain_graph)

    # -- array-like methods (implemented by rechain.functions) ----------------
    def reshape(self, *shape):
        from rechain.functions.array.reshape import reshape
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return reshape(self, shape)

    def transpose(self, *axes):
        from rechain.functions.array.transpose import transpose
        if len(axes) == 0:
            axes = None
        elif len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return transpose(self, axes)

    @property
    def T(self):
        from rechain.functions.array.transpose import transpose
        return transpose(self)

    def __getitem__(self, slices):
        from rechain.functions.array.get_item import get_item
        return get_item(self, slices)

    def sum(self, axis=None, keepdims=False):
        from rechain.functions.math.sum import sum as _sum
        return _sum(self, axis, keepdims)

    def mean(self, axis=None, *, weights=None, keepdims=False):
        """The (weighted) mean over ``axis``: ``F.mean``, or ``F.average``
        with ``weights`` (Chainer's signature)."""
        if weights is not None:
            from rechain.functions.math.average import average
            return average(self, axis, weights=weights, keepdims=keepdims)
        from rechain.functions.math.sum import mean
        return mean(self, axis, keepdims=keepdims)


_new = object.__new__


def _output(data, creator):
    """A Variable produced by ``creator`` (hot path: no checks)."""
    v = _new(Variable)
    v._data = data
    v._grad_var = None
    node = _new(VariableNode)
    node._variable = weakref.ref(v)
    node.creator = creator
    node.rank = creator.rank + 1
    node.requires_grad = True
    node.shape = data.shape
    node.dtype = data.dtype
    node.name = None
    v._node = node
    return v


def _remember_data(node, data):
    """Let a leaf's node find its array while something else holds it, after
    the Variable is gone (function_node Note [freeing backward])."""
    try:
        node._data_ref = weakref.ref(data)
    except TypeError:  # an array type without weak references
        pass


def _constant(data, requires_grad=False):
    """A leaf Variable (hot path: no checks)."""
    v = _new(Variable)
    v._data = data
    v._grad_var = None
    node = _new(VariableNode)
    node._variable = weakref.ref(v)
    node.creator = None
    node.rank = 0
    node.requires_grad = requires_grad
    node.shape = data.shape
    node.dtype = data.dtype
    node.name = None
    v._node = node
    return v


class Parameter(Variable):
    """A Variable owned by a Link: a trainable array.

    Args:
        initializer: An initializer (callable filling an array), an ndarray, a
            scalar, or None. With a scalar or callable and no ``shape`` the
            parameter stays uninitialised until :meth:`initialize` is called.
        shape (int or tuple): Shape to initialise with.
        name (str): Name.
    """

    __slots__ = ("initializer", "update_rule", "_loss_scale", "_initial_device", "_remats",
                 "_zerograd_on_init", "_custom_device")

    def __init__(self, initializer=None, shape=None, name=None):
        super().__init__(None, name=name, requires_grad=True)
        self.update_rule = None
        self._loss_scale = None
        self._initial_device = None
        self._zerograd_on_init = False  # zerograd() before initialization (Chainer's)
        self._custom_device = None  # a Device of the user's it was sent to (to_device)
        if isinstance(initializer, Variable):
            initializer = initializer.array
        if isinstance(initializer, _array_types):
            if shape is not None and tuple(initializer.shape) != _as_shape(shape):
                raise ValueError(f"Parameter: initial array of shape {initializer.shape} does "
                                 f"not match shape {_as_shape(shape)}")
            self.initializer = None
            self.array = initializer
            return
        if initializer is None or (isinstance(initializer, (numbers.Number, numpy.number))
                                   and not isinstance(initializer, bool)):
            from rechain import initializers
            initializer = (initializers.NaN() if initializer is None
                           else initializers.Constant(initializer))
        elif not callable(initializer):
            raise TypeError(f"Parameter: initializer must be an array, a scalar or a "
                            f"callable, not {type(initializer).__name__}")
        self.initializer = initializer
        if shape is not None:
            self.initialize(shape)

    @property
    def is_initialized(self):
        return self._data is not None

    @property
    def dtype(self):
        """The array's dtype; before initialization, the initializer's dtype
        (RuntimeError if it declares none: the dtype is not decided yet)."""
        data = self._data
        if data is not None:
            return data.dtype
        d = getattr(self.initializer, "dtype", None)
        if d is None:
            raise RuntimeError(
                f"Parameter{'' if self.name is None else ' ' + repr(self.name)}: the dtype of "
                f"an uninitialized parameter is not decided yet (its initializer declares "
                f"none); initialize it first, or give the initializer a dtype")
        return numpy.dtype(d)

    def initialize(self, shape):
        """Allocate the array with ``shape`` and fill it with the initializer."""
        from rechain import initializers
        shape = _as_shape(shape)
        dtype = getattr(self.initializer, "dtype", None)
        if dtype is None:
            dtype = configuration.config.dtype
        xp = numpy if self._initial_device is None else backend.cupy
        data = initializers.generate_array(self.initializer, shape, xp, dtype=dtype)
        if self._initial_device is not None:
            data = backend.to_gpu(data, self._initial_device)
        self.array = data
        if self._zerograd_on_init:
            self._zerograd_on_init = False
            self._grad_var = Variable._constant(xp.zeros_like(data))

    def to_gpu(self, device=None):
        self._custom_device = None
        if self._data is None:
            self._initial_device = 0 if device is None else device
        else:
            super().to_gpu(device)

    def to_cpu(self):
        self._initial_device = None
        self._custom_device = None
        if self._data is not None:
            super().to_cpu()

    def to_device(self, device):
        """Move to ``device`` (see :meth:`Variable.to_device`). A device object of
        the user's whose arrays are NumPy's (a :class:`~rechain.backend.Device`
        subclass) receives the arrays through its ``send`` and is kept:
        :attr:`device` returns it (Chainer's)."""
        device = backend.get_device(device)
        if isinstance(device, (backend.CpuDevice, backend.GpuDevice)) \
                or device.xp is not numpy:
            return super().to_device(device)
        self.to_cpu()
        if self._data is not None:
            self._data = device.send(self._data)
            if self._grad_var is not None:
                self._grad_var._data = device.send(self._grad_var._data)
        self._custom_device = device

    @property
    def device(self):
        if self._custom_device is not None:
            return self._custom_device
        return super().device

    def update(self):
        """Apply this parameter's update rule (set by an optimizer)."""
        if self.update_rule is not None:
            self.update_rule.update(self)

    def cleargrad(self):
        self._zerograd_on_init = False
        super().cleargrad()

    def zerograd(self):
        """Set the gradient to zeros; before initialization, :meth:`initialize`
        will (Chainer's). Deprecated as in Chainer: use :meth:`cleargrad`."""
        if self._data is not None:
            super().zerograd()
        else:  # warns as the initialised case does
            import warnings
            warnings.warn("Variable.zerograd is deprecated (as in Chainer); use cleargrad",
                          DeprecationWarning, stacklevel=2)
            self._zerograd_on_init = True

    def __reduce__(self):
        init = self.initializer if self._data is None else None
        return _rebuild_parameter, (self._data, self.name, self.grad, init, self.update_rule)


def _rebuild_variable(data, name, grad, requires_grad):
    return Variable(data, name=name, grad=grad, requires_grad=requires_grad)


def _rebuild_parameter(data, name, grad, initializer, update_rule=None):
    p = Parameter(data if data is not None else initializer, name=name)
    if grad is not None:
        p.grad = grad
    p.update_rule = update_rule
    return p


def _as_shape(shape):
    if isinstance(shape, (int, numpy.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def as_variable(obj):
    """Return ``obj`` if it is a Variable, else wrap the array in one that
    requires no gradient."""
    if isinstance(obj, Variable):
        return obj
    return Variable(_check_data(obj, "as_variable"), requires_grad=False)


def as_array(obj):
    """Return the array of a Variable, or ``obj`` itself if it is an array."""
    if isinstance(obj, Variable):
        return obj._data
    return obj
