"""The call-time summary and table the function and link TimerHooks share."""

import sys

#: Seconds to each unit.
UNITS = {"sec": 1, "ms": 10 ** 3, "us": 10 ** 6, "ns": 10 ** 9}


def summarize(call_history):
    """``{name: {'elapsed_time': seconds, 'occurrence': calls}}`` of
    ``(name, seconds)`` records, in first-seen order."""
    out = {}
    for name, t in call_history:
        rec = out.setdefault(name, {"elapsed_time": 0.0, "occurrence": 0})
        rec["elapsed_time"] += t
        rec["occurrence"] += 1
    return out


def choose_unit(second):
    """``(factor, unit)``: the largest unit in which ``second`` is at least one."""
    factor = 1
    for unit in ("sec", "ms", "us"):
        if second * factor >= 1:
            return factor, unit
        factor *= 1000
    return factor, "ns"


def print_report(summary, first_column, unit="auto", file=sys.stdout):
    """Print ``summary`` as a right-aligned table: name, total time, calls.

    ``unit``: one of :data:`UNITS`, ``'auto'`` (one unit fitting the largest
    total) or ``'auto_foreach'`` (per row).
    """
    if unit not in UNITS and unit not in ("auto", "auto_foreach"):
        raise ValueError(f"TimerHook.print_report: unit must be one of {sorted(UNITS)}, "
                         f"'auto' or 'auto_foreach', got {unit!r}")
    rows = [(first_column, "ElapsedTime", "Occurrence")]
    if unit == "auto":
        factor, unit_name = choose_unit(
            max((r["elapsed_time"] for r in summary.values()), default=0.0))
    elif unit != "auto_foreach":
        factor, unit_name = UNITS[unit], unit
    for name, rec in summary.items():
        if unit == "auto_foreach":
            factor, unit_name = choose_unit(rec["elapsed_time"])
        rows.append((name, f"{rec['elapsed_time'] * factor:3.2f}{unit_name}",
                     str(rec["occurrence"])))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        file.write("  ".join(c.rjust(w) for c, w in zip(row, widths)) + "\n")
    file.flush()
