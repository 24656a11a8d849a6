"""Pricing the API's quotes in the event loop or, when the server is busy, in a pricing process.

A quote is a millisecond or two of pure Python. Asked for alone, it is priced in the event
loop: that is quickest, with nothing handed over. When other quotes are waiting, it is
handed to a pricing process (``serve`` starts one where there is a second processor core),
so the loop goes on reading requests and answering pages while another core prices. A
thread would not do: the GIL runs one thread's Python at a time. Either way the answer is
:func:`.quoting.answer` for the same body and the same rate tables: the server tells the
pricing process its tables whenever they change, so both price with the same ones.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Coroutine
from typing import Any

from ..processors import usable_processors
from ..ratebook.models import RateBook
from .pricing_process import PricingProcess, ProcessGone
from .quoting import Answer, answer

log = logging.getLogger("copro_costing.web")

MAX_WAITING = 16
"""Quotes a pricing process may have waiting; more are priced in the loop, so one that has
fallen behind does not hold them all."""
STUCK_AFTER = 30.0
"""Seconds a pricing process may answer nothing while quotes wait before it is taken to be stuck and stopped."""
REPLACE_AFTER = 1.0
"""Seconds before a pricing process that stopped is replaced; doubled after each one in a row
that answered no quote and lived less than :data:`LIVED_WELL`, or could not be started (up to :data:`REPLACE_AT_MOST`), so a fault
is not repeated every second."""
REPLACE_AT_MOST = 60.0
LIVED_WELL = 60.0
"""Seconds after which a pricing process that stops is not counted as a failure, even if it answered nothing."""


def default_processes() -> int:
    """Pricing processes ``serve`` starts by default: one where this process may use a second
    core (its CPU affinity and a container's quota, as :mod:`copro_costing.processors` counts
    them), on a POSIX system (the pricing process is handed its socket as POSIX does)."""
    if os.name != "posix" or getattr(sys, "frozen", False):  # a frozen app's executable is not Python
        return 0
    return 1 if usable_processors() >= 2 else 0


class QuotePricer:
    """Answers quote requests, handing them to ``processes`` pricing processes while others wait.

    ``start`` (as the server starts) launches the processes; until one is ready, and whenever
    a quote is the only one in flight, quotes are priced in the event loop. A pricing process
    that stops is replaced, and its quotes are priced in the loop. One that answers nothing
    for :data:`STUCK_AFTER` seconds is stopped and replaced; the quote it was pricing is
    answered ``stuck`` (priced in the loop, it could stop the server as well).
    """

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes
        self.handed_over = 0
        """How many quotes the pricing processes have answered."""
        self._in_flight = 0
        self._running: list[PricingProcess] = []
        self._background: set[asyncio.Task[None]] = set()
        self._failures = 0

    @property
    def running(self) -> tuple[PricingProcess, ...]:
        """The pricing processes started and not stopped."""
        return tuple(self._running)

    @property
    def pids(self) -> list[int]:
        """The pricing processes' ids."""
        return [p.pid for p in self._running if p.pid is not None]

    async def start(self) -> None:
        if self.processes > 0 and os.name != "posix":
            log.error("pricing processes need a POSIX system: the server prices every quote itself")
            return
        for _ in range(self.processes - len(self._running)):
            await self._launch()

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        running, self._running = self._running, []
        await asyncio.gather(*(process.close() for process in running))
        if self.processes:
            log.info("the pricing processes answered %d quotes", self.handed_over)

    def ready(self) -> bool:
        """Whether a pricing process is ready to take a quote."""
        return any(p.ready for p in self._running)

    async def quote(self, body: bytes, content_type: str, book: RateBook) -> Answer:
        """The answer for ``body``, priced with ``book`` here or by a pricing process with the same tables."""
        self._in_flight += 1
        try:
            if self.ready():
                await asyncio.sleep(0)  # requests the loop has just read come in and are counted
                if self._in_flight > 1:
                    handed = await self._hand_over(body, content_type, book)
                    if handed is not None:
                        return handed
            return answer(body, content_type, book)
        finally:
            self._in_flight -= 1

    async def _hand_over(self, body: bytes, content_type: str, book: RateBook) -> Answer | None:
        free = [p for p in self._running if p.ready and len(p.pending) < MAX_WAITING]
        if not free:
            return None
        process = min(free, key=lambda p: len(p.pending))
        try:
            reply = await process.ask(body, content_type, book)
        except ProcessGone:
            return None
        except TimeoutError:
            return Answer("stuck")
        self.handed_over += 1
        return reply

    async def _launch(self) -> None:
        process = PricingProcess(self._gone, STUCK_AFTER)
        try:
            await process.start()
        except Exception as exc:  # e.g. no more processes allowed just now
            self._failures += 1
            wait = self._wait()
            log.error("could not start a pricing process (%s): trying again in %.0f s; the server prices "
                      "every quote meanwhile", exc, wait)
            self._in_background(self._later(wait))
            return
        self._running.append(process)

    def _gone(self, process: PricingProcess) -> None:
        if process not in self._running:
            return
        self._running.remove(process)
        lived = asyncio.get_running_loop().time() - process.started
        self._failures = 0 if process.answered or lived > LIVED_WELL else self._failures + 1
        self._in_background(self._replace(process))

    async def _replace(self, process: PricingProcess) -> None:
        await process.close()  # the process has ended: this collects its exit status
        wait = self._wait()
        log.warning("pricing process %s stopped (exit status %s)%s: starting another in %.0f s; the server "
                    "prices quotes meanwhile", process.pid, process.exit_status,
                    "" if process.answered else " before it answered a quote", wait)
        await self._later(wait)

    def _wait(self) -> float:
        return min(REPLACE_AT_MOST, REPLACE_AFTER * 2 ** min(self._failures, 16))

    async def _later(self, wait: float) -> None:
        await asyncio.sleep(wait)  # cancelled if the server stops meanwhile
        await self._launch()

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(self._background.discard)
