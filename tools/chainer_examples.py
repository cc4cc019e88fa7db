"""Run Chainer v7.8.1's own examples on rechain and report what runs.

    python tools/chainer_examples.py --chainer-src /work/chainer-src
    python tools/chainer_examples.py --chainer-src /work/chainer-src --only mnist,ptb
    python tools/chainer_examples.py --agreement --chainer-src /work/chainer-src

Each example directory is copied to a scratch directory and every ``.py`` file
in it gets exactly one kind of edit: its chainer imports are pointed at rechain
(``import chainer`` -> ``import rechain as chainer``, ``from chainer.x import
y`` -> ``from rechain.x import y``, ...) and ``import chainerx`` statements
become ``pass`` (line numbers are kept, so tracebacks match the original).
Nothing else in an example is touched.

The examples download their data sets. The harness serves synthetic files in
the real upstream formats instead (MNIST idx.gz, the CIFAR-10 python tarball,
the PTB text files, the sentence-classification text files) by intercepting
urllib from outside the example (``_boot.py``, run before the script), with
``RECHAIN_DATASET_ROOT`` pointing at a fresh empty cache. So the loaders and
the download cache of ``rechain.datasets`` are what gets exercised. Any other
URL raises instead of touching the network. ``--data functions`` replaces
``rechain.datasets.get_mnist``/``get_cifar10``/``get_cifar100``/
``get_ptb_words``/``get_ptb_words_vocabulary`` by synthetic generators of the
same shapes and dtypes instead (only the names rechain already has).

Because the ``import chainerx`` lines are gone while a few examples still say
``device.xp is chainerx``, the boot module binds the builtin name ``chainerx``
to an empty module that is no array module (what ``chainerx`` is in a Chainer
built without ChainerX: ``chainerx.is_available()`` is False).

The table goes to stdout and to benchmarks/out/chainer_examples.md; each run's
output to benchmarks/out/chainer_examples/<run>.log.

``--agreement`` runs the first 20 iterations of an example's model and
optimizer in rechain and in Chainer 7.8.1 (the venv of benchmarks/peers) from
the same initial weights (saved by Chainer with save_npz, loaded by rechain
with load_npz) on the same batches, and compares the losses.
"""

import argparse
import ast
import datetime
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT_DIR = os.path.join(REPO, "benchmarks", "out")
LOG_DIR = os.path.join(OUT_DIR, "chainer_examples")
DEPS_DIR = os.path.join(LOG_DIR, "deps")
TABLE_PATH = os.path.join(OUT_DIR, "chainer_examples.md")

# Third-party packages some examples import that rechain never depends on.
# gym 0.11.0 is the newest gym with the API dqn_cartpole.py uses
# (env.spec.timestep_limit, 4-tuple step, reset() returning the observation).
# gym imports pkg_resources, which setuptools 81 and later no longer ship.
EXAMPLE_DEPS = ["gym==0.11.0", "nltk", "progressbar2", "python-utils", "joblib",
                "setuptools<81"]
DEPS_CHECK = "import gym, nltk.translate.bleu_score, progressbar, pkg_resources"


# --------------------------------------------------------------------------
# Import rewriting (a pure function of the source text)
# --------------------------------------------------------------------------

def _is_chainer(name):
    return name == "chainer" or name.startswith("chainer.")


def _is_chainerx(name):
    return name == "chainerx" or name.startswith("chainerx.")


def _to_rechain(name):
    return "rechain" + name[len("chainer"):]


def _rewrite_import(node):
    """New text for an ``import ...`` statement, or None to keep it."""
    names = [a.name for a in node.names]
    if not any(_is_chainer(n) or _is_chainerx(n) for n in names):
        return None
    parts = []
    bind_chainer = False
    for alias in node.names:
        name, asname = alias.name, alias.asname
        if _is_chainerx(name):
            continue
        if not _is_chainer(name):
            parts.append(name + (" as " + asname if asname else ""))
        elif name == "chainer":
            parts.append("rechain as " + (asname or "chainer"))
        elif asname:
            parts.append(_to_rechain(name) + " as " + asname)
        else:
            # ``import chainer.x`` binds ``chainer`` and loads chainer.x.
            parts.append(_to_rechain(name))
            bind_chainer = True
    if not parts:
        return "pass"
    text = "import " + ", ".join(parts)
    if bind_chainer:
        text += "; import rechain as chainer"
    return text


