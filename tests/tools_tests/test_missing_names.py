import importlib.util
import os

import pytest

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "missing_names.py")
spec = importlib.util.spec_from_file_location("missing_names", _PATH)
missing_names = importlib.util.module_from_spec(spec)
spec.loader.exec_module(missing_names)


def test_reads_the_names_a_chainer_module_binds(tmp_path):
    pkg = tmp_path / "chainer" / "functions"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "import numpy\n"
        "from chainer.functions.math.basic_math import add  # NOQA\n"
        "from chainer.functions.activation.relu import relu as relu_\n"
        "from chainer import backend\n"
        "from numpy import ones\n"
        "def helper(): pass\n"
        "class Thing: pass\n"
        "_private = 1\n"
        "CONSTANT = 2\n")
    names = missing_names.chainer_names(str(tmp_path), "chainer.functions")
    assert names == ["CONSTANT", "Thing", "add", "helper", "relu_"]


def test_missing_module_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="chainer.links not found"):
        missing_names.chainer_names(str(tmp_path), "chainer.links")
