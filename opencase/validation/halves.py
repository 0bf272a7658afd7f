"""Checking a long list of records in two halves at once, on two processes.

Once the records are read, and the sources and corrections checked against their models,
the checks of one record (its model, references, citations and quotes, evidence, structure)
need nothing from the others. On a large dataset ``opencase validate`` therefore forks once:
the child checks the second half of the records while this process checks the first, and the
child sends back the issues it found. The child is a fork, so it starts with every record,
snapshot and look-up table already in memory, and only what it finds crosses back, pickled.

The two halves give exactly the issues one process would, in the same order (the first
half's, then the second's). Where forking is not possible or not safe (no ``os.fork``, as on
Windows; macOS, where system libraries may not survive a fork; a program running other
threads, its own or a native library's; less memory available than this process holds, as
the child may come to copy its pages; too few records to pay for a fork), or when the child
fails in any way, this process checks the second half as well: the result never depends on
the fork.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["MIN_ITEMS", "in_two"]

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 20_000
"""Fewer items than this are checked in one process (the fork and the transfer of the
results are then a large share of the time saved)."""


def in_two(items: Sequence[T], weight: Callable[[T], int],
           check: Callable[[Sequence[T]], R]) -> list[R]:
    """``[check(items)]``, or ``[check(first), check(second)]`` with the second half
    checked in a forked child when that is possible (see the module docstring). The halves
    are split where the running total of ``weight`` (the work of an item) reaches half.
    ``check`` must give a result that :mod:`pickle` can carry."""
    if len(items) < MIN_ITEMS or not _can_fork():
        return [check(items)]
    cut = _middle(items, weight)
    first, second = items[:cut], items[cut:]
    child = _Child.start(lambda: check(second))
    if child is None:
        return [check(items)]
    try:
        done = check(first)
    except BaseException:
        child.kill()
        raise
    found = child.result()
    return [done, *found] if found else [done, check(second)]


def _can_fork() -> bool:
    """Linux, this process's only thread (those started by native libraries count too), and
    room in memory for a child that comes to copy every page of this process."""
    if not (hasattr(os, "fork") and sys.platform.startswith("linux")):
        return False
    try:
        return _only_thread() and _available_bytes() >= _resident_bytes()
    except (OSError, ValueError):
        return False


def _only_thread() -> bool:
    """Whether this process runs a single thread (a native library's threads count too)."""
    return len(os.listdir("/proc/self/task")) == 1


def _resident_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _available_bytes() -> int:
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def _middle(items: Sequence[T], weight: Callable[[T], int]) -> int:
    """The index where the items' running weight first reaches half of their total."""
    weights = [weight(item) for item in items]
    half, total = sum(weights) / 2, 0
    for i, w in enumerate(weights):
        total += w
        if total >= half:
            return i + 1
    return len(items)


class _Child:
    """A forked process computing one result and sending it, pickled, through a pipe."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd

    @classmethod
    def start(cls, work: Callable[[], object]) -> _Child | None:
        import pickle

        try:
            read, write = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except BaseException as exc:
            os.close(read)
            os.close(write)
            if isinstance(exc, OSError):  # (out of processes or memory: checked here instead)
                return None
            raise
        if pid == 0:  # the child: never returns, never runs the parent's exit handlers
            status = 1
            try:
                os.close(read)
                _quiet()
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                status = 0
            except BaseException:  # (the parent then checks this half itself)
                pass
            finally:
                os._exit(status)
        os.close(write)
        return cls(pid, read)

    def result(self) -> list[Any]:
        """``[the child's result]``, or ``[]`` if it failed (killed, crashed, sent no whole
        result)."""
        import pickle

        inp, self.fd = os.fdopen(self.fd, "rb"), -1  # (closed with the file)
        try:
            with inp:
                data = inp.read()
        except BaseException:  # (interrupted: the child's half is not wanted any more)
            self.kill()
            raise
        status = _wait(self.pid)
        if status is not None and (not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0):
            return []
        try:
            return [pickle.loads(data)]
        except Exception:  # (a truncated stream: the child died while writing)
            return []

    def kill(self) -> None:
        import signal

        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        _wait(self.pid)


def _quiet() -> None:
    """The child's standard input and outputs on /dev/null: it never prints, and it must not
    hold the caller's pipes open (were this process killed, a caller reading them would wait
    for the child)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _wait(pid: int) -> int | None:
    """The exit status of the child ``pid``, once it has ended; ``None`` when the program
    ignores ``SIGCHLD`` (children are then reaped by the system, and their status lost: a
    whole pickle is then the only sign of success)."""
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None