def rewrite_source(source):
    """Point a Python source's chainer imports at rechain.

    Returns ``(new_source, changes)`` where ``changes`` lists
    ``(line_number, old_statement, new_statement)``. Only import statements
    are edited (found with ``ast``, so strings and comments are never
    touched): ``import chainer`` -> ``import rechain as chainer``,
    ``import chainer.x as y`` -> ``import rechain.x as y``, ``import chainer.x``
    -> ``import rechain.x; import rechain as chainer``, ``from chainer[.x]
    import ...`` -> ``from rechain[.x] import ...``; ``import chainerx``
    (alone in its statement) becomes ``pass`` and is dropped from a
    comma-separated import. Line numbers do not change. Raises SyntaxError
    when the source does not parse.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits = []  # (lineno, col, end_lineno, end_col, new_text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            new = _rewrite_import(node)
            if new is not None:
                edits.append((node.lineno, node.col_offset, node.end_lineno,
                              node.end_col_offset, new, None))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and _is_chainer(node.module):
                edits.append((node.lineno, node.col_offset, node.end_lineno,
                              node.end_col_offset, None, node.module))
    changes = []
    # Apply from the bottom so earlier offsets stay valid.
    for lineno, col, end_lineno, end_col, new, module in sorted(edits, reverse=True):
        first = lines[lineno - 1]
        # ast offsets are UTF-8 byte offsets.
        bfirst = first.encode("utf-8")
        if module is not None:
            # Only the module name after ``from`` changes; the rest of the
            # statement (possibly spanning several lines) is kept as is.
            head = bfirst[col:].decode("utf-8")
            m = re.match(r"from\s+", head)
            start = m.end()
            assert head[start:start + len(module)] == module, (head, module)
            old_stmt = head.rstrip("\n")
            new_head = head[:start] + _to_rechain(module) + head[start + len(module):]
            lines[lineno - 1] = bfirst[:col].decode("utf-8") + new_head
            changes.append((lineno, old_stmt.strip(), new_head.rstrip("\n").strip()))
            continue
        blast = lines[end_lineno - 1].encode("utf-8")
        old_stmt = "".join(lines[lineno - 1:end_lineno]).encode("utf-8")
        prefix = bfirst[:col].decode("utf-8")
        suffix = blast[end_col:].decode("utf-8")
        old_text = old_stmt[col:len(old_stmt) - len(blast) + end_col].decode("utf-8")
        # Keep the line count: a multi-line statement leaves blank lines.
        pad = "\n" * (end_lineno - lineno)
        lines[lineno - 1] = prefix + new + suffix.rstrip("\n") + pad + (
            "\n" if suffix.endswith("\n") else "")
        for i in range(lineno, end_lineno):
            lines[i] = ""
        changes.append((lineno, " ".join(old_text.split()), new))
    changes.sort()
    return "".join(lines), changes


def rewrite_tree(root):
    """Rewrite every .py file under root in place; returns {relpath: changes}."""
    done = {}
    for dirpath, _, files in os.walk(root):
        for fn in sorted(files):
            if not fn.endswith(".py"):
                continue
            path = os.path.join(dirpath, fn)
            with open(path, encoding="utf-8") as f:
                src = f.read()
            new, changes = rewrite_source(src)
            if changes:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
                done[os.path.relpath(path, root)] = changes
    return done


# --------------------------------------------------------------------------
# Synthetic data sets in the upstream file formats
# --------------------------------------------------------------------------

def _rng(seed):
    import numpy
    return numpy.random.RandomState(seed)


def _idx_gz(path, magic, arr):
    import gzip
    import struct
    header = struct.pack(">i", magic) + b"".join(struct.pack(">i", d) for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype("uint8").tobytes())


def _py2_pickle_batch(data, labels, batch_label, label_key=b"labels"):
    """Bytes of a Python 2 cPickle (protocol 2) of a CIFAR batch dict.

    The real CIFAR python files are Python 2 pickles: keys are py2 ``str``
    (read back as ``str`` under encoding='latin-1', as ``bytes`` under
    encoding='bytes'), ``data`` a uint8 ndarray reconstructed by
    ``numpy.core.multiarray._reconstruct``. Written opcode by opcode so the
    synthetic file loads exactly as the real one does.
    """
    import struct

    def sbs(b):  # SHORT_BINSTRING (a py2 str)
        assert len(b) < 256
        return b"U" + bytes([len(b)]) + b

    def binint(i):
        return b"J" + struct.pack("<i", i)

    out = [b"\x80\x02", b"}", b"("]
    out += [sbs(b"batch_label"), sbs(batch_label)]
    out += [sbs(label_key), b"]", b"("] + [binint(int(v)) for v in labels] + [b"e"]
    n, d = data.shape
    raw = data.astype("uint8").tobytes()
    arr = [b"cnumpy.core.multiarray\n_reconstruct\n", b"cnumpy\nndarray\n",
           binint(0), b"\x85", sbs(b"b"), b"\x87", b"R",
           b"(", binint(1), binint(n), binint(d), b"\x86",
           b"cnumpy\ndtype\n", sbs(b"u1"), binint(0), binint(1), b"\x87", b"R",
           b"(", binint(3), sbs(b"|"), b"N", b"N", b"N", binint(-1), binint(-1),
           binint(0), b"t", b"b",
           b"\x89", b"T" + struct.pack("<i", len(raw)) + raw, b"t", b"b"]
    out += [sbs(b"data")] + arr
    out += [sbs(b"filenames"), b"]", b"("] + [
        sbs(b"synthetic_%05d.png" % i) for i in range(n)] + [b"e"]
    out += [b"u", b"."]
    return b"".join(out)


def _cifar10_tarball(path, n_per_batch=10000, n_test=10000):
    """The CIFAR-10 python tarball at its real size (loaders preallocate 10000
    rows a batch). Each image repeats one random 96-byte row so the archive
    compresses to a few MB."""
    import tarfile
    import numpy
    rng = _rng(10)

    def add(tf, name, payload):
        info = tarfile.TarInfo(name)
        info.size = len(payload)
        tf.addfile(info, io.BytesIO(payload))

    def images(n):
        return numpy.tile(rng.randint(0, 256, size=(n, 96)), (1, 32))

    with tarfile.open(path, "w:gz", compresslevel=1) as tf:
        add(tf, "cifar-10-batches-py/batches.meta", pickle_protocol2_meta())
        for i in range(1, 6):
            add(tf, "cifar-10-batches-py/data_batch_%d" % i,
                _py2_pickle_batch(images(n_per_batch), rng.randint(0, 10, size=n_per_batch),
                                  b"training batch %d of 5" % i))
        add(tf, "cifar-10-batches-py/test_batch",
            _py2_pickle_batch(images(n_test), rng.randint(0, 10, size=n_test),
                              b"testing batch 1 of 1"))


def pickle_protocol2_meta():
    """batches.meta: label names, as a py2 pickle of str keys and values."""
    import struct

    def sbs(b):
        return b"U" + bytes([len(b)]) + b

    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog",
             b"horse", b"ship", b"truck"]
    out = [b"\x80\x02", b"}", b"(", sbs(b"num_vis"), b"J" + struct.pack("<i", 3072),
           sbs(b"label_names"), b"]", b"("] + [sbs(n) for n in names]
    out += [b"e", sbs(b"num_cases_per_batch"), b"J" + struct.pack("<i", 10000), b"u", b"."]
    return b"".join(out)


def _words(rng, vocab, n_lines, lo, hi):
    lines = []
    for _ in range(n_lines):
        k = rng.randint(lo, hi + 1)
        lines.append(" ".join(vocab[j] for j in rng.randint(0, len(vocab), size=k)))
    return lines


def make_synthetic_files(root):
    """Write the download files every example asks for; {basename: path}."""
    import numpy
    os.makedirs(root, exist_ok=True)
    files = {}
    rng = _rng(0)

    def path(name):
        p = os.path.join(root, name)
        files[name] = p
        return p

    # MNIST: idx files, 28x28 uint8 images, uint8 labels.
    for prefix, n in (("train", 1000), ("t10k", 200)):
        imgs = rng.randint(0, 256, size=(n, 28, 28))
        labels = rng.randint(0, 10, size=n)
        _idx_gz(path(prefix + "-images-idx3-ubyte.gz"), 2051, imgs)
        _idx_gz(path(prefix + "-labels-idx1-ubyte.gz"), 2049, labels)
    # CIFAR-10: the python tarball.
    _cifar10_tarball(path("cifar-10-python.tar.gz"))
    # PTB: one sentence a line, a leading space, words and <unk>.
    vocab = ["w%d" % i for i in range(120)] + ["<unk>", "N"]
    for split, n in (("train", 300), ("valid", 60), ("test", 60)):
        with open(path("ptb.%s.txt" % split), "w") as f:
            for line in _words(rng, vocab, n, 3, 15):
                f.write(" " + line + " \n")
    # Sentence classification (harvardnlp sent-conv-torch): "label text".
    for name, classes in (("stsa.binary", 2), ("stsa.fine", 5)):
        for split, n in (("train", 200), ("test", 60)):
            with open(path("%s.%s" % (name, split)), "w") as f:
                for line in _words(rng, vocab[:100], n, 4, 20):
                    f.write("%d %s\n" % (rng.randint(0, classes), line))
    # seq2seq: parallel text and vocabularies (files given on the command line).
    src_vocab = ["s%d" % i for i in range(60)]
    tgt_vocab = ["t%d" % i for i in range(60)]
    for split, n in (("train", 120), ("valid", 20)):
        src = _words(rng, src_vocab, n, 2, 10)
        with open(path("seq2seq.%s.src" % split), "w") as f:
            f.write("\n".join(src) + "\n")
        with open(path("seq2seq.%s.tgt" % split), "w") as f:
            for line in src:
                f.write(" ".join("t" + w[1:] for w in reversed(line.split())) + "\n")
    with open(path("seq2seq.vocab.src"), "w") as f:
        f.write("\n".join(src_vocab) + "\n")
    with open(path("seq2seq.vocab.tgt"), "w") as f:
        f.write("\n".join(tgt_vocab) + "\n")
    numpy.save(os.path.join(root, ".made"), numpy.zeros(1))
    return files


# --------------------------------------------------------------------------
# The runs
# --------------------------------------------------------------------------

def _seq2seq_args(data):
    return [os.path.join(data, "seq2seq.train.src"), os.path.join(data, "seq2seq.train.tgt"),
            os.path.join(data, "seq2seq.vocab.src"), os.path.join(data, "seq2seq.vocab.tgt"),
            "--validation-source", os.path.join(data, "seq2seq.valid.src"),
            "--validation-target", os.path.join(data, "seq2seq.valid.tgt"),
            "-b", "8", "-e", "1", "-u", "16", "-l", "1", "--log-interval", "5",
            "--validation-interval", "10", "-d", "-1"]


def _w2v(*extra):
    return ["--test", "-e", "1", "-b", "20", "-w", "2", "-u", "10", "-d", "-1"] + list(extra)


def _tc(model):
    return ["--dataset", "stsa.binary", "--model", model, "-e", "1", "-b", "16",
            "-u", "20", "--test", "-d", "-1"]


# (name, example directory, script, argv builder taking the synthetic data dir)
RUNS = [
    ("mnist", "mnist", "train_mnist.py",
     lambda d: ["-e", "1", "-b", "100", "-u", "20", "-d", "-1"]),
    ("mnist custom loop", "mnist", "train_mnist_custom_loop.py",
     lambda d: ["-e", "1", "-b", "100", "-u", "20", "-d", "-1"]),
    ("cifar custom loop", "cifar", "train_cifar_custom_loop.py",
     lambda d: ["--test", "-e", "1", "-b", "20", "-d", "-1"]),
    ("ptb", "ptb", "train_ptb.py",
     lambda d: ["--test", "-e", "1", "-b", "5", "-l", "5", "-u", "10", "-d", "-1"]),
    ("ptb custom loop", "ptb", "train_ptb_custom_loop.py",
     lambda d: ["--test", "-e", "1", "-b", "5", "-l", "5", "-u", "10", "-d", "-1"]),
    ("vae", "vae", "train_vae.py",
     lambda d: ["--test", "-e", "1", "-b", "20", "-z", "4", "--dim-h", "20", "-d", "-1"]),
    ("dcgan", "dcgan", "train_dcgan.py",
     lambda d: ["-b", "10", "-e", "1", "-n", "10", "--snapshot_interval", "5",
                "--display_interval", "5", "-d", "-1"]),
    ("seq2seq", "seq2seq", "seq2seq.py", _seq2seq_args),
    ("word2vec skipgram hsm", "word2vec", "train_word2vec.py",
     lambda d: _w2v("-m", "skipgram", "-o", "hsm")),
    ("word2vec skipgram ns", "word2vec", "train_word2vec.py",
     lambda d: _w2v("-m", "skipgram", "-o", "ns")),
    ("word2vec skipgram original", "word2vec", "train_word2vec.py",
     lambda d: _w2v("-m", "skipgram", "-o", "original")),
    ("word2vec cbow hsm", "word2vec", "train_word2vec.py",
     lambda d: _w2v("-m", "cbow", "-o", "hsm")),
    ("text_classification cnn", "text_classification", "train_text_classifier.py",
     lambda d: _tc("cnn")),
    ("text_classification rnn", "text_classification", "train_text_classifier.py",
     lambda d: _tc("rnn")),
    ("text_classification bow", "text_classification", "train_text_classifier.py",
     lambda d: _tc("bow")),
    ("dqn_cartpole", "reinforcement_learning", "dqn_cartpole.py",
     lambda d: ["--episodes", "3", "-b", "16", "-u", "20", "--replay-start-size", "40",
                "--target-update-freq", "20", "--no-record", "-d", "-1"]),
]


# Runs whose data set must be smaller than the real one: train_dcgan.py has no
# flag to stop before a full epoch (50,000 CIFAR-10 images), so its loader is
# replaced by a synthetic one of 60 training images (same shapes and dtypes):
# 6 iterations of batch 10, a DCGAN iteration costs seconds on a CPU.
FUNCTIONS_DATA_RUNS = {"dcgan": {"RECHAIN_EXAMPLES_CIFAR_TRAIN": "60"}}


def _slug(name):
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def ensure_deps(log):
    """pip-install the examples' third-party imports into DEPS_DIR (once)."""
    env = dict(os.environ, PYTHONPATH=DEPS_DIR)
    if subprocess.run([sys.executable, "-c", DEPS_CHECK], env=env,
                      capture_output=True).returncode == 0:
        return None
    os.makedirs(DEPS_DIR, exist_ok=True)
    log("[deps] installing %s into %s" % (" ".join(EXAMPLE_DEPS), os.path.relpath(DEPS_DIR, REPO)))
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", "--target", DEPS_DIR, "--no-deps",
                        "--upgrade"] + EXAMPLE_DEPS, capture_output=True, text=True)
    if r.returncode != 0:
        return "pip install failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    return None


