"""The one back-office client of the action server process."""

from __future__ import annotations

from bot.backoffice.client import AsyncBackofficeClient

_client: AsyncBackofficeClient | None = None


def backoffice() -> AsyncBackofficeClient:
    """The shared client (base URL from $PLN_SIM_URL), made on first use."""
    global _client
    if _client is None:
        _client = AsyncBackofficeClient()
    return _client


def use_backoffice(client: AsyncBackofficeClient | None) -> None:
    """Replace the shared client (tests point it at their own simulator)."""
    global _client
    _client = client
