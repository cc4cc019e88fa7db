"""ProgressBar: show how far training has come (tqdm when installed)."""

import datetime
import sys
import time

from rechain.training import extension


def _tqdm_class():
    """tqdm's class, or None when tqdm is not installed (the plain bar is used)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def _training_length(trainer):
    stop = trainer.stop_trigger
    get = getattr(stop, "get_training_length", None)
    if get is not None:
        return get()
    if hasattr(stop, "period") and hasattr(stop, "unit"):
        return stop.period, stop.unit
    raise TypeError(f"ProgressBar: cannot tell the training length from the stop trigger "
                    f"({type(stop).__name__}); pass training_length=(length, unit)")


class ProgressBar(extension.Extension):
    """Trainer extension that shows the progress of training.

    With tqdm installed the bar is a tqdm bar over iterations (or epochs,
    when the training length is in epochs) written to ``out``; otherwise a
    plain text bar of Chainer's layout (total, this epoch, counts, speed
    and estimated time left). The bar is redrawn every ``update_interval``
    iterations and once more when training ends, so that it shows where
    training stopped: 100% after a complete run.

    Args:
        training_length (tuple): ``(length, 'iteration' or 'epoch')``; read
            from the trainer's stop trigger when None.
        update_interval (int): Iterations between redraws.
        bar_length (int): Width of the plain bar in characters.
        out: Stream to write to.

    Example:
        >>> trainer.extend(extensions.ProgressBar(update_interval=10))
    """

    def __init__(self, training_length=None, update_interval=100, bar_length=50,
                 out=sys.stdout):
        if training_length is not None:
            _check_length(training_length)
        if isinstance(update_interval, bool) or not isinstance(update_interval, int) \
                or update_interval < 1:
            raise ValueError(f"ProgressBar: update_interval must be a positive int, got "
                             f"{update_interval!r}")
        self._training_length = training_length
        self._update_interval = update_interval
        self._bar_length = bar_length
        self._out = out
        self._trainer = None
        self._bar = None

    def __call__(self, trainer):
        self._trainer = trainer
        if trainer.updater.iteration % self._update_interval == 0:
            self._draw()

    def _draw(self):
        if self._bar is None:
            length = self._training_length
            if length is None:
                length = self._training_length = _check_length(_training_length(self._trainer))
            tqdm = _tqdm_class()
            if tqdm is not None:
                self._bar = _TqdmBar(tqdm, length, self._out)
            else:
                self._bar = _PlainBar(length, self._bar_length, self._out)
        self._bar.update(self._trainer.updater)

    def finalize(self):
        if self._trainer is not None:
            self._draw()  # show where training stopped
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _check_length(length):
    try:
        value, unit = length
    except (TypeError, ValueError):
        raise ValueError(f"ProgressBar: training_length must be (length, unit), got "
                         f"{length!r}") from None
    if unit not in ("iteration", "epoch"):
        raise ValueError(f"ProgressBar: the unit of training_length must be 'iteration' or "
                         f"'epoch', got {unit!r}")
    if not value > 0:
        raise ValueError(f"ProgressBar: the training length must be positive, got {value!r}")
    return value, unit


class _TqdmBar:
    def __init__(self, tqdm, length, out):
        self._length, self._unit = length
        if self._unit == "iteration":
            self._bar = tqdm(total=self._length, file=out, unit="iter", dynamic_ncols=True)
        else:
            self._bar = tqdm(total=self._length, file=out, unit="epoch", dynamic_ncols=True,
                             bar_format="{l_bar}{bar}| {n:.2f}/{total} epochs "
                                        "[{elapsed}<{remaining}{postfix}]")

    @property
    def n(self):
        return self._bar.n

    def update(self, updater):
        if self._unit == "iteration":
            n = min(updater.iteration, self._length)
        else:
            n = min(updater.epoch_detail, self._length)
            self._bar.set_postfix_str(f"iter {updater.iteration}", refresh=False)
        self._bar.update(n - self._bar.n)

    def close(self):
        self._bar.close()


class _PlainBar:
    """Chainer's text bar: total, this epoch, counts, speed; redrawn in place."""

    def __init__(self, length, bar_length, out):
        self._length, self._unit = length
        self._bar_length = bar_length
        self._out = out
        self._timing = []
        self._tty = _isatty(out)
        self.rate = 0.0
        self._lines = []

    def _bar(self, title, rate):
        marks = "#" * int(rate * self._bar_length)
        dots = "." * (self._bar_length - len(marks))
        return f"{title:>10} [{marks}{dots}] {rate:6.2%}\n"

    def update(self, updater):
        iteration, epoch = updater.iteration, updater.epoch_detail
        done = iteration if self._unit == "iteration" else epoch
        self.rate = rate = min(done / self._length, 1.0)
        now = time.perf_counter()
        self._timing.append((iteration, epoch, now))
        del self._timing[:-100]
        old_t, old_e, old_s = self._timing[0]
        span = now - old_s
        speed_t = (iteration - old_t) / span if span > 0 else float("inf")
        speed_e = (epoch - old_e) / span if span > 0 else float("inf")
        speed = speed_t if self._unit == "iteration" else speed_e
        left = max(self._length - done, 0) / speed if speed not in (0, float("inf")) else 0.0
        lines = [
            self._bar("total", rate),
            self._bar("this epoch", epoch - int(epoch)),
            f"{iteration:10} iter, {updater.epoch} epoch / {self._length} {self._unit}s\n",
            f"{speed_t:10.5g} iters/sec. Estimated time to finish: "
            f"{datetime.timedelta(seconds=left)}.\n",
        ]
        self._lines = lines
        out = self._out
        if self._tty:
            out.write("\033[J")
        out.writelines(lines)
        if self._tty:
            out.write(f"\033[{len(lines)}A")  # back to the top of the bar
        if hasattr(out, "flush"):
            out.flush()

    def close(self):
        if self._tty and self._lines:
            # Leave the last drawing on screen, the cursor below it.
            self._out.write("\033[J")
            self._out.writelines(self._lines)
        if hasattr(self._out, "flush"):
            self._out.flush()


def _isatty(out):
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:
        return False
