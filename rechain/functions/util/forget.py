"""forget: call a function without keeping its intermediate results.

The mechanism is described in rechain/recompute/region.py, Note [forget regions].
"""

from rechain import configuration
from rechain import function_node
from rechain import variable as _variable
from rechain.recompute import region as _region
from rechain.recompute.outputs import ForgetReturnError  # noqa: F401  (F.forget raises it)
from rechain.recompute.outputs import check_outputs as _check_outputs

Variable = _variable.Variable
_array_types = _variable._array_types


def forget(func, *xs, **kwargs):
    """Call ``func(*xs, **kwargs)`` without keeping its intermediate results.

    The arrays ``func`` would keep for backward are dropped when it returns and
    recomputed, by calling ``func`` again, when backward needs them. Only the
    inputs ``xs`` are kept. Gradients, double backprop, parameters used inside
    and outside, ``loss_scale`` and random functions such as ``F.dropout`` (the
    random stream is replayed) behave exactly as in the plain call.

    Links with state read ``rechain.config.in_recomputing``, which is True only
    during the recompute; ``L.BatchNormalization`` thus updates its statistics
    once per iteration. ``func`` may call ``rechain.grad`` on what it computes
    (a gradient penalty); the recompute then rebuilds that inner gradient too
    (rechain/recompute/region.py, Note [grad inside forget]).

    ``func`` must compute from its arguments, the configuration and the random
    stream only: a value read from a closure or a global that changes before
    backward would be recomputed with its new value. Under
    ``rechain.config.debug`` every recorded op's outputs are fingerprinted and
    the recompute raises ``RecomputeError`` at the first op whose values
    differ (Note [value check]; about 24 µs per call of two tiny ops, 3 % of a
    resmlp N=16 step with a forget per block; nothing when debug is off).

    Args:
        func (callable): Returns a Variable or a tuple of Variables. It must run
            the same operations on every call with the same inputs.
        *xs: Arguments of ``func``; ndarrays are wrapped in Variables, other
            objects are passed unchanged.
        **kwargs: Keyword arguments of ``func``, passed unchanged.

    Returns:
        What ``func`` returns: a Variable, or a tuple of Variables.

    Raises:
        TypeError: ``func`` is not callable or returns something else.
        RecomputeError: The recompute ran different operations, shapes or dtypes
            (or, under ``config.debug``, gave different values).

    Example:
        >>> f = lambda a, b: (a + b) * a
        >>> z = F.forget(f, x, y)   # x + y is not kept
    """
    if not callable(func):
        raise TypeError(f"forget: func must be callable, not {type(func).__name__}")
    args = list(xs)
    in_vars = []
    positions = []
    for i, x in enumerate(xs):
        if isinstance(x, Variable):
            v = x
        elif isinstance(x, _array_types):
            v = Variable._constant(x)
            _variable._remember_data(v._node, x)  # function_node Note [freeing backward]
            args[i] = v
        else:
            continue
        positions.append(i)
        in_vars.append(v)

    top = function_node.current_handler()
    if isinstance(top, _region.Region) and top.replaying:
        # An outer region replays: provide this call's inputs, then just compute.
        return top.replay_nested(func, args, kwargs, in_vars)
    if not configuration.config.enable_backprop:
        return _check_outputs(func(*args, **kwargs))

    # Any active handler is the parent: it stores this region's inputs
    # (see Note [forget regions]).
    parent = top
    stored_args = list(args)
    for i in positions:
        stored_args[i] = None
    region = _region.Region(func, tuple(stored_args), kwargs, tuple(positions), parent)
    region.store_inputs(in_vars)
    prev = function_node.push_handler(region)
    try:
        outs = _check_outputs(func(*args, **kwargs))
    finally:
        function_node.pop_handler(prev)
    region.note_outputs(outs)
    return outs
