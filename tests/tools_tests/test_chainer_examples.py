"""Pure-function tests of tools/chainer_examples.py: import rewriting, failure parsing."""

import importlib.util
import os
import pickle
import textwrap

import numpy
import pytest

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "chainer_examples.py")
_spec = importlib.util.spec_from_file_location("chainer_examples", _PATH)
ce = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ce)


def rw(src):
    return ce.rewrite_source(textwrap.dedent(src))[0]


def test_import_chainer():
    assert rw("import chainer\n") == "import rechain as chainer\n"


def test_import_chainer_as():
    assert rw("import chainer as ch\n") == "import rechain as ch\n"


def test_import_submodule_as():
    assert rw("import chainer.functions as F\nimport chainer.links as L\n") == (
        "import rechain.functions as F\nimport rechain.links as L\n")


def test_import_submodule_without_as_binds_chainer():
    out = rw("import chainer.training.extensions\n")
    assert out == "import rechain.training.extensions; import rechain as chainer\n"


def test_from_imports():
    src = ("from chainer import training\n"
           "from chainer.training import extensions\n"
           "from chainer.dataset import convert\n"
           "from chainer import functions as F, links as L\n")
    assert rw(src) == ("from rechain import training\n"
                       "from rechain.training import extensions\n"
                       "from rechain.dataset import convert\n"
                       "from rechain import functions as F, links as L\n")


def test_chainerx_becomes_pass_and_keeps_line_numbers():
    src = "import chainer\nimport chainerx\nx = 1\n"
    out = rw(src)
    assert out == "import rechain as chainer\npass\nx = 1\n"
    assert out.count("\n") == src.count("\n")


def test_chainerx_dropped_from_a_comma_import():
    assert rw("import os, chainerx, chainer\n") == "import os, rechain as chainer\n"


def test_indented_import_in_function_and_try():
    src = """\
    def f():
        import chainer.links as L
        try:
            import chainerx
        except ImportError:
            pass
    """
    out = rw(src)
    assert "    import rechain.links as L\n" in out
    assert "        pass\n    except ImportError" in out
    compile(out, "<test>", "exec")


def test_multiline_from_import():
    src = "from chainer.datasets import (\n    get_mnist,\n    TupleDataset)\n"
    assert rw(src) == "from rechain.datasets import (\n    get_mnist,\n    TupleDataset)\n"


def test_multiline_import_keeps_line_count():
    src = "import numpy, \\\n    chainer\ny = 2\n"
    out = rw(src)
    assert out.count("\n") == src.count("\n")
    assert out.splitlines()[0] == "import numpy, rechain as chainer"
    assert out.splitlines()[2] == "y = 2"


def test_trailing_comment_kept():
    assert rw("import chainer  # the framework\n") == "import rechain as chainer  # the framework\n"


def test_other_names_untouched():
    src = ('import chainermn\nimport chainer_chemistry\nfrom chainerx import testing\n'
           's = "import chainer"\n# import chainer\nimport numpy as np\n'
           'from .chainer import x\n')
    new, changes = ce.rewrite_source(src)
    assert new == src
    assert changes == []


def test_changes_listed_with_line_numbers():
    _, changes = ce.rewrite_source("import os\nimport chainer\nfrom chainer import links\n")
    assert changes == [(2, "import chainer", "import rechain as chainer"),
                       (3, "from chainer import links", "from rechain import links")]


def test_no_trailing_newline():
    assert rw("import chainer") == "import rechain as chainer"


def test_non_ascii_before_import_on_line():
    src = "s = 'é'; import chainer\n"
    assert rw(src) == "s = 'é'; import rechain as chainer\n"


def test_syntax_error_raises():
    with pytest.raises(SyntaxError):
        ce.rewrite_source("import chainer\ndef (:\n")


