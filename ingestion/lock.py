"""One refresh writes the warehouse at a time: an exclusive, non-blocking file lock.

``flock`` is released by the kernel when the holding process dies (even by SIGKILL), so a crashed
run never leaves a stale lock behind. The lock file's text names the holder (``pid N run R since
T``) while it is held and says ``released`` once it was given back cleanly; a holder text found by
the next acquirer without ``released`` therefore names a holder that died, and is reported.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

RELEASED = "released"


class WarehouseBusy(RuntimeError):
    """Another refresh holds the lock; the caller should queue or give up, not wait forever."""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie, dead but not reaped, counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def holder_pid(text: str) -> int | None:
    """The pid a lock file's text names (``pid N ...``), if any."""
    parts = text.split()
    if len(parts) >= 2 and parts[0] == "pid" and parts[1].isdigit():
        return int(parts[1])
    return None


class RefreshLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._previous = ""
        #: The holder text of a previous holder that died holding the lock (None: it was released).
        self.dead_holder: str | None = None

    def acquire(self, run_id: str | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            pid = holder_pid(holder)
            state = "" if pid is None else (", alive" if pid_alive(pid) else ", exiting")
            raise WarehouseBusy(
                f"another refresh is writing the warehouse ({holder or 'holder unknown'}{state}); "
                f"lock file {self.path}. Wait for it to finish (Dagster UI: Runs), or stop that process "
                "if it hangs; the kernel frees the lock when it exits."
            ) from None
        previous = os.pread(fd, 300, 0).decode("utf-8", "replace").strip()
        self.dead_holder = previous if previous and not previous.startswith(RELEASED) else None
        self._previous = previous
        os.ftruncate(fd, 0)
        run = f" run {run_id}" if run_id else ""
        os.pwrite(fd, f"pid {os.getpid()}{run} since {time.strftime('%Y-%m-%dT%H:%M:%S')}".encode(), 0)
        self._fd = fd

    def release(self, restore_previous: bool = False) -> None:
        """Give the lock back; ``restore_previous``: it was a mere look, so keep what the file said
        (e.g. the name of a dead holder, for the next real holder to report)."""
        if self._fd is None:
            return
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        text = self._previous if restore_previous else f"{RELEASED} by pid {os.getpid()} at {stamp}"
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text.encode(), 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RefreshLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
