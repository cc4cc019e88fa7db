"""Backpropagation: graph traversal and gradient accumulation.

Function nodes are visited in decreasing rank (a node's rank exceeds the ranks
of all its inputs), so every node is visited after all its consumers and its
output gradients are complete when it runs. The traversal is a heap, not
recursion: deep graphs cost linear time and no stack.
"""

import heapq
import itertools
import operator
import sys
import threading
import traceback
import warnings

import numpy

from rechain import configuration
from rechain import function_node as _function_node
from rechain import variable as _variable

Variable = _variable.Variable
_constant = _variable._constant
_compress = itertools.compress
_get_requires_grad = operator.attrgetter("requires_grad")
_ndarray = numpy.ndarray
_is_array = _variable.backend.is_array
Parameter = _variable.Parameter
_config = configuration.config
_remat = _function_node._remat
_handlers = _function_node._handlers
_Rematerializer = _function_node.Rematerializer
_free_saved = _function_node.free_saved


class _PassState(threading.local):
    handlers = None
    freeing = False
    grads = None      # the running pass's gradients (VariableNode -> Variable)


#: Saved-array handlers refilled during the running backward pass (see
#: function_node Note [saved arrays]); released when the pass ends.
_pass = _PassState()


#: Callables ``observer(event)`` told ``'backward_begin'`` / ``'backward_end'``
#: around every backward pass (used by rechain.memory's tracker).
observers = []


def note_refilled(handler):
    """Called by a handler that refilled placeholders during a backward pass."""
    lst = _pass.handlers
    if lst is not None:
        lst.append(handler)


def _initial_grad(y, gy, loss_scale, use_y_grad, fn, i):
    """The initial gradient of output ``y``. ``Variable.backward``
    (``use_y_grad``) takes the one set on ``y`` (which it consumes, as Chainer:
    ``y.grad`` is None afterwards unless ``retain_grad``), else one for a
    one-element output; ``grad()`` takes one for a None of any shape."""
    if gy is None and use_y_grad:
        gy = y._grad_var
        y._grad_var = None
        data = y._data
        if gy is None and data.size != 1:
            raise ValueError(
                f"backward: the initial gradient of an output with shape {data.shape} "
                f"must be given (set y.grad or pass grad_outputs); only one-element "
                f"outputs get an implicit gradient of one")
    if gy is None:
        data = y._data
        xp = _variable.backend.get_array_module(data)
        gy = Variable._constant(xp.ones_like(data))
    elif not isinstance(gy, Variable):
        if not _is_array(gy):
            raise TypeError(f"{fn}: grad_outputs[{i}] must be a Variable, an ndarray or "
                            f"None, not {type(gy).__name__}")
        gy = Variable._constant(gy)
    if gy._data.shape != y._data.shape:
        raise ValueError(f"{fn}: initial gradient shape {gy._data.shape} does not "
                         f"match the output shape {y._data.shape}")
    if gy._data.dtype != y._data.dtype:
        raise TypeError(f"{fn}: grad_outputs[{i}] has dtype {gy._data.dtype}, but output "
                        f"{i} has dtype {y._data.dtype}")
    if loss_scale is not None:
        gy = gy * loss_scale
    return gy


def backward_from(outputs, grad_outputs, retain_grad, enable_double_backprop, loss_scale,
                  retain_graph=None):
    """Backpropagate from ``outputs`` and accumulate into the leaves' ``grad``."""
    _run(outputs, grad_outputs, None, retain_grad, enable_double_backprop, loss_scale,
         retain_graph)


def freeing_pass():
    """True while a backward pass that frees saved arrays runs in this thread."""
    return _pass.freeing


def _check_sequence(fn, what, value, of="Variables"):
    if isinstance(value, Variable) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{fn}: {what} must be a list or tuple of {of}, not "
                        f"{type(value).__name__}")
    return tuple(value)


