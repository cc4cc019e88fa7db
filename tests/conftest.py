import numpy
import pytest

import rechain
from rechain import backend


def pytest_collection_modifyitems(config, items):
    if backend.gpu_available:
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with default config, a fixed framework seed."""
    rechain.random.seed(0)
    numpy.random.seed(0)
    yield
    vars(rechain.config).clear()
