"""Typed client of the back-office simulator.

Two classes with the same methods and results:

- ``AsyncBackofficeClient``: for the rasa-sdk actions (they are coroutines), ``await`` each
  call; use ``async with`` or ``await client.aclose()``.
- ``BackofficeClient``: synchronous, for scripts, tests and the CSO console.

Construct with ``BackofficeClient()`` (base URL from $PLN_SIM_URL, default
http://127.0.0.1:5070) or ``BackofficeClient("http://host:port", timeout=2.0, retries=2)``.
Every call carries the simulator's token (``X-PLN-Token``): ``token=``, else
$PLN_SIM_TOKEN or the file $PLN_SIM_TOKEN_FILE names.
Results are the pydantic models of ``bot.backoffice.schemas``. Failures raise subclasses
of ``BackofficeError``:

- ``NotFound``: 404 (unknown customer number, registration, phone number);
- ``Refused``: any other 4xx; ``.code`` and ``.message`` are the server's (the message can
  be relayed to the customer);
- ``Unavailable``: connection error, timeout or 5xx, after the retries.

The conversation's clock: ``client.at(moment)`` is the same client (same connections)
sending ``X-PLN-Now: <moment>`` with every call, so that what the back office dates (a
registration, its validity, a ticket, a DIL update) is dated by the conversation's clock,
the same one the customer hears (``bot.sop.clock``), not by the machine's.

Only idempotent calls are retried (with a short backoff): GETs, the PUT of the DIL mobile
(it sets a value), and POSTs that carry an idempotency key (registrations always do,
tickets when given one). A ticket without a key is sent once.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import Field, parse_obj_as

from bot import defaults, deployment
from bot.metrics import backoffice_calls
from bot.settings_base import EnvSettings
from bot.untrusted import path_segment

from .schemas import (
    Areas,
    Arrears,
    Caller,
    CustomerInfo,
    DilPhones,
    Health,
    LitTr,
    OwnerNikVerdict,
    PowerChangeCheck,
    Quote,
    Registration,
    RegistrationRequest,
    ServiceInfo,
    ServiceLevel,
    StroomAwalAdvice,
    Ticket,
    TicketChanges,
    TicketRequest,
)

# httpx logs every request's URL at INFO, and URLs carry phone numbers (CRM lookups):
# personal data must not reach a log in clear, so only its warnings are kept.
logging.getLogger("httpx").setLevel(logging.WARNING)

DEFAULT_BASE_URL = f"http://{defaults.INTERNAL_HOST}:{defaults.SIM_PORT}"
CLOCK_HEADER = "X-PLN-Now"  # the conversation's "now" (ISO 8601 with offset)
DEFAULT_TIMEOUT_S = 3.0
DEFAULT_RETRIES = 2
BACKOFF_S = 0.1  # doubled at each retry


class BackofficeError(Exception):
    def __init__(self, message: str, status: int | None = None, code: str | None = None,
                 body: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body or {}


class NotFound(BackofficeError):
    """The number, registration or caller is not known (404)."""


class Refused(BackofficeError):
    """The simulator refused the request (4xx): ``message`` says why."""


class Unavailable(BackofficeError):
    """The simulator could not be reached, timed out or failed (5xx)."""


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    parse: Callable[[Any], Any]
    params: dict[str, Any] | None = None
    json: dict[str, Any] | None = None
    idempotent: bool = True


def _error_for(response: httpx.Response) -> BackofficeError:
    try:
        body = response.json()
        if not isinstance(body, dict):
            body = {}
    except ValueError:
        body = {}
    status = response.status_code
    message = str(body.get("message") or response.reason_phrase or f"HTTP {status}")
    code = body.get("error")
    if status == 404:
        return NotFound(message, status, code, body)
    if 400 <= status < 500:
        return Refused(message, status, code, body)
    return Unavailable(message, status, code, body)


def _result(call: _Call, response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise _error_for(response)
    try:
        return call.parse(response.json())
    except ValueError as error:  # not JSON, or not the expected shape
        raise Unavailable(f"unexpected answer to {call.method} {call.path}: {error}") from None


def _unavailable(call: _Call, error: Exception) -> Unavailable:
    return Unavailable(f"{call.method} {call.path}: {type(error).__name__}: {error}")


class _Calls:
    """The simulator's endpoints, described once; ``_run`` sends them (sync or async)."""

    _headers: dict[str, str] = {}

    def _run(self, call: _Call):  # pragma: no cover - implemented by the two clients
        raise NotImplementedError

    def at(self, moment: dt.datetime):
        """This client, sending ``moment`` as the time of every call (``X-PLN-Now``); it
        shares the connections, so it costs nothing to make one per action."""
        if moment.tzinfo is None:
            raise ValueError("the conversation's clock must carry a UTC offset")
        clocked = copy.copy(self)
        clocked._headers = {**self._headers, CLOCK_HEADER: moment.isoformat()}
        return clocked

    def health(self):
        return self._run(_Call("GET", "/health", Health.parse_obj))

    def info(self):
        """Regulated figures told as they are: stamp duty, validity days, token range."""
        return self._run(_Call("GET", "/ap2t/info", ServiceInfo.parse_obj))

    def customer(self, number: str):
        """A customer by IDPEL (12 digits) or meter number (11 digits) -> CustomerInfo."""
        return self._run(_Call("GET", f"/ap2t/customers/{path_segment(number)}",
                               CustomerInfo.parse_obj))

    def owner_nik_matches(self, idpel: str, nik: str):
        """Whether ``nik`` is the owner's NIK on record -> bool (never the NIK itself)."""
        return self._run(_Call("POST", f"/ap2t/customers/{path_segment(idpel)}/owner-nik-check",
                               lambda data: bool(OwnerNikVerdict.parse_obj(data).match),
                               json={"nik": nik}, idempotent=True))

    def owner_nik_check(self, idpel: str, nik: str):
        """The same check -> OwnerNikVerdict: ``match``, or ``held`` when the IDPEL's
        failed checks of the day are used up (an officer serves)."""
        return self._run(_Call("POST", f"/ap2t/customers/{path_segment(idpel)}/owner-nik-check",
                               OwnerNikVerdict.parse_obj, json={"nik": nik}))

    def arrears(self, idpel: str):
        return self._run(_Call("GET", f"/ap2t/customers/{path_segment(idpel)}/arrears",
                               Arrears.parse_obj))

    def areas(self, idpel: str):
        return self._run(_Call("GET", f"/ap2t/customers/{path_segment(idpel)}/areas",
                               Areas.parse_obj))

    def lit_tr(self, idpel: str):
        return self._run(_Call("GET", f"/ap2t/customers/{path_segment(idpel)}/lit-tr",
                               lambda data: parse_obj_as(list[LitTr], data)))

    def power_change(self, idpel: str, target_va: int, use: str | None = None):
        params: dict[str, Any] = {"target_va": target_va}
        if use is not None:
            params["use"] = use
        return self._run(_Call("GET", f"/ap2t/customers/{path_segment(idpel)}/power-change",
                               PowerChangeCheck.parse_obj, params=params))

    def quote(self, idpel: str, target_va: int, stroom_awal_rp: int | None = None):
        params: dict[str, Any] = {"target_va": target_va}
        if stroom_awal_rp is not None:
            params["stroom_awal_rp"] = stroom_awal_rp
        return self._run(_Call("GET", f"/ap2t/customers/{path_segment(idpel)}/quote",
                               Quote.parse_obj, params=params))

    def stroom_awal_advice(self, idpel: str, target_va: int):
        """The stroom awal range and the amount to advise (prepaid only) -> StroomAwalAdvice."""
        return self._run(_Call("GET", f"/ap2t/customers/{path_segment(idpel)}/stroom-awal-advice",
                               StroomAwalAdvice.parse_obj, params={"target_va": target_va}))

    def service_level(self, idpel: str, target_va: int):
        return self._run(_Call("GET", f"/ap2t/customers/{path_segment(idpel)}/service-level",
                               ServiceLevel.parse_obj, params={"target_va": target_va}))

    def save_registration(self, request: RegistrationRequest):
        """Save in AP2T (SOP step 15); the same idempotency key never saves twice."""
        return self._run(_Call("POST", "/ap2t/registrations", Registration.parse_obj,
                               json=_body(request), idempotent=True))

    def choose_lit_tr(self, number: str, lit_tr: str):
        """Record the LIT TR chosen for a one-stop (LSP) request (SOP step 19c)."""
        return self._run(_Call("PUT", f"/ap2t/registrations/{path_segment(number)}/lit-tr",
                               Registration.parse_obj, json={"lit_tr": lit_tr},
                               idempotent=True))

    def registration(self, number: str):
        return self._run(_Call("GET", f"/ap2t/registrations/{path_segment(number)}",
                               Registration.parse_obj))

    def registrations(self, conversation_id: str | None = None, idpel: str | None = None,
                      phone: str | None = None):
        """The registrations of a conversation, an IDPEL and/or the mobile number given for
        the connection call, newest first -> list[Registration]; give at least one (else
        ``Refused``)."""
        params = {key: value for key, value in
                  (("conversation_id", conversation_id), ("idpel", idpel), ("phone", phone))
                  if value is not None}
        return self._run(_Call("GET", "/ap2t/registrations",
                               lambda data: parse_obj_as(list[Registration], data),
                               params=params or None))

    def record_payment(self, number: str):
        return self._run(_Call("POST", f"/ap2t/registrations/{path_segment(number)}/payment",
                               Registration.parse_obj, idempotent=True))

    def work_order(self, number: str, connection_date: dt.date | None = None):
        """The unit's work order after the payment (made once; another day reschedules)."""
        body = {"connection_date": connection_date.isoformat()} if connection_date else {}
        return self._run(_Call("PUT", f"/ap2t/registrations/{path_segment(number)}/work-order",
                               Registration.parse_obj, json=body, idempotent=True))

    def unpaid_registrations(self):
        return self._run(_Call("GET", "/ap2t/registrations/unpaid",
                               lambda data: parse_obj_as(list[Registration], data)))

    def update_dil_mobile(self, idpel: str, phone: str):
        return self._run(_Call("PUT", f"/ap2t/customers/{path_segment(idpel)}/dil/mobile",
                               DilPhones.parse_obj, json={"phone": phone}, idempotent=True))

    def create_ticket(self, request: TicketRequest):
        """Record an APKT ticket; retried only when the request carries an idempotency key."""
        return self._run(_Call("POST", "/apkt/tickets", Ticket.parse_obj, json=_body(request),
                               idempotent=request.idempotency_key is not None))

    def tickets(self, conversation_id: str | None = None):
        params = {"conversation_id": conversation_id} if conversation_id is not None else None
        return self._run(_Call("GET", "/apkt/tickets",
                               lambda data: parse_obj_as(list[Ticket], data), params=params))

    def ticket_changes(self, after: int = 0):
        """The tickets recorded after the cursor ``after`` -> TicketChanges."""
        return self._run(_Call("GET", "/apkt/tickets/changes", TicketChanges.parse_obj,
                               params={"after": after}))

    def caller(self, phone: str):
        """The CRM's record of a phone number in any common form -> Caller."""
        return self._run(_Call("GET", f"/crm/callers/{path_segment(phone)}", Caller.parse_obj))


