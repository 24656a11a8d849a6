"""A pricing process, and the server's end of the socket to it (for :class:`.pricer.QuotePricer`).

Quotes go to the process over a socket pair, in order, and its answers come back in the
same order, each a length-prefixed pickle (the socket joins two processes of one server,
nothing else). The event loop never waits on the socket (asyncio streams) and neither side
uses a thread, so handing a quote over costs little more than writing and reading it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import pickle
import signal
import socket
import struct
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .quoting import Answer, WatchedRates, answer_watched

log = logging.getLogger("copro_costing.web")

HEADER = struct.Struct("!I")
READY = "ready"
"""What a pricing process says once it has read the rate tables."""
JOIN_SECONDS = 5.0


@dataclass(frozen=True)
class Fault:
    """An unexpected error in the pricing process, with its traceback (for the server's log)."""

    traceback: str


class PricingFault(Exception):
    """A fault in copro-costing met while a pricing process priced a quote; the message is its traceback."""


class ProcessGone(Exception):
    """The pricing process stopped before it answered."""


# In the pricing process ---------------------------------------------------------------------


def serve_quotes(sock: socket.socket, folder: Path | None) -> None:
    """A pricing process: read the rate tables, then answer each quote sent until the server closes the socket."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the server, which stops this process
    rates = WatchedRates(folder)
    try:
        rates.book()
    except InputError:
        pass  # reported with each quote, as the server does
    gc.collect()
    gc.freeze()  # what lives as long as the process stays out of the collector's passes
    with sock, suppress(OSError):  # the server gone: nothing to answer
        _send(sock, READY)
        while (request := _receive(sock)) is not None:
            body, content_type = request
            try:
                reply: Answer | Fault = answer_watched(rates, body, content_type)
            except Exception:
                reply = Fault(traceback.format_exc())
            _send(sock, reply)


def _send(sock: socket.socket, message: object) -> None:
    payload = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    sock.sendall(HEADER.pack(len(payload)) + payload)


def _receive(sock: socket.socket) -> Any | None:
    header = _exactly(sock, HEADER.size)
    if header is None:
        return None
    payload = _exactly(sock, HEADER.unpack(header)[0])
    return None if payload is None else pickle.loads(payload)


def _exactly(sock: socket.socket, size: int) -> bytes | None:
    """``size`` bytes from ``sock``, or None once the server has closed it."""
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# In the server ------------------------------------------------------------------------------


@contextmanager
def ctrl_c_ignored_by_new_processes() -> Iterator[None]:
    """Processes started inside ignore Ctrl+C from their first instant (an ignored signal is
    inherited), so none prints a traceback if stopped while still starting up: the server
    stops them itself. Only the main thread can change a signal's handler; elsewhere (under a
    test client) a process ignores Ctrl+C once it has started."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


class PricingProcess:
    """One pricing process: ``ask`` hands it a quote and waits, without blocking the loop, for its answer.

    ``on_gone`` is called once if the process stops (not when closed): every quote it had
    fails with :class:`ProcessGone`.
    """

    def __init__(self, folder: Path | None, on_gone: Callable[[PricingProcess], None]) -> None:
        self.folder = folder
        self.ready = False
        self.was_ready = False
        self.pending: deque[asyncio.Future[Any]] = deque()
        self._on_gone = on_gone
        self._closing = False
        self._process: Any = None
        self._writer: asyncio.StreamWriter | None = None
        self._reading: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            with ctrl_c_ignored_by_new_processes():
                self._process = multiprocessing.get_context("spawn").Process(
                    target=serve_quotes, args=(theirs, self.folder), name="copro-costing pricing", daemon=True,
                )
                self._process.start()
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        reader, self._writer = await asyncio.open_connection(sock=ours)
        self._reading = asyncio.create_task(self._read_answers(reader))

    async def ask(self, body: bytes, content_type: str) -> Answer:
        if self._writer is None or self._writer.is_closing():
            raise ProcessGone
        waiting = asyncio.get_running_loop().create_future()
        self.pending.append(waiting)
        payload = pickle.dumps((body, content_type), pickle.HIGHEST_PROTOCOL)
        self._writer.write(HEADER.pack(len(payload)) + payload)
        reply = await waiting
        if isinstance(reply, Fault):
            raise PricingFault(reply.traceback)
        return reply

    async def _read_answers(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                header = await reader.readexactly(HEADER.size)
                reply = pickle.loads(await reader.readexactly(HEADER.unpack(header)[0]))
                if reply == READY:
                    self.ready = self.was_ready = True
                    log.info("pricing process %s is ready", self.pid)
                    continue
                waiting = self.pending.popleft()
                if not waiting.done():  # a request given up (its client gone) still had its answer
                    waiting.set_result(reply)
        except (asyncio.IncompleteReadError, ConnectionError, OSError, pickle.UnpicklingError, IndexError):
            pass
        finally:
            self.ready = False
            while self.pending:
                waiting = self.pending.popleft()
                if not waiting.done():
                    waiting.set_exception(ProcessGone())
            if not self._closing:
                self._on_gone(self)

    async def close(self) -> None:
        """Close the socket (the process then ends of itself) and wait for the process."""
        self._closing = True
        if self._writer is not None:
            self._writer.close()
            with suppress(OSError):
                await self._writer.wait_closed()
        if self._reading is not None:
            self._reading.cancel()
        if self._process is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + JOIN_SECONDS
        while self._process.is_alive() and loop.time() < deadline:
            await asyncio.sleep(0.01)
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(JOIN_SECONDS)
