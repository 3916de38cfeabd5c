"""A local HTTP fake of a provider's API (aiohttp on 127.0.0.1, a free port) in a thread
of its own, so that tests in any event loop, and a Rasa process, can call it. Subclasses
add their routes (``routes``) and record what they receive."""

from __future__ import annotations

import asyncio
import threading
import time

from aiohttp import web


class ThreadedFake:
    name = "fake"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def seen(self) -> list:
        """What was received so far (for ``wait_for``'s message)."""
        return []

    def wait_for(self, predicate, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"the {self.name} did not see it in {timeout} s; "
                                     f"last calls: {self.seen()[-10:]}")
            time.sleep(0.02)

    def start(self):
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True, name=self.name).start()
        if not ready.wait(10):
            raise RuntimeError(f"the {self.name} did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)

    async def _shutdown(self) -> None:
        await self._runner.cleanup()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:  # a long poll still waiting
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        ready.set()
        self._loop.run_forever()
