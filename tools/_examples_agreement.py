"""``tools/chainer_examples.py --agreement``: first losses of an example, rechain vs Chainer 7.8.1.

For each case the example directory is copied twice: as shipped (run by
Chainer 7.8.1 in the venv that benchmarks/peers/run.py creates and reuses,
benchmarks/peers/.venvs/chainer) and with its imports rewritten (run by
rechain from this checkout). The same batches are written to one npz that both
read. Chainer builds the example's model and saves its initial weights with
save_npz; rechain builds the same model and loads them with load_npz. Both
train ITERATIONS iterations with the example's optimizer (and, for ptb, its
iterator and BPTT updater; see CASES), single-threaded BLAS, and the losses are compared:
every iteration must agree to 1e-5 relative.
"""

import datetime
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "_agreement_worker.py")
OUT_DIR = os.path.join(REPO, "benchmarks", "out")
LOG_DIR = os.path.join(OUT_DIR, "chainer_examples")
CHAINER_DEPS = os.path.join(LOG_DIR, "deps-chainer")
TABLE = os.path.join(OUT_DIR, "chainer_examples_agreement.md")
RTOL = 1e-5

# What the examples import beyond Chainer (matplotlib in train_mnist.py), for
# the Chainer venv; built against its NumPy 1.
CHAINER_EXTRA = ["matplotlib", "contourpy", "cycler", "fonttools", "kiwisolver", "packaging",
                 "pillow", "pyparsing", "python-dateutil", "six", "regex", "click", "tqdm"]

THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def chainer_python(log):
    """The Chainer 7.8.1 interpreter of benchmarks/peers (created there if missing)."""
    path = os.path.join(REPO, "benchmarks", "peers", "run.py")
    spec = importlib.util.spec_from_file_location("_peers_run", path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(os.path.dirname(path))
    py = mod.ensure_env("chainer")
    env = dict(os.environ, PYTHONPATH=CHAINER_DEPS)
    if subprocess.run([py, "-c", "import matplotlib, regex, click, tqdm"], env=env,
                      capture_output=True).returncode != 0:
        log("[agreement] installing matplotlib for the Chainer venv into "
            + os.path.relpath(CHAINER_DEPS, REPO))
        subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "--target", CHAINER_DEPS, "--no-deps"] + CHAINER_EXTRA, check=True,
                       capture_output=True)
    return py


def make_data(case, iterations, seed=0):
    rng = numpy.random.RandomState(seed)
    if case == "mnist":
        x = rng.rand(iterations, 100, 784).astype(numpy.float32)
        w = rng.randn(784, 10).astype(numpy.float32)
        t = numpy.argmax(x @ w + rng.randn(iterations, 100, 10).astype(numpy.float32) * 2,
                         axis=-1).astype(numpy.int32)
        return {"x": x, "t": t, "n_units": numpy.array(50)}
    if case == "ptb":
        # A sequence with structure (next word mostly depends on the current).
        n_vocab, n = 50, 4000
        words = numpy.empty(n, numpy.int32)
        words[0] = 0
        for i in range(1, n):
            words[i] = (words[i - 1] * 7 + 3) % n_vocab if rng.rand() < 0.7 else rng.randint(n_vocab)
        return {"words": words, "n_units": numpy.array(20), "batchsize": numpy.array(10),
                "bproplen": numpy.array(5), "iterations": numpy.array(iterations)}
    if case == "dqn":
        shape = (iterations, 32)
        obs = rng.randn(*shape, 4).astype(numpy.float32)
        return {"obs": obs, "action": rng.randint(0, 2, size=shape).astype(numpy.int32),
                "reward": numpy.ones(shape, numpy.float32) * 0.01,
                "done": rng.rand(*shape) < 0.1,
                "obs_next": (obs + 0.1 * rng.randn(*shape, 4)).astype(numpy.float32),
                "n_units": numpy.array(50)}
    if case.startswith("text_classification"):
        n, batchsize = iterations * 16, 16
        lengths = rng.randint(3, 15, size=n)
        tokens = rng.randint(0, 80, size=int(lengths.sum())).astype(numpy.int32)
        # The label depends on the tokens (mean token id above the middle).
        offsets = numpy.concatenate([[0], numpy.cumsum(lengths)])
        labels = numpy.array([int(tokens[offsets[i]:offsets[i + 1]].mean() > 40)
                              for i in range(n)], numpy.int32)
        return {"tokens": tokens, "lengths": lengths, "labels": labels,
                "n_units": numpy.array(20), "batchsize": numpy.array(batchsize),
                "iterations": numpy.array(iterations)}
    if case.startswith("word2vec"):
        d = make_data("ptb", iterations, seed)
        return {"words": d["words"], "n_units": numpy.array(20), "window": numpy.array(2),
                "batchsize": numpy.array(20), "iterations": numpy.array(iterations)}
    if case == "seq2seq":
        n = iterations * 8
        src_len = rng.randint(2, 10, size=n)
        src = rng.randint(2, 40, size=int(src_len.sum())).astype(numpy.int32)
        # Target: the source reversed, shifted into another vocabulary.
        so = numpy.concatenate([[0], numpy.cumsum(src_len)])
        tgt = numpy.concatenate([src[so[i]:so[i + 1]][::-1] + 1 for i in range(n)]).astype(
            numpy.int32)
        return {"src": src, "src_len": src_len, "tgt": tgt, "tgt_len": src_len.copy(),
                "n_units": numpy.array(16), "batchsize": numpy.array(8),
                "iterations": numpy.array(iterations)}
    raise ValueError("unknown agreement case %r" % case)