_TB_FILE = re.compile(r'^\s*File "([^"]+)", line (\d+), in (\S+)')


def parse_failure(output, example_dir):
    """(error line, missing name or None, where, example frame) from a run's output.

    The error line is the exception line of the last traceback; where is the
    innermost frame in rechain/ (else in the example); missing is the name an
    AttributeError/ImportError/NameError says is absent.
    """
    lines = output.splitlines()
    # The last traceback in the output and its final exception line.
    start = None
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            start = i
    if start is None:
        tail = [l for l in lines if l.strip()]
        return (tail[-1].strip() if tail else "(no output)"), None, "", ""
    frames = []
    err = ""
    for line in lines[start + 1:]:
        m = _TB_FILE.match(line)
        if m:
            frames.append((m.group(1), int(m.group(2)), m.group(3)))
        elif line and not line.startswith(" ") and not line.startswith("Traceback"):
            if re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt|Warning)?\b.*:", line) or \
                    re.match(r"^[\w.]+$", line):
                err = line.strip()
                break
    missing = None
    m = re.match(r"^(?:[\w.]+\.)?AttributeError: (?:module|type object) '([\w.]+)' has no attribute '(\w+)'", err)
    if m:
        missing = m.group(1) + "." + m.group(2)
    mm = re.match(r"^(?:[\w.]+\.)?AttributeError: '([\w.]+)' object has no attribute '(\w+)'", err)
    if mm and missing is None:
        missing = mm.group(1) + "." + mm.group(2)
    mm = re.match(r"^ImportError: cannot import name '(\w+)' from '([\w.]+)'", err)
    if mm:
        missing = mm.group(2) + "." + mm.group(1)
    mm = re.match(r"^ModuleNotFoundError: No module named '([\w.]+)'", err)
    if mm:
        missing = mm.group(1)
    mm = re.match(r"^NameError: name '(\w+)' is not defined", err)
    if mm:
        missing = mm.group(1)
    mm = re.match(r"^TypeError: (\w+)\(\) got an unexpected keyword argument '(\w+)'", err)
    if mm:
        missing = "%s(%s=)" % (mm.group(1), mm.group(2))
    # Where: the innermost frame inside rechain, else the innermost example frame.
    where = ""
    rechain_dir = os.path.join(REPO, "rechain") + os.sep
    for fname, lineno, func in reversed(frames):
        if fname.startswith(rechain_dir):
            where = "%s:%d" % (os.path.relpath(fname, REPO), lineno)
            break
    ex_where = ""
    for fname, lineno, func in reversed(frames):
        if fname.startswith(example_dir + os.sep):
            ex_where = "%s:%d" % (os.path.relpath(fname, os.path.dirname(example_dir)), lineno)
            break
    return err or "(traceback without an exception line)", missing, where or ex_where, ex_where


