"""Instructions per tiny op, counted by valgrind's callgrind (DESIGN.md §5 overhead).

    python benchmarks/peers/callgrind_ops.py                    # rechain, torch, numpy
    python benchmarks/peers/callgrind_ops.py --frameworks rechain --iters 1000

Seconds on this shared 2-core machine move with the load; instruction counts
do not. For each framework the overhead step (``h = h * y + z`` repeated,
4-element float32, then ``sum(h).backward()``: two ops per iteration) runs
under ``valgrind --tool=callgrind`` twice in a fresh interpreter, once with
N iterations and once with 2N, after the same warm-up step; everything else
(interpreter start, imports, the warm-up) is the same in both runs, so

    instructions per op = (I(2N) - I(N)) / (2 N)

is the cost of one op's forward and backward alone. Each run is done with
PYTHONHASHSEED=0 and single-threaded BLAS, so the counts repeat. The workers'
own code (``_chainerlike.py``, ``bench_torch.py``, ``bench_numpy.py``) runs
the step, exactly as in ``run.py``. Prints a Markdown table and writes it
with the raw totals to ``benchmarks/out/peers/callgrind-<time>.{md,json}``.
"""

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run  # noqa: E402  (environments, labels; run.py's main() is not called)

FRAMEWORKS = ("rechain", "chainer", "torch", "numpy")
WARMUP_ITERS = 50

CHILD = r"""
import os, sys
sys.path.insert(0, {here!r})
fw, iters = sys.argv[1], int(sys.argv[2])
if fw == "rechain":
    sys.path.insert(0, os.path.dirname(os.path.dirname({here!r})))
    import rechain, _chainerlike
    be = _chainerlike.Backend(rechain, "rechain")
elif fw == "chainer":
    import chainer, _chainerlike
    be = _chainerlike.Backend(chainer, "chainer")
elif fw == "torch":
    import torch, bench_torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    be = bench_torch.Backend()
else:
    import bench_numpy
    be = bench_numpy.Backend()
be.build("tiny", dict(iters={warmup})).step("plain")
be.build("tiny", dict(iters=iters)).step("plain")
"""


def count(python, fw, iters, logdir):
    """Total instructions (Ir) of one child run under callgrind."""
    out = os.path.join(logdir, f"callgrind.{fw}.{iters}.out")
    env = dict(os.environ, **run.THREAD_ENV, PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)
    code = CHILD.format(here=HERE, warmup=WARMUP_ITERS)
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
           python, "-c", code, fw, str(iters)]
    r = subprocess.run(cmd, cwd=run.REPO, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{fw} under callgrind failed (rc {r.returncode}):\n{r.stderr[-2000:]}")
    with open(out) as f:
        for line in f:
            m = re.match(r"(summary|totals):\s+(\d+)", line)
            if m:
                return int(m.group(2))
    m = re.search(r"Collected\s*:\s*(\d+)", r.stderr)
    if m:
        return int(m.group(1))
    raise RuntimeError(f"no instruction total in {out}")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frameworks", default="rechain,torch,numpy",
                   help="comma list of " + ", ".join(FRAMEWORKS))
    p.add_argument("--iters", type=int, default=2000,
                   help="N: iterations of the smaller run (2 ops each); the other runs 2N")
    p.add_argument("--runs", type=int, default=1,
                   help="measure each framework's pair of runs this many times (the table "
                        "gives the median and the spread)")
    a = p.parse_args()
    fws = [f.strip() for f in a.frameworks.split(",") if f.strip()]
    bad = [f for f in fws if f not in FRAMEWORKS]
    if bad:
        p.error(f"unknown: {', '.join(bad)}")
    if a.iters < 1:
        p.error(f"--iters must be at least 1, got {a.iters}")
    if a.runs < 1:
        p.error(f"--runs must be at least 1, got {a.runs}")
    n = a.iters
    rows, raw = [], {}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=run.REPO,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "rechain"], cwd=run.REPO,
                           capture_output=True, text=True).stdout.split("\n")
    dirty = [ln[3:] for ln in dirty if ln.strip()]
    if dirty:  # rechain runs from the working tree: say what differs from the commit
        commit += f" + uncommitted changes to {', '.join(sorted(dirty))}"
    argv = " ".join(sys.argv[1:])
    os.makedirs(run.OUT, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=run.OUT) as logdir:
        for fw in fws:
            python = run.ensure_env(fw)
            t0 = time.perf_counter()
            pairs = []
            for _ in range(a.runs):
                i1 = count(python, fw, n, logdir)
                i2 = count(python, fw, 2 * n, logdir)
                pairs.append((i1, i2))
                run.log(f"[callgrind] {fw}: {i1:,} / {i2:,} instructions -> "
                        f"{(i2 - i1) / (2 * n):,.0f} per op")
            per = sorted((i2 - i1) / (2 * n) for i1, i2 in pairs)
            raw[fw] = {"iters": [n, 2 * n], "pairs": pairs, "per_op_each": per,
                       "per_op": statistics.median(per), "wall_s": time.perf_counter() - t0}
    base = raw.get("rechain", {}).get("per_op")
    L = [f"Instructions per op (forward+backward), `valgrind --tool=callgrind`, "
         f"(I(2N) − I(N)) / 2N with N = {n:,} iterations ({2 * n:,} ops) "
         f"(`python benchmarks/peers/callgrind_ops.py{' ' + argv if argv else ''}`, "
         f"{datetime.date.today().isoformat()}, commit {commit}):", "",
         "| framework | runs | instructions, N iterations | instructions, 2N iterations | "
         "instructions per op (median) | spread over the runs | rechain ÷ this |",
         "|---|---|---|---|---|---|---|"]
    for fw, r in raw.items():
        ratio = "—" if not base else f"{base / r['per_op']:.2f}"
        i1s = " / ".join(f"{x:,}" for x, _ in r["pairs"])
        i2s = " / ".join(f"{y:,}" for _, y in r["pairs"])
        lo, hi = r["per_op_each"][0], r["per_op_each"][-1]
        spread = ("—" if len(r["pairs"]) == 1
                  else f"{lo:,.0f}–{hi:,.0f} ({(hi - lo) / r['per_op']:.2%})")
        L.append(f"| {run.LABEL[fw]} | {len(r['pairs'])} | {i1s} | {i2s} | "
                 f"**{r['per_op']:,.0f}** | {spread} | {ratio} |")
    text = "\n".join(L) + "\n"
    print(text)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for ext, body in (("md", text), ("json", json.dumps({"commit": commit, "raw": raw},
                                                         indent=1))):
        path = os.path.join(run.OUT, f"callgrind-{stamp}.{ext}")
        with tempfile.NamedTemporaryFile("w", dir=run.OUT, delete=False) as f:
            f.write(body)
        os.replace(f.name, path)
    run.log(f"[done] {os.path.relpath(run.OUT, run.REPO)}/callgrind-{stamp}.md")


if __name__ == "__main__":
    main()