def backward(outputs, grad_outputs=None, **kwargs):
    """Run backpropagation from several outputs at once (Chainer's ``chainer.backward``).

    Each output starts from its gradient: ``grad_outputs[i]``, or, when
    ``grad_outputs`` is None, the gradient set on it (``y.grad``, which is
    consumed: None afterwards unless ``retain_grad``). An output without one
    is left out; when ``grad_outputs`` is None that warns (RuntimeWarning), as
    in Chainer, since no default gradient is set here -- not even one for a
    one-element output (use :meth:`Variable.backward` or pass the gradients).
    An output given twice therefore counts once unless its gradient is passed
    twice.

    Args:
        outputs (list or tuple of Variable): Outputs to start from.
        grad_outputs (list or tuple): Their initial gradients (Variables or
            arrays; None leaves that output out).
        **kwargs: ``retain_grad``, ``enable_double_backprop``, ``loss_scale``,
            ``retain_graph`` (see :meth:`Variable.backward`).
    """
    outputs = _check_sequence("backward", "outputs", outputs)
    if grad_outputs is not None:
        grad_outputs = _check_sequence("backward", "grad_outputs", grad_outputs,
                                       "Variables, arrays or None")
        if len(grad_outputs) != len(outputs):
            raise ValueError(f"backward: {len(outputs)} outputs but {len(grad_outputs)} "
                             f"grad_outputs")
    unknown = set(kwargs) - {"retain_grad", "enable_double_backprop", "loss_scale",
                             "retain_graph"}
    if unknown:
        raise TypeError(f"backward: unexpected keyword arguments {sorted(unknown)}")
    for i, y in enumerate(outputs):
        if not isinstance(y, Variable):
            raise TypeError(f"backward: output {i} must be a Variable, "
                            f"not {type(y).__name__}")
    if grad_outputs is None:
        gys = []
        for i, y in enumerate(outputs):
            gys.append(y._grad_var)
            y._grad_var = None
            if gys[-1] is None:
                warnings.warn(f"backward: outputs[{i}] has no gradient (y.grad is None, "
                              f"or the output is repeated) and is left out; "
                              f"rechain.backward sets no default gradient, as "
                              f"chainer.backward", RuntimeWarning, stacklevel=2)
    else:
        gys = grad_outputs
    kept = [i for i, gy in enumerate(gys) if gy is not None]
    _run(tuple([outputs[i] for i in kept]), tuple([gys[i] for i in kept]), None,
         kwargs.get("retain_grad", False), kwargs.get("enable_double_backprop", False),
         kwargs.get("loss_scale"), kwargs.get("retain_graph"))


def grad(outputs, inputs, grad_outputs=None, grad_inputs=None, set_grad=False,
         retain_grad=False, enable_double_backprop=False, loss_scale=None,
         retain_graph=None):
    """Return the gradients of ``outputs`` with respect to ``inputs``.

    Args:
        outputs (sequence of Variable): Outputs to differentiate.
        inputs (sequence of Variable): Variables to differentiate with respect to.
        grad_outputs (sequence): Initial gradients of the outputs (None, or a
            None entry: an array of ones, whatever the output's shape, as in
            Chainer).
        grad_inputs (sequence): Gradients added to the results.
        set_grad (bool): Also store the results in ``x.grad_var``.
        retain_grad (bool): Keep gradients of intermediate variables.
        enable_double_backprop (bool): Make the results differentiable.
        loss_scale (float): Scale of the initial gradients.
        retain_graph (bool): Keep the saved arrays of the nodes passed (see
            :meth:`Variable.backward`); default ``config.retain_graph``.

    Returns:
        list: One gradient Variable (or None) per input.
    """
    outputs = _check_sequence("grad", "outputs", outputs)
    inputs = _check_sequence("grad", "inputs", inputs)
    if grad_outputs is not None:
        grad_outputs = _check_sequence("grad", "grad_outputs", grad_outputs,
                                       "Variables, arrays or None")
    if grad_inputs is not None:
        grad_inputs = _check_sequence("grad", "grad_inputs", grad_inputs,
                                      "Variables, arrays or None")
    for i, v in enumerate(outputs + inputs):
        if not isinstance(v, Variable):
            where = f"outputs[{i}]" if i < len(outputs) else f"inputs[{i - len(outputs)}]"
            raise TypeError(f"grad: {where} must be a Variable, not {type(v).__name__}")
    if grad_outputs is not None and len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    if grad_inputs is not None and len(grad_inputs) != len(inputs):
        raise ValueError(f"grad: {len(inputs)} inputs but {len(grad_inputs)} grad_inputs")
    # the given input gradients are the start of each input's gradient (Chainer's):
    # where one input lies behind another, what is given for the later flows back
    seeds = () if grad_inputs is None else tuple([
        (x._node, gi if isinstance(gi, Variable) else Variable._constant(gi))
        for x, gi in zip(inputs, grad_inputs) if gi is not None])
    found = _run(outputs, grad_outputs, inputs, retain_grad, enable_double_backprop,
                 loss_scale, retain_graph, seeds)
    result = []
    for x in inputs:
        g = found.get(x._node)
        if set_grad:
            x._grad_var = g
        result.append(g)
    return result


