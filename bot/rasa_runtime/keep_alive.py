"""Rasa's calls to the action server over kept-alive connections.

Upstream ``EndpointConfig.request`` opens ``async with self.session()``: a new aiohttp
``ClientSession`` (and a new TCP connection) for every call, then closes it: about 6% of
the Rasa process's CPU under load, and a connect per action call. Here ``session()``
hands out one session per endpoint configuration and event loop, kept open (its exit
does not close it); the connections are kept alive for less time than the action
server keeps them (rasa-sdk's Sanic: 5 s), so a request rarely meets a connection the
server has just closed; when it does, ``action_failures`` retries it once on a fresh one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

KEEP_ALIVE_S = 4.0  # below the action server's 5 s
_sessions: dict[tuple[asyncio.AbstractEventLoop, str, str, str], aiohttp.ClientSession] = {}


class _KeptOpen:
    """``async with`` a shared session without closing it."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_exc: Any) -> bool:
        return False


def session(upstream, endpoint: EndpointConfig):
    """The replacement of ``EndpointConfig.session``: the shared session of this endpoint
    and event loop (upstream's own, unshared, outside a running loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return upstream(endpoint)
    key = (loop, endpoint.url or "", repr(sorted(endpoint.headers.items())),
           repr(sorted(endpoint.basic_auth.items())))
    shared = _sessions.get(key)
    if shared is None or shared.closed:
        for gone in [key for key in _sessions if key[0].is_closed()]:
            del _sessions[gone]  # of a finished event loop (tests): nothing to close it on
        auth = (aiohttp.BasicAuth(endpoint.basic_auth["username"],
                                  endpoint.basic_auth["password"])
                if endpoint.basic_auth else None)
        shared = aiohttp.ClientSession(
            headers=endpoint.headers, auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_S))
        _sessions[key] = shared
    return _KeptOpen(shared)


async def close_sessions() -> None:
    """Closes the kept sessions of the running event loop (at its end)."""
    loop = asyncio.get_running_loop()
    for key in [key for key in _sessions if key[0] is loop]:
        await _sessions.pop(key).close()
