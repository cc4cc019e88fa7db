import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import memory

N = 1000


def _arrays(k=2):
    rng = numpy.random.default_rng(0)
    return [rng.uniform(-1, 1, N).astype(numpy.float32) for _ in range(k)]


def test_doc_example_keeps_x_plus_y():
    x, y = _arrays()
    report = memory.saved_arrays(lambda a, b: (a + b) * a, x, y)
    assert [(e.op, e.what, e.source) for e in report] == [
        ("Mul", "input 0", "intermediate"), ("Mul", "input 1", "argument")]
    assert report.intermediate_bytes == N * 4
    assert report[0].shape == (N,) and report[0].dtype == "float32"


def test_forget_keeps_only_its_inputs():
    x, y = _arrays()
    report = memory.saved_arrays(
        lambda a, b: F.forget(lambda p, q: (p + q) * p, a, b), x, y)
    assert report.intermediate_bytes == 0
    assert {e.op for e in report} == {"forget[test_forget_keeps_only_its_inputs.<locals>."
                                      "<lambda>.<locals>.<lambda>]"}
    assert report.total_bytes("argument") == 2 * N * 4


def test_shared_arrays_counted_once():
    x, = _arrays(1)
    report = memory.saved_arrays(lambda a: (a * a) * a, x)
    # Mul#1 keeps (a, a); Mul#2 keeps (a*a, a): a is one array, kept three times.
    assert sum(1 for e in report if e.source == "argument") == 3
    assert sum(1 for e in report if e.source == "argument" and not e.shared) == 1
    assert report.total_bytes() == 2 * N * 4


def test_parameters_are_marked():
    w = rechain.Parameter(numpy.ones((8, 4), numpy.float32))
    report = memory.saved_arrays(lambda a: F.relu(F.linear(a, w)),
                                 numpy.ones((3, 4), numpy.float32))
    sources = {(e.op, e.what): e.source for e in report}
    assert sources[("Linear", "input 1")] == "parameter"
    assert report.total_bytes("parameter") == 8 * 4 * 4
    assert report.intermediate_bytes == 3 * 8 * 4  # relu keeps its output


def test_table_has_header_rows_and_totals():
    x, y = _arrays()
    text = str(memory.saved_arrays(lambda a, b: (a + b) * a, x, y))
    lines = text.splitlines()
    assert lines[0].split() == ["op", "keeps", "shape", "dtype", "bytes", "source"]
    assert "Mul" in lines[2] and "4,000" in lines[2]
    assert lines[-1].startswith("intermediates 0.00 MiB")


def test_not_callable():
    with pytest.raises(TypeError, match="saved_arrays: func must be callable, not int"):
        memory.saved_arrays(3)


def test_graph_is_normal_after_report():
    # The handler is removed: a later forget still works.
    x, = _arrays(1)
    memory.saved_arrays(lambda a: a * a, x)
    v = rechain.Variable(x)
    F.sum(F.forget(lambda a: a * a, v)).backward()
    numpy.testing.assert_allclose(v.grad, 2 * x, rtol=1e-6)


def test_function_returning_none_is_an_error():
    def no_return(x):
        F.relu(x) * 2

    with pytest.raises(TypeError, match="saved_arrays: .*no_return returned NoneType"):
        memory.saved_arrays(no_return, numpy.ones(3, numpy.float32))


def test_function_returning_a_list_or_dict_of_variables_is_fine():
    x = numpy.ones(3, numpy.float32)
    assert len(memory.saved_arrays(lambda a: [F.relu(a)], x)) == 1
    assert len(memory.saved_arrays(lambda a: {"y": F.relu(a)}, x)) == 1
