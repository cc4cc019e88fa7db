"""Run Chainer v7.8.1's own unit tests against rechain and tabulate the results.

Usage:
    python tools/chainer_tests.py /path/to/chainer-checkout [--files SUBSTR,...]
        [--timeout 900] [--markdown-out table.md] [--baseline-python PY]

The checkout is the developer's (nothing is fetched). Each test file of
``tests/chainer_tests/{functions,links,optimizers,serializers,training}_tests``
and each core ``tests/chainer_tests/test_*.py`` runs in its own pytest process
with the plugin ``tools/_chainer_shim/rechain_as_chainer.py`` loaded first:
``import chainer`` and ``chainer.X`` resolve to ``rechain`` and ``rechain.X``
(``chainer.testing`` is :mod:`rechain.testing`), ``chainerx`` is a stand-in
that is unavailable, ``mock`` is :mod:`unittest.mock`. Only CPU/NumPy cases
run: ``-m 'not gpu and not cudnn and not ideep and not chainerx and not slow'``
(``inject_backend_tests`` marks CuPy configurations ``gpu`` and ChainerX ones
``chainerx``). A file that runs past ``--timeout`` seconds is stopped and its
row says so; the others go on.

The table (markdown, to stdout or ``--markdown-out``) gives per file the
collected CPU cases and how many passed, failed, errored and were skipped,
and the pass rate of the collected cases; a file that does not import is one
error. Below it, the most frequent failure messages over all files (the
exception line, numbers blanked), by test count.

``--baseline-python`` names the interpreter of an environment with Chainer
7.8.1 (and NumPy < 2) installed; the same files then also run on real Chainer
and the table adds Chainer's passes and how many of those pass on rechain
(cases matched by test id, with what differs between the two environments
for one case taken out: see :func:`match_key`). To measure Chainer once and
compare later runs with it: ``--python PY --real-chainer --json-out chainer.json`` runs the files
on real Chainer and saves every case's outcome; ``--baseline-json
chainer.json`` then compares a rechain run with that.
"""

import argparse
import collections
import fnmatch
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIM_DIR = os.path.join(ROOT, "tools", "_chainer_shim")
SUITES = ("functions_tests", "links_tests", "optimizers_tests", "serializers_tests",
          "training_tests")
MARKS = "not gpu and not cudnn and not ideep and not chainerx and not slow"

INI = """[pytest]
python_files = test_*.py
python_classes = Test
python_functions = test
markers =
    chainerx: ChainerX
    cudnn: cuDNN
    gpu: GPU
    ideep: iDeep
    theano: Theano
    multi_gpu: GPUs
    slow: slow
    parametrize_device: ChainerX devices
    parametrize_device_name: ChainerX device names
"""


def find_test_files(chainer_src, patterns=None):
    """Chainer's test files of the measured suites, relative to ``tests/``, sorted.

    ``patterns``: substrings or glob patterns; a file is kept if any matches
    its relative path.
    """
    tests = os.path.join(chainer_src, "tests")
    base = os.path.join(tests, "chainer_tests")
    if not os.path.isdir(base):
        raise FileNotFoundError(f"chainer_tests: no tests/chainer_tests under {chainer_src}")
    found = []
    for name in sorted(os.listdir(base)):
        if name.startswith("test_") and name.endswith(".py"):
            found.append(os.path.join("chainer_tests", name))
    for suite in SUITES:
        top = os.path.join(base, suite)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                if name.startswith("test_") and name.endswith(".py"):
                    found.append(os.path.relpath(os.path.join(dirpath, name), tests))
    if patterns:
        found = [f for f in found
                 if any(p in f or fnmatch.fnmatch(f, p) for p in patterns)]
    return sorted(found)


_NUM = re.compile(r"(?<![\w.])[-+]?\d+(\.\d+)?(e[-+]?\d+)?(?![\w.])")
_TUPLE = re.compile(r"\((?:N, )+N,?\)|\(N,\)")


_EXC_LINE = re.compile(r"^(?:E\s+)?(?:[A-Za-z_][\w]*\.)*(\w*"
                       r"(?:Error|Exception|InvalidType|Warning|Skipped|Failed)): ?(.*)$")


def _cause(message):
    """One line naming a failure: the innermost exception line, numbers blanked.

    Wrappers (a parameterized test's "Parameterized test failed", a repeated
    test's "Fail: N, Success: M") are looked through: the last exception line
    with a message is taken, module paths dropped.
    """
    lines = [ln.strip() for ln in (message or "").splitlines() if ln.strip()]
    if not lines:
        return "(no message)"
    best = None
    for ln in lines:
        m = _EXC_LINE.match(ln)
        if not m:
            continue
        name, text = m.group(1), m.group(2).strip()
        if text.startswith("Parameterized test failed") or re.match(r"^Fail: \d+", text):
            continue
        if text or best is None:
            best = f"{name}: {text}" if text else name
    line = best or re.sub(r"^E\s+", "", lines[0])
    line = re.sub(r"0x[0-9a-f]+", "0x?", line)
    line = _TUPLE.sub("(shape)", _NUM.sub("N", line))
    return line[:160]


