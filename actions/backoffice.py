"""The action server's back-office client, dated by the conversation's clock."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.conversation import now
from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.shared import BACKOFFICE


class BackofficeOutage(RuntimeError):
    """AP2T/APKT cannot be reached, after the client's retries. Raised out of the action:
    the action server answers 500, and Rasa (``bot.rasa_runtime.action_failures``) tells
    the customer that the system is disrupted, keeps the open question open (a save runs
    again at the next message), and records a CSO ticket. An outage of a few seconds (a
    restart) costs the customer one message sent again, not a hand-over to a CSO, who
    could not reach AP2T either."""


def backoffice(tracker: Tracker | None = None) -> AsyncBackofficeClient:
    """The process's client (``bot.backoffice.shared``). Given the conversation, every call
    carries its clock (``X-PLN-Now``): what the back office dates is dated by the time the
    customer hears."""
    client = BACKOFFICE.client()
    return client if tracker is None else client.at(now(tracker))


def use_backoffice(client: AsyncBackofficeClient | None) -> None:
    """Replace the process's client (tests point it at their own simulator)."""
    BACKOFFICE.use(client)
