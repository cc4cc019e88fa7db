"""tools/chainer_tests.py on a tiny Chainer-style test tree."""

import importlib.util
import os
import textwrap

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "chainer_tests.py")
spec = importlib.util.spec_from_file_location("chainer_tests_tool", _PATH)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def _tree(root):
    tests = root / "tests" / "chainer_tests"
    (tests / "functions_tests" / "math_tests").mkdir(parents=True)
    (tests / "other_tests").mkdir()
    for d in (tests, tests / "functions_tests", tests / "functions_tests" / "math_tests"):
        (d / "__init__.py").write_text("")
    (tests / "conftest.py").write_text(textwrap.dedent("""
        import pytest
        import chainerx
        if not chainerx.is_available():
            pytest.mark.chainerx = pytest.mark.skip
    """))
    (tests / "test_core.py").write_text(textwrap.dedent("""
        import unittest
        import numpy
        import chainer
        from chainer import testing
        from chainer.testing import attr
        import chainer.functions as F

        class TestCore(unittest.TestCase):
            def test_is_rechain(self):
                import rechain
                assert chainer is rechain and chainer.Variable is rechain.Variable

            def test_fails(self):
                assert F.relu(chainer.Variable(numpy.array([-1.0]))).array[0] == 5

            @attr.gpu
            def test_gpu_only(self):
                raise AssertionError('must be deselected')

            @attr.slow
            def test_slow(self):
                raise AssertionError('must be deselected')

        @testing.inject_backend_tests(None, [
            {}, {'use_cuda': True},
            {'use_chainerx': True, 'chainerx_device': 'native:0'}])
        class TestInjected(unittest.TestCase):
            def test_cpu(self, backend_config):
                assert backend_config.xp is numpy

        @testing.parameterize(*testing.product({'n': [1, 2, 3]}))
        class TestParams(unittest.TestCase):
            def test_skip_one(self):
                if self.n == 3:
                    self.skipTest('three')
    """))
    (tests / "functions_tests" / "math_tests" / "test_missing.py").write_text(
        "from chainer.functions.no_such_module import thing\n")
    (tests / "functions_tests" / "math_tests" / "test_hangs.py").write_text(textwrap.dedent("""
        import time
        def test_forever():
            time.sleep(600)
    """))
    (tests / "other_tests" / "test_not_measured.py").write_text("def test_x(): pass\n")
    return root


def test_finds_the_measured_files(tmp_path):
    src = _tree(tmp_path)
    files = tool.find_test_files(str(src))
    assert files == ["chainer_tests/functions_tests/math_tests/test_hangs.py",
                     "chainer_tests/functions_tests/math_tests/test_missing.py",
                     "chainer_tests/test_core.py"]
    assert tool.find_test_files(str(src), ["core"]) == ["chainer_tests/test_core.py"]
    assert tool.find_test_files(str(src), ["*/math_tests/test_m*"]) == [
        "chainer_tests/functions_tests/math_tests/test_missing.py"]


def test_runs_files_with_chainer_resolved_to_rechain_and_tabulates(tmp_path):
    src = _tree(tmp_path / "src")
    out = tmp_path / "table.md"
    rc = tool.main([str(src), "--timeout", "60", "--markdown-out", str(out), "--quiet",
                    "--files", "test_core,test_missing"])
    assert rc == 0
    table = out.read_text()
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ")
            for line in table.splitlines() if line.startswith("| ")}
    core = rows["test_core.py"]
    # cases passed failed errors skipped pass%: gpu/slow/CuPy/ChainerX cases are not cases
    assert core[1:7] == ["6", "4", "1", "0", "1", "67%"]
    missing = rows["functions_tests/math_tests/test_missing.py"]
    assert missing[1:7] == ["1", "0", "0", "1", "0", "0%"]
    total = rows["**total**"]
    assert total[1:7] == ["7", "4", "1", "1", "1", "57%"]
    assert "No module named 'chainer.functions.no_such_module'" in table
    assert "1: `assert np.float64(N) == N`" in table


def test_a_hanging_file_is_stopped_and_reported(tmp_path):
    src = _tree(tmp_path / "src")
    out = tmp_path / "t.md"
    tool.main([str(src), "--timeout", "8", "--markdown-out", str(out), "--quiet",
               "--files", "test_hangs"])
    table = out.read_text()
    assert "timeout after 8" in table


