"""Rasa's server refuses a JSON body nested deeper than any real payload, on every route.

Rasa's HTTP API parses bodies with Sanic's ``request.json``: 100,000 ``[`` (well under the
1 MiB body limit) make Python's parser raise ``RecursionError``, answered with a 500 and
a traceback. Here a request middleware, added to the app ``configure_app`` builds, answers
such a body with a 400 before any route reads it (``bot.untrusted``: a body with fewer
brackets than the bound is not scanned at all).
"""

from __future__ import annotations

from sanic import response
from sanic.request import Request

from bot.untrusted import MAX_JSON_DEPTH, nested_too_deep


async def refuse_deep_json(request: Request):
    if request.body and nested_too_deep(request.body):
        return response.json({"error": "invalid_json",
                              "message": f"the body nests deeper than {MAX_JSON_DEPTH} levels"},
                             status=400)
    return None


def configure_app(upstream, *args, **kwargs):
    """The replacement of ``rasa.core.run.configure_app``: its app, with the middleware."""
    app = upstream(*args, **kwargs)
    app.register_middleware(refuse_deep_json, "request")
    return app