def _run(outputs, grad_outputs, inputs, retain_grad, double, loss_scale, retain_graph,
         seeds=()):
    if retain_graph is None:
        retain_graph = _config.retain_graph
    free = not (retain_graph or double)
    if _handlers.top is not None and _function_node.backward_hook is not None:
        _function_node.backward_hook(inputs is None)
    if observers:
        for o in observers:
            o("backward_begin")
        try:
            return _traverse(outputs, grad_outputs, inputs, retain_grad, double, loss_scale,
                             free, seeds)
        finally:
            for o in observers:
                o("backward_end")
    return _traverse(outputs, grad_outputs, inputs, retain_grad, double, loss_scale, free,
                     seeds)


def _traverse(outputs, grad_outputs, inputs, retain_grad, double, loss_scale, free, seeds):
    grads = {}          # VariableNode -> gradient Variable
    heap = []
    seen = set()
    counter = 0
    wanted = None if inputs is None else {x._node for x in inputs}
    # Note [gradient accumulation]: without double backprop, gradients are
    # constants and several contributions to one node are summed on arrays. A
    # sum goes into the new contribution when reference counts prove that
    # nobody else holds it (``_sole``), else into a fresh array; either is
    # recorded in ``owned`` and later contributions add into it in place.
    # Nothing else returned by a backward is ever written to.
    owned = set()
    found = {}
    with configuration.using_config("enable_backprop", double):
        for i, y in enumerate(outputs):
            if not isinstance(y, Variable):
                raise TypeError(f"backward: output {i} must be a Variable, "
                                f"not {type(y).__name__}")
            gy = _initial_grad(y, None if grad_outputs is None else grad_outputs[i],
                               loss_scale, inputs is None,
                               "backward" if inputs is None else "grad", i)
            node = y._node
            prev = grads.get(node)
            grads[node] = gy if prev is None else prev + gy
            f = node.creator
            if f is not None and f not in seen:
                seen.add(f)
                heapq.heappush(heap, (-f.rank, counter, f))
                counter += 1
        for node, g in seeds:  # grad(..., grad_inputs): gradients to start inputs from
            prev = grads.get(node)
            grads[node] = g if prev is None else prev + g

        # Note [freeing backward] (function_node): in a freeing pass each node's
        # saved arrays are freed right after its backward; arrays rebuilt for
        # freed nodes live in ``memo`` until their node's backward has run.
        saved_pass = (_pass.handlers, _pass.freeing, _remat.memo, _remat.rerunnable,
                      _remat.freeing, _pass.grads)
        _pass.handlers = refilled = []
        _pass.grads = grads
        _pass.freeing = free
        _remat.memo = memo = {}
        _remat.rerunnable = {}
        remat = _Rematerializer() if free else None   # never with double backprop
        _remat.freeing = remat
        heappop, heappush = heapq.heappop, heapq.heappush
        simple_outputs = not retain_grad and wanted is None
        fh = _function_node._function_hooks
        debug = _config.debug     # read once per pass
        try:
            while heap:
                f = heappop(heap)[2]
                outs = f.outputs
                if simple_outputs and len(outs) == 1:
                    node = outs[0]()
                    gys = (None if node is None else grads.pop(node, None),)
                else:
                    gys = _pop_output_grads(outs, grads, wanted, found, retain_grad)
                in_nodes = f.inputs
                if in_nodes is None:
                    continue  # unchained
                n_in = len(in_nodes)
                if n_in == 2:      # the common cases first: one or two inputs
                    a = in_nodes[0].requires_grad
                    b = in_nodes[1].requires_grad
                    targets = _BOTH if a and b else _FIRST if a else _SECOND if b else ()
                elif n_in == 1:
                    targets = _FIRST if in_nodes[0].requires_grad else ()
                else:
                    targets = tuple(_compress(range(n_in), map(_get_requires_grad, in_nodes)))
                if not targets:
                    continue
                try:
                    if fh is not None:
                        fh.backward_pre(f, gys)
                    if type(f).backward_accumulate is _DEFAULT_ACCUMULATE:
                        gxs = f.backward(targets, gys)
                    else:
                        gxs = _backward_accumulate(f, targets, in_nodes, gys, grads, owned)
                    if fh is not None:
                        fh.backward_post(f, gys)
                    if type(gxs) is not tuple or len(gxs) != len(targets) or debug:
                        gxs = _check_grads(f, targets, in_nodes, gxs, debug)
                except Exception as e:
                    if f.stack is not None:  # debug mode: say where the node was applied
                        _add_stack(f, e)
                    raise
                if free:
                    if f._in_retain is not None or f._out_retain is not None \
                            or f._handler is not None:   # else nothing to free
                        _free_saved(f, remat)
                elif f._handler is not None:
                    f._release_recomputed()
                if memo:
                    memo.pop(f, None)
                for k, i in enumerate(targets):
                    gx = gxs[k]
                    if gx is None:
                        continue
                    x = in_nodes[i]
                    prev = grads.get(x)
                    if prev is None:
                        grads[x] = gx
                    elif double:
                        grads[x] = prev + gx
                    elif x in owned:  # our own sum: add in place
                        prev._data += gx._data
                    elif _sole(gx, prev._data):  # nobody else holds gx: add into it
                        gx._data += prev._data
                        grads[x] = gx
                        owned.add(x)
                    else:
                        total = prev._data + gx._data
                        if type(total) is not _ndarray and not _is_array(total):
                            total = numpy.asarray(total)  # 0-d sums come back as scalars
                        grads[x] = _constant(total)
                        owned.add(x)
                    c = x.creator
                    if c is not None and c not in seen:
                        seen.add(c)
                        heappush(heap, (-c.rank, counter, c))
                        counter += 1
                # hold no gradient in a local: the next backward may be given
                # one to overwrite (function_node.take_grad_output)
                gxs = gx = prev = None
        finally:
            (_pass.handlers, _pass.freeing, _remat.memo, _remat.rerunnable,
             _remat.freeing, _pass.grads) = saved_pass
            for h in refilled:
                h.release()

        # What is left in ``grads`` belongs to leaves (or to nodes whose creator
        # was unchained). ``backward`` accumulates it into their ``grad``;
        # ``grad()`` only reports what was asked for.
        for node, g in grads.items():
            if remat is not None:
                v = node._variable()
                if type(v) is Parameter or isinstance(v, Parameter):
                    remat.watch(v)
            if wanted is not None:
                if node in wanted:
                    found[node] = g
                continue
            v = node._variable()
            if v is None:
                continue
            prev = v._grad_var
            v._grad_var = g if prev is None else prev + g
            if loss_scale is not None and isinstance(v, Parameter):
                v._loss_scale = loss_scale
    return found