BOOT = os.path.join(HERE, "_examples_boot.py")
PROBE = os.path.join(HERE, "_examples_probe.py")


def local_modules(dest, script):
    """The script and the example's own modules it imports, transitively (paths)."""
    seen = []
    todo = [os.path.join(dest, script)]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [node.module + "." + a.name for a in node.names]
            # A dotted import also runs each parent package's __init__.
            names = [".".join(n.split(".")[:i + 1]) for n in names
                     for i in range(len(n.split(".")))]
            for n in names:
                rel = n.replace(".", os.sep)
                for cand in (os.path.join(dest, rel + ".py"),
                             os.path.join(dest, rel, "__init__.py")):
                    if os.path.isfile(cand) and cand not in seen:
                        todo.append(cand)
    return sorted(seen)


def probe_example(dest, script):
    """{absent rechain name: [file:line, ...]} over the files the run uses (static)."""
    files = local_modules(dest, script)
    env = dict(os.environ, PYTHONPATH=REPO)
    r = subprocess.run([sys.executable, PROBE] + files, cwd=dest, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        tail = (r.stderr.strip().splitlines() or ["?"])[-1]
        return {"(static check failed: %s)" % tail: []}
    base = os.path.dirname(dest) + os.sep
    return {k: [w[len(base):] if w.startswith(base) else w for w in v]
            for k, v in json.loads(r.stdout).items()}


def run_one(run, args, scratch, data_dir, deps_ok, log, framework="rechain", python=None):
    """Run one example; framework "chainer" runs the unmodified copy in Chainer 7.8.1."""
    name, exdir, script, argv_of = run
    src = os.path.join(args.chainer_src, "examples", exdir)
    work = os.path.join(scratch, framework, _slug(name))
    dest = os.path.join(work, exdir)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".testdata", "*.png", "*.npy"))
    absent = {}
    if framework == "rechain":
        rewrite_tree(dest)
        absent = probe_example(dest, script)
    dsroot = os.path.join(work, "dataset-root")
    os.makedirs(dsroot)
    deps = [DEPS_DIR] if deps_ok else []
    if framework == "rechain":
        pypath = [REPO] + deps
    else:
        from _examples_agreement import CHAINER_DEPS
        pypath = [CHAINER_DEPS] + deps
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": os.pathsep.join(pypath),
        "RECHAIN_DATASET_ROOT": dsroot, "CHAINER_DATASET_ROOT": dsroot,
        "RECHAIN_EXAMPLES_FRAMEWORK": framework,
        "RECHAIN_EXAMPLES_SYNTHETIC": data_dir,
        "RECHAIN_EXAMPLES_DATA_MODE": "functions" if name in FUNCTIONS_DATA_RUNS else args.data,
        "RECHAIN_EXAMPLES_CHAINERX_STUB": "0" if (args.no_chainerx_stub or framework != "rechain")
        else "1",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "0",
    })
    env.update(FUNCTIONS_DATA_RUNS.get(name, {}))
    cmd = [python or sys.executable, BOOT, os.path.join(dest, script)] + argv_of(data_dir)
    logpath = os.path.join(LOG_DIR, _slug(name) + ("" if framework == "rechain" else
                                                   "-" + framework) + ".log")
    t0 = time.time()
    with open(logpath, "w") as logf:
        logf.write("$ cd %s && %s\n\n" % (dest, " ".join(cmd)))
        logf.flush()
        try:
            proc = subprocess.run(cmd, cwd=dest, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, timeout=args.timeout,
                                  errors="replace")
            output, rc = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as e:
            output = e.stdout.decode("utf-8", "replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            rc = None
        logf.write(output)
    secs = time.time() - t0
    res = {"name": name, "script": "%s/%s" % (exdir, script), "args": " ".join(argv_of("DATA")),
           "absent": absent, "framework": framework,
           "seconds": round(secs, 1), "log": os.path.relpath(logpath, REPO)}
    if rc == 0:
        res.update(status="ran to the end", error="", missing="", where="")
    elif rc is None:
        tail = [l for l in output.splitlines() if l.strip()]
        res.update(status="timed out (%d s)" % args.timeout,
                   error=tail[-1][:200] if tail else "", missing="", where="")
    else:
        err, missing, where, ex_where = parse_failure(output, dest)
        res.update(status="failed (rc %d)" % rc, error=err[:300], missing=missing or "",
                   where=where, example_where=ex_where)
    log("[%s%s] %s in %.0f s%s" % (name, "" if framework == "rechain" else " / " + framework,
                                   res["status"], secs,
                                   (": " + res["error"]) if res["error"] else ""))
    return res


def _md_escape(s):
    return s.replace("|", "\\|").replace("\n", " ")


def make_table(results, meta, baseline=None):
    ok = sum(1 for r in results if r["status"] == "ran to the end")
    base = {r["name"]: r for r in (baseline or [])}
    out = ["## Chainer 7.8.1 examples on rechain (tools/chainer_examples.py)", "",
           "%d of %d runs ran to the end. %s" % (ok, len(results), meta), "",
           "| run | script and flags | result | first error line | missing name | where (rechain file:line, else the example's) | s |"
           + (" Chainer 7.8.1, same flags and data |" if base else ""),
           "|---|---|---|---|---|---|---|" + ("---|" if base else "")]
    for r in results:
        b = base.get(r["name"])
        bcol = ""
        if base:
            bcol = " %s |" % ("" if b is None else b["status"] + (
                ": " + _md_escape(b["error"]) if b["error"] else "") + " (%.0f s)" % b["seconds"])
        out.append("| %s | `%s %s` | %s | %s | %s | %s | %.0f |%s" % (
            r["name"], r["script"], _md_escape(r["args"]), r["status"],
            _md_escape(r["error"]) if r["error"] else "",
            ("`%s`" % r["missing"]) if r["missing"] else "",
            _md_escape(r["where"]), r["seconds"], bcol))
    absent = {}
    for r in results:
        for name, wheres in r.get("absent", {}).items():
            entry = absent.setdefault(name, [[], []])
            entry[0].append(r["name"])
            for w in wheres:
                if w not in entry[1]:
                    entry[1].append(w)
    if absent:
        out += ["", "Names the examples use that rechain does not have (static check of "
                "every import and `chainer.x.y` / `F.x` / `L.x` attribute chain; a run stops "
                "at its first error, this lists them all):", "",
                "| absent name | runs | used at |", "|---|---|---|"]
        for name in sorted(absent):
            runs, wheres = absent[name]
            shown = ", ".join(wheres[:3]) + (" (+%d)" % (len(wheres) - 3) if len(wheres) > 3 else "")
            out.append("| `%s` | %s | %s |" % (name, ", ".join(runs), shown))
    return "\n".join(out) + "\n"


def _write_atomic(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _git_head():
    r = subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%h %cd", "--date=iso"],
                       capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "rechain"],
                           capture_output=True, text=True).stdout.strip()
    return r.stdout.strip() + (" + uncommitted changes under rechain/" if dirty else "")