def compare(chainer_losses, rechain_losses, rtol=RTOL):
    """Row fields comparing two loss lists: agree iff same length and every
    |a - b| <= rtol * |a| (NaN never agrees)."""
    a = numpy.array(chainer_losses, numpy.float64)
    b = numpy.array(rechain_losses, numpy.float64)
    n = min(len(a), len(b))
    rel = numpy.abs(a[:n] - b[:n]) / numpy.maximum(numpy.abs(a[:n]), 1e-30)
    bad = numpy.nonzero(~(rel <= rtol))[0]
    detail = "max relative difference %.2e" % (numpy.nanmax(rel) if n and not
                                               numpy.isnan(rel).all() else float("nan"))
    if len(bad):
        detail += "; first over %.0e at iteration %d" % (rtol, bad[0] + 1)
    if len(a) != len(b):
        detail += "; %d losses from Chainer, %d from rechain" % (len(a), len(b))
    return {"result": "agree" if len(bad) == 0 and len(a) == len(b) and n else "DISAGREE",
            "max_rel": float(numpy.max(rel)) if n else float("nan"),
            "first_bad": int(bad[0]) + 1 if len(bad) else None,
            "chainer": a.tolist(), "rechain": b.tolist(), "detail": detail}


CASES = {"mnist": ("mnist", "train_mnist.py"), "ptb": ("ptb", "train_ptb.py"),
         "dqn": ("reinforcement_learning", "dqn_cartpole.py"),
         "text_classification_rnn": ("text_classification", "nets.py"),
         "text_classification_cnn": ("text_classification", "nets.py"),
         "text_classification_bow": ("text_classification", "nets.py"),
         "word2vec_skipgram_hsm": ("word2vec", "train_word2vec.py"),
         "word2vec_skipgram_original": ("word2vec", "train_word2vec.py"),
         "word2vec_cbow_hsm": ("word2vec", "train_word2vec.py"),
         "seq2seq": ("seq2seq", "seq2seq.py")}