def test_cause_lines_look_through_wrappers():
    text = ("AssertionError: Parameterized test failed: T.test_a\nParameters:\n  n: 3\n"
            "E   rechain.utils.type_check.InvalidType: linear: x float32 (4, 3) and W\n"
            "/x/parameterized.py:63: AssertionError")
    assert tool._cause(text) == "InvalidType: linear: x float32 (shape) and W"
    assert tool._cause("E   ValueError: got 12 and 0.5e-3") == "ValueError: got N and N"


def test_baseline_comparison_by_test_id(tmp_path):
    src = _tree(tmp_path / "src")
    base = tmp_path / "base.json"
    tool.main([str(src), "--timeout", "60", "--quiet", "--files", "test_core",
               "--json-out", str(base), "--markdown-out", str(tmp_path / "a.md")])
    import json
    outcomes = json.loads(base.read_text())["chainer_tests/test_core.py"]
    ids = sorted(outcomes)
    assert any(i.endswith("::test_is_rechain") for i in ids)
    # pretend Chainer passed every case: rechain passes 4 of its 6
    json.dump({"chainer_tests/test_core.py": dict.fromkeys(ids, "passed")},
              base.open("w"))
    out = tmp_path / "b.md"
    tool.main([str(src), "--timeout", "60", "--quiet", "--files", "test_core",
               "--baseline-json", str(base), "--markdown-out", str(out)])
    table = out.read_text()
    row = next(line for line in table.splitlines() if line.startswith("| test_core.py"))
    assert row.split(" | ")[7:10] == ["6", "4", "67%"]
    assert "at least 95% of Chainer's passing cases pass here: 0 of 1" in table


def test_match_key_takes_out_numpy_2_reprs_and_pytest_junit_brackets():
    base = "chainer_tests.functions_tests.test_f::TestF_param_3_{"
    # NumPy 2 scalar reprs against NumPy 1's
    assert (tool.match_key(base + "c=np.float64(1.5), n=np.int64(-2), z=np.complex128(1+2j), "
                           "b=np.True_, s=np.str_('a')}::test_forward")
            == tool.match_key(base + "c=1.5, n=-2, z=(1+2j), b=True, s='a'}::test_forward"))
    assert tool.match_key("m.T::test_a[np.float32(0.5)-x]") == "m.T::test_a[0.5-x]"
    # numpy.bool_.__name__ is 'bool_' in NumPy 1 and 'bool' in NumPy 2
    assert tool.match_key(base + "dtype=bool_, n=1}::t") == \
        tool.match_key(base + "dtype=bool, n=1}::t")
    assert tool.match_key(base + "dtype=bool_x}::t") == base + "dtype=bool_x}::t"
    # addresses in default reprs change from run to run
    assert tool.match_key(base + "f=<function <lambda> at 0x7f12eb9468e0>}::t") == \
        tool.match_key(base + "f=<function <lambda> at 0x7f5b8956ccc0>}::t")
    assert tool.match_key(base + "f=<function g at 0x7f12eb9468e0>}::t") != \
        tool.match_key(base + "f=<function h at 0x7f12eb9468e0>}::t")
    # pytest 9.2 closes a junit name that has a '[' (a list in a class name) with ']'
    name = base + "shapes=[(2, 3)]}::test_backward"
    assert tool.match_key(name) == tool.match_key(name + "]") == name + "]"
    assert tool.match_key("m.T::test_a[1-2]") == "m.T::test_a[1-2]"
    # random array data in a parameterized class name does not name the case: its index does
    a = tool.match_key(base + "dtype=float32, x=array([0.1, 0.25]), y=2}::test_forward")
    b = tool.match_key(base + "dtype=float32, x=array([0.7, 0.5]), y=2}::test_forward")
    assert a == b
    # ... but everything else still does
    assert tool.match_key(base + "dtype=float32, x=array([0.1]), y=2}::test_forward") != \
        tool.match_key(base + "dtype=float64, x=array([0.1]), y=2}::test_forward")
    assert tool.match_key(base + "x=array([0.1]), y=2}::test_forward") != \
        tool.match_key(base.replace("param_3", "param_4") + "x=array([0.1]), y=2}::test_forward")
    assert tool.match_key(base + "x=array([0.1]), y=2}::test_forward") != \
        tool.match_key(base + "x=array([0.1]), y=3}::test_forward")
    # without a parameter index, array values are kept
    assert tool.match_key("m.T::test_a[array([1])]") != tool.match_key("m.T::test_a[array([2])]")
    # repr forms that are not NumPy scalars stay
    assert tool.match_key("m.T_param_0_{f=np.linalg.norm}::t") == \
        "m.T_param_0_{f=np.linalg.norm}::t"
    assert tool.match_key("m.T_param_0_{x=1.0}::t") != tool.match_key("m.T_param_0_{x=1}::t")


