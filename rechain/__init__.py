"""rechain: memory-efficient define-by-run deep learning with Chainer's API.

``import rechain as chainer`` runs Chainer v7 core code unchanged; see README.
"""

import numpy

from rechain import backend  # noqa: F401
from rechain import configuration
from rechain import random  # noqa: F401
from rechain.configuration import (config, force_backprop_mode, global_config,  # noqa: F401
                                   no_backprop_mode, using_config)
from rechain.function_node import FunctionNode  # noqa: F401
from rechain.function import Function, FunctionAdapter  # noqa: F401
from rechain.variable import (Parameter, Variable, VariableNode, as_array,  # noqa: F401
                              as_variable)
from rechain._backprop import backward, grad  # noqa: F401
from rechain.functions.math import basic_math  # noqa: E402  (Chainer's chainer.basic_math)

basic_math.install_variable_arithmetics()
backend.cpu_heap.from_environment()        # Note [cpu heap] (rechain/_heap.py)

from rechain import functions  # noqa: E402,F401
from rechain import initializers  # noqa: E402,F401
from rechain import links  # noqa: E402,F401
from rechain import optimizer  # noqa: E402,F401
from rechain import optimizer_hooks  # noqa: E402,F401
from rechain import optimizers  # noqa: E402,F401
from rechain import serializers  # noqa: E402,F401
from rechain import dataset  # noqa: E402,F401
from rechain import datasets  # noqa: E402,F401
from rechain import iterators  # noqa: E402,F401
from rechain import memory  # noqa: E402,F401
from rechain import recompute  # noqa: E402,F401
from rechain.initializers import Initializer  # noqa: E402,F401
from rechain.links.link import Chain, ChainList, Link, Sequential  # noqa: E402,F401
from rechain.optimizer import GradientMethod, Optimizer, UpdateRule  # noqa: E402,F401
from rechain.serializers import Deserializer, Serializer  # noqa: E402,F401
from rechain import gradient_check  # noqa: E402,F401
from rechain import reporter  # noqa: E402,F401
from rechain.reporter import (DictSummary, Reporter, Summary, get_current_reporter,  # noqa: E402,F401
                              report, report_scope)
from rechain.utils.type_check import InvalidType  # noqa: E402,F401
from rechain.recompute.region import RecomputeError  # noqa: E402,F401
from rechain import backends  # noqa: E402,F401
from rechain import cuda  # noqa: E402,F401  (Chainer's alias of rechain.backends.cuda)
from rechain.backends.cuda import (should_use_cudnn,  # noqa: E402,F401  (as Chainer)
                                   should_use_cudnn_tensor_core)
from rechain.backend import get_device, using_device  # noqa: E402,F401
from rechain.configuration import get_dtype, is_debug, mixed16, set_debug  # noqa: E402,F401
from rechain._runtime_info import print_runtime_info  # noqa: E402,F401
from rechain import training  # noqa: E402,F401  (as Chainer: chainer.training after import)
from rechain import link  # noqa: E402,F401  (Chainer's module path of Link/Chain/ChainList)
from rechain import distributions  # noqa: E402,F401
from rechain.distributions import (Distribution, cross_entropy, kl_divergence,  # noqa: E402,F401
                                   register_kl)

__version__ = "0.1.0"

get_array_module = backend.get_array_module
#: Set True to silence the FutureWarning of ``utils.experimental``.
disable_experimental_feature_warning = False


def get_array_types():
    """The array types rechain accepts as data (NumPy's, and CuPy's when present)."""
    return backend.array_types


def get_cpu_array_types():
    """The array types of the CPU (NumPy's ndarray; rechain has no iDeep or ChainerX)."""
    return (numpy.ndarray,)


def is_arrays_compatible(arrays):
    """Whether the arrays (None entries ignored) live on one backend, as an
    operation needs: all NumPy, or all CuPy."""
    arrays = [a for a in arrays if a is not None]
    if not arrays:
        return True
    kinds = {type(a).__module__.split(".")[0] for a in arrays}
    return len(kinds) == 1 and all(isinstance(a, backend.array_types) for a in arrays)


from rechain import function_hooks  # noqa: E402,F401
from rechain import link_hooks  # noqa: E402,F401
from rechain.function_hooks import FunctionHook  # noqa: E402,F401
from rechain.function_hooks.function_hook import get_function_hooks  # noqa: E402,F401
from rechain.link_hooks import LinkHook  # noqa: E402,F401
from rechain.serializer import AbstractSerializer  # noqa: E402,F401
