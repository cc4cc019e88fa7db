"""What the stateful recurrent links share: their state as named Variables.

The state lives in plain attributes (``c``, ``h``) listed in ``_state_names``.
Under ``F.forget`` a link reads it through ``rechain.recompute.replayed_state``
and stores nothing while a region replays (Note [LSTM state under recompute]
in :mod:`rechain.links.rnn.lstm`); ``reset_state`` and ``set_state`` are
no-ops then too.
"""

from rechain import configuration
from rechain import variable as _variable
from rechain.links import link as _link
from rechain.utils import type_check


class StatefulMixin:
    """``reset_state``, ``set_state``, device moves and zero states for a Chain."""

    _state_names = ("h",)

    def reset_state(self):
        """Forget the state (a no-op during a recompute)."""
        if configuration.config.in_recomputing:
            return
        for name in self._state_names:
            setattr(self, name, None)

    def set_state(self, *states):
        """Set the state, one ``(batch, state_size)`` array or Variable per name in
        ``_state_names`` (a no-op during a recompute)."""
        if configuration.config.in_recomputing:
            return
        label = _link._link_label(self)
        names = self._state_names
        if len(states) != len(names):
            raise TypeError(f"{label}.set_state: takes {', '.join(names)} "
                            f"({len(names)} arguments), got {len(states)}")
        batch = None
        for name, v in zip(names, states):
            if not hasattr(v, "shape") or v.ndim != 2 or v.shape[1] != self.state_size:
                raise type_check.InvalidType(
                    f"{label}.set_state: {name} must have shape (batch, {self.state_size}), "
                    f"got {tuple(v.shape) if hasattr(v, 'shape') else type(v).__name__}")
            if batch is not None and v.shape[0] != batch:
                raise type_check.InvalidType(f"{label}.set_state: every state must have the "
                                             f"same batch size, got {batch} and {v.shape[0]}")
            batch = v.shape[0]
        for name, v in zip(names, states):
            v = _variable.as_variable(v)
            if self._device is not None:
                v.to_gpu(self._device)
            setattr(self, name, v)

    def _move_extra(self):
        super()._move_extra()
        for name in self._state_names:
            v = self.__dict__.get(name)
            if v is not None:
                v.to_cpu() if self._device is None else v.to_gpu(self._device)

    def _zeros(self, batch, dtype):
        return _variable.Variable(self.xp.zeros((batch, self.state_size), dtype=dtype),
                                  requires_grad=False)

    def _check_x(self, x, state):
        label = _link._link_label(self)
        if not hasattr(x, "ndim") or x.ndim < 2:
            raise type_check.InvalidType(
                f"{label}: x must have a batch axis, got "
                f"{tuple(x.shape) if hasattr(x, 'shape') else type(x).__name__}")
        if state is not None and state.shape[0] != x.shape[0]:
            raise type_check.InvalidType(
                f"{label}: the batch size of x {tuple(x.shape)} must equal that of the state "
                f"{tuple(state.shape)}")
