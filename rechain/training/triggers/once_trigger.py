"""OnceTrigger: fire on the first call only (and optionally once more on resume)."""

from rechain.training.triggers import _common


class OnceTrigger:
    """Fires the first time it is called, and never again.

    Args:
        call_on_resume (bool): Also fire once on the first call after the
            trainer is resumed from a snapshot.

    Attributes:
        finished (bool): True when it will not fire again.
    """

    def __init__(self, call_on_resume=False):
        self._flag_first = True
        self._flag_resumed = bool(call_on_resume)

    @property
    def finished(self):
        """Whether the trigger will never fire again."""
        return not (self._flag_first or self._flag_resumed)

    def __call__(self, trainer):
        """True on the first call (and the first after a resume if asked)."""
        fire = not self.finished
        self._flag_first = False
        self._flag_resumed = False
        return fire

    def serialize(self, serializer):
        """Save or load whether the first call has happened."""
        value = _common.load(serializer, "_flag_first", self._flag_first,
                             "OnceTrigger: the snapshot has no _flag_first; assuming the "
                             "trigger has already fired")
        self._flag_first = False if value is None else bool(value)
