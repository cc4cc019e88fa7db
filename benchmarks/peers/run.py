"""Run the DESIGN.md §5 benchmarks side by side in rechain, Chainer 7.8.1,
PyTorch 2.13 CPU and hand-written NumPy, interleaved in one run.

    python benchmarks/peers/run.py            # everything (~10 min on 2 cores)
    python benchmarks/peers/run.py --quick    # smoke test, small sizes
    python benchmarks/peers/run.py --only overhead,forget-call --frameworks rechain,torch

Creates (once) the Chainer and PyTorch virtual environments under
benchmarks/peers/.venvs/, starts one long-lived worker per framework and
sends them the same requests in rotation, one worker busy at a time. Prints a
table of medians with rechain ÷ peer ratios; writes it and the raw samples to
benchmarks/out/peers/, and, for a full default run, into the
"## Peers (benchmarks/peers/run.py)" section of benchmarks/RESULTS.md.
See README.md beside this file.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VENVS = os.path.join(HERE, ".venvs")
OUT = os.path.join(REPO, "benchmarks", "out", "peers")
RESULTS = os.path.join(REPO, "benchmarks", "RESULTS.md")
SECTION = "## Peers (benchmarks/peers/run.py)"

sys.path.insert(0, HERE)
import spec  # noqa: E402

THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

LABEL = {"rechain": "rechain", "chainer": "Chainer 7.8.1", "torch": "PyTorch 2.13 CPU",
         "numpy": "NumPy by hand"}
MODE_LABEL = {"plain": "plain", "lean": "plain, lean blocks", "forget": "forget per block",
              "sqrt": "sqrt segments"}
MODE_ORDER = ("plain", "lean", "forget", "sqrt")

#: OpenBLAS variables that pick its kernel and blocking; --blas-env unset removes them
#: from the workers' environment.
BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
BLAS_ENV = "machine"  # set by main() from --blas-env
#: The CPU heap (rechain/_heap.py, Note [cpu heap]), set by main() from --heap:
#: each (every framework as it comes: rechain keeps freed memory, the others
#: leave glibc's malloc alone), kept (all keep it), system (none does).
HEAP = "each"

#: Targets of issue 10, stated next to the numbers (rechain ÷ peer).
TARGET_PEAK_TORCH = 1.00
TARGET_LEAN_TORCH = 0.70
TARGET_TIME_TORCH = 1.00
TARGET_TIME_NUMPY = 1.05


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- environments ----------------------------------------------------------

def _venv_python(name):
    return os.path.join(VENVS, name, "bin", "python")


def _works(python, code):
    if not os.path.exists(python):
        return False
    return subprocess.run([python, "-c", code], capture_output=True).returncode == 0


def _pip(python, args, logf):
    cmd = [python, "-m", "pip", "install", "--disable-pip-version-check"] + args
    logf.write("$ " + " ".join(cmd) + "\n")
    logf.flush()
    r = subprocess.run(cmd, stdout=logf, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed (see {logf.name})")


CHAINER_OK = ("import chainer, numpy; assert chainer.__version__ == '7.8.1'; "
              "assert int(numpy.__version__.split('.')[0]) < 2")
TORCH_OK = "import torch, numpy; assert torch.__version__.split('+')[0] == '2.13.0'"


def _new_venv(name):
    path = os.path.join(VENVS, name)
    os.makedirs(VENVS, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", path], check=True)
    return _venv_python(name)


def setup_chainer(logf):
    py = _new_venv("chainer")
    # Chainer 7.8.1 is an sdist whose setup.py needs an old setuptools and NumPy 1.
    _pip(py, ["numpy<2", "wheel", "setuptools<70"], logf)
    _pip(py, ["--no-build-isolation", "chainer==7.8.1"], logf)
    _pip(py, [EXTRA], logf)


def setup_torch(logf):
    py = _new_venv("torch")
    req = ["torch==2.13.0", "numpy", EXTRA]
    # Guard: a plain PyPI torch pulls GBs of CUDA packages. Resolve first and
    # refuse unless it resolves to a CPU-only build (here, the local
    # torch-2.13.0+cpu wheel found through pip's find-links).
    report = os.path.join(VENVS, "torch-resolve.json")
    _pip(py, ["--dry-run", "--quiet", "--report", report] + req, logf)
    with open(report) as f:
        installs = json.load(f).get("install", [])
    names = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in installs}
    bad = sorted(n for n in names if n.startswith("nvidia") or n == "triton")
    if bad or "+cpu" not in names.get("torch", "+cpu"):
        raise RuntimeError(
            f"torch==2.13.0 resolves to a CUDA build here (torch {names.get('torch')}, "
            f"would pull {', '.join(bad) or 'CUDA packages'}); refusing. Point pip at the "
            "CPU wheel (e.g. PIP_FIND_LINKS=/dir/with/torch-2.13.0+cpu wheel) and re-run.")
    _pip(py, req, logf)


#: Installed into every benchmark venv (and listed in requirements.txt beside this
#: file for the repository's interpreter): it reports which BLAS kernel NumPy runs.
#: Never a rechain dependency; the workers run without it and say so.
EXTRA = "threadpoolctl"

SETUPS = {"chainer": (CHAINER_OK, setup_chainer), "torch": (TORCH_OK, setup_torch)}


def ensure_env(fw):
    """Interpreter for fw, creating its venv if it is missing or broken; raises on failure."""
    if fw in ("rechain", "numpy"):
        return sys.executable
    ok_code, setup = SETUPS[fw]
    py = _venv_python(fw)
    if _works(py, ok_code):
        if not _works(py, "import " + EXTRA):  # a venv made before EXTRA was added
            with open(os.path.join(VENVS, fw + "-setup.log"), "a") as logf:
                _pip(py, [EXTRA], logf)
        return py
    log(f"[setup] creating {os.path.relpath(os.path.join(VENVS, fw), REPO)} "
        f"(log: {os.path.relpath(os.path.join(VENVS, fw + '-setup.log'), REPO)}) ...")
    os.makedirs(VENVS, exist_ok=True)
    with open(os.path.join(VENVS, fw + "-setup.log"), "w") as logf:
        setup(logf)
    if not _works(py, ok_code):
        raise RuntimeError(f"{fw} venv was created but its check failed")
    return py


# --- workers ---------------------------------------------------------------

def worker_env():
    """The workers' environment: this one, single-threaded BLAS, no PYTHONPATH, and
    without OpenBLAS's kernel variables under --blas-env unset."""
    env = dict(os.environ, **THREAD_ENV)
    env.pop("PYTHONPATH", None)
    if BLAS_ENV == "unset":
        for v in BLAS_VARS:
            env.pop(v, None)
    env.pop("RECHAIN_CPU_HEAP", None)
    env.pop("PEERS_KEEP_HEAP", None)
    if HEAP == "kept":
        env["PEERS_KEEP_HEAP"] = "1"
    elif HEAP == "system":
        env["RECHAIN_CPU_HEAP"] = "system"
    return env


