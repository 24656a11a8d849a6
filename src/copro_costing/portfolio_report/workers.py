"""Reading and pricing a large folder of costing files in several processes at once.

Each costing is read, validated, priced and reduced to its Record independently of the
others, so a folder of thousands of files is shared out in chunks: ``jobs`` processes
read it, this one and ``jobs - 1`` workers (each given the rate tables and the file list
once). The chunks not yet taken are a range shared by every process: this one takes
chunks from its front while the workers, once started, take them from its back, so no
time is lost waiting for them to start and this process is never idle. The results come
back in file order, and the report is the same, byte for byte, however many processes
read it.

Workers are forked only where that is safe: on Linux, from a process running no other
thread (the command line), so a worker starts at once with the tables already loaded.
Anywhere else (a process running other threads, such as a threaded web server or a
notebook kernel; macOS; Windows) they are started afresh ("spawn"), importing the package
and given the tables, which takes a few tenths of a second.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..processors import usable_processors
from ..ratebook.models import RateBook
from .reading import Result, read_one
from .record import Record

MIN_FILES = 400
"""Fewer files than this are read in the calling process: starting workers costs more."""
CHUNK = 50
"""Files a process reads at a time: large enough that handing work out costs little."""
MAX_JOBS = 8
WAIT = 0.5
"""Seconds this process waits for the shared range before checking that no worker has stopped."""

_book: RateBook | None = None
_today: date | None = None
_left: SynchronizedArray[int] | None = None  # [first, end) of the chunks no process has taken
_chunks: list[list[str]] = []


def default_jobs() -> int:
    """One process per processor this process may use (itself among them: its CPU affinity and a
    container's quota, as :mod:`copro_costing.processors` counts them), up to :data:`MAX_JOBS`."""
    return min(usable_processors(), MAX_JOBS)


def jobs_for(files: int, jobs: int | None) -> int:
    """How many processes read ``files`` files: ``jobs`` if given, else the default for a folder that size."""
    if jobs is not None:
        return max(1, min(jobs, -(-files // CHUNK) or 1))
    return default_jobs() if files >= MIN_FILES else 1


def start_method() -> str:
    """How workers are started: "fork" on Linux from a process with no other thread, else "spawn".

    Forking copies the whole process, the locks other threads hold among it, so it is safe
    only with one thread (as the system counts them: Python's, and any a numerical library
    started of its own); on macOS system libraries are not safe across a fork at all.
    """
    if sys.platform == "linux" and _system_threads() == 1:
        return "fork"
    return "spawn"


def _system_threads() -> int:
    """Threads of this process as Linux counts them, Python's and those a library started in C."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0  # unknown: not safe to fork


def _start(book: RateBook, today: date | None, left: SynchronizedArray[int], chunks: list[list[str]]) -> None:
    global _book, _today, _left, _chunks
    _book, _today, _left, _chunks = book, today, left, chunks


def _take(left: SynchronizedArray[int], last: bool) -> int | None:
    """Take the first (or the last) chunk no process has taken; None when every chunk is taken.
    Call it holding ``left``'s lock."""
    first, end = left[0], left[1]
    if first >= end:
        return None
    if last:
        left[1] = end - 1
        return end - 1
    left[0] = first + 1
    return first


Sent = tuple[tuple[Any, ...], bool] | tuple[Problem, ...]
"""A file's result as a worker sends it: a record packed into plain values, or its problems."""


def _read_last() -> tuple[int, list[Sent]] | None:
    """In a worker: read the last chunk no process has taken; None when every chunk is taken."""
    assert _book is not None and _left is not None, "a worker reads only after it is started"
    with _left.get_lock():
        k = _take(_left, last=True)
    if k is None:
        return None
    return k, [_packed(read_one(Path(path), _book, _today)) for path in _chunks[k]]


def _packed(result: Result) -> Sent:
    if result and isinstance(result[0], Record):
        return result[0].packed(), result[1]
    return result


def _unpacked(sent: Sent) -> Result:
    if sent and isinstance(sent[0], tuple):
        return Record.unpacked(sent[0]), sent[1]
    return sent


def read_in_workers(files: list[Path], book: RateBook, today: date | None, jobs: int) -> Iterator[tuple[Path, Result]]:
    """Every file's result, in ``files`` order, read by this process and ``jobs - 1`` (at least one) worker processes."""
    chunks = [files[i:i + CHUNK] for i in range(0, len(files), CHUNK)]
    context = multiprocessing.get_context(start_method())
    left = context.Array("i", [0, len(chunks)])
    names = [[str(p) for p in chunk] for chunk in chunks]
    with ProcessPoolExecutor(jobs - 1, mp_context=context, initializer=_start,
                             initargs=(book, today, left, names)) as pool:
        tasks = [pool.submit(_read_last) for _ in chunks]  # each reads one chunk, or finds none left
        try:
            while (k := _take_first(left, tasks)) is not None:
                yield from ((path, read_one(path, book, today)) for path in chunks[k])
            taken = dict(got for got in (task.result() for task in tasks) if got is not None)
        except BrokenProcessPool as exc:
            raise RuntimeError(f"a worker reading the costing files stopped unexpectedly ({exc})") from None
        finally:
            lock = left.get_lock()
            if lock.acquire(timeout=WAIT):  # (not held for ever by a worker that stopped)
                left[1] = left[0]  # closed early or stopped: the workers take nothing more
                lock.release()
        for k in sorted(taken):
            yield from zip(chunks[k], map(_unpacked, taken[k]), strict=True)


def _take_first(left: SynchronizedArray[int], tasks: Sequence[Future[Any]]) -> int | None:
    """In this process: take the first chunk left, waiting for the lock only while every worker still runs."""
    lock = left.get_lock()
    held = False
    try:  # (an interrupt while waiting must not leave the range held)
        while not (held := lock.acquire(timeout=WAIT)):  # a worker stopped holding it would hold it for ever
            for task in tasks:
                stopped = task.exception() if task.done() else None
                if isinstance(stopped, BrokenProcessPool):
                    raise stopped
        return _take(left, last=False)
    finally:
        if held:
            lock.release()