def _body(model) -> dict[str, Any]:
    return json.loads(model.json(exclude_none=True))


class SimulatorAccess(EnvSettings):
    """Where the simulator is and the token it wants: the settings of every service that
    calls it. A client made without them reads them from the environment once, when it
    is made (the actions' clients)."""

    url: str = Field(DEFAULT_BASE_URL, env="PLN_SIM_URL")
    token: str | None = Field(None, env="PLN_SIM_TOKEN", secret=True)


def _access(base_url: str | None, token: str | None) -> tuple[str, dict[str, str]]:
    """The base URL and the token header: as given, else from ``SimulatorAccess``."""
    if not (base_url and token):
        access = SimulatorAccess.from_env()
        base_url, token = base_url or access.url, token or access.token
    return base_url.rstrip("/"), {deployment.TOKEN_HEADER: token} if token else {}


class BackofficeClient(_Calls):
    """Synchronous client (see the module docstring)."""

    def __init__(self, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT_S,
                 retries: int = DEFAULT_RETRIES, transport: httpx.BaseTransport | None = None,
                 token: str | None = None):
        self.base_url, self._headers = _access(base_url, token)
        self.retries = retries
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BackofficeClient:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _run(self, call: _Call):
        with backoffice_calls.timed(call.method, call.path):
            return self._send(call)

    def _send(self, call: _Call):
        attempts = 1 + (self.retries if call.idempotent else 0)
        for attempt in range(attempts):
            try:
                response = self._http.request(call.method, call.path, params=call.params,
                                              json=call.json, headers=self._headers)
                if response.status_code < 500 or attempt == attempts - 1:
                    return _result(call, response)
            except httpx.HTTPError as error:
                if attempt == attempts - 1:
                    raise _unavailable(call, error) from None
            time.sleep(BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


class AsyncBackofficeClient(_Calls):
    """Asynchronous client for the rasa-sdk actions (see the module docstring)."""

    def __init__(self, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT_S,
                 retries: int = DEFAULT_RETRIES,
                 transport: httpx.AsyncBaseTransport | None = None, token: str | None = None):
        self.base_url, self._headers = _access(base_url, token)
        self.retries = retries
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout,
                                       transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncBackofficeClient:
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.aclose()

    async def _run(self, call: _Call):
        with backoffice_calls.timed(call.method, call.path):
            return await self._send(call)

    async def _send(self, call: _Call):
        attempts = 1 + (self.retries if call.idempotent else 0)
        for attempt in range(attempts):
            try:
                response = await self._http.request(call.method, call.path, params=call.params,
                                                    json=call.json, headers=self._headers)
                if response.status_code < 500 or attempt == attempts - 1:
                    return _result(call, response)
            except httpx.HTTPError as error:
                if attempt == attempts - 1:
                    raise _unavailable(call, error) from None
            await asyncio.sleep(BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


__all__ = [
    "AsyncBackofficeClient", "BackofficeClient", "BackofficeError", "NotFound", "Refused",
    "Unavailable",
]
