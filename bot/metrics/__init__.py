"""Metrics for operators: ``GET /metrics`` in Prometheus's text format, on every service.

Each process keeps its own registry (prometheus_client's default one, which also holds
the process's own figures: resident memory, CPU seconds, open files, and Python's garbage
collections), so each instance of a scaled stack is scraped on its own address. Which
figures each service counts: ``docs/metrics.md``; they are defined beside what they count
(``bot.metrics.assistant``, ``backoffice_calls``, ``cso_queue``, ``notifications``).

Who may read them (``MetricsAccess``): in development anyone who reaches the service,
which development allows on loopback only (``bot.deployment``); in production a caller
whose ``X-PLN-Token`` header holds the scrape token ``PLN_METRICS_TOKEN`` (or the file
``PLN_METRICS_TOKEN_FILE`` names), or who sends it as ``Authorization: Bearer <token>``
(what Prometheus's ``authorization`` setting sends). The scrape token opens ``/metrics`` and nothing else:
Prometheus never holds a token that could run an action or read a conversation. A
production service without one configured refuses every scrape.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from pydantic import Field

from bot import deployment
from bot.settings_base import EnvSettings
from bot.untrusted import same_secret

PATH = "/metrics"
TOKEN_SETTING = "PLN_METRICS_TOKEN"
REFUSAL = {"error": "unauthorized",
           "message": f"a valid {deployment.TOKEN_HEADER} header (the scrape token) is required"}


class MetricsAccess(EnvSettings):
    """Who may read ``/metrics``: everyone in development, the scrape token's holder in
    production."""

    production: bool = True  # PLN_ENV=production
    token: str | None = Field(None, env=TOKEN_SETTING, secret=True)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **values: Any) -> MetricsAccess:
        """From ``env`` (default: this process's environment); ``production`` as given
        (the service's own reading of ``PLN_ENV``), else as ``env`` says."""
        env = os.environ if env is None else env
        values.setdefault("production", deployment.is_production(env))
        return super().from_env(env, **values)

    def allows(self, headers: Mapping[str, str]) -> bool:
        """Whether a request with these headers may read the metrics."""
        return not self.production or same_secret(given_token(headers), self.token)


def given_token(headers: Mapping[str, str]) -> str | None:
    """The scrape token a request carries: ``X-PLN-Token``, else a bearer token."""
    token = headers.get(deployment.TOKEN_HEADER)
    if token is not None:
        return token
    scheme, _, credentials = (headers.get("authorization") or "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def exposition() -> bytes:
    """This process's metrics in the text format."""
    return generate_latest(REGISTRY)


Refresh = Callable[[], Awaitable[None]]


def add_starlette_route(app, access: MetricsAccess, refresh: Refresh | None = None) -> None:
    """``GET /metrics`` on a Starlette (FastAPI) app; ``refresh`` runs before each scrape
    (figures read at scrape time, such as the CSO queue)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response

    async def metrics(request: Request) -> Response:
        if not access.allows(request.headers):
            return JSONResponse(REFUSAL, status_code=401)
        if refresh is not None:
            await refresh()
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    app.add_route(PATH, metrics, methods=["GET"], include_in_schema=False)


def add_sanic_route(app, access: MetricsAccess) -> None:
    """``GET /metrics`` on a Sanic app (Rasa's server, the action server)."""
    from sanic import response

    async def metrics(request):
        if not access.allows(request.headers):
            return response.json(REFUSAL, status=401)
        return response.raw(exposition(), content_type=CONTENT_TYPE_LATEST)

    app.add_route(metrics, PATH, methods=["GET"], name="pln_metrics")
