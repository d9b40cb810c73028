"""The command line's files: what it writes never replaces what it reads, and every file is
written whole (to a temporary name, then renamed) with the permissions any program gives
(the user's umask), or not at all with a one-line error naming it."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from .._boosters.options import booster_error_message, is_booster_error
from .errors import CommandError

__all__ = ["check_writes", "same_file", "write_atomically"]


def same_file(a, b):
    """Whether paths ``a`` and ``b`` name one file (links and ``..`` resolved)."""
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_writes(writes, reads):
    """``CommandError`` where a file about to be written (``writes``: option or role ->
    path) is one the command reads (``reads``: the same), before anything is done."""
    for written_as, written in writes.items():
        for read_as, read in reads.items():
            if read is not None and written is not None and same_file(written, read):
                raise CommandError(f"{written_as} {written} is {read_as}, which this command "
                                   "reads; boostobj never writes over a file it reads: choose "
                                   "another name")


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path, write):
    """``write(temporary_path)``, then the file is renamed to ``path`` with the permissions
    of a new file (0666 less the umask); nothing is left behind when ``write`` fails, and a
    failure to write is a ``CommandError`` naming ``path``."""
    path = Path(path)
    # the same suffix: XGBoost picks its file format by it
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix,
                                         dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private (0600)
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        reason = _write_failure(error, path)
        if reason is None:
            raise
        raise CommandError(f"could not write {path}: {reason}") from None


def _write_failure(error, path):
    """Why writing ``path`` failed, in one line; None for an error that is not a failure to
    write (an interrupt, a bug)."""
    if isinstance(error, OSError):
        if error.errno == errno.ENOSPC:
            return "no space left on the device"
        return error.strerror or str(error)
    if not is_booster_error(error):
        return None
    try:
        if shutil.disk_usage(path.parent).free < 1 << 20:
            return "no space left on the device"
    except OSError:
        pass
    return booster_error_message(error)
