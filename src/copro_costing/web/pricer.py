"""Pricing the API's quotes in the event loop or, when the server is busy, in a pricing process.

A quote is a millisecond or two of pure Python. Asked for alone, it is priced in the event
loop: that is quickest, with nothing handed over. When other quotes are waiting, it is
handed to a pricing process (``serve`` starts one where there is a second processor), so
the loop goes on reading requests and answering pages while another processor prices. A
thread would not do: the GIL runs one thread's Python at a time. Either way the answer is
:func:`.quoting.answer` for the same body and the same rate tables, since the pricing
process reads the same rates folder, looked at as often, and so gives the same bytes.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from ..ratebook.models import RateBook
from .pricing_process import PricingProcess, ProcessGone
from .quoting import Answer, answer

log = logging.getLogger("copro_costing.web")

REPLACE_AFTER = 1.0
"""Seconds before a pricing process that stopped is replaced: long enough for a server that
is itself stopping (a service manager stops every process of the service at once) to say
so, so that it does not start another."""


def default_processes() -> int:
    """Pricing processes ``serve`` starts by default: one where there is a processor to spare."""
    return 1 if (os.cpu_count() or 1) > 1 else 0


class QuotePricer:
    """Answers quote requests, handing them to ``processes`` pricing processes while others wait.

    ``start`` (as the server starts) launches the processes; until one is ready, and whenever
    a quote is the only one in flight, quotes are priced in the event loop. A pricing process
    that stops is replaced, and the quotes it had are priced in the loop; one that stops
    before it was ever ready is not (it would again), and the server says so in its log.
    """

    def __init__(self, folder: Path | None, processes: int = 0) -> None:
        self.folder = folder
        self.processes = processes
        self.handed_over = 0
        """How many quotes the pricing processes have answered."""
        self._in_flight = 0
        self._running: list[PricingProcess] = []
        self._background: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> tuple[PricingProcess, ...]:
        """The pricing processes started and not stopped."""
        return tuple(self._running)

    @property
    def pids(self) -> list[int]:
        """The pricing processes' ids."""
        return [p.pid for p in self._running if p.pid is not None]

    async def start(self) -> None:
        for _ in range(self.processes - len(self._running)):
            await self._launch()

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        running, self._running = self._running, []
        for process in running:
            await process.close()
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
                    handed = await self._hand_over(body, content_type)
                    if handed is not None:
                        return handed
            return answer(body, content_type, book)
        finally:
            self._in_flight -= 1

    async def _hand_over(self, body: bytes, content_type: str) -> Answer | None:
        ready = [p for p in self._running if p.ready]
        if not ready:
            return None
        process = min(ready, key=lambda p: len(p.pending))
        try:
            reply = await process.ask(body, content_type)
        except ProcessGone:
            return None
        self.handed_over += 1
        return reply

    async def _launch(self) -> None:
        process = PricingProcess(self.folder, self._gone)
        try:
            await process.start()
        except OSError as exc:
            log.error("could not start a pricing process (%s): the server prices every quote itself", exc)
            return
        self._running.append(process)

    def _gone(self, process: PricingProcess) -> None:
        if process not in self._running:
            return
        self._running.remove(process)
        self._in_background(process.close())
        if not process.was_ready:
            log.error("a pricing process stopped as it started: the server prices every quote itself")
            return
        self._in_background(self._replace(process))

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(self._background.discard)

    async def _replace(self, process: PricingProcess) -> None:
        await asyncio.sleep(REPLACE_AFTER)  # cancelled if the server stops meanwhile
        log.warning("pricing process %s stopped: starting another (the server priced quotes meanwhile)", process.pid)
        await self._launch()