def run_case(case, args, scratch, py_chainer, log):
    from chainer_examples import DEPS_DIR, rewrite_tree
    exdir, _ = CASES[case]
    src = os.path.join(args.chainer_src, "examples", exdir)
    orig = os.path.join(scratch, case, "chainer", exdir)
    ours = os.path.join(scratch, case, "rechain", exdir)
    for d in (orig, ours):
        shutil.copytree(src, d, ignore=shutil.ignore_patterns(".testdata", "*.png"))
    rewrite_tree(ours)
    data_path = os.path.join(scratch, case, "data.npz")
    numpy.savez(data_path, **make_data(case, args.iterations))
    init_path = os.path.join(scratch, case, "init.npz")
    res = {}
    for fw, py, exd, pypath in (("chainer", py_chainer, orig,
                                 os.pathsep.join([CHAINER_DEPS, DEPS_DIR])),
                                ("rechain", sys.executable, ours,
                                 os.pathsep.join([REPO, DEPS_DIR]))):
        out = os.path.join(scratch, case, fw + ".json")
        env = dict(os.environ, PYTHONPATH=pypath, MPLBACKEND="Agg", **THREADS)
        logpath = os.path.join(LOG_DIR, "agreement-%s-%s.log" % (case, fw))
        with open(logpath, "w") as logf:
            r = subprocess.run([py, WORKER, fw, case, exd, data_path, init_path, out],
                               env=env, stdout=logf, stderr=subprocess.STDOUT,
                               timeout=args.timeout)
        if r.returncode != 0:
            with open(logpath) as f:
                tail = [l for l in f.read().splitlines() if l.strip()]
            res[fw] = {"error": tail[-1] if tail else "rc %d" % r.returncode,
                       "log": os.path.relpath(logpath, REPO)}
            if fw == "chainer":
                break
        else:
            with open(out) as f:
                res[fw] = json.load(f)
    row = {"case": case, "iterations": args.iterations}
    if "error" in res.get("chainer", {}):
        row.update(result="Chainer side failed", detail=res["chainer"]["error"])
    elif "error" in res.get("rechain", {}):
        row.update(result="rechain failed", detail=res["rechain"]["error"],
                   log=res["rechain"]["log"])
    else:
        row.update(compare(res["chainer"]["losses"], res["rechain"]["losses"]))
    log("[agreement %s] %s: %s" % (case, row["result"], row.get("detail", "")))
    return row


def table(rows):
    out = ["## Loss agreement with Chainer 7.8.1 (tools/chainer_examples.py --agreement)", "",
           "Same initial weights (Chainer save_npz -> rechain load_npz), same batches, "
           "the example's model and optimizer; every iteration's loss must agree to "
           "%.0e relative. Run %s UTC." % (RTOL, datetime.datetime.utcnow().strftime(
               "%Y-%m-%d %H:%M")), "",
           "| case | iterations | result | detail | loss 1 (Chainer / rechain) | loss %s (Chainer / rechain) |"
           % (rows[0]["iterations"] if rows else "N"), "|---|---|---|---|---|---|"]
    for r in rows:
        first = last = ""
        if "chainer" in r:
            first = "%.7g / %.7g" % (r["chainer"][0], r["rechain"][0])
            last = "%.7g / %.7g" % (r["chainer"][-1], r["rechain"][-1])
        out.append("| %s | %d | %s | %s | %s | %s |" % (
            r["case"], r["iterations"], r["result"], r.get("detail", "").replace("|", "\\|"),
            first, last))
    return "\n".join(out) + "\n"


def main(args, log):
    from chainer_examples import _write_atomic, ensure_deps
    os.makedirs(LOG_DIR, exist_ok=True)
    ensure_deps(log)
    py = chainer_python(log)
    cases = list(CASES) if not args.only else [c.strip() for c in args.only.split(",")]
    for c in cases:
        if c not in CASES:
            raise SystemExit("--agreement cases: %s (not %r)" % (", ".join(CASES), c))
    scratch = tempfile.mkdtemp(prefix="rechain-agreement-")
    try:
        rows = [run_case(c, args, scratch, py, log) for c in cases]
    finally:
        if args.keep:
            log("[kept] " + scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    text = table(rows)
    print(text)
    _write_atomic(TABLE, text)
    _write_atomic(os.path.join(LOG_DIR, "agreement.json"), json.dumps(rows, indent=1))
    return rows