def test_match_key_writes_an_object_in_a_parameterized_name_by_its_class():
    base = "m.test_ps::TestPS_param_0_{expect=4, links=["
    end = "], prefix=None, f=<function <lambda> at 0x7f44c6c27420>}::test_report"
    chainer = tool.match_key(base + "<chainer.links.connection.linear.Linear object at "
                                    "0x7f44c6c3db90>" + end + "]")
    rechain = tool.match_key(base + "Linear(in_size=3, out_size=(2), nobias=False)" + end)
    assert chainer == rechain == base + "<Linear>" + end.replace("0x7f44c6c27420", "0x?") + "]"
    # a shortened path, as pytest writes long reprs
    assert tool.match_key("m.T_param_1_{a=<m.te...Acc object at 0x7f7d5691edd0>}::t") == \
        "m.T_param_1_{a=<Acc>}::t"
    # the class still names the case, and so do the index and the other values
    assert tool.match_key(base + "Linear(in_size=3)" + end) != \
        tool.match_key(base + "Bilinear(in_size=3)" + end)
    assert tool.match_key(base + "Linear(in_size=3)" + end) != \
        tool.match_key(base.replace("param_0", "param_1") + "Linear(in_size=3)" + end)
    assert tool.match_key(base + "Linear()" + end) != \
        tool.match_key(base.replace("expect=4", "expect=2") + "Linear()" + end)
    # outside the parameter dict (a method's parameter id) reprs stay
    assert tool.match_key("m.T_param_0_{a=1}::t[Linear(3)]") == "m.T_param_0_{a=1}::t[Linear(3)]"
    assert tool.match_key("m.T::t[Linear(3)]") != tool.match_key("m.T::t[Linear(4)]")
    # lower-case calls (slices, dtypes, functions) are not objects of a class here
    assert tool.match_key("m.T_param_0_{s=slice(None, 2, None)}::t") == \
        "m.T_param_0_{s=slice(None, 2, None)}::t"


def test_match_keys_never_join_two_cases_of_one_run():
    outcomes = {"m.T::t[np.float64(1.0)]": "passed", "m.T::t[1.0]": "failed",
                "m.T::u[np.int64(2)]": "skipped"}
    assert tool.match_keys(outcomes) == {"m.T::t[np.float64(1.0)]": "passed",
                                         "m.T::t[1.0]": "failed", "m.T::u[2]": "skipped"}


def test_baseline_comparison_matches_numpy_1_ids():
    f = "chainer_tests/test_x.py"
    ours = {"x.T_param_0_{a=np.float64(0.5), s=[1]}::test_a": "passed",
            "x.T_param_1_{a=np.float64(1.5), s=[1]}::test_a": "passed",
            "x.T_param_2_{a=np.float64(2.5), s=[1]}::test_a": "failed"}
    theirs = {"x.T_param_0_{a=0.5, s=[1]}::test_a]": "passed",
              "x.T_param_1_{a=1.5, s=[1]}::test_a]": "passed",
              "x.T_param_2_{a=2.5, s=[1]}::test_a]": "passed",
              "x.T_param_3_{a=3.5, s=[1]}::test_a]": "passed"}
    results = [{"file": f, "counts": dict(passed=2, failed=1, errors=0, skipped=0),
                "outcomes": ours, "causes": [], "note": ""}]
    table = tool.markdown(results, {f: {"outcomes": theirs}})
    row = next(line for line in table.splitlines() if line.startswith("| test_x.py"))
    assert row.split(" | ")[7:10] == ["4", "2", "50%"]
