"""Memory budget for any model (issue 11): rechain.recompute.budget on the zoo.

For each model of rechain.zoo that is not a chain (resnet, unet, transformer,
lstm; size 'bench'):

1. The plain run: bytes of saved activations (what the graph holds for
   backward, parameters excluded: ``rechain.memory.saved_arrays``), the
   largest over the 20 training batches (the LSTM's batches differ in length),
   and seconds per step.
2. 20 training steps (Adam) plainly and under ``budget(f * plain)`` for
   f = 1/2 and 1/3, from the same seed with the same random streams: the peak
   of saved activations as the budget reports it (``b.stats``) and as measured
   independently (a walk of the graph's saved buffers at the end of the forward
   and sampled during backward; tracemalloc's peak of each step), its ratio to
   the budget (target <= 1.05), and whether every parameter array is bitwise
   equal to the plain run's after the 20 steps (``numpy.array_equal``).
3. Time: untraced forward+backward steps (the optimizer's update is the same
   for every run and left out), plain and budget runs interleaved, paired
   ratios, median of ``--repeat`` (targets <= 1.25 at 1/2, <= 1.5 at 1/3).
4. A sweep of budgets (fractions of the plain bytes): peak and time ratio,
   plotted per model (needs matplotlib) under benchmarks/plots/.

Then resmlp N=32 (benchmarks/resmlp.py's blocks): the optimal chain plan
(rechain.recompute.optimal) at a few budgets (the predicted peak of sqrt
segments; points between the least feasible and the store-all peak) against
the dynamic budget (``budget(limit, gradients=True)``: its limit covers the
gradients backward holds too, as a plan's peak does) tuned to the same measured
step peak (tracemalloc), CPU times interleaved.

Single-threaded BLAS (benchmarks/_common.py). Output: markdown tables on
stdout (and ``--markdown-out FILE``).

    python benchmarks/budget.py                       # everything (a few minutes)
    python benchmarks/budget.py --models unet --no-resmlp --plot unet.png
"""

import argparse
import gc
import json
import os
import statistics
import sys
import threading
import time
import tracemalloc

import _common
import numpy

import rechain
from rechain import function_node
from rechain import memory
from rechain import optimizers
from rechain import recompute as R
from rechain import zoo

HERE = os.path.dirname(os.path.abspath(__file__))
PLOTS = os.path.join(HERE, "plots")
MIB = 1 << 20


def budget_api():
    """``rechain.recompute.budget`` (the context manager), or exit saying why not."""
    fn = getattr(R, "budget", None)
    if not callable(fn):
        raise SystemExit(
            "benchmarks/budget.py: rechain.recompute.budget is not available in this "
            "checkout; it is the op-level memory budget of issue 11 "
            "(rechain/recompute/eviction.py), which this benchmark measures")
    return fn


# -- independent measurement of saved bytes ---------------------------------------------

def _buffer(a):
    """The array owning ``a``'s memory (a view counts as its base)."""
    while isinstance(a.base, numpy.ndarray):
        a = a.base
    return a


def graph_saved_bytes(root, exclude):
    """Bytes of the distinct buffers the nodes of ``root``'s graph hold for backward.

    Walks from ``root``'s creator through the nodes' inputs, reading what each
    node retains (a filled placeholder counts, an empty one or a freed slot
    does not); buffers whose id is in ``exclude`` (the parameters) are left out.
    """
    seen_nodes, seen_bufs = set(), set()
    total = 0
    stack = [root.creator]
    while stack:
        f = stack.pop()
        if f is None or id(f) in seen_nodes:
            continue
        seen_nodes.add(id(f))
        try:
            kept = list(function_node.retained_arrays(f))
            inputs = f.inputs
        except (TypeError, AttributeError):   # changing under us (sampled in backward)
            continue
        for _, _, d in kept:
            if type(d) is function_node.Placeholder:
                d = d.array
            if not isinstance(d, numpy.ndarray):
                continue
            buf = _buffer(d)
            key = id(buf)
            if key in seen_bufs or key in exclude:
                continue
            seen_bufs.add(key)
            total += buf.nbytes
        for node in inputs or ():
            stack.append(node.creator)
    return total