def parse_junit(path):
    """Counts and per-case outcomes from a junit XML file.

    Returns:
        (counts dict, {case id: outcome}, [failure causes])
    """
    counts = collections.Counter(passed=0, failed=0, errors=0, skipped=0)
    outcomes = {}
    causes = []
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        cid = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcome = "passed"
        for child in case:
            if child.tag == "failure":
                outcome = "failed"
            elif child.tag == "error":
                outcome = "errors"
            elif child.tag == "skipped":
                outcome = "skipped"
            if child.tag in ("failure", "error"):
                text = (child.get("message") or "") + "\n" + (child.text or "")
                causes.append(_cause(text))
        # a teardown error on a passed case is reported as a second entry
        if cid in outcomes and outcomes[cid] != "passed":
            continue
        outcomes[cid] = outcome
    for outcome in outcomes.values():
        counts[outcome] += 1
    return dict(counts), outcomes, causes


# NumPy 2 writes scalars as ``np.float64(1.0)``, ``np.int64(3)``, ``np.True_``,
# NumPy 1 as ``1.0``, ``3``, ``True``; a complex one as ``np.complex128(1+2j)``
# against ``(1+2j)``.
_NP_REAL = re.compile(r"\bnp\.(?:float|int|uint|bool|str|bytes|longdouble|half|single|"
                      r"double|intc|uintc|intp|uintp|longlong|ulonglong|short|ushort|"
                      r"byte|ubyte|datetime64|timedelta64)\d*_?\(")
# ``numpy.bool_.__name__``: ``bool_`` in NumPy 1, ``bool`` in NumPy 2
# an object's address in a default repr (``<function f at 0x7f...>``): new in every run
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_BOOL_NAME = re.compile(r"\bbool_\b")
_NP_COMPLEX = re.compile(r"\bnp\.(?:complex\d*|clongdouble|csingle|cdouble)\(")
# a parameterized class name's ``key=array(...)`` value, up to the next
# ``, key=`` or the end of its ``{...}``
_ARRAY_VALUE = re.compile(r"(?<=[{ ])(\w+=)array\(.*?(?=, \w+=|\}(?:_|::|\]|$))", re.S)
_PARAM_INDEX = re.compile(r"_param_\d+_\{")
# an object in a parameterized class name: Chainer's default repr
# ``<pkg.mod.Name object at 0x?>`` (address already masked; pytest may shorten
# the path with ``...``), or a repr in call form ``Name(...)`` (a capitalized
# name: rechain's Link and initializer reprs)
_OBJECT_REPR = re.compile(r"<[\w.]*?(\w+) object at 0x\?>")
_CALL_REPR = re.compile(r"(?<![\w.])([A-Z]\w*)\(")


def _replace_calls(text, pattern, replace):
    """``text`` with each ``pattern(...)`` call (to its balancing parenthesis)
    replaced by ``replace(match, inner)``; an unbalanced one (a shortened
    repr) and what follows are left as they are."""
    out, i = [], 0
    while True:
        m = pattern.search(text, i)
        if m is None:
            break
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        if depth:
            break
        out += [text[i:m.start()], replace(m, text[m.end():j - 1])]
        i = j
    out.append(text[i:])
    return "".join(out)


def _unwrap(text, pattern, keep_parens):
    """``text`` with each ``pattern(...)`` call replaced by its argument."""
    if keep_parens:
        return _replace_calls(text, pattern, lambda m, inner: f"({inner})")
    return _replace_calls(text, pattern, lambda m, inner: inner)


def _mask_objects(params):
    """``params`` (the ``{...}`` of a parameterized class name) with each
    object repr written as ``<Name>``, whatever form the repr has."""
    params = _OBJECT_REPR.sub(r"<\1>", params)
    return _replace_calls(params, _CALL_REPR, lambda m, inner: f"<{m.group(1)}>")


def _param_dict_span(cid, m):
    """``(start, end)`` of the ``{...}`` that ``_PARAM_INDEX`` match ``m`` opens."""
    depth, j = 1, m.end()
    while j < len(cid) and depth:
        depth += {"{": 1, "}": -1}.get(cid[j], 0)
        j += 1
    return m.end() - 1, j


