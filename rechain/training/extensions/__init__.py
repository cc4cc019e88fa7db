"""Trainer extensions, Chainer's ``chainer.training.extensions``.

Every file an extension writes into ``trainer.out`` is replaced atomically
(see Note [atomic output] in ``_files``), and an output directory that
cannot be written is reported when training starts, not at the first write.
"""

from rechain.training.extensions import snapshot_writers  # noqa: F401
from rechain.training.extensions._snapshot import snapshot, snapshot_object
from rechain.training.extensions.computational_graph import DumpGraph
from rechain.training.extensions.evaluator import Evaluator
from rechain.training.extensions.exponential_shift import ExponentialShift
from rechain.training.extensions.fail_on_nonnumber import FailOnNonNumber
from rechain.training.extensions.inverse_shift import InverseShift
from rechain.training.extensions.linear_shift import LinearShift
from rechain.training.extensions.log_report import LogReport
from rechain.training.extensions.micro_average import MicroAverage
from rechain.training.extensions.multistep_shift import MultistepShift
from rechain.training.extensions.parameter_statistics import ParameterStatistics
from rechain.training.extensions.peak_memory import PeakMemory
from rechain.training.extensions.plot_report import PlotReport
from rechain.training.extensions.polynomial_shift import PolynomialShift
from rechain.training.extensions.print_report import PrintReport
from rechain.training.extensions.progress_bar import ProgressBar
from rechain.training.extensions.step_shift import StepShift
from rechain.training.extensions.value_observation import observe_lr, observe_value
from rechain.training.extensions.variable_statistics_plot import VariableStatisticsPlot
from rechain.training.extensions.variable_unchain import unchain_variables
from rechain.training.extensions.warmup_shift import WarmupShift

dump_graph = DumpGraph  # Chainer's alias

__all__ = [
    "DumpGraph", "Evaluator", "ExponentialShift", "FailOnNonNumber", "InverseShift",
    "LinearShift", "LogReport", "MicroAverage", "MultistepShift", "ParameterStatistics",
    "PeakMemory", "PlotReport", "PolynomialShift", "PrintReport", "ProgressBar", "StepShift",
    "VariableStatisticsPlot", "WarmupShift", "dump_graph", "observe_lr", "observe_value",
    "snapshot", "snapshot_object", "snapshot_writers", "unchain_variables",
]
