"""A pricing process, and the server's end of the socket to it (for :class:`.pricer.QuotePricer`).

Quotes go to the process over a socket pair, in order, and its answers come back in the
same order, each a length-prefixed pickle. The pair is unnamed and private to the two
processes of one server, so nothing else can write to it. The event loop never waits on
the socket (asyncio streams) and neither side uses a thread, so handing a quote over costs
little more than writing and reading it.

The process is ``python -m copro_costing.web.pricing_process``, started with the socket's
end. It reads no rate tables of its own: the server sends its tables with the first quote
priced with them (about 26 KB for the bundled ones, once per update), so both always
price with the same tables. It stops when the server closes the socket. It ignores
Ctrl+C and SIGTERM, which a terminal or a service manager sends to every process of the
server at once, so it never leaves a quote unanswered while the server still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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
from pathlib import Path
from typing import Any

from ..ratebook.models import RateBook
from .quoting import Answer, answer

log = logging.getLogger("copro_costing.web")

HEADER = struct.Struct("!I")
READY = "ready"
"""What a pricing process says once it has read the rate tables."""
STOP_SECONDS = 5.0
"""How long a pricing process has to stop once its socket is closed, before it is killed."""
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


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
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.SIG_IGN)  # the server stops this process by closing the socket
    serve_quotes(socket.socket(fileno=args.socket_fd))


# In the server ------------------------------------------------------------------------------


def _too_slow(waiting: asyncio.Future[Reply]) -> None:
    if not waiting.done():
        waiting.set_exception(TimeoutError())


class PricingProcess:
    """One pricing process: ``ask`` hands it a quote and waits, without blocking the loop, for its answer.

    ``on_gone`` is called once if the process stops (not when closed): every quote it had,
    and any asked for after, fails with :class:`ProcessGone`.
    """

    def __init__(self, on_gone: Callable[[PricingProcess], None]) -> None:
        self.ready = False
        self.was_ready = False
        self.gone = False
        self.pending: deque[asyncio.Future[Reply]] = deque()
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
        """Start the process (it reads the rate tables in its own time; ``ready`` says when it has)."""
        ours, theirs = socket.socketpair()
        try:
            command = [sys.executable, "-m", __name__, "--socket-fd", str(theirs.fileno())]
            paths = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))
            self._process = subprocess.Popen(  # a session of its own: a terminal's Ctrl+C is for the server
                command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, start_new_session=True,
                env={**os.environ, "PYTHONPATH": paths},  # this copro-costing, however the server imported it
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        reader, self._writer = await asyncio.open_connection(sock=ours)
        self._reading = asyncio.create_task(self._read_answers(reader))

    async def ask(self, body: bytes, content_type: str, book: RateBook, timeout: float) -> Answer:
        """The process's answer for ``body``, priced with ``book``; TimeoutError if none comes within ``timeout`` seconds."""
        if self.gone or self._writer is None or self._writer.is_closing():
            raise ProcessGone
        frame = _framed((body, content_type, None if book is self._sent else book))
        self._sent = book
        loop = asyncio.get_running_loop()
        waiting: asyncio.Future[Reply] = loop.create_future()
        self._writer.write(frame)  # the request and its place in the queue together, or neither
        self.pending.append(waiting)
        timer = loop.call_later(timeout, _too_slow, waiting)
        try:
            reply = await waiting
        finally:
            timer.cancel()
        if isinstance(reply, Fault):
            raise PricingFault(reply.traceback)
        return reply

    def kill(self) -> None:
        """Stop the process at once (it is stuck): its quotes fail with :class:`ProcessGone`."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

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
                if not waiting.done():  # one given up (its client gone, or too slow) still had its answer
                    waiting.set_result(reply)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass  # the process has ended
        except Exception:  # an answer that cannot be read: the process cannot be trusted with more
            log.exception("pricing process %s sent what the server cannot read: stopping it", self.pid)
            self.kill()
        finally:
            self.ready, self.gone = False, True
            if self._writer is not None:
                self._writer.close()
            while self.pending:
                waiting = self.pending.popleft()
                if not waiting.done():
                    waiting.set_exception(ProcessGone())
            if not self._closing:
                self._on_gone(self)

    async def close(self) -> None:
        """Close the socket (the process then ends of itself), wait for the process, and kill it if it does not end."""
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
        deadline = loop.time() + STOP_SECONDS
        while self._process.poll() is None and loop.time() < deadline:
            await asyncio.sleep(0.01)
        if self._process.poll() is None:
            log.warning("pricing process %s did not stop: killing it", self.pid)
            self._process.kill()
            with suppress(subprocess.TimeoutExpired):
                self._process.wait(STOP_SECONDS)


if __name__ == "__main__":  # run as the pricing process: by its own name, so what it pickles unpickles in the server
    from copro_costing.web import pricing_process

    pricing_process.main()
