"""``rechain.testing``: Chainer's test-support API, so tests port as code does.

Parameterised classes (:func:`parameterize`, :func:`product`,
:func:`product_dict`), marks (:mod:`attr`), flaky-test repetition
(:mod:`condition`), :func:`assert_allclose`, backends
(:func:`inject_backend_tests`, :class:`BackendConfig`), ready-made function
and link tests (:class:`FunctionTestCase`, :class:`LinkTestCase`,
:class:`LinkInitializersTestCase`), :func:`fix_random`, serializer round
trips, a trainer with a mock updater, and smaller helpers. Needs pytest.
"""

from rechain.testing import attr  # noqa: F401
from rechain.testing import condition  # noqa: F401
from rechain.testing.array import assert_allclose  # noqa: F401
from rechain.testing.backend import BackendConfig, inject_backend_tests  # noqa: F401
from rechain.testing.function_link import (FunctionTestCase, FunctionTestError,  # noqa: F401
                                           InitializerArgument, LinkInitializersTestCase,
                                           LinkTestCase, LinkTestError)
from rechain.testing.helper import (assert_warns, patch, with_requires,  # noqa: F401
                                    without_requires)
from rechain.testing.matrix import generate_matrix  # noqa: F401
from rechain.testing.parameterized import (from_pytest_parameterize,  # noqa: F401
                                           parameterize, parameterize_pytest, product,
                                           product_dict)
from rechain.testing.random import fix_random, generate_seed  # noqa: F401
from rechain.testing.serializer import (save_and_load, save_and_load_hdf5,  # noqa: F401
                                        save_and_load_npz)
from rechain.testing.training import get_trainer_with_mock_updater  # noqa: F401
from rechain.testing.unary_math_function_test import unary_math_function_unittest  # noqa: F401


def run_module(name, file):
    """Run the tests of ``file`` with pytest when it is executed as a script.

    Put ``testing.run_module(__name__, __file__)`` at the end of a test file.
    """
    if name == "__main__":
        import pytest
        pytest.main([file, "-vvs", "-x", "--pdb"])
