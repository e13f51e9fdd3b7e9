"""A child process that ends with its parent, however the parent dies (even ``kill -9``).

Two guards, both set up in the child as its first act:

- on Linux, the parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)``): the kernel kills the
  child the moment its parent goes. The kernel means the parent *thread*, so this is only asked for
  when the parent started the child from its main thread (a worker thread may end before the child
  should). Right after setting it the child checks that its parent is still the original one,
  which closes the race of a parent that died before the signal was set;
- everywhere, a daemon thread that polls ``os.getppid()``: a child whose parent died is re-parented
  (to init or a subreaper), so a changed parent id means the parent is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
POLL_S = 0.2  # the ppid watch's period: a child outlives its parent by at most this (plus its exit)


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent thread dies (Linux only);
    returns whether it was set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def exit_with_parent(parent_pid: int, death_signal: bool = True) -> None:
    """Make this (child) process end when the process ``parent_pid`` ends.

    ``death_signal``: also use Linux's parent-death signal (only when the parent started this child
    from its main thread, see the module docstring)."""
    if death_signal:
        set_parent_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the guards were up
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_S)
    os._exit(1)