def heap_line():
    return {"each": "CPU heap (`--heap each`): each framework as it comes: rechain keeps the "
                    "memory a step frees (Note [cpu heap]), the others use glibc's malloc as "
                    "it comes.",
            "kept": "CPU heap (`--heap kept`): every worker keeps the memory a step frees "
                    "(glibc's mmap and trim thresholds as rechain sets them).",
            "system": "CPU heap (`--heap system`): every worker uses glibc's malloc as it "
                      "comes (rechain under `RECHAIN_CPU_HEAP=system`)."}[HEAP]


class Worker:
    def __init__(self, fw, python):
        self.fw = fw
        self.unavailable = set()  # modes the worker said it cannot run (from info)
        os.makedirs(OUT, exist_ok=True)
        self.errlog = open(os.path.join(OUT, f"worker-{fw}.log"), "w")
        env = worker_env()
        self.proc = subprocess.Popen(
            [python, os.path.join(HERE, f"bench_{fw}.py")], cwd=REPO, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errlog, text=True,
            bufsize=1)

    def request(self, **req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.fw} worker died (see {self.errlog.name})")
        resp = json.loads(line)
        if not resp.pop("ok", False):
            raise RuntimeError(resp.get("error", "unknown error"))
        return resp

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
        self.errlog.close()


