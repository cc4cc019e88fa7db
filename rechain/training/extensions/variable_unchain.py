"""unchain_variables: free the graphs kept by reported variables."""

from rechain import configuration
from rechain import variable
from rechain.training import extension


class unchain_variables(extension.Extension):
    """Unchain every Variable of the observation after each iteration in
    which ``config.keep_graph_on_report`` was on, so that the graphs kept
    for reporting (e.g. for :class:`DumpGraph`) do not pile up.

    Example:
        >>> trainer.extend(extensions.unchain_variables())
    """

    priority = 0

    def __init__(self):
        self._prev_flag = None

    def initialize(self, trainer):
        self._prev_flag = configuration.config.keep_graph_on_report

    def trigger(self, trainer):
        # Fire for an iteration that ran with the flag on: the flag as it
        # was when the previous check happened (i.e. during this update).
        flag = self._prev_flag
        self._prev_flag = configuration.config.keep_graph_on_report
        return flag

    def __call__(self, trainer):
        for value in trainer.observation.values():
            if isinstance(value, variable.Variable):
                value.unchain_backward()
