"""The one back-office client of a process (the action server's, Rasa's), made on first use
from the environment (``PLN_SIM_URL``): every part of the process that talks to AP2T,
APKT or the CRM asks ``BACKOFFICE`` for it; a test puts its own client in its place."""

from __future__ import annotations

from collections.abc import Callable

from bot.backoffice.client import AsyncBackofficeClient


class ClientProvider:
    """Makes the client once, when first asked (not at import: a process that never
    talks to the back office never opens a connection pool)."""

    def __init__(self, make: Callable[[], AsyncBackofficeClient] = AsyncBackofficeClient):
        self._make = make
        self._client: AsyncBackofficeClient | None = None

    def client(self) -> AsyncBackofficeClient:
        if self._client is None:
            self._client = self._make()
        return self._client

    def use(self, client: AsyncBackofficeClient | None) -> None:
        """Replace the client (None: the next call makes one afresh)."""
        self._client = client


BACKOFFICE = ClientProvider()