def main_examples(args, log):
    runs = RUNS
    if args.only:
        want = [w.strip() for w in args.only.split(",") if w.strip()]
        runs = [r for r in RUNS if any(_slug(r[0]).startswith(_slug(w)) for w in want)]
        if not runs:
            raise SystemExit("--only %s matches no run; runs: %s" % (
                args.only, ", ".join(_slug(r[0]) for r in RUNS)))
    if not os.path.isdir(os.path.join(args.chainer_src, "examples")):
        raise SystemExit("--chainer-src %s has no examples/ directory" % args.chainer_src)
    os.makedirs(LOG_DIR, exist_ok=True)
    dep_err = ensure_deps(log)
    if dep_err:
        log("[deps] " + dep_err + " (examples needing gym/nltk/progressbar will fail)")
    head = _git_head()  # the state the runs start from
    scratch = tempfile.mkdtemp(prefix="rechain-examples-")
    try:
        data_dir = os.path.join(scratch, "synthetic")
        make_synthetic_files(data_dir)
        results = [run_one(r, args, scratch, data_dir, dep_err is None, log) for r in runs]
        baseline = None
        if args.baseline:
            sys.path.insert(0, HERE)
            from _examples_agreement import chainer_python
            py = chainer_python(log)
            baseline = [run_one(r, args, scratch, data_dir, dep_err is None, log,
                                framework="chainer", python=py) for r in runs]
    finally:
        if args.keep:
            log("[kept] " + scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    meta = ("rechain %s; data: synthetic files in the upstream formats served through "
            "urllib%s; run %s UTC, timeout %d s per run." % (
                head, "" if args.data == "urllib" else
                " (--data functions: rechain.datasets loaders replaced)",
                datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), args.timeout))
    table = make_table(results, meta, baseline)
    print(table)
    if args.only is None and args.out:
        _write_atomic(args.out, table)
    elif args.out and args.out != TABLE_PATH:
        _write_atomic(args.out, table)
    _write_atomic(os.path.join(LOG_DIR, "results.json"),
                  json.dumps({"rechain": results, "chainer": baseline}, indent=1))
    # One line per run of the harness: what failed and why, over time.
    with open(os.path.join(LOG_DIR, "history.jsonl"), "a") as f:
        f.write(json.dumps({
            "time": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), "rechain": head,
            "ran": sum(r["status"] == "ran to the end" for r in results), "runs": len(results),
            "failures": {r["name"]: [r["error"], r["missing"], r["where"]]
                         for r in results if r["status"] != "ran to the end"}}) + "\n")
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--chainer-src", default="/work/chainer-src",
                   help="a Chainer v7.8.1 checkout (its examples/ are used)")
    p.add_argument("--only", help="comma-separated run names (prefixes), e.g. mnist,ptb; with "
                                  "--agreement, case names (mnist, ptb, dqn, text_classification_rnn, ...)")
    p.add_argument("--timeout", type=int, default=300, help="seconds per run (300)")
    p.add_argument("--data", choices=["urllib", "functions"], default="urllib",
                   help="serve synthetic downloads through urllib (default) or replace "
                        "rechain.datasets' loaders")
    p.add_argument("--no-chainerx-stub", action="store_true",
                   help="do not bind the builtin name chainerx")
    p.add_argument("--out", default=TABLE_PATH,
                   help="markdown table path (written for a full run; default %s)" %
                        os.path.relpath(TABLE_PATH, REPO))
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    p.add_argument("--baseline", action="store_true",
                   help="also run every example unmodified in Chainer 7.8.1 (the "
                        "benchmarks/peers venv) with the same flags and data")
    p.add_argument("--agreement", action="store_true",
                   help="compare the first 20 losses with Chainer 7.8.1 instead")
    p.add_argument("--iterations", type=int, default=20, help="for --agreement (20)")
    args = p.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if args.agreement:
        sys.path.insert(0, HERE)
        import _examples_agreement
        return _examples_agreement.main(args, log)
    main_examples(args, log)


if __name__ == "__main__":
    main()