def match_key(cid):
    """The key a case is matched by between a Chainer and a rechain run.

    The test id with what differs between the two environments for the same
    case taken out: (1) the junit name of an id with a ``[`` that does not end
    in ``]`` (a parameterized class name with a list in it) gets a ``]`` from
    pytest >= 9.2 only; (2) NumPy 2 reprs of NumPy scalars (``np.float64(1.0)``,
    ``np.True_``) are written as NumPy 1 writes them, and NumPy 1's type name
    ``bool_`` as NumPy 2's ``bool``; an object's address in a default repr
    (``<function f at 0x7f..>``), new in every run, is masked; (3) in a
    parameterized class name (``Base_param_<i>_{...}``, the index ``i`` names the case) an
    ``array(...)`` value is masked: such values are often random data drawn at
    import, different in every run; and an object's repr there is written
    ``<Name>`` with its class name alone: Chainer's default repr
    ``<chainer.links.connection.linear.Linear object at 0x..>`` and rechain's
    ``Linear(in_size=3, out_size=2, nobias=False)`` name the same case. Ids
    that become equal within one run are not merged (see :func:`match_keys`).
    """
    if "[" in cid and not cid.endswith("]"):
        cid += "]"
    cid = cid.replace("np.True_", "True").replace("np.False_", "False")
    cid = _BOOL_NAME.sub("bool", cid)
    cid = _ADDRESS.sub(" at 0x?", cid)
    cid = _unwrap(cid, _NP_COMPLEX, True)
    cid = _unwrap(cid, _NP_REAL, False)
    m = _PARAM_INDEX.search(cid)
    if m:
        cid = _ARRAY_VALUE.sub(r"\1array(?)", cid)
        m = _PARAM_INDEX.search(cid)
        a, b = _param_dict_span(cid, m)
        cid = cid[:a] + _mask_objects(cid[a:b]) + cid[b:]
    return cid


def match_keys(outcomes):
    """``{match key: outcome}`` for one file's ``{test id: outcome}``.

    Where two ids of the run give the same key, both keep their raw ids, so
    the keys never join two cases of one run.
    """
    keys = collections.defaultdict(list)
    for cid in outcomes:
        keys[match_key(cid)].append(cid)
    out = {}
    for key, cids in keys.items():
        if len(cids) == 1:
            out[key] = outcomes[cids[0]]
        else:
            out.update((c, outcomes[c]) for c in cids)
    return out


def run_file(python, tests_dir, rel, timeout, shim, workdir):
    """Run one test file; returns a result dict (counts, outcomes, causes, note)."""
    xml = os.path.join(workdir, "junit.xml")
    if os.path.exists(xml):
        os.remove(xml)
    ini = os.path.join(workdir, "pytest.ini")
    with open(ini, "w") as f:
        f.write(INI)
    cmd = [python, "-m", "pytest", os.path.join(tests_dir, rel), "-c", ini,
           "--rootdir", tests_dir, "-q", "-p", "no:cacheprovider", "-m", MARKS,
           "--junitxml", xml, "-o", "junit_family=xunit1", "-W", "ignore::DeprecationWarning"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", CHAINER_TEST_GPU_LIMIT="0")
    cmd[3:3] = ["-p", "deselect_chainerx"]
    paths = [SHIM_DIR, tests_dir]
    if shim:
        cmd[3:3] = ["-p", "rechain_as_chainer"]
        paths = [SHIM_DIR, ROOT, tests_dir]
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in
                                                 [os.environ.get("PYTHONPATH")] if p])
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    note = ""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        note = f"timeout after {timeout:g} s"
    except BaseException:  # interrupted: take the file's pytest down too
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    seconds = time.monotonic() - start
    out = out.decode("utf-8", "replace")
    if os.path.exists(xml):
        try:
            counts, outcomes, causes = parse_junit(xml)
        except ET.ParseError:
            counts, outcomes, causes = None, {}, []
    else:
        counts, outcomes, causes = None, {}, []
    if counts is None:
        # no report: a timeout, or pytest died; count the file as one error
        counts = dict(passed=0, failed=0, errors=1, skipped=0)
        tail = [ln for ln in out.splitlines() if ln.strip()][-1:] or ["(no output)"]
        note = note or f"no report: {tail[0][:120]}"
        causes = [note if note.startswith("timeout") else _cause(out)]
    elif not outcomes:
        counts = dict(passed=0, failed=0, errors=0, skipped=0)
    if proc.returncode not in (0, 1, 5, None) and not note:
        if "ERROR collecting" in out or "error" in out.lower():
            note = "collection error"
    return {"file": rel, "counts": counts, "outcomes": outcomes, "causes": causes,
            "note": note, "seconds": seconds}


def _pct(a, b):
    return "-" if b == 0 else f"{100.0 * a / b:.0f}%"


