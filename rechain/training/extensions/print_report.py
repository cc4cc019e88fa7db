"""PrintReport: print the entries of a LogReport as a table."""

import contextlib
import sys

from rechain.training import extension
from rechain.training.extensions import log_report as log_report_module
from rechain.training.extensions import progress_bar


class PrintReport(extension.Extension):
    """Trainer extension that prints new LogReport entries as table rows.

    The header is printed at the first call; each new entry of the log
    becomes one row, each column at least 10 characters wide, numbers in
    ``g`` format, missing values left blank.

    Args:
        entries (list of str): The keys to print, in column order.
        log_report (str or LogReport): The LogReport extension (by its name
            in the trainer) to read. A LogReport object given here is
            called by this extension itself.
        out: Stream to write to.

    Example:
        >>> trainer.extend(extensions.PrintReport(
        ...     ['epoch', 'main/loss', 'validation/main/loss', 'elapsed_time']))
    """

    def __init__(self, entries, log_report="LogReport", out=sys.stdout):
        if isinstance(entries, str):
            raise TypeError("PrintReport: entries must be a list of keys, not a string")
        self._entries = list(entries)
        self._log_report = log_report
        self._out = out
        self._log_len = 0
        widths = [max(10, len(e)) for e in self._entries]
        self._header = "  ".join(e.ljust(w) for e, w in zip(self._entries, widths)) + "\n"
        self._columns = [(e, "{:<%dg}  " % w, " " * (w + 2)) for e, w in
                         zip(self._entries, widths)]

    def _get_log_report(self, trainer):
        log_report = self._log_report
        if isinstance(log_report, str):
            return trainer.get_extension(log_report)
        if isinstance(log_report, log_report_module.LogReport):
            log_report(trainer)
            return log_report
        raise TypeError(f"PrintReport: log_report must be a LogReport or the name of "
                        f"one, not {type(log_report).__name__}")

    def __call__(self, trainer):
        out = self._out
        if self._header:
            out.write(self._header)
            self._header = None
        log = self._get_log_report(trainer).log
        while self._log_len < len(log):
            with _around_progress_bars(out):
                if _isatty(out):
                    out.write("\033[J")  # clear what a plain progress bar drew below
                self._print(log[self._log_len])
            self._log_len += 1
        if hasattr(out, "flush"):
            out.flush()

    def serialize(self, serializer):
        if isinstance(self._log_report, log_report_module.LogReport):
            self._log_report.serialize(serializer["_log_report"])

    def _print(self, entry):
        cells = []
        for key, template, empty in self._columns:
            if key in entry:
                cells.append(template.format(entry[key]))
            else:
                cells.append(empty)
        self._out.write("".join(cells) + "\n")


def _around_progress_bars(out):
    """Lift active tqdm bars off ``out`` while a row is written, then redraw them."""
    tqdm = progress_bar._tqdm_class()
    if tqdm is None or not getattr(tqdm, "_instances", None):
        return contextlib.nullcontext()
    return tqdm.external_write_mode(file=out)


def _isatty(out):
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