# --- load conditions -------------------------------------------------------

_HZ = os.sysconf("SC_CLK_TCK")


def _proc_jiffies(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def cpu_snapshot(workers):
    """(time, busy jiffies of the whole machine, jiffies of this harness and its workers)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    except (OSError, ValueError, IndexError):
        busy = None
    ours = _proc_jiffies(os.getpid()) + sum(_proc_jiffies(w.proc.pid) for w in workers.values())
    return time.time(), busy, ours


def others_cores(a, b):
    """Average number of cores that other processes kept busy between two snapshots."""
    if a[1] is None or b[1] is None or b[0] <= a[0]:
        return None
    return max(0.0, ((b[1] - a[1]) - (b[2] - a[2])) / _HZ / (b[0] - a[0]))


# --- the interleaved schedule ----------------------------------------------

def run_bench(name, bdef, workers, repeat_override=None, only_modes=None):
    kind, cfg = bdef["kind"], bdef["cfg"]
    repeat = repeat_override or bdef["repeat"]
    modes = {fw: tuple(m for m in ms if m not in workers[fw].unavailable
                       and (only_modes is None or m in only_modes))
             for fw, ms in spec.MODES[kind].items() if fw in workers}
    fws = [fw for fw in workers if fw in modes]
    res = {"kind": kind, "cfg": cfg, "repeat": repeat, "samples": {}, "peaks": {},
           "errors": {}, "loads": [os.getloadavg()[0]]}
    t_start = time.perf_counter()
    snap0 = cpu_snapshot(workers)
    cells = [(fw, m) for fw in fws for m in modes[fw]]
    for fw, m in cells:
        res["samples"][f"{fw}/{m}"] = []

    def do(fw, m, op):
        key = f"{fw}/{m}"
        if key in res["errors"]:
            return None
        try:
            return workers[fw].request(op=op, kind=kind, cfg=cfg, mode=m)
        except Exception as e:
            res["errors"][key] = str(e)
            log(f"[{name}] {LABEL[fw]} {m}: FAILED: {e}")
            return None

    log(f"[{name}] warm-up ({', '.join(fws)})")
    for fw, m in cells:
        do(fw, m, "time")
    for r in range(repeat):
        order = fws[r % len(fws):] + fws[:r % len(fws)]  # rotate who goes first
        for fw in order:
            for m in modes[fw]:
                s = do(fw, m, "time")
                if s is not None:
                    res["samples"][f"{fw}/{m}"].append(s)
        res["loads"].append(os.getloadavg()[0])
        log(f"[{name}] round {r + 1}/{repeat} done ({time.perf_counter() - t_start:.0f} s, "
            f"load {res['loads'][-1]:.2f})")
    if kind in ("resmlp", "mlp"):
        for fw, m in cells:
            p = do(fw, m, "peak")
            if p is not None:
                res["peaks"][f"{fw}/{m}"] = p
        log(f"[{name}] peaks done")
    res["wall_s"] = time.perf_counter() - t_start
    res["loads"].append(os.getloadavg()[0])
    res["others_cores"] = others_cores(snap0, cpu_snapshot(workers))
    return res


# --- summarising -----------------------------------------------------------

def medians(samples):
    if not samples:
        return None
    return {"fwd": statistics.median(s["fwd"] for s in samples),
            "bwd": statistics.median(s["bwd"] for s in samples),
            "tot": statistics.median(s["fwd"] + s["bwd"] for s in samples),
            "n": len(samples)}


def cross_check(res):
    """Largest relative difference of the check values (loss, gradient sums) between
    all (framework, mode) cells of a benchmark; they compute the same function."""
    vals = {k: v[0]["check"] for k, v in res["samples"].items() if v}
    if len(vals) < 2:
        return None, None
    ref_key = next(iter(vals))
    ref = vals[ref_key]
    worst, where = 0.0, None
    for k, v in vals.items():
        for a, b in zip(v, ref):
            d = abs(a - b) / max(abs(b), 1e-12)
            if d > worst:
                worst, where = d, k
    return worst, where


def fmt(x, nd=2):
    return "—" if x is None else f"{x:.{nd}f}"


def ratio(a, b):
    """a ÷ b, or None (shown as —) where either is missing or not positive."""
    return None if a is None or b is None or a <= 0 or b <= 0 else a / b


def _mib(b):
    return None if b is None else b / (1 << 20)


def table_tiny(res, unit_div):
    """overhead: µs per op."""
    lines = ["| framework | forward µs/op | backward µs/op | forward+backward µs/op | rechain ÷ this |",
             "|---|---|---|---|---|"]
    med = {k.split("/")[0]: medians(v) for k, v in res["samples"].items()}
    rc = med.get("rechain")
    for fw, m in med.items():
        if m is None:
            lines.append(f"| {LABEL[fw]} | failed: {res['errors'].get(fw + '/plain', '?')} | | | |")
            continue
        f, b, t = (m[x] / unit_div * 1e6 for x in ("fwd", "bwd", "tot"))
        r = ratio(rc and rc["tot"], m["tot"])
        lines.append(f"| {LABEL[fw]} | {f:.2f} | {b:.2f} | **{t:.2f}** | {fmt(r)} |")
    return lines


def table_forget_call(res, n):
    lines = ["| framework | plain block, fwd+bwd (µs) | forget − plain (µs/call) | "
             "forget − plain − one plain forward (µs/call) | rechain ÷ this (forget − plain) | "
             "rechain ÷ this (beyond the recompute) |",
             "|---|---|---|---|---|---|"]
    rows = {}
    for fw in spec.FRAMEWORKS:
        p = medians(res["samples"].get(f"{fw}/plain", []))
        f = medians(res["samples"].get(f"{fw}/forget", []))
        if f"{fw}/plain" not in res["samples"]:
            continue
        if p is None or f is None:
            err = res["errors"].get(f"{fw}/forget") or res["errors"].get(f"{fw}/plain")
            lines.append(f"| {LABEL[fw]} | failed: {err} | | | | |")
            continue
        per = (f["tot"] - p["tot"]) / n * 1e6
        beyond = (f["tot"] - p["tot"] - p["fwd"]) / n * 1e6
        rows[fw] = (p["tot"] / n * 1e6, per, beyond)
    rc = rows.get("rechain")
    for fw, (plain, per, beyond) in rows.items():
        lines.append(f"| {LABEL[fw]} | {plain:.2f} | {per:+.2f} | **{beyond:+.2f}** | "
                     f"{fmt(ratio(rc and rc[1], per))} | {fmt(ratio(rc and rc[2], beyond))} |")
    neg = [LABEL[fw] for fw, r in rows.items() if r[2] <= 0]
    if neg:
        lines += ["", f"{', '.join(neg)}: the forget's own forward (run without building a graph) "
                  "is cheaper than that framework's plain forward, so subtracting a whole plain "
                  "forward leaves nothing positive; its ratio is left out (—)."]
    return lines


def table_model(res):
    lines = ["| mode | framework | s/step | forward s | backward s | ÷ own plain | peak MiB | "
             "rechain ÷ this: time | rechain ÷ this: peak |",
             "|---|---|---|---|---|---|---|---|---|"]
    med = {k: medians(v) for k, v in res["samples"].items()}
    peaks = {k: (v["peak"], v["method"]) for k, v in res["peaks"].items()}
    footnote = False
    for m in MODE_ORDER:
        keys = [k for k in med if k.endswith("/" + m)]
        if not keys:
            continue
        rc = med.get(f"rechain/{m}")
        rc_peak = peaks.get(f"rechain/{m}", (None, ""))[0]
        for k in keys:
            fw = k.split("/")[0]
            md = med[k]
            label = MODE_LABEL[m]
            if m == "sqrt":
                label = f"sqrt segments ({len(spec.segments(res['cfg']['blocks']))})"
            if md is None:
                lines.append(f"| {label} | {LABEL[fw]} | failed: {res['errors'].get(k, '?')} "
                             "| | | | | | |")
                continue
            own = med.get(f"{fw}/plain")
            pk, method = peaks.get(k, (None, ""))
            pk_s = fmt(_mib(pk), 0)
            if pk is not None and method != "tracemalloc":
                pk_s += "†"
                footnote = True
            lines.append(
                f"| {label} | {LABEL[fw]} | **{md['tot']:.3f}** | {md['fwd']:.3f} | "
                f"{md['bwd']:.3f} | {fmt(ratio(md['tot'], own and own['tot']), 3)} | {pk_s} | "
                f"{fmt(ratio(rc and rc['tot'], md['tot']))} | {fmt(ratio(rc_peak, pk))} |")
    ideal = []
    for fw in spec.FRAMEWORKS:
        p, f = med.get(f"{fw}/plain"), med.get(f"{fw}/forget")
        if p and f:
            i = (2 * p["fwd"] + p["bwd"]) / (p["fwd"] + p["bwd"])
            ideal.append(f"{LABEL[fw]} {f['tot'] / p['tot']:.3f} vs {i:.3f}")
    lines.append("")
    if ideal:
        lines.append("forget per block ÷ plain against the ideal (2F+B)/(F+B) from that "
                     "framework's plain F and B: " + "; ".join(ideal) + ".")
    if footnote:
        lines.append("† PyTorch: tracemalloc does not see tensor memory; peak from the "
                     "PyTorch profiler's CPU-allocator events (tensor bytes only, same "
                     "baseline-before-the-step definition).")
    return lines


def _vs(x, target, nd=2):
    """A ratio with its verdict against target: '0.93 ✓' or '1.20 ✗'; '—' if missing."""
    if x is None:
        return "—"
    return f"{x:.{nd}f} {'✓' if x <= target else '✗'}"


def table_side_by_side(results):
    """One row per model benchmark and rechain mode: peaks and step times of rechain,
    PyTorch and the NumPy floor in that mode (for lean blocks: the peers' plain mode),
    with the ratios next to issue 10's targets."""
    lines = ["| benchmark | rechain mode | peak MiB: rechain | PyTorch† | NumPy floor | "
             f"peak ÷ PyTorch (≤ {TARGET_PEAK_TORCH:.2f}; lean ≤ {TARGET_LEAN_TORCH:.2f}) | "
             "s/step: rechain | PyTorch | NumPy floor | "
             f"time ÷ PyTorch (≤ {TARGET_TIME_TORCH:.2f}) | "
             f"time ÷ NumPy floor (≤ {TARGET_TIME_NUMPY:.2f}) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    n = 0
    for name, res in results.items():
        if res["kind"] not in ("resmlp", "mlp"):
            continue
        med = {k: medians(v) for k, v in res["samples"].items()}
        peaks = {k: v["peak"] for k, v in res["peaks"].items()}
        for m in MODE_ORDER:
            if f"rechain/{m}" not in res["samples"]:
                continue
            peer_m = "plain" if m == "lean" else m
            rp, tp, npk = (peaks.get(f"{fw}/{k}") for fw, k in
                           (("rechain", m), ("torch", peer_m), ("numpy", peer_m)))
            rt, tt, nt = (med.get(f"{fw}/{k}") for fw, k in
                          (("rechain", m), ("torch", peer_m), ("numpy", peer_m)))
            rt, tt, nt = (None if x is None else x["tot"] for x in (rt, tt, nt))
            label = MODE_LABEL[m]
            if m == "sqrt":
                label = f"sqrt segments ({len(spec.segments(res['cfg']['blocks']))})"
            target = TARGET_LEAN_TORCH if m == "lean" else TARGET_PEAK_TORCH
            bench = (f"resmlp N={res['cfg']['blocks']}" if res["kind"] == "resmlp"
                     else f"mlp{res['cfg']['blocks']}")
            lines.append(
                f"| {bench} | {label} | **{fmt(_mib(rp), 1)}** | {fmt(_mib(tp), 1)} | "
                f"{fmt(_mib(npk), 1)} | {_vs(ratio(rp, tp), target, 3)} | **{fmt(rt, 3)}** | "
                f"{fmt(tt, 3)} | {fmt(nt, 3)} | {_vs(ratio(rt, tt), TARGET_TIME_TORCH)} | "
                f"{_vs(ratio(rt, nt), TARGET_TIME_NUMPY)} |")
            n += 1
    if not n:
        return []
    return lines + ["", "Peers in the same mode as rechain's; for lean blocks, their plain "
                    "mode. NumPy floor: hand-written NumPy (`bench_numpy.py`), whose forget "
                    "modes keep block (segment) inputs and re-run the whole block (segment) "
                    "right before its backward, as the frameworks' forget/checkpoint do. "
                    "Peaks in MiB over the baseline just before the step (tracemalloc; "
                    "† PyTorch: its CPU allocator's events), step times medians of the "
                    "rounds below; ✓ meets the target, ✗ misses it."]


def blas_lines(infos):
    """Which BLAS each worker's process loaded (threadpoolctl), and the OpenBLAS
    variables the workers were given."""
    env = worker_env()
    given = [f"`{v}={env[v]}`" for v in sorted(env) if v.startswith("OPENBLAS_")
             and v != "OPENBLAS_NUM_THREADS"]
    parts = []
    for fw, inf in infos.items():
        libs = inf.get("blas")
        if not libs:
            continue
        desc = []
        for d in libs:
            if "error" in d:
                desc.append(d["error"])
                continue
            desc.append(f"{d.get('internal_api')} {d.get('version')} "
                        f"(architecture/core type {d.get('architecture') or '—'}, "
                        f"{d.get('num_threads')} thread{'s' if d.get('num_threads') != 1 else ''}, "
                        f"{d.get('prefix')})")
        extra = ""
        if inf.get("torch_blas"):
            extra = "; torch's own build: " + ", ".join(f"`{x}`" for x in inf["torch_blas"])
        parts.append(f"{LABEL[fw]}: " + "; ".join(desc or ["none loaded"]) + extra)
    head = (f"BLAS (threadpoolctl `threadpool_info()` in each worker, `--blas-env {BLAS_ENV}`): "
            + ("; ".join(parts) if parts else "not reported") + ". ")
    if BLAS_ENV == "unset":
        head += f"{' and '.join(BLAS_VARS)} removed from the workers' environment"
    else:
        head += "The workers got the machine's environment"
    head += (": OpenBLAS variables besides the thread count: " + (", ".join(given) or "none set")
             + ".")
    return [head, "", heap_line()]


def check_line(res):
    worst, where = cross_check(res)
    if worst is None:
        return None
    status = "agree" if worst < 1e-3 else "**DISAGREE**"
    return (f"Cross-check: loss and gradient sums of every framework and mode {status} "
            f"(largest relative difference {worst:.1e}{', at ' + where if worst else ''}).")


def build_report(results, infos, meta, section=SECTION):
    L = [section, ""]
    vers = []
    for fw, inf in infos.items():
        if "error" in inf:
            vers.append(f"{LABEL[fw]}: unavailable ({inf['error']})")
        elif fw == "numpy":
            vers.append(f"NumPy {inf['version']} by hand")
        elif fw == "torch":
            vers.append(f"PyTorch {inf['version']} (NumPy {inf['numpy']}, "
                        f"{inf['threads']} intra-op / {inf['interop_threads']} inter-op thread)")
        else:
            vers.append(f"{LABEL[fw].split(' ')[0]} {inf['version']} (NumPy {inf['numpy']})")
    L.append(f"`{meta['command']}` ({meta['date']}, whole run {meta['wall']}). "
             + "; ".join(vers) + f". Python {platform.python_version()}, "
             f"{os.cpu_count()} cores, single-threaded BLAS (`OMP_NUM_THREADS=1 "
             "OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1`, `torch.set_num_threads(1)`). "
             "One long-lived worker process per framework; every benchmark runs its "
             "frameworks in rotation, one worker busy at a time, one warm-up per framework "
             "and mode, then medians over the rounds. Identical parameters and inputs "
             "(`spec.py`), so losses and gradients are compared across frameworks. "
             "Ratios are rechain ÷ peer: below 1, rechain is faster or smaller. Peaks are "
             "`tracemalloc` bytes over a baseline taken just before the step.")
    L.append("")
    L += blas_lines(infos)
    L.append("")
    others = [f"{n} {r['others_cores']:.2f}" for n, r in results.items()
              if r.get("others_cores") is not None]
    L.append(f"Machine load: 1-minute load average {meta['load_min']:.2f}–{meta['load_max']:.2f} "
             "during the run (sampled after every round; the busy worker itself accounts for "
             "about 1 of it)" + ("; cores kept busy by other processes, on average over each "
                                 "benchmark (from /proc/stat less this harness's own CPU "
                                 "time): " + ", ".join(others) if others else "") + ".")
    L.append("")
    side = table_side_by_side(results)
    if side:
        L += ["### Side by side: peak memory and step time against the targets", ""] + side + [""]
    for name, res in results.items():
        cfg = res["cfg"]
        R = f"{res['repeat']} ({res['wall_s']:.0f} s)"
        if name == "overhead":
            L.append(f"### overhead — {2 * cfg['iters']:,} tiny ops (`h = h * y + z`, "
                     f"4-element float32), median of {R}")
            L.append("")
            L += table_tiny(res, 2 * cfg["iters"])
        elif name == "forget-call":
            L.append(f"### forget-call — {cfg['iters']:,} calls each wrapping `h * y + z`, "
                     f"fwd+bwd, median of {R}")
            L.append("")
            L.append("Chainer `F.forget`, PyTorch `checkpoint(..., use_reentrant=False)`, "
                     "rechain `F.forget`.")
            L.append("")
            L += table_forget_call(res, cfg["iters"])
        elif res["kind"] == "resmlp":
            L.append(f"### resmlp N={cfg['blocks']} — width {cfg['width']}, batch "
                     f"{cfg['batch']}, float32, median of {R}")
            L.append("")
            L += table_model(res)
        else:
            L.append(f"### mlp{cfg['blocks']} — {cfg['blocks']} × `relu(Linear({cfg['width']}, "
                     f"{cfg['width']}))`, batch {cfg['batch']}, median of {R}")
            L.append("")
            L += table_model(res)
        c = check_line(res)
        if c:
            L += ["", c] if L[-1] != "" else [c]
        L.append("")
    return "\n".join(L).rstrip() + "\n"


def write_results_section(text, section=SECTION):
    with open(RESULTS) as f:
        old = f.read()
    start = old.find("\n" + section + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        nxt = old.find("\n## ", start + 1)
        rest = "" if nxt < 0 else old[nxt:]
        new = old[:start + 1] + text + rest
    tmp = RESULTS + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, RESULTS)


# --- main ------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes, 3 repeats: a smoke test")
    p.add_argument("--only", default=",".join(spec.BENCHMARKS),
                   help="comma list of " + ", ".join(spec.BENCHMARKS) + " (resmlp = both N)")
    p.add_argument("--frameworks", default=",".join(spec.FRAMEWORKS),
                   help="comma list of " + ", ".join(spec.FRAMEWORKS))
    p.add_argument("--repeat", type=int, help="override every benchmark's repeat count")
    p.add_argument("--modes", help="comma list: run only these modes of the model benchmarks "
                                   "(" + ", ".join(MODE_ORDER) + ")")
    p.add_argument("--setup-only", action="store_true", help="create the venvs and stop")
    p.add_argument("--write", action="store_true",
                   help="write RESULTS.md's peers section even for a partial or quick run")
    p.add_argument("--no-write", action="store_true", help="never touch RESULTS.md")
    p.add_argument("--blas-env", choices=("machine", "unset"), default="machine",
                   help="machine: the workers get this environment's OpenBLAS variables; "
                        "unset: without " + " and ".join(BLAS_VARS))
    p.add_argument("--heap", choices=("each", "kept", "system"), default="each",
                   help="each: every framework's CPU heap as it comes (rechain keeps freed "
                        "memory, the others do not); kept: all keep it; system: none does")
    p.add_argument("--section", default=SECTION,
                   help="the RESULTS.md heading the report goes under (replaced if present, "
                        "else appended)")
    a = p.parse_args()
    global BLAS_ENV, HEAP
    BLAS_ENV = a.blas_env
    HEAP = a.heap
    if not a.section.startswith("## ") or "\n" in a.section:
        p.error(f"--section must be one Markdown '## ' heading line, got {a.section!r}")

    only = []
    for n in a.only.split(","):
        n = n.strip()
        only += ["resmlp-16", "resmlp-32"] if n == "resmlp" else [n]
    bad = [n for n in only if n not in spec.BENCHMARKS]
    fws = [f.strip() for f in a.frameworks.split(",") if f.strip()]
    bad += [f for f in fws if f not in spec.FRAMEWORKS]
    if bad:
        p.error(f"unknown: {', '.join(bad)}")
    only_modes = None
    if a.modes:
        only_modes = {m.strip() for m in a.modes.split(",") if m.strip()}
        bad_modes = sorted(only_modes - set(MODE_ORDER))
        if bad_modes:
            p.error(f"--modes: unknown {', '.join(bad_modes)} (known: {', '.join(MODE_ORDER)})")
        only_modes.add("plain")  # the ratios are against plain; it always runs
    only = [n for n in spec.BENCHMARKS if n in only]
    fws = [f for f in spec.FRAMEWORKS if f in fws]

    t0 = time.perf_counter()
    loads = [os.getloadavg()[0]]
    infos, workers = {}, {}
    for fw in fws:
        try:
            py = ensure_env(fw)
        except Exception as e:
            infos[fw] = {"error": f"environment: {e}"}
            log(f"[setup] {fw}: {e}")
            continue
        if a.setup_only:
            log(f"[setup] {fw}: ok ({py})")
            continue
        w = Worker(fw, py)
        try:
            infos[fw] = w.request(op="info")
            w.unavailable = set(infos[fw].get("unavailable_modes", ()))
            workers[fw] = w
            log(f"[worker] {fw}: {infos[fw]}")
        except Exception as e:
            infos[fw] = {"error": f"worker: {e}"}
            log(f"[worker] {fw}: {e}")
            w.close()
    if a.setup_only:
        return

    bdefs = spec.configs(a.quick)
    results = {}
    try:
        for n in only:
            results[n] = run_bench(n, bdefs[n], workers, a.repeat,
                                   only_modes if bdefs[n]["kind"] in ("resmlp", "mlp") else None)
            loads += results[n]["loads"]
    finally:
        for w in workers.values():
            w.close()

    wall = time.perf_counter() - t0
    cmd = "python benchmarks/peers/run.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    meta = {"command": cmd, "date": datetime.date.today().isoformat(),
            "wall": f"{int(wall // 60)} min {int(wall % 60)} s",
            "load_min": min(loads), "load_max": max(loads)}
    report = build_report(results, infos, meta, a.section)
    print(report)

    os.makedirs(OUT, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(OUT, f"peers-{stamp}.json"), "w") as f:
        json.dump({"meta": meta, "infos": infos, "results": results}, f, indent=1)
    with open(os.path.join(OUT, f"peers-{stamp}.md"), "w") as f:
        f.write(report)
    full = (not a.quick and only == list(spec.BENCHMARKS) and fws == list(spec.FRAMEWORKS)
            and a.repeat is None and a.modes is None)
    if not a.no_write and (full or a.write):
        write_results_section(report, a.section)
        log(f"[done] wrote the peers section of {os.path.relpath(RESULTS, REPO)}")
    log(f"[done] {meta['wall']}; raw samples in {os.path.relpath(OUT, REPO)}/peers-{stamp}.json")


if __name__ == "__main__":
    main()