class GraphSampler:
    """Samples :func:`graph_saved_bytes` of ``root`` in a thread (during backward)."""

    def __init__(self, root, exclude, interval=0.01):
        self.root, self.exclude, self.interval = root, exclude, interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                self.peak = max(self.peak, graph_saved_bytes(self.root, self.exclude))
            except Exception:          # noqa: BLE001 - a graph mid-change; next sample
                pass

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def param_buffers(model):
    return {id(_buffer(p.array)) for p in model.params()}


def plain_saved_bytes(model, loss_fn, batch, seed):
    """Saved activations of one plain forward: :func:`graph_saved_bytes` at its end
    (the plain run's peak: its backward only frees)."""
    rechain.random.seed(seed)
    loss = loss_fn(model, *batch)
    return graph_saved_bytes(loss, param_buffers(model))


# -- runs ---------------------------------------------------------------------------------

class Budgeted:
    """What one step runs under: None (plain) or a budget of ``limit`` bytes."""

    def __init__(self, budget, limit):
        self.budget, self.limit = budget, limit

    def step(self, model, loss_fn, batch, on_forward=None):
        """Forward and backward; returns (loss, stats dict or None)."""
        if self.limit is None:
            model.cleargrads()
            loss = loss_fn(model, *batch)
            if on_forward is not None:
                on_forward(loss)
            loss.backward()
            return loss, None
        with self.budget(self.limit) as b:
            loss = loss_fn(model, *batch)
            if on_forward is not None:
                on_forward(loss)
            model.cleargrads()
            loss.backward()
        return loss, dict(b.stats)


def train_traced(name, runner, steps, seed=0):
    """``steps`` Adam steps, traced: per-step measurements and the final parameters."""
    model, batch_fn, loss_fn = zoo.make(name, "bench", seed=seed)
    opt = optimizers.Adam(alpha=1e-3)
    opt.setup(model)
    exclude = param_buffers(model)
    rows = []
    gc.collect()
    tracemalloc.start()
    try:
        for step in range(steps):
            batch = batch_fn(step)
            rechain.random.seed(1000 + step)
            gc.collect()
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            row = {}
            holder = {}

            def on_forward(loss, row=row, holder=holder):
                row["walk_forward"] = graph_saved_bytes(loss, exclude)
                row["tm_forward"] = tracemalloc.get_traced_memory()[1] - base
                holder["sampler"] = GraphSampler(loss, exclude).__enter__()

            try:
                loss, stats = runner.step(model, loss_fn, batch, on_forward)
            finally:
                if "sampler" in holder:
                    holder["sampler"].__exit__(None, None, None)
            row["tm_step"] = tracemalloc.get_traced_memory()[1] - base
            row["walk_backward"] = holder["sampler"].peak
            row["loss"] = float(loss.array)
            row["stats"] = stats
            del loss
            opt.update()
            rows.append(row)
            exclude = param_buffers(model)
    finally:
        tracemalloc.stop()
    params = {k: p.array.copy() for k, p in sorted(model.namedparams())}
    return rows, params


def time_interleaved(name, runners, repeat, seed=0):
    """Untraced forward+backward times of each runner, interleaved, per repetition.

    Returns ``(cpu, wall, recompute)``: per runner, the lists of this process's
    CPU seconds (``time.process_time``: robust to other processes on a shared
    machine), of wall seconds, and of the budget's ``recompute_seconds``.
    """
    model, batch_fn, loss_fn = zoo.make(name, "bench", seed=seed)
    batches = [batch_fn(s) for s in range(4)]
    cpu = [[] for _ in runners]
    wall = [[] for _ in runners]
    recompute = [[] for _ in runners]
    for r in runners:                                    # warm-up
        rechain.random.seed(0)
        r.step(model, loss_fn, batches[0])
    for rep in range(repeat):
        batch = batches[rep % len(batches)]
        order = list(range(len(runners)))
        order = order[rep % len(order):] + order[:rep % len(order)]
        for i in order:
            rechain.random.seed(rep)
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            _, stats = runners[i].step(model, loss_fn, batch)
            wall[i].append(time.perf_counter() - t0)
            cpu[i].append(time.process_time() - c0)
            if stats is not None:
                recompute[i].append(stats.get("recompute_seconds", float("nan")))
    return cpu, wall, recompute


def paired_ratio(times, base):
    return statistics.median(t / b for t, b in zip(times, base))


