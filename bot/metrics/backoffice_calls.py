"""What every user of the back-office client counts (the action server above all): each
call's latency and its errors, by endpoint.

An endpoint is named by its path's template (``/ap2t/customers/{id}/quote``): the
customer numbers, registration numbers and phone numbers in the path never become a
label.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from prometheus_client import Counter, Histogram

CALL_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# The path segment after one of these names an object (a number), not an endpoint.
OBJECT_COLLECTIONS = frozenset({"customers", "registrations", "callers", "tickets"})
NAMED_SEGMENTS = frozenset({"unpaid"})  # /ap2t/registrations/unpaid is an endpoint

CALL_SECONDS = Histogram("pln_backoffice_call_duration_seconds",
                         "Back-office (AP2T, APKT, CRM) calls' latency, retries included, "
                         "by method and endpoint", ["method", "endpoint"],
                         buckets=CALL_SECONDS_BUCKETS)
CALL_ERRORS = Counter("pln_backoffice_call_errors",
                      "Back-office calls that did not succeed, by method, endpoint and "
                      "error (not_found, refused, unavailable)",
                      ["method", "endpoint", "error"])


def endpoint(path: str) -> str:
    """``path``'s template: each object's number replaced by ``{id}``."""
    segments = path.split("?", 1)[0].split("/")
    named = [segment if index == 0 or segments[index - 1] not in OBJECT_COLLECTIONS
             or segment in NAMED_SEGMENTS else "{id}"
             for index, segment in enumerate(segments)]
    return "/".join(named)


def error_name(error: Exception) -> str:
    """The back-office error's kind, from its class (``NotFound`` -> ``not_found``)."""
    name = type(error).__name__
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower()
                   for i, c in enumerate(name))


@contextlib.contextmanager
def timed(method: str, path: str) -> Iterator[None]:
    """Time one call (with its retries) and count it as an error when it raises."""
    template = endpoint(path)
    started = time.perf_counter()
    try:
        yield
    except Exception as error:
        CALL_ERRORS.labels(method, template, error_name(error)).inc()
        raise
    finally:
        CALL_SECONDS.labels(method, template).observe(time.perf_counter() - started)
