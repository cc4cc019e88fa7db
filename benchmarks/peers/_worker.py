"""Request loop shared by the bench_*.py workers.

run.py starts one long-lived worker per framework and sends it one JSON
request per line on stdin; the worker answers one JSON line on its real
stdout. Anything else the framework prints goes to stderr, so it can never
corrupt the protocol. Only one worker runs at a time (run.py waits for each
answer), so the workers never compete for the CPU.

Requests:
  {"op": "info"}                                   -> versions
  {"op": "time", "kind": K, "cfg": {...}, "mode": M} -> {"fwd": s, "bwd": s, "check": [...]}
  {"op": "peak", "kind": K, "cfg": {...}, "mode": M} -> {"peak": bytes or null, "method": str}
  {"op": "quit"}
"""

import ctypes
import json
import os
import sys
import traceback


def keep_heap():
    """Under ``run.py --heap kept``: glibc keeps freed memory, as rechain does at
    import (rechain/_heap.py, Note [cpu heap]), for the frameworks that do not."""
    if os.environ.get("PEERS_KEEP_HEAP") != "1":
        return
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "mallopt"):
        raise RuntimeError("--heap kept: this C library has no mallopt (not glibc)")
    ok = libc.mallopt(-3, 4 * 1024 * 1024 * ctypes.sizeof(ctypes.c_long)) == 1   # M_MMAP_THRESHOLD
    ok = libc.mallopt(-1, 2 ** 31 - 1) == 1 and ok                               # M_TRIM_THRESHOLD
    if not ok:
        raise RuntimeError("--heap kept: mallopt refused the thresholds")


def serve(backend):
    """backend: object with info() -> dict and build(kind, cfg) -> bench.

    A bench has step(mode) -> (fwd, bwd, check) and peak(mode) -> (bytes, method).
    The last built bench is cached; a request for another (kind, cfg) replaces it.
    """
    keep_heap()
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints of the framework go to stderr
    sys.stdout = sys.stderr
    key, bench = None, None
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        op = req.get("op")
        try:
            if op == "quit":
                break
            if op == "info":
                resp = backend.info()
            else:
                k = (req["kind"], json.dumps(req["cfg"], sort_keys=True))
                if k != key:
                    bench = None  # free the previous model first
                    key = None
                    bench = backend.build(req["kind"], req["cfg"])
                    key = k
                if op == "time":
                    fwd, bwd, check = bench.step(req["mode"])
                    resp = {"fwd": fwd, "bwd": bwd, "check": [float(c) for c in check]}
                elif op == "peak":
                    peak, method = bench.peak(req["mode"])
                    resp = {"peak": peak, "method": method}
                else:
                    raise ValueError(f"unknown op {op!r}")
            resp["ok"] = True
        except Exception as e:  # reported to run.py, which marks the cell failed
            traceback.print_exc()
            resp = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(resp) + "\n")