def test_rewrite_tree(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "train.py").write_text("import chainer\nimport net\n")
    (tmp_path / "models" / "VGG.py").write_text("from chainer import links as L\n")
    (tmp_path / "data.txt").write_text("import chainer\n")
    done = ce.rewrite_tree(str(tmp_path))
    assert sorted(done) == [os.path.join("models", "VGG.py"), "train.py"]
    assert (tmp_path / "train.py").read_text() == "import rechain as chainer\nimport net\n"
    assert (tmp_path / "data.txt").read_text() == "import chainer\n"


def test_parse_failure_attribute_error_in_rechain(tmp_path):
    rechain_file = os.path.join(ce.REPO, "rechain", "links", "link.py")
    ex = str(tmp_path / "mnist")
    out = (f'noise\nTraceback (most recent call last):\n'
           f'  File "{ex}/train_mnist.py", line 60, in main\n    x = 1\n'
           f'  File "{rechain_file}", line 12, in f\n    y\n'
           "AttributeError: module 'rechain.training' has no attribute 'Trainer'\n")
    err, missing, where, ex_where = ce.parse_failure(out, ex)
    assert err == "AttributeError: module 'rechain.training' has no attribute 'Trainer'"
    assert missing == "rechain.training.Trainer"
    assert where == "rechain/links/link.py:12"
    assert ex_where == "mnist/train_mnist.py:60"


@pytest.mark.parametrize("line,missing", [
    ("ImportError: cannot import name 'extensions' from 'rechain.training' (x.py)",
     "rechain.training.extensions"),
    ("ModuleNotFoundError: No module named 'rechain.backends'", "rechain.backends"),
    ("NameError: name 'chainerx' is not defined", "chainerx"),
    ("AttributeError: 'Linear' object has no attribute 'to_device'", "Linear.to_device"),
    ("TypeError: __init__() got an unexpected keyword argument 'label_dtype'",
     "__init__(label_dtype=)"),
    ("ValueError: bad", None),
])
def test_parse_failure_missing_names(tmp_path, line, missing):
    ex = str(tmp_path / "ex")
    out = f'Traceback (most recent call last):\n  File "{ex}/a.py", line 3, in <module>\n    z\n{line}\n'
    err, got, where, _ = ce.parse_failure(out, ex)
    assert err == line
    assert got == missing
    assert where == "ex/a.py:3"


def test_parse_failure_without_traceback():
    err, missing, where, _ = ce.parse_failure("line one\nKilled\n\n", "/nowhere")
    assert (err, missing, where) == ("Killed", None, "")


def test_cifar_batch_pickle_loads_like_the_real_file():
    data = numpy.arange(6 * 3072).reshape(6, 3072) % 256
    blob = ce._py2_pickle_batch(data, [1, 2, 3, 4, 5, 6], b"training batch 1 of 5")
    d = pickle.loads(blob, encoding="latin-1")
    assert sorted(d) == ["batch_label", "data", "filenames", "labels"]
    assert d["data"].dtype == numpy.uint8 and d["data"].shape == (6, 3072)
    numpy.testing.assert_array_equal(d["data"], data)
    assert d["labels"] == [1, 2, 3, 4, 5, 6]
    b = pickle.loads(blob, encoding="bytes")
    assert sorted(b) == [b"batch_label", b"data", b"filenames", b"labels"]
    numpy.testing.assert_array_equal(b[b"data"], data)


def test_synthetic_files(tmp_path):
    import gzip
    files = ce.make_synthetic_files(str(tmp_path))
    with gzip.open(files["train-images-idx3-ubyte.gz"]) as f:
        head = f.read(16)
    assert numpy.frombuffer(head, ">i4").tolist() == [2051, 1000, 28, 28]
    with gzip.open(files["t10k-labels-idx1-ubyte.gz"]) as f:
        raw = f.read()
    assert numpy.frombuffer(raw[:8], ">i4").tolist() == [2049, 200]
    assert len(raw) == 8 + 200
    line = open(files["ptb.train.txt"]).readline()
    assert line.startswith(" ") and line.endswith(" \n")
    label, text = open(files["stsa.binary.train"]).readline().split(None, 1)
    assert label in ("0", "1") and text.strip()
    assert len(open(files["seq2seq.train.src"]).read().splitlines()) == 120


