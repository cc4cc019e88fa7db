"""DumpGraph: write the computational graph of an observed value as DOT."""

import os
import shutil
import subprocess

from rechain import computational_graph
from rechain import configuration
from rechain import variable
from rechain.training import extension
from rechain.training.extensions import _files

_var_style = {"shape": "octagon", "fillcolor": "#E0E0E0", "style": "filled"}
_func_style = {"shape": "record", "fillcolor": "#6495ED", "style": "filled"}


def is_graphviz_available():
    """Whether Graphviz's ``dot`` command can be run."""
    if shutil.which("dot") is None:
        return False
    try:
        subprocess.run(["dot", "-V"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


class DumpGraph(extension.Extension):
    """Trainer extension that dumps the graph of an observed variable, once.

    At the first iteration it takes the Variable reported as ``root_name``
    (e.g. ``'main/loss'``), walks its graph and writes Graphviz DOT text to
    ``trainer.out/filename`` (atomically); when Graphviz's ``dot`` command
    is installed it also renders a PNG next to it. While it waits for that
    first iteration it sets ``config.keep_graph_on_report`` so that the
    reporter keeps the graph of reported variables, and restores the
    previous value afterwards.

    Args:
        root_name (str): The observation key of the Variable.
        filename (str): Output file under ``trainer.out`` (``'cg.dot'``).
        variable_style (dict): DOT attributes of variable nodes.
        function_style (dict): DOT attributes of function nodes.

    Example:
        >>> trainer.extend(extensions.DumpGraph('main/loss'))
    """

    default_name = "dump_graph"

    def __init__(self, root_name, filename="cg.dot", variable_style=None, function_style=None,
                 *, out_name=None):
        if out_name is not None:  # Chainer's older name
            filename = out_name
        self._root_name = root_name
        self._filename = filename
        self._variable_style = _var_style if variable_style is None else variable_style
        self._function_style = _func_style if function_style is None else function_style
        self._original_flag = None
        self._flag_called = False
        self._flag_set = False  # keep_graph_on_report is on because of this extension

    def initialize(self, trainer):
        _files.ensure_writable_dir(os.path.dirname(os.path.join(trainer.out, self._filename)),
                                   "DumpGraph")
        if not self._flag_called:
            self._original_flag = configuration.config.keep_graph_on_report
            configuration.config.keep_graph_on_report = True
            self._flag_set = True

    def trigger(self, trainer):
        if self._flag_called:
            return False
        self._flag_called = True
        return True

    def __call__(self, trainer):
        try:
            if self._root_name not in trainer.observation:
                raise KeyError(f"DumpGraph: nothing is reported as {self._root_name!r} (the "
                               f"observation has {sorted(trainer.observation)})")
            var = trainer.observation[self._root_name]
            if not isinstance(var, variable.Variable):
                raise TypeError(f"DumpGraph: the value reported as {self._root_name!r} is a "
                                f"{type(var).__name__}, not a Variable")
            dot = computational_graph.build_computational_graph(
                [var], variable_style=self._variable_style,
                function_style=self._function_style).dump()
            path = os.path.join(trainer.out, self._filename)
            _files.atomic_write(path, lambda f: f.write(dot))
            if is_graphviz_available():
                image = os.path.splitext(path)[0] + ".png"
                tmp = os.path.join(os.path.dirname(image), "." + os.path.basename(image) + ".tmp")
                try:
                    subprocess.run(["dot", "-Tpng", path, "-o", tmp], check=True)
                    os.replace(tmp, image)
                finally:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
        finally:
            self._restore_flag()

    def _restore_flag(self):
        configuration.config.keep_graph_on_report = bool(self._original_flag)
        self._flag_set = False

    def serialize(self, serializer):
        original = bool(serializer("_original_flag", bool(self._original_flag)))
        self._flag_called = bool(serializer("_flag_called", self._flag_called))
        if self._flag_set and self._flag_called:
            # Resumed after the dump was made: the flag set at initialize (before
            # the snapshot was loaded) must not stay on for the rest of the run.
            self._restore_flag()
        else:
            self._original_flag = original