_DEFAULT_ACCUMULATE = _function_node.FunctionNode.backward_accumulate
_FIRST, _SECOND, _BOTH = (0,), (1,), (0, 1)


def _add_stack(f, e):
    """Append to ``e``'s message where ``f`` was applied (its ``stack``,
    recorded in debug mode), as Chainer does for an error in backward."""
    where = ("\n" + "-" * 70 + "\nStacktrace of the function is below:\n"
             + "".join(traceback.format_list(f.stack[:-1])))
    if e.args and isinstance(e.args[0], str):
        e.args = (e.args[0] + where,) + e.args[1:]
    elif not e.args:
        e.args = (where,)


def _backward_accumulate(f, targets, in_nodes, gys, grads, owned):
    """A node that overrides ``backward_accumulate``: it is given the gradient
    summed so far for each target input (taken out of ``grads``; None for a
    repeated input after its first position) and returns the new sums."""
    taken = set()
    gins = []
    for i in targets:
        node = in_nodes[i]
        if node in taken:
            gins.append(None)
            continue
        taken.add(node)
        gins.append(grads.pop(node, None))
        owned.discard(node)   # the node's result is not ours to add into
    return f.backward_accumulate(targets, gys, tuple(gins))


_getrefcount = sys.getrefcount


#: References to a gradient's array and Variable when nobody else holds them,
#: as ``_sole`` counts them: the Variable's ``_data``, ``_sole``'s local and
#: getrefcount's argument; the ``gxs`` tuple, the loop's local, ``_sole``'s
#: argument and getrefcount's argument.
_SOLE_ARRAY = 3
_SOLE_VARIABLE = 4


