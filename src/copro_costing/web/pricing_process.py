"""A pricing process, and the server's end of the socket to it (for :class:`.pricer.QuotePricer`).

Quotes go to the process over a socket pair, in order, and its answers come back in the
same order, each a length-prefixed pickle. The pair is unnamed and private to the two
processes of one server, so nothing else can write to it. The event loop never waits on
the socket (asyncio streams) and neither side uses a thread, so handing a quote over costs
little more than writing and reading it.

The process is this module's :func:`main`, started with the socket's end on the server's
own Python, given the server's module path (``sys.path``, on its standard input), so it
imports the same code from the same places. It reads no rate tables of its own: the
server sends its tables with the first quote priced with them (about 26 KB for the bundled ones, once per update), so both always
price with the same tables. It stops when the server closes the socket. It has a session
of its own, so a terminal's Ctrl+C is the server's alone, and it ignores SIGTERM, which a
service manager sends to every process of the server at once (from its first instant: the
server starts it with both signals held back), so it never leaves a quote unanswered while
the server still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import traceback
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from ..ratebook.models import RateBook
from .quoting import Answer, answer

log = logging.getLogger("copro_costing.web")

HEADER = struct.Struct("!I")
READY = "ready"
"""What a pricing process says once its code is loaded and it can take quotes."""
STOP_SECONDS = 5.0
"""How long a pricing process has to stop once its socket is closed, before it is killed."""
STOPS = {signal.SIGINT, signal.SIGTERM}
NOT_PASSED_ON = ("COPRO_COSTING_SECRET", "PYTHONPATH")
"""What the pricing process is not given of the server's environment (its path comes whole from the server)."""
BOOTSTRAP = (
    "import json, sys; sys.path[:] = json.load(sys.stdin); sys.stdin.close(); "
    "from copro_costing.web.pricing_process import main; main(sys.argv[1:])"
)
LATE = 0.25
"""Seconds late a watch may fire before it is taken that the loop, not the process, was held up."""


@dataclass(frozen=True)
class Fault:
    """An unexpected error in the pricing process, with its traceback (for the server's log)."""

    traceback: str


Reply = Answer | Fault


class PricingFault(Exception):
    """A fault in copro-costing met while a pricing process priced a quote; the message is its traceback."""


class ProcessGone(Exception):
    """The pricing process stopped before it answered."""


# In the pricing process ---------------------------------------------------------------------


def serve_quotes(sock: socket.socket) -> None:
    """Answer each quote sent, with the tables last sent, until the server closes the socket."""
    book: RateBook | None = None
    gc.collect()
    gc.freeze()  # the code, which lives as long as the process, stays out of the collector's passes
    with sock, suppress(OSError):  # the server gone: nothing to answer
        _send(sock, READY)
        while (request := _receive(sock)) is not None:
            body, content_type, tables = request
            if tables is not None:
                book = tables
                gc.collect()
                gc.freeze()  # and so do the tables, until the next update
            try:
                if book is None:
                    raise RuntimeError("a quote came before any rate tables")
                reply: Reply = answer(body, content_type, book)
            except Exception:
                reply = Fault(traceback.format_exc())
            _send(sock, reply)


def _send(sock: socket.socket, message: object) -> None:
    sock.sendall(_framed(message))


def _framed(message: object) -> bytes:
    payload = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A pricing process of copro-costing serve (started by it).")
    parser.add_argument("--socket-fd", type=int, required=True)
    args = parser.parse_args(argv)
    for stop in STOPS:
        signal.signal(stop, signal.SIG_IGN)  # the server stops this process by closing the socket
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)  # held back since it started; now ignored
    serve_quotes(socket.socket(fileno=args.socket_fd))


# In the server ------------------------------------------------------------------------------


def _flags() -> list[str]:
    """The server's own interpreter options that change how code runs, for the pricing process
    (those Python makes public: optimisation, bytecode, UTF-8 and development modes, warnings)."""
    flags = ["-O"] * sys.flags.optimize
    if sys.flags.dont_write_bytecode:
        flags.append("-B")
    if sys.flags.utf8_mode:
        flags += ["-X", "utf8"]
    if sys.flags.dev_mode:
        flags += ["-X", "dev"]
    for option in sys.warnoptions:
        flags += ["-W", option]
    return flags


