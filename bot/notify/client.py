"""How the action that saved a registration asks the notifier for its summary: one POST
on loopback, bounded in time; a failure is logged and never reaches the conversation."""

from __future__ import annotations

import logging
import os

import httpx

from bot import deployment
from bot.identifiers import mask

logger = logging.getLogger(__name__)
TIMEOUT_S = 3.0


async def request_summary(registration_number: str, email: str | None, address: str | None,
                          title: str | None) -> bool:
    url = os.environ.get("PLN_NOTIFY_URL")
    token = deployment.secret(os.environ, "PLN_NOTIFY_TOKEN") or ""
    if not url:
        return False
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S, trust_env=False) as client:
            response = await client.post(f"{url.rstrip('/')}/summaries",
                                         headers={"X-PLN-Token": token},
                                         json={"registration_number": registration_number,
                                               "email": email, "address": address,
                                               "title": title})
        response.raise_for_status()
        return True
    except httpx.HTTPError as error:
        logger.error("summary of %s not requested: %s", mask(registration_number),
                     type(error).__name__)
        return False