def test_local_modules(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("")
    (tmp_path / "models" / "VGG.py").write_text("import rechain\n")
    (tmp_path / "train.py").write_text("import os\nimport net\nimport models.VGG\n")
    (tmp_path / "net.py").write_text("from updater import U\n")
    (tmp_path / "updater.py").write_text("import train\n")
    (tmp_path / "unused.py").write_text("")
    got = [os.path.relpath(p, tmp_path) for p in ce.local_modules(str(tmp_path), "train.py")]
    assert got == sorted(["models/VGG.py", "models/__init__.py", "net.py", "train.py",
                          "updater.py"])


_PPATH = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "_examples_probe.py")
_pspec = importlib.util.spec_from_file_location("_examples_probe", _PPATH)
probe = importlib.util.module_from_spec(_pspec)
_pspec.loader.exec_module(probe)


def test_probe_aliases_and_chains():
    import ast
    tree = ast.parse("import rechain as chainer\nimport rechain.functions as F\n"
                     "from rechain.training import extensions\nfrom rechain import links as L\n"
                     "x = chainer.datasets.get_mnist()\ny = F.relu(extensions.LogReport.a)\n"
                     "z = L.Linear\nw = other.thing\n")
    alias, imported = probe.aliases_and_imports(tree)
    assert alias == {"chainer": "rechain", "F": "rechain.functions",
                     "extensions": "rechain.training.extensions", "L": "rechain.links"}
    assert imported == [("rechain.training.extensions", 3), ("rechain.links", 4)]
    chains = sorted(probe.attribute_chains(tree, alias))
    assert chains == [("rechain.datasets.get_mnist", 5), ("rechain.functions.relu", 6),
                      ("rechain.links.Linear", 7), ("rechain.training.extensions.LogReport.a", 6)]


def test_probe_resolve():
    assert probe.resolve("os.path.join") is None
    assert probe.resolve("os.path.join.anything") is None  # a function: not followed
    assert probe.resolve("os.no_such_name_here") == "os.no_such_name_here"
    assert probe.resolve("json.no_such_module.x") == "json.no_such_module"
    assert probe.resolve("collections.OrderedDict.no_such_attr") == \
        "collections.OrderedDict.no_such_attr"


_APATH = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "_examples_agreement.py")
_aspec = importlib.util.spec_from_file_location("_examples_agreement", _APATH)
agreement = importlib.util.module_from_spec(_aspec)
_aspec.loader.exec_module(agreement)


def test_compare_agree_and_disagree():
    ok = agreement.compare([2.0, 1.5, 1.0], [2.0, 1.5 * (1 + 5e-6), 1.0])
    assert ok["result"] == "agree" and ok["first_bad"] is None
    bad = agreement.compare([2.0, 1.5, 1.0], [2.0, 1.5 * (1 + 2e-5), 1.0])
    assert bad["result"] == "DISAGREE" and bad["first_bad"] == 2
    assert "iteration 2" in bad["detail"]


def test_compare_nan_and_length():
    assert agreement.compare([1.0, 2.0], [1.0, float("nan")])["result"] == "DISAGREE"
    short = agreement.compare([1.0, 2.0], [1.0])
    assert short["result"] == "DISAGREE" and "2 losses from Chainer, 1 from rechain" in short["detail"]
    assert agreement.compare([], [])["result"] == "DISAGREE"


def test_agreement_data_is_deterministic():
    a = agreement.make_data("ptb", 20)
    b = agreement.make_data("ptb", 20)
    numpy.testing.assert_array_equal(a["words"], b["words"])
    d = agreement.make_data("text_classification_rnn", 3)
    assert d["lengths"].sum() == len(d["tokens"]) and len(d["labels"]) == 48
