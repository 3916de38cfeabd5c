"""How the actions ask the notifier for an e-mail (a saved registration's summary, the
information of step 11b): one POST on loopback, bounded in time; a failure is logged and
never reaches the conversation."""

from __future__ import annotations

import functools
import logging

import httpx
from pydantic import Field

from bot import deployment
from bot.identifiers import mask
from bot.settings_base import EnvSettings

logger = logging.getLogger(__name__)
TIMEOUT_S = 3.0


class NotifierAccess(EnvSettings):
    """Where the notifier is and its token; no URL: no e-mail is asked for."""

    url: str = Field("", env="PLN_NOTIFY_URL")
    token: str = Field("", env="PLN_NOTIFY_TOKEN", secret=True)


@functools.lru_cache(maxsize=1)
def notifier_access() -> NotifierAccess:
    """Read from the environment once, at the first request of this process."""
    return NotifierAccess.from_env()


async def _post(path: str, body: dict, what: str) -> bool:
    access = notifier_access()
    url, token = access.url, access.token
    if not url:
        return False
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S, trust_env=False) as client:
            response = await client.post(f"{url.rstrip('/')}{path}",
                                         headers={deployment.TOKEN_HEADER: token}, json=body)
        response.raise_for_status()
        return True
    except httpx.HTTPError as error:
        logger.error("%s not requested: %s", what, type(error).__name__)
        return False


async def request_information(idpel: str, target_va: int, stroom_awal_rp: int | None,
                              email: str, title: str | None) -> bool:
    """Step 11b: the fees, requirements and how to apply again, e-mailed by the notifier;
    the address goes in this request only."""
    return await _post("/information", {"idpel": idpel, "target_va": target_va,
                                        "stroom_awal_rp": stroom_awal_rp, "email": email,
                                        "title": title}, f"information for {mask(idpel)}")


async def request_summary(registration_number: str, email: str | None, address: str | None,
                          title: str | None) -> bool:
    return await _post("/summaries", {"registration_number": registration_number,
                                      "email": email, "address": address, "title": title},
                       f"summary of {mask(registration_number)}")
