"""Reading and pricing a large folder of costing files in several processes at once.

Each costing is read, validated, priced and reduced to its Record independently of the
others, so a folder of thousands of files is shared out in chunks: ``jobs`` processes
read it, this one and ``jobs - 1`` workers (each given the rate tables once). This
process takes chunks from the front while the workers, once started, take them from the
back, so no time is lost waiting for them to start and this process is never idle; the
results come back in file order, and the report is the same, byte for byte, however many
processes read it. Workers are started afresh ("spawn"), never forked, so this is safe in
a web server or a notebook.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..ratebook.models import RateBook
from .reading import Result, read_one
from .record import Record

MIN_FILES = 400
"""Fewer files than this are read in the calling process: starting workers costs more."""
CHUNK = 50
"""Files a worker reads per task: large enough that handing work out costs little."""
MAX_JOBS = 8

_book: RateBook | None = None
_today: date | None = None


def default_jobs() -> int:
    """One process per processor this process may use (itself among them), up to :data:`MAX_JOBS`."""
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_JOBS))


def jobs_for(files: int, jobs: int | None) -> int:
    """How many processes read ``files`` files: ``jobs`` if given, else the default for a folder that size."""
    if jobs is not None:
        return max(1, min(jobs, -(-files // CHUNK) or 1))
    return default_jobs() if files >= MIN_FILES else 1


def _start(book: RateBook, today: date | None) -> None:
    global _book, _today
    _book, _today = book, today


Sent = tuple[tuple[Any, ...], bool] | tuple[Problem, ...]
"""A file's result as a worker sends it: a record packed into plain values, or its problems."""


def _read_chunk(paths: list[str]) -> list[Sent]:
    assert _book is not None, "a worker reads only after it is started with the rate tables"
    return [_packed(read_one(Path(path), _book, _today)) for path in paths]


def _packed(result: Result) -> Sent:
    if result and isinstance(result[0], Record):
        return result[0].packed(), result[1]  # type: ignore[return-value]
    return result  # type: ignore[return-value]


def _unpacked(sent: Sent) -> Result:
    if sent and isinstance(sent[0], tuple):
        return Record.unpacked(sent[0]), sent[1]  # type: ignore[return-value]
    return sent  # type: ignore[return-value]


def read_in_workers(files: list[Path], book: RateBook, today: date | None, jobs: int) -> Iterator[tuple[Path, Result]]:
    """Every file's result, in ``files`` order, read by this process and ``jobs - 1`` (at least one) worker processes."""
    chunks = [files[i:i + CHUNK] for i in range(0, len(files), CHUNK)]
    with ProcessPoolExecutor(jobs - 1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start, initargs=(book, today)) as pool:
        # The workers are handed the chunks last first; this process reads each chunk no
        # worker has started (a pending task can be cancelled), from the first, until it
        # meets the chunks they took, whose results it then collects in order.
        handed: list[Future[list[Sent]]] = [pool.submit(_read_chunk, [str(p) for p in chunk])
                                              for chunk in reversed(chunks)]
        handed.reverse()
        try:
            for chunk, task in zip(chunks, handed, strict=True):
                if task.cancel():
                    yield from ((path, read_one(path, book, today)) for path in chunk)
                else:
                    yield from zip(chunk, map(_unpacked, task.result()), strict=True)
        except BrokenProcessPool as exc:
            raise RuntimeError(f"a worker reading the costing files stopped unexpectedly ({exc})") from None
        finally:
            for task in handed:
                task.cancel()
