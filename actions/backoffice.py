"""The one back-office client of the action server process."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.conversation import now
from bot.backoffice.client import AsyncBackofficeClient

_client: AsyncBackofficeClient | None = None


class BackofficeOutage(RuntimeError):
    """AP2T/APKT cannot be reached, after the client's retries. Raised out of the action:
    the action server answers 500, and Rasa (``bot.rasa_runtime.action_failures``) tells
    the customer that the system is disrupted, keeps the open question open (a save runs
    again at the next message), and records a CSO ticket. An outage of a few seconds (a
    restart) costs the customer one message sent again, not a hand-over to a CSO, who
    could not reach AP2T either."""


def backoffice(tracker: Tracker | None = None) -> AsyncBackofficeClient:
    """The shared client (base URL from $PLN_SIM_URL), made on first use. Given the
    conversation, every call carries its clock (``X-PLN-Now``): what the back office
    dates is dated by the time the customer hears."""
    global _client
    if _client is None:
        _client = AsyncBackofficeClient()
    return _client if tracker is None else _client.at(now(tracker))


def use_backoffice(client: AsyncBackofficeClient | None) -> None:
    """Replace the shared client (tests point it at their own simulator)."""
    global _client
    _client = client
