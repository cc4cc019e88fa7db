"""Differentiable functions, Chainer's ``chainer.functions`` (import as ``F``).

Each family lives in its own subpackage, which lists its public names.
"""

from rechain.functions.activation import *  # noqa: F401,F403
from rechain.functions.array import *  # noqa: F401,F403
from rechain.functions.connection import *  # noqa: F401,F403
from rechain.functions.evaluation import *  # noqa: F401,F403
from rechain.functions.loss import *  # noqa: F401,F403
from rechain.functions.math import *  # noqa: F401,F403
from rechain.functions.noise import *  # noqa: F401,F403
from rechain.functions.normalization import *  # noqa: F401,F403
from rechain.functions.pooling import *  # noqa: F401,F403
from rechain.functions.rnn import *  # noqa: F401,F403
from rechain.functions.util import *  # noqa: F401,F403

# Modules that share their function's name and that Chainer's tests reach as
# modules (``chainer.functions.math.einsum.DiagEinSum``): their subpackage
# leaves the name to the module, and the function is imported here.
from rechain.functions.math.einsum import einsum  # noqa: E402,F401
from rechain.functions.math.sparse_matmul import sparse_matmul  # noqa: E402,F401
from rechain.functions.connection.convolution_2d import convolution_2d  # noqa: E402,F401
from rechain.functions.connection.local_convolution_2d import (  # noqa: E402,F401
    local_convolution_2d)
from rechain.functions.normalization.batch_renormalization import (  # noqa: E402,F401
    batch_renormalization)
from rechain.functions.array.flip import flip  # noqa: E402,F401
from rechain.functions.math.identity import identity  # noqa: E402,F401
from rechain.functions.noise.dropout import dropout  # noqa: E402,F401
from rechain.functions.noise.zoneout import zoneout  # noqa: E402,F401
from rechain.functions.rnn.lstm import lstm  # noqa: E402,F401
from rechain.functions.loss.crf1d import crf1d  # noqa: E402,F401
from rechain.functions.loss.negative_sampling import negative_sampling  # noqa: E402,F401
from rechain.functions.connection.shift import shift  # noqa: E402,F401
