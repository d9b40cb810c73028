"""The command line's errors: every failure is one line and exit status 2.

``CommandError`` is an error the user can act on; ``booster_errors`` rewords the boosters'
own refusals as one; ``native_stderr_filtered`` keeps the lines LightGBM's C++ code prints
before raising out of the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

from .._boosters.options import booster_error_message, is_booster_error

__all__ = ["CommandError", "booster_errors", "native_stderr_filtered"]


class CommandError(Exception):
    """An error the user can act on: printed as one line, exit status 2."""


@contextlib.contextmanager
def native_stderr_filtered():
    """Inside the block the process's stderr goes to a file, and afterwards back to stderr
    without the lines LightGBM's C++ code prints before raising ("[LightGBM] [Fatal] ..."),
    so a refused parameter is the one line of ``main``. Yields a stream to the real stderr
    (for the progress line). Where stderr is no file descriptor (a test's capture), nothing
    is redirected."""
    try:
        sys.stderr.flush()
        descriptor = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield sys.stderr
        return
    saved = os.dup(descriptor)
    real = os.fdopen(os.dup(saved), "w", buffering=1)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), descriptor)
        try:
            yield real
        finally:
            sys.stderr.flush()
            os.dup2(saved, descriptor)
            os.close(saved)
            real.close()
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            sys.stderr.write("".join(line for line in text.splitlines(keepends=True)
                                     if line.strip() and
                                     not line.startswith("[LightGBM] [Fatal]")))


@contextlib.contextmanager
def booster_errors(args):
    """The boosters' own errors (a bad --param, ...) as one line naming the booster."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - XGBoostError, LightGBMError and their kin
        if args.traceback or not is_booster_error(error):
            raise
        message = booster_error_message(error)
        if _raised_in_training(error):
            hint = _TRAINING_HINTS.get(message, "")
            raise CommandError(f"{args.booster} failed while training: {message}{hint}"
                               ) from None
        given = " ".join(f"{key}={value!r}" for key, value in args.param)
        raise CommandError(f"{args.booster} refused the parameters ({given or 'the options'}):"
                           f" {message}") from None


# What to change where an engine's check fails inside training.
_TRAINING_HINTS = {
    "(best_split_info.left_count) > (0)": " (LightGBM counts a leaf's rows from their "
    "hessians and found a split with none: keep min_child_weight, LightGBM's "
    "min_sum_hessian_in_leaf, above 0, as its default 1e-3 is)",
}


def _raised_in_training(error):
    """Whether ``error`` came out of a boosting round (``Booster.update``), not out of
    checking the parameters when the booster was made."""
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_name == "update":
            return True
        trace = trace.tb_next
    return False