def markdown(results, baseline=None, top=25):
    """The per-file table, a total row and the top failure causes."""
    head = ["file", "cases", "passed", "failed", "errors", "skipped", "pass %"]
    if baseline is not None:
        head += ["Chainer passed", "of those pass here", "%"]
    head.append("note")
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    tot = collections.Counter()
    for r in results:
        c = r["counts"]
        n = sum(c.values())
        cells = [r["file"].replace("chainer_tests/", ""), str(n), str(c["passed"]),
                 str(c["failed"]), str(c["errors"]), str(c["skipped"]),
                 _pct(c["passed"], n)]
        tot.update(c)
        tot["cases"] += n
        if baseline is not None:
            b = baseline.get(r["file"])
            if b is None:
                cells += ["-", "-", "-"]
            else:
                theirs, ours = match_keys(b["outcomes"]), match_keys(r["outcomes"])
                ok = [k for k, v in theirs.items() if v == "passed"]
                here = sum(1 for k in ok if ours.get(k) == "passed")
                tot["base"] += len(ok)
                tot["both"] += here
                if ok:
                    tot["files_base"] += 1
                    tot["files95"] += here >= 0.95 * len(ok)
                cells += [str(len(ok)), str(here), _pct(here, len(ok))]
        cells.append(r["note"])
        rows.append("| " + " | ".join(cells) + " |")
    total = ["**total**", str(tot["cases"]), str(tot["passed"]), str(tot["failed"]),
             str(tot["errors"]), str(tot["skipped"]), _pct(tot["passed"], tot["cases"])]
    if baseline is not None:
        total += [str(tot["base"]), str(tot["both"]), _pct(tot["both"], tot["base"])]
    total.append("")
    rows.append("| " + " | ".join(total) + " |")
    causes = collections.Counter(c for r in results for c in r["causes"])
    lines = list(rows)
    if baseline is not None:
        lines += ["", f"Files where at least 95% of Chainer's passing cases pass here: "
                  f"{tot['files95']} of {tot['files_base']} (files with a passing case on "
                  f"Chainer)."]
    lines += ["", f"Most frequent failure causes (test count, top {top}):", ""]
    lines += [f"- {n}: `{c.replace('`', chr(39))}`" for c, n in causes.most_common(top)]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("chainer_src", help="a local checkout of Chainer v7.8.1")
    p.add_argument("--files", default="", help="comma-separated substrings/globs of "
                   "test paths to run (default: all)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per file")
    p.add_argument("--markdown-out", help="write the table here (default: stdout)")
    p.add_argument("--baseline-python", help="python of an env with Chainer 7.8.1")
    p.add_argument("--baseline-json", help="outcomes saved by a --real-chainer run")
    p.add_argument("--python", default=sys.executable, help="interpreter to run with")
    p.add_argument("--real-chainer", action="store_true",
                   help="run without the rechain alias (with --python of a Chainer env)")
    p.add_argument("--json-out", help="save every case's outcome here (JSON)")
    p.add_argument("--top", type=int, default=25, help="failure causes listed")
    p.add_argument("--quiet", action="store_true", help="no per-file progress on stderr")
    args = p.parse_args(argv)
    tests_dir = os.path.join(os.path.abspath(args.chainer_src), "tests")
    patterns = [s.strip() for s in args.files.split(",") if s.strip()]
    files = find_test_files(os.path.abspath(args.chainer_src), patterns)
    if not files:
        p.error(f"no test file matches {args.files!r}")
    results, baseline = [], ({} if args.baseline_python else None)
    if args.baseline_json:
        with open(args.baseline_json) as f:
            baseline = {k: {"outcomes": v} for k, v in json.load(f).items()}
    with tempfile.TemporaryDirectory(prefix="chainer_tests_") as work:
        for i, rel in enumerate(files, 1):
            r = run_file(args.python, tests_dir, rel, args.timeout, not args.real_chainer,
                         work)
            results.append(r)
            if args.baseline_python:
                baseline[rel] = run_file(args.baseline_python, tests_dir, rel,
                                         args.timeout, False, work)
            if not args.quiet:
                c = r["counts"]
                print(f"[{i}/{len(files)}] {rel}: {c['passed']} passed, {c['failed']} "
                      f"failed, {c['errors']} errors, {c['skipped']} skipped "
                      f"({r['seconds']:.0f} s) {r['note']}", file=sys.stderr, flush=True)
            if args.markdown_out and i < len(files):  # a partial table survives a stop
                with open(args.markdown_out, "w") as f:
                    f.write(f"(partial: {i} of {len(files)} files)\n\n"
                            + markdown(results, baseline, args.top))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({r["file"]: r["outcomes"] for r in results}, f, separators=(",", ":"))
    table = markdown(results, baseline, args.top)
    if args.markdown_out:
        with open(args.markdown_out, "w") as f:
            f.write(table)
    else:
        sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))  # so run_file cleans up
    sys.exit(main())