# -- one model ------------------------------------------------------------------------------

def bench_model(name, budget, fractions, steps, repeat, sweep, sweep_repeat, out):
    model, batch_fn, loss_fn = zoo.make(name, "bench", seed=0)
    saved = [plain_saved_bytes(model, loss_fn, batch_fn(s), 1000 + s) for s in range(steps)]
    plain_bytes = max(saved)
    del model
    print(f"{name}: plain saved activations {plain_bytes / MIB:.2f} MiB (largest of {steps} "
          f"batches; median {statistics.median(saved) / MIB:.2f})", file=sys.stderr, flush=True)

    m, bf, lf = zoo.make(name, "bench", seed=0)
    k = int(numpy.argmax(saved))
    rechain.random.seed(1000 + k)
    _, st = Budgeted(budget, 1 << 62).step(m, lf, bf(k))
    del m
    plain = Budgeted(budget, None)
    runs = [(f, Budgeted(budget, int(plain_bytes * f))) for f in fractions]
    plain_rows, plain_params = train_traced(name, plain, steps)
    results = dict(name=name, plain_bytes=plain_bytes, budgets=[],
                   unlimited_peak=st["peak_saved_bytes"], unlimited_pinned=st.get("pinned_bytes"))
    results["plain_walk"] = max(max(r["walk_forward"], r["walk_backward"]) for r in plain_rows)
    results["plain_tm_step"] = max(r["tm_step"] for r in plain_rows)
    for f, runner in runs:
        entry = dict(fraction=f, limit=runner.limit)
        try:
            rows, params = train_traced(name, runner, steps)
        except Exception as e:                           # noqa: BLE001 - reported
            entry["error"] = f"{type(e).__name__}: {e}"
            print(f"{name} budget {f:.3f}: {entry['error']}", file=sys.stderr, flush=True)
            results["budgets"].append(entry)
            continue
        stats = [r["stats"] for r in rows]
        entry["peak_saved"] = max(s["peak_saved_bytes"] for s in stats)
        entry["walk_peak"] = max(max(r["walk_forward"], r["walk_backward"]) for r in rows)
        entry["tm_step"] = max(r["tm_step"] for r in rows)
        for key in ("evicted_bytes", "evictions", "recomputed_bytes", "recomputations",
                    "recompute_seconds"):
            entry[key] = statistics.median(s.get(key, 0) for s in stats)
        entry["over_budget"] = sum(s.get("over_budget", 0) for s in stats)
        mismatched = [k for k in plain_params if not numpy.array_equal(plain_params[k], params[k])]
        entry["params"] = len(plain_params)
        entry["mismatched"] = mismatched
        entry["max_diff"] = max((float(numpy.abs(plain_params[k] - params[k]).max())
                                 for k in mismatched), default=0.0)
        entry["losses_equal"] = all(a["loss"] == b["loss"] for a, b in zip(plain_rows, rows))
        results["budgets"].append(entry)
        print(f"{name} budget {f:.3f}: peak {entry['peak_saved'] / MIB:.2f} MiB "
              f"(limit {runner.limit / MIB:.2f}), walk {entry['walk_peak'] / MIB:.2f}, "
              f"{len(mismatched)} of {len(plain_params)} parameters differ",
              file=sys.stderr, flush=True)

    ok_runs = [(f, r) for (f, r), e in zip(runs, results["budgets"]) if "error" not in e]
    cpu, wall, _ = time_interleaved(name, [plain] + [r for _, r in ok_runs], repeat)
    results["plain_time"] = statistics.median(cpu[0])
    results["plain_wall"] = statistics.median(wall[0])
    for (f, _), t, w in zip(ok_runs, cpu[1:], wall[1:]):
        entry = next(e for e in results["budgets"] if e["fraction"] == f)
        entry["time"] = statistics.median(t)
        entry["time_ratio"] = paired_ratio(t, cpu[0])
        entry["wall_ratio"] = paired_ratio(w, wall[0])

    results["sweep"] = []
    for f in sweep:
        runner = Budgeted(budget, int(plain_bytes * f))
        try:
            t, _, _ = time_interleaved(name, [plain, runner], sweep_repeat)
            m, bf, lf = zoo.make(name, "bench", seed=0)
            rechain.random.seed(0)
            _, stats = runner.step(m, lf, bf(int(numpy.argmax(saved))))
        except Exception as e:                           # noqa: BLE001 - reported
            results["sweep"].append(dict(fraction=f, error=f"{type(e).__name__}: {e}"))
            continue
        results["sweep"].append(dict(fraction=f, peak_saved=stats["peak_saved_bytes"],
                                     time_ratio=paired_ratio(t[1], t[0])))
    return results