def _sole(gx, other):
    """Whether the array of the gradient ``gx`` may be written to: a NumPy
    array that owns its memory, referenced only by ``gx``, and ``gx`` only by
    the backward loop (Note [gradient accumulation]). Reference counts prove
    it in CPython; anything else (CuPy, views, shared Variables) is not
    proved and takes the out-of-place sum."""
    b = gx._data
    return (type(b) is _ndarray and b.base is None and _getrefcount(b) == _SOLE_ARRAY
            and _getrefcount(gx) == _SOLE_VARIABLE and b.shape == other.shape
            and b.dtype == other.dtype)


def _pop_output_grads(outs, grads, wanted, found, retain_grad):
    gys = []
    for r in outs:
        node = r()
        g = None if node is None else grads.pop(node, None)
        gys.append(g)
        if g is not None:
            if wanted is not None and node in wanted:
                found[node] = g
            if retain_grad:
                v = node._variable()
                if v is not None:
                    v._grad_var = g
    return tuple(gys)


def _check_grads(f, targets, in_nodes, gxs, debug):
    """``gxs`` as a tuple of one gradient per target input, checked: its count
    always; under ``config.debug`` (``debug``) also each one's type, shape and
    dtype against its input, and NaN (Chainer's debug checks; the messages
    keep Chainer's phrases)."""
    if type(gxs) is not tuple:
        if isinstance(gxs, list):
            gxs = tuple(gxs)
        else:
            raise TypeError(f"{f.label}.backward must return a tuple of gradients, "
                            f"not {type(gxs).__name__}")
    if len(gxs) != len(targets):
        if len(gxs) == len(in_nodes):
            gxs = tuple([gxs[i] for i in targets])
        else:
            raise ValueError(f"{f.label}.backward returned {len(gxs)} gradients for "
                             f"{len(targets)} target inputs ({len(in_nodes)} inputs): the "
                             f"number of gradients returned from backward is incorrect")
    if debug:
        for i, gx in zip(targets, gxs):
            if gx is None:
                continue
            if not isinstance(gx, Variable):
                raise TypeError(f"{f.label}.backward: gradient of input {i} must be a "
                                f"Variable, not {type(gx).__name__}")
            n = in_nodes[i]
            if gx.shape != n.shape:
                raise ValueError(f"{f.label}.backward: gradient of input {i} has shape "
                                 f"{gx.shape}, the input has shape {n.shape} (the shape of "
                                 f"gradients returned from backward is incorrect)")
            if gx.dtype != n.dtype and n.dtype.kind == "f":
                raise ValueError(f"{f.label}.backward: gradient of input {i} has dtype "
                                 f"{gx.dtype}, the input has dtype {n.dtype} (the dtype of "
                                 f"gradients returned from backward is incorrect)")
            a = gx._data
            if a.dtype.kind in "fc" and _variable.backend.get_array_module(a).isnan(a).any():
                raise RuntimeError(f"{f.label}.backward: NaN is detected on backward "
                                   f"computation of {f.label} (gradient of input {i})")
    return gxs