class PricingProcess:
    """One pricing process: ``ask`` hands it a quote and waits, without blocking the loop, for its answer.

    ``on_gone`` is called once if the process stops (not when closed): every quote it had,
    and any asked for after, fails with :class:`ProcessGone`. A process that answers nothing
    for ``stuck_after`` seconds while quotes wait is stuck: the quote it was pricing fails with
    TimeoutError (priced again, it could stop the server too), and the process is killed.
    """

    def __init__(self, on_gone: Callable[[PricingProcess], None], stuck_after: float) -> None:
        self.ready = False
        self.gone = False
        self.stuck = False
        self.answered = 0
        self.pending: deque[asyncio.Future[Reply]] = deque()
        self.stuck_after = stuck_after
        self._progress = 0.0  # when the process last answered, or was given a quote with none waiting
        self._watching: asyncio.TimerHandle | None = None
        self._due = 0.0  # when the watch is due
        self.started = 0.0
        self._on_gone = on_gone
        self._closing = False
        self._process: subprocess.Popen[bytes] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reading: asyncio.Task[None] | None = None
        self._sent: RateBook | None = None  # the tables the process has

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def exit_status(self) -> int | None:
        """The process's exit status once it has ended (negative: the signal that ended it)."""
        return self._process.returncode if self._process is not None else None

    async def start(self) -> None:
        """Start the process (it loads its code in its own time; ``ready`` says when it has)."""
        path = json.dumps([entry for entry in sys.path if isinstance(entry, str)]).encode()  # as imports read it
        command = [sys.executable, *_flags(), "-c", BOOTSTRAP]
        env = {name: value for name, value in os.environ.items() if name not in NOT_PASSED_ON}
        ours, theirs = socket.socketpair()
        try:
            held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)  # the process starts with them held back
            try:
                self._process = subprocess.Popen(
                    [*command, "--socket-fd", str(theirs.fileno())], pass_fds=(theirs.fileno(),),
                    stdin=subprocess.PIPE, start_new_session=True, env=env,
                )
            finally:
                theirs.close()
                signal.pthread_sigmask(signal.SIG_SETMASK, held)  # any that came meanwhile reach the server now
            assert self._process.stdin is not None
            with self._process.stdin:
                self._process.stdin.write(path)
            self.started = asyncio.get_running_loop().time()
            reader, self._writer = await asyncio.open_connection(sock=ours)
        except BaseException:
            ours.close()
            self.kill()
            raise
        self._reading = asyncio.create_task(self._read_answers(reader))

    async def ask(self, body: bytes, content_type: str, book: RateBook) -> Answer:
        """The process's answer for ``body``, priced with ``book``; TimeoutError if the process is stuck on it."""
        if self.gone or self._writer is None or self._writer.is_closing():
            raise ProcessGone
        frame = _framed((body, content_type, None if book is self._sent else book))
        self._sent = book
        loop = asyncio.get_running_loop()
        waiting: asyncio.Future[Reply] = loop.create_future()
        self._writer.write(frame)  # the request and its place in the queue together, or neither
        if not self.pending:
            self._progress = loop.time()
        self.pending.append(waiting)
        if self._watching is None:
            self._watch_in(self.stuck_after)
        reply = await waiting
        if isinstance(reply, Fault):
            raise PricingFault(reply.traceback)
        return reply

    def _watch_in(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._due = loop.time() + seconds
        self._watching = loop.call_later(seconds, self._watch)

    def _watch(self) -> None:
        """While quotes wait: kill the process if it has answered nothing for ``stuck_after`` seconds."""
        self._watching = None
        if not self.pending or self.gone:
            return
        now = asyncio.get_running_loop().time()
        if now - self._due > LATE:  # the loop was held up: answers may be waiting unread
            self._progress = max(self._progress, now - self.stuck_after + LATE)
            self._watch_in(LATE)
            return
        quiet = now - self._progress
        if quiet < self.stuck_after:
            self._watch_in(self.stuck_after - quiet)
            return
        self.stuck = True
        log.error("pricing process %s answered nothing for %.1f s while quotes waited: stopping it", self.pid, quiet)
        head = self.pending[0]
        if not head.done():
            head.set_exception(TimeoutError())
        self.kill()

    def kill(self) -> None:
        """Stop the process at once (stuck, untrustworthy, or half started): its quotes fail with :class:`ProcessGone`."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    async def _read_answers(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                header = await reader.readexactly(HEADER.size)
                reply = pickle.loads(await reader.readexactly(HEADER.unpack(header)[0]))
                if reply == READY:
                    self.ready = True
                    log.info("pricing process %s is ready", self.pid)
                    continue
                waiting = self.pending.popleft()
                self.answered += 1
                self._progress = asyncio.get_running_loop().time()
                if not waiting.done():  # one given up (its client gone, or too slow) still had its answer
                    waiting.set_result(reply)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass  # the process has ended
        except Exception:  # an answer that cannot be read: the process cannot be trusted with more
            log.exception("pricing process %s sent what the server cannot read: stopping it", self.pid)
            self.kill()
        finally:
            self.ready, self.gone = False, True
            if self._watching is not None:
                self._watching.cancel()
            if self._writer is not None:
                self._writer.transport.abort()
            while self.pending:
                waiting = self.pending.popleft()
                if not waiting.done():
                    waiting.set_exception(ProcessGone())
            if not self._closing:
                self._on_gone(self)

    async def close(self) -> None:
        """Close the socket (the process then ends of itself), wait for the process, and kill it if it does not end."""
        self._closing = True
        if self._watching is not None:
            self._watching.cancel()
        if self._writer is not None:
            self._writer.transport.abort()  # what is not yet sent is for a process being stopped
        if self._reading is not None:
            self._reading.cancel()
        if self._process is None:
            return
        if not await self._ended_within(STOP_SECONDS):
            log.warning("pricing process %s did not stop: killing it", self.pid)
            self._process.kill()
            await self._ended_within(STOP_SECONDS)

    async def _ended_within(self, seconds: float) -> bool:
        assert self._process is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self._process.poll() is None and loop.time() < deadline:
            await asyncio.sleep(0.01)
        return self._process.poll() is not None