# -- resmlp: dynamic budget against the optimal chain plan ----------------------------------

def bench_resmlp(budget, n, width, batch, fractions, repeat):
    import planner as planner_bench                      # benchmarks/planner.py
    blocks, x = planner_bench._setup(n, width, batch)
    print(f"resmlp N={n}: measuring the chain's costs ...", file=sys.stderr, flush=True)
    costs = R.measure(blocks, x, repeat=1)
    full = R.store_all(costs)

    def plan_step(plan):
        def run():
            for b in blocks:
                if hasattr(b, "cleargrads"):
                    b.cleargrads()
            R.run(blocks, x.copy(), plan).backward()
        return run

    def dyn_step(limit):
        # gradients=True: the limit covers the gradients backward holds as well,
        # so saved arrays get what they do not take yet, as the plan's peak does
        def run():
            with budget(limit, gradients=True) as b:
                h = x.copy()
                for blk in blocks:
                    h = blk(h)
                for blk in blocks:
                    if hasattr(blk, "cleargrads"):
                        blk.cleargrads()
                h.backward()
            return b
        return run

    def peak_of(fn):
        for blk in blocks:
            if hasattr(blk, "cleargrads"):
                blk.cleargrads()
        gc.collect()
        with memory.track() as t:
            fn()
        return t.peak

    store_peak = peak_of(plan_step(full))
    loss = _chain_loss(blocks, x)
    plain_saved = graph_saved_bytes(loss, {id(_buffer(p.array)) for b in blocks
                                           if isinstance(b, rechain.Link) for p in b.params()})
    del loss
    grad_bytes = sum(p.array.nbytes for b in blocks if isinstance(b, rechain.Link)
                     for p in b.params())
    # what is neither saved activations nor gradients (the budget's limit covers both)
    overhead = max(0, store_peak - plain_saved - grad_bytes)
    try:
        R.optimal(costs, 1)
        least = 1
    except R.InfeasibleBudget as e:
        least = e.min_budget
    rows = []
    for f in fractions:
        # a point: 'sqrt' is the predicted peak of segments(ceil(sqrt(N))); a number f
        # is least + f * (store-all - least) of the predicted peaks
        if f == "sqrt":
            target = R.segments(max(1, int(numpy.ceil(numpy.sqrt(n)))))(costs).predicted_peak
            label = "peak of sqrt segments"
        else:
            target = int(least + float(f) * (full.predicted_peak - least))
            label = f"least + {float(f):.2f} x (store-all - least)"
        try:
            plan = R.optimal(costs, int(target))
        except R.InfeasibleBudget as e:
            rows.append(dict(fraction=f, label=label, error=str(e)))
            continue
        p_peak = peak_of(plan_step(plan))
        # The dynamic budget's limit whose measured step peak matches the plan's:
        # start from the plan's peak less what is neither saved activations nor
        # gradients, correct up to three times.
        limit = max(1, p_peak - overhead)
        d_peak = None
        for _ in range(4):
            d_peak = peak_of(dyn_step(limit))
            if abs(d_peak - p_peak) <= 0.01 * p_peak:
                break
            limit = max(1, limit + (p_peak - d_peak))
        fns = [plan_step(plan), dyn_step(limit)]
        for fn in fns:
            fn()                                          # warm-up
        times, walls = [[], []], [[], []]
        for rep in range(repeat):
            for i in ((0, 1) if rep % 2 == 0 else (1, 0)):
                gc.collect()
                c0, t0 = time.process_time(), time.perf_counter()
                fns[i]()
                walls[i].append(time.perf_counter() - t0)
                times[i].append(time.process_time() - c0)
        rows.append(dict(fraction=f, label=label, budget=int(target),
                         plan_time=statistics.median(times[0]), plan_peak=p_peak,
                         dyn_time=statistics.median(times[1]), dyn_peak=d_peak, limit=limit,
                         ratio=paired_ratio(times[1], times[0]),
                         wall_ratio=paired_ratio(walls[1], walls[0]),
                         predicted_time=plan.predicted_time,
                         schedule=str(plan.schedule)))
        print(f"resmlp {label}: plan {rows[-1]['plan_time']:.3f} s "
              f"{p_peak / MIB:.1f} MiB, dynamic {rows[-1]['dyn_time']:.3f} s "
              f"{d_peak / MIB:.1f} MiB", file=sys.stderr, flush=True)
    return dict(n=n, width=width, batch=batch, store_peak=store_peak, plain_saved=plain_saved,
                least=least, full=full.predicted_peak, rows=rows)


