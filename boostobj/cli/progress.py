"""Progress for the command line on stderr: a one-line bar on a terminal, otherwise a
timestamped line at least every ``LOG_EVERY`` seconds (a file, a pipe, a CI log)."""

from __future__ import annotations

import sys
import threading
import time

__all__ = ["lightgbm_callback", "Progress", "xgboost_callback"]

_WIDTH = 24
# Seconds between two progress lines when stderr is not a terminal.
LOG_EVERY = 10.0


class Progress:
    """``with Progress(total, "fitting") as bar: ... bar.advance()``.

    With ``total=None`` the work has no known size: the line shows the label and the seconds
    elapsed. A background thread redraws a few times a second, so the line moves while a
    single long step (one booster fit) runs. When ``stream`` is not a terminal the same
    thread writes a line with the time of day, the steps done, the time elapsed and the
    estimated time left every ``log_every`` seconds instead (none for work that ends
    sooner). ``enabled=False`` writes nothing; ``terminal`` overrides what ``stream`` says it
    is.
    """

    def __init__(self, total=None, label="", *, stream=None, enabled=None, interval=0.2,
                 log_every=None, terminal=None):
        self.total, self.label, self.done = total, label, 0
        self.stream = sys.stderr if stream is None else stream
        self.terminal = _is_terminal(self.stream) if terminal is None else terminal
        self.enabled = True if enabled is None else enabled
        self._log_every = LOG_EVERY if log_every is None else log_every
        self._interval = interval if self.terminal else self._log_every
        self._start = time.perf_counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._last_length = 0

    def __enter__(self):
        if self.enabled:
            self._thread = threading.Thread(target=self._redraw_until_stopped, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def advance(self, steps=1):
        """Count ``steps`` more done."""
        with self._lock:
            self.done += steps
        if self.terminal:
            self._draw()

    def set_label(self, label):
        """Show ``label`` from now on."""
        with self._lock:
            self.label = label
        if self.terminal:
            self._draw()

    def close(self):
        """Stop redrawing and end the line (on a terminal), or write the last line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.enabled and self.terminal:
            with self._lock:  # clear the line, so what is printed next starts clean
                self.stream.write("\r" + " " * self._last_length + "\r")
                self.stream.flush()

    def log_line(self):
        """The timestamped line written off a terminal: the steps done, elapsed, left."""
        elapsed = time.perf_counter() - self._start
        parts = [time.strftime("%H:%M:%S"), self.label.strip() or "working"]
        if self.total:
            parts.append(f"{self.done}/{self.total} done")
            if 0 < self.done < self.total:
                left = elapsed / self.done * (self.total - self.done)
                parts.append(f"{elapsed:.0f}s elapsed, about {left:.0f}s left")
            else:
                parts.append(f"{elapsed:.0f}s elapsed")
        else:
            parts.append(f"{elapsed:.0f}s elapsed")
        return "boostobj: " + " · ".join(parts)

    def line(self):
        """The text of the bar as it would be drawn now."""
        elapsed = time.perf_counter() - self._start
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(round(share * _WIDTH))
            bar = "#" * filled + "-" * (_WIDTH - filled)
            return f"[{bar}] {self.done}/{self.total} {self.label} {elapsed:.0f}s"
        return f"{self.label} {elapsed:.0f}s"

    def _draw(self):
        if not self.enabled:
            return
        if not self.terminal:
            with self._lock:
                self.stream.write(self.log_line() + "\n")
                self.stream.flush()
            return
        with self._lock:
            text = self.line()
            padding = " " * max(self._last_length - len(text), 0)
            self.stream.write("\r" + text + padding)
            self.stream.flush()
            self._last_length = len(text)

    def _redraw_until_stopped(self):
        while not self._stop.wait(self._interval):
            self._draw()


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def xgboost_callback(progress):
    """An ``xgb.callback.TrainingCallback`` that advances ``progress`` once a round."""
    import xgboost as xgb

    class _Advance(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):
            progress.advance()
            return False

    return _Advance()


def lightgbm_callback(progress):
    """A LightGBM callback that advances ``progress`` once a round."""

    def advance(env):
        progress.advance()

    return advance