def _chain_loss(blocks, x):
    h = x
    for b in blocks:
        h = b(h)
    return h


# -- output -----------------------------------------------------------------------------------

TARGET_TIME = {2: 1.25, 3: 1.5}


def _target_time(f):
    return TARGET_TIME.get(round(1 / f)) if f > 0 else None


def markdown(results, resmlp, steps, repeat):
    out = []
    out.append(f"### Memory budget on models that are not chains ({steps} training steps; "
               f"time: CPU seconds of forward+backward, median of {repeat} interleaved "
               f"untraced steps, paired ratios)")
    out.append("")
    out.append("| model | plain saved (budget's own count, no limit) | plain CPU s/step | budget | "
               "peak saved (stats) | peak / budget | graph walk peak / budget | "
               "tracemalloc step peak (plain) | time / plain (wall) | evicted / recomputed "
               "per step | recompute s | over budget | parameters after the steps |")
    out.append("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        for e in r["budgets"]:
            head = (f"| {r['name']} | {r['plain_bytes'] / MIB:.2f} "
                    f"({r['unlimited_peak'] / MIB:.2f}) MiB | "
                    f"{r.get('plain_time', float('nan')):.3f} | 1/{round(1 / e['fraction'])} "
                    f"= {e['limit'] / MIB:.2f} MiB |")
            if "error" in e:
                out.append(head + f" error: {e['error'][:200]} |||||||||")
                continue
            bit = (f"bitwise equal (all {e['params']})" if not e["mismatched"] else
                   f"{len(e['mismatched'])} of {e['params']} differ (max {e['max_diff']:.2e})")
            if not e["losses_equal"]:
                bit += "; losses differ"
            out.append(
                head + f" {e['peak_saved'] / MIB:.2f} MiB | {e['peak_saved'] / e['limit']:.3f} | "
                f"{e['walk_peak'] / e['limit']:.3f} | {e['tm_step'] / MIB:.1f} "
                f"({r['plain_tm_step'] / MIB:.1f}) MiB | {e.get('time_ratio', float('nan')):.3f} "
                f"({e.get('wall_ratio', float('nan')):.3f}) | "
                f"{e['evicted_bytes'] / MIB:.1f} / {e['recomputed_bytes'] / MIB:.1f} MiB | "
                f"{e['recompute_seconds']:.3f} | {e['over_budget']} | {bit} |")
    out.append("")
    out.append("Plain saved: bytes of the distinct buffers the plain graph's nodes hold at "
               "the end of the forward (views as their base, parameters excluded), largest "
               "over the batches; in brackets the budget's own peak under an unlimited "
               "budget. Graph walk: the same count taken at the end of the forward and "
               "sampled every 10 ms during backward under the budget (arrays the backward "
               "holds outside the nodes, such as rebuilt arrays waiting for their use, are "
               "not seen). tracemalloc: peak traced bytes of the whole step (gradients and "
               "temporaries included) under the budget, the plain run's in brackets.")
    out.append("")
    out.append("Targets: peak / budget <= 1.05; step time / plain <= 1.25 at 1/2, <= 1.5 at "
               "1/3; parameters bitwise equal.")
    verdicts = []
    for r in results:
        for e in r["budgets"]:
            tag = f"{r['name']} 1/{round(1 / e['fraction'])}"
            if "error" in e:
                verdicts.append(f"{tag}: ERROR")
                continue
            bad = []
            if e["peak_saved"] > 1.05 * e["limit"]:
                bad.append("peak (stats)")
            if e["walk_peak"] > 1.05 * e["limit"]:
                bad.append("peak (graph walk)")
            tt = _target_time(e["fraction"])
            if tt is not None and e.get("time_ratio", 0) > tt:
                bad.append("time")
            if e["mismatched"] or not e["losses_equal"]:
                bad.append("gradients")
            verdicts.append(f"{tag}: " + ("ok" if not bad else "MISSES " + ", ".join(bad)))
    out.append("")
    out.append("Verdicts: " + "; ".join(verdicts) + ".")
    out.append("")
    out.append("#### Sweep: peak of saved activations and step time against the budget")
    out.append("")
    fr = sorted({s["fraction"] for r in results for s in r["sweep"]})
    out.append("| model | " + " | ".join(f"{f:.2f}" for f in fr) + " |")
    out.append("|---|" + "---:|" * len(fr))
    for r in results:
        cells = []
        for f in fr:
            s = next((s for s in r["sweep"] if s["fraction"] == f), None)
            if s is None:
                cells.append("")
            elif "error" in s:
                cells.append("error")
            else:
                cells.append(f"{s['peak_saved'] / r['plain_bytes']:.2f} / "
                             f"{s['time_ratio']:.2f}×")
        out.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Cells: peak saved / plain saved, step time / plain.")
    if resmlp:
        out.append("")
        out.append(markdown_resmlp(resmlp))
    return "\n".join(out)


def markdown_resmlp(resmlp):
    """The resmlp table: dynamic budget against the optimal chain plan."""
    out = []
    out.append(f"#### resmlp N={resmlp['n']} (width {resmlp['width']}, batch "
               f"{resmlp['batch']}): dynamic budget against the optimal chain plan at "
               f"equal measured peak")
    out.append("")
    out.append(f"store-all step peak {resmlp['store_peak'] / MIB:.1f} MiB (saved "
               f"activations {resmlp['plain_saved'] / MIB:.1f} MiB).")
    out.append("")
    out.append("| optimal plan budget | plan CPU s/step (predicted) | plan peak | dynamic "
               "limit | dynamic CPU s/step | dynamic peak | dynamic / plan time (wall) |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|")
    for row in resmlp["rows"]:
        if "error" in row:
            out.append(f"| {row['label']} | error: {row['error'][:120]} ||||||")
            continue
        out.append(f"| {row['label']}: {row['budget'] / MIB:.1f} MiB | {row['plan_time']:.3f} "
                   f"({row['predicted_time']:.3f}) | "
                   f"{row['plan_peak'] / MIB:.1f} MiB | {row['limit'] / MIB:.1f} MiB | "
                   f"{row['dyn_time']:.3f} | {row['dyn_peak'] / MIB:.1f} MiB | "
                   f"{row['ratio']:.3f} ({row['wall_ratio']:.3f}) |")
    out.append("")
    out.append("Peaks: tracemalloc, whole step (the input, saved activations, gradients, "
               "temporaries). The dynamic budget's limit is tuned (up to three tries) so its "
               "measured peak matches the plan's. Target: dynamic / plan time <= 1.10.")
    return "\n".join(out)


def plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib: no plots (pip install matplotlib)", file=sys.stderr)
        return []
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    written = []

    def draw(ax, r):
        pts = sorted({(s["peak_saved"] / r["plain_bytes"], s["time_ratio"], s["fraction"])
                      for s in list(r["sweep"]) + list(r["budgets"])
                      if "error" not in s and "time_ratio" in s})
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label="budget(f × plain)")
        for x, y, f in pts:
            ax.annotate(f"{f:.1f}", (x, y), textcoords="offset points", xytext=(4, 4),
                        fontsize=7)
        ax.plot([1.0], [1.0], "k*", markersize=10, label="plain")
        ax.plot([1 / 2, 1 / 3], [1.25, 1.5], "rx", markersize=8, label="issue 11's targets")
        ax.set_xlabel("peak saved activations / plain")
        ax.set_ylabel("step time / plain")
        ax.set_title(f"{r['name']} (plain {r['plain_bytes'] / MIB:.1f} MiB, "
                     f"{r['plain_time'] * 1e3:.0f} ms)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)

    n = len(results)
    cols = 2 if n > 1 else 1
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 4 * rows), squeeze=False)
    for ax, r in zip(axes.flat, results):
        draw(ax, r)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle("rechain.recompute.budget: time against memory")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    for r in results:
        fig, ax = plt.subplots(figsize=(5.5, 4))
        draw(ax, r)
        fig.tight_layout()
        p = os.path.join(os.path.dirname(os.path.abspath(path)), f"budget_{r['name']}.png")
        fig.savefig(p, dpi=110)
        plt.close(fig)
        written.append(p)
    return written


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=",".join(zoo.NON_CHAIN))
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--repeat", type=int, default=9, help="timed repetitions per run")
    p.add_argument("--fractions", default="0.5,0.3333333")
    p.add_argument("--sweep", default="0.2,0.4,0.6,0.8,1.0")
    p.add_argument("--sweep-repeat", type=int, default=3)
    p.add_argument("--plot", default=os.path.join(PLOTS, "budget.png"),
                   help="PNG of the sweep, all models (default benchmarks/plots/budget.png; "
                        "one PNG per model beside it)")
    p.add_argument("--no-plot", action="store_true")
    p.add_argument("--markdown-out", default=None)
    p.add_argument("--json-out", default=None,
                   help="write the raw results as JSON (after each model, so a long run "
                        "that stops keeps what it measured)")
    p.add_argument("--no-resmlp", action="store_true")
    p.add_argument("--resmlp-blocks", type=int, default=32)
    p.add_argument("--resmlp-width", type=int, default=512)
    p.add_argument("--resmlp-batch", type=int, default=2048)
    p.add_argument("--resmlp-points", default="sqrt,0.25,0.5",
                   help="plan budgets: 'sqrt' (the predicted peak of sqrt segments) or f "
                        "(least + f x (store-all - least) of the predicted peaks)")
    p.add_argument("--resmlp-repeat", type=int, default=5)
    p.add_argument("--from-json", default=None,
                   help="render the tables and plots from JSON files written by "
                        "--json-out (comma-separated: model results and resmlp results "
                        "are merged) instead of measuring")
    a = p.parse_args(argv)
    if a.from_json:
        return render_saved(a)
    budget = budget_api()
    names = [m for m in a.models.split(",") if m]
    for m in names:
        if m not in zoo.NON_CHAIN:
            p.error(f"--models: {m!r} is not one of {', '.join(zoo.NON_CHAIN)}")
    fractions = [float(v) for v in a.fractions.split(",") if v]
    sweep = [float(v) for v in a.sweep.split(",") if v]
    results, resmlp = [], None

    def dump():
        if a.json_out:
            with open(a.json_out, "w") as f:
                json.dump(dict(models=results, resmlp=resmlp), f, indent=1, default=str)

    for m in names:
        results.append(bench_model(m, budget, fractions, a.steps, a.repeat, sweep,
                                   a.sweep_repeat, sys.stderr))
        dump()
    if not a.no_resmlp:
        resmlp = bench_resmlp(budget, a.resmlp_blocks, a.resmlp_width, a.resmlp_batch,
                              [v if v == "sqrt" else float(v)
                               for v in a.resmlp_points.split(",")],
                              a.resmlp_repeat)
        dump()
    text = markdown(results, resmlp, a.steps, a.repeat) if results else \
        markdown_resmlp(resmlp)
    if not a.no_plot and sweep and results:
        written = plot(results, a.plot)
        if written:
            text += "\n\nPlots: " + ", ".join(os.path.relpath(w) for w in written)
    print(text)
    if a.markdown_out:
        with open(a.markdown_out, "w") as f:
            f.write(text + "\n")
    return results, resmlp


def render_saved(a):
    """Tables and plots from earlier ``--json-out`` files (no measurement)."""
    results, resmlp = [], None
    for path in a.from_json.split(","):
        with open(path) as f:
            d = json.load(f)
        results.extend(d.get("models") or [])
        resmlp = d.get("resmlp") or resmlp
    text = markdown(results, resmlp, a.steps, a.repeat) if results else \
        markdown_resmlp(resmlp)
    if not a.no_plot and results:
        written = plot(results, a.plot)
        if written:
            text += "\n\nPlots: " + ", ".join(os.path.relpath(w) for w in written)
    print(text)
    if a.markdown_out:
        with open(a.markdown_out, "w") as f:
            f.write(text + "\n")
    return results, resmlp


if __name__ == "__main__":
    main()
