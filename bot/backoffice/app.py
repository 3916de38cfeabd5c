"""The simulator's HTTP service (FastAPI): ``create_app(settings)``.

Every error, including request validation, has the body ``{"error": code, "message":
text}``; bad input gets a 4xx and changes nothing. Logs carry no personal data in clear
(paths are masked, uvicorn's access log is replaced by ``simulator.access``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import metrics
from bot.deployment import TOKEN_HEADER
from bot.untrusted import same_secret

from .masking import mask_path
from .records import LitTr, load_fixture
from .regulations import load_regulations
from .schemas import (
    Areas,
    Arrears,
    Caller,
    CustomerInfo,
    DilMobileUpdate,
    DilPhones,
    Health,
    LitTrChoice,
    OwnerNikCheck,
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
    WorkOrderRequest,
)
from .service import Backoffice, ServiceError
from .settings import Settings, parse_now, resolve_database_url
from .storage import Storage

log = logging.getLogger("simulator")
access_log = logging.getLogger("simulator.access")

# Bounds of query parameters: anything outside is refused before the rules see it.
MAX_QUERY_VA = 10_000_000
TICKET_PURGE_EVERY_S = 3600.0
API_PAGES = ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect")
MAX_QUERY_RP = 1_000_000_000_000


def error_response(status: int, code: str, message: str, **extra) -> JSONResponse:
    body = {"error": code, "message": message}
    body.update({key: value for key, value in extra.items() if value is not None})
    return JSONResponse(status_code=status, content=body)


class BodySizeLimit:
    """Refuse request bodies above ``max_bytes`` with 413 before the app reads them."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_large = error_response(
            413, "body_too_large", f"Request body above {self.max_bytes} bytes."
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await too_large(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return await too_large(scope, receive, send)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class TokenCheck:
    """Every request but ``open_paths`` needs ``X-PLN-Token: <token>`` (compared in
    constant time): 401 with the JSON error body otherwise, before the body is read."""

    def __init__(self, app, token: str, open_paths: tuple[str, ...] = ("/health",)):
        self.app = app
        self.expected = token
        self.open_paths = open_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            return await self.app(scope, receive, send)
        header = TOKEN_HEADER.lower().encode()
        given = next((value for name, value in scope["headers"] if name == header), b"")
        if not same_secret(given, self.expected):
            return await error_response(401, "unauthorized",
                                        f"A valid {TOKEN_HEADER} header is required.")(
                scope, receive, send)
        return await self.app(scope, receive, send)


class AccessLog:
    """One line per request (method, masked path, status, duration) on ``simulator.access``.
    Plain ASGI: Starlette's BaseHTTPMiddleware costs more than the endpoints themselves."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def send_and_note(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            access_log.info("%s %s %s %.1fms", scope["method"], mask_path(scope["path"]),
                            status, (time.perf_counter() - started) * 1000)


class SafetyNet:
    """Turns an unexpected exception into the JSON 500 body, logging only its type: the
    default path would have uvicorn log the traceback, and with it whatever personal data
    the exception's message or frames hold."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_and_note(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception as error:  # the net is the point: nothing escapes it
            log.error("unexpected %s on %s %s", type(error).__name__, scope["method"],
                      mask_path(scope["path"]))
            if not started:
                await error_response(500, "internal_error", "Kesalahan pada simulator.")(
                    scope, receive, send)


def json_response(model, status: int = 200) -> Response:
    """The model as JSON, sent as it is: FastAPI would otherwise validate and re-encode it
    against ``response_model`` (which stays declared for the OpenAPI schema)."""
    return Response(model.json(), status_code=status, media_type="application/json")


def raw_response(json_text: str, status: int = 200) -> Response:
    return Response(json_text, status_code=status, media_type="application/json")


def json_list_response(models) -> Response:
    return raw_list_response(model.json() for model in models)


MAX_CHANGES = 500  # tickets per answer of /apkt/tickets/changes


def raw_list_response(json_texts) -> Response:
    return Response("[" + ",".join(json_texts) + "]", media_type="application/json")


def _validation_message(errors: list) -> str:
    parts = []
    for error in errors[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "Invalid request: " + "; ".join(parts)


def conversation_now(
        now: str | None = Header(None, alias="X-PLN-Now", max_length=64,
                                 description="the conversation's clock, ISO 8601 with offset; "
                                             "default the simulator's (PLN_NOW or real)"),
) -> dt.datetime | None:
    """The time the assistant's conversation is at: what a write is dated by."""
    if now is None:
        return None
    try:
        return parse_now(now)
    except ValueError:
        raise ServiceError(422, "invalid_now", "X-PLN-Now harus waktu ISO 8601 dengan zona "
                                               "waktu, misalnya 2026-11-27T09:00:00+07:00.") from None


def production_now(
        now: str | None = Header(None, alias="X-PLN-Now", max_length=64,
                                 description="ignored in production: the simulator's clock"),
) -> dt.datetime | None:
    """Production: the caller's clock is not believed (a caller would choose the dates the
    back office writes, e.g. a registration's validity); the simulator's own is used."""
    return None


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    regulations = load_regulations(settings.regulations_file)
    fixture = load_fixture(settings.seed_file)
    storage = Storage.from_url(resolve_database_url(settings.database_url))
    storage.create_schema()
    storage.seed(fixture)
    backoffice = Backoffice(storage, regulations, settings.now)

    pages = ({"docs_url": None, "redoc_url": None, "openapi_url": None}
             if settings.production else {})
    app = FastAPI(title="PLN back-office simulator (AP2T, APKT, CRM)", version="1.0", **pages)
    app.state.backoffice = backoffice
    app.state.storage = storage
    app.add_event_handler("shutdown", storage.close)
    retention = dt.timedelta(days=settings.ticket_retention_days)

    storage.forget_tickets_before(settings.now() - retention)  # before serving

    async def forget_old_tickets() -> None:
        """The tickets' retention, hourly, with or without traffic."""
        while True:
            await asyncio.sleep(TICKET_PURGE_EVERY_S)
            gone = await asyncio.to_thread(storage.forget_tickets_before,
                                           settings.now() - retention)
            if gone:
                log.info("%d ticket(s) past their retention deleted", gone)

    tasks: list[asyncio.Task] = []
    app.add_event_handler("startup", lambda: tasks.append(
        asyncio.get_running_loop().create_task(forget_old_tickets())))
    app.add_event_handler("shutdown", lambda: [task.cancel() for task in tasks])

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, error: ServiceError):
        return error_response(error.status, error.code, error.message, **error.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError):
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in error.errors()
        ]
        return error_response(422, "invalid_request", _validation_message(errors), details=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException):
        codes = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
        return error_response(error.status_code, codes.get(error.status_code, "http_error"),
                              str(error.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception):
        log.error("unexpected %s", type(error).__name__, exc_info=False)
        return error_response(500, "internal_error", "Kesalahan pada simulator.")

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.token is not None:
        # development (loopback only) lets a developer's browser read the API's pages;
        # production has none
        pages = () if settings.production else API_PAGES
        app.add_middleware(TokenCheck, token=settings.token,
                           open_paths=("/health", metrics.PATH, *pages))  # checks its own
    metrics.add_starlette_route(app, metrics.MetricsAccess.from_env(
        production=settings.production))
    app.add_middleware(AccessLog)
    app.add_middleware(SafetyNet)

    target = Query(..., ge=1, le=MAX_QUERY_VA, description="target power, VA")
    # writes are dated by the conversation's clock (in production: the simulator's)
    dated = Depends(production_now if settings.production else conversation_now)

    # Reference data is in memory: those endpoints answer on the event loop. What touches
    # the database: on SQLite, on the event loop too (a write is about a millisecond of CPU,
    # SQLite serialises writers anyway, and handing work to threads that then fight for the
    # GIL and the file lock made 16 concurrent writers several times slower); on a server
    # database (network round trips), on a small thread pool.
    if storage.engine.dialect.name == "sqlite":
        async def in_database(function, *args):
            return function(*args)
    else:
        executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="simulator-db")
        app.add_event_handler("shutdown", lambda: executor.shutdown(wait=True))

        async def in_database(function, *args):
            return await asyncio.get_running_loop().run_in_executor(executor, function, *args)

    @app.get("/health", response_model=Health)
    async def health():
        return json_response(Health(status="ok"))

    @app.get("/ap2t/info", response_model=ServiceInfo)
    async def info():
        return json_response(backoffice.info())

    @app.get("/ap2t/customers/{number}", response_model=CustomerInfo)
    async def customer(number: str):
        return json_response(backoffice.customer_info(number))

    @app.post("/ap2t/customers/{number}/owner-nik-check", response_model=OwnerNikVerdict)
    async def owner_nik_check(number: str, check: OwnerNikCheck,
                              at: dt.datetime | None = dated):
        """Failed checks are counted per IDPEL and day: past
        ``PLN_NIK_CHECK_FAILURES_PER_DAY`` the answer is ``held`` (an officer serves)."""
        verdict = await in_database(backoffice.owner_nik_check, number, check.nik,
                                    settings.nik_check_failures_per_day, at)
        return json_response(verdict)

    @app.get("/ap2t/customers/{number}/arrears", response_model=Arrears)
    async def arrears(number: str):
        return json_response(backoffice.arrears(number))

    @app.get("/ap2t/customers/{number}/areas", response_model=Areas)
    async def areas(number: str):
        return json_response(backoffice.areas(number))

    @app.get("/ap2t/customers/{number}/lit-tr", response_model=list[LitTr])
    async def lit_tr(number: str):
        return json_list_response(backoffice.lit_tr(number))

    @app.get("/ap2t/customers/{number}/power-change", response_model=PowerChangeCheck)
    async def power_change(number: str, target_va: int = target,
                           use: str | None = Query(None, max_length=100)):
        return json_response(backoffice.power_change(number, target_va, use))

    @app.get("/ap2t/customers/{number}/quote", response_model=Quote)
    async def quote(number: str, target_va: int = target,
                    stroom_awal_rp: int | None = Query(None, ge=0, le=MAX_QUERY_RP)):
        return json_response(backoffice.quote(number, target_va, stroom_awal_rp))

    @app.get("/ap2t/customers/{number}/stroom-awal-advice", response_model=StroomAwalAdvice)
    async def stroom_awal_advice(number: str, target_va: int = target):
        return json_response(backoffice.stroom_awal_advice(number, target_va))

    @app.get("/ap2t/customers/{number}/service-level", response_model=ServiceLevel)
    async def service_level(number: str, target_va: int = target,
                            at: dt.datetime | None = dated):
        return json_response(backoffice.service_level(number, target_va, at))

    @app.put("/ap2t/customers/{number}/dil/mobile", response_model=DilPhones)
    async def update_dil_mobile(number: str, update: DilMobileUpdate,
                                at: dt.datetime | None = dated):
        phones = await in_database(backoffice.update_dil_mobile, number, update.phone, at)
        return json_response(phones)

    @app.post("/ap2t/registrations", response_model=Registration, status_code=201,
              responses={200: {"model": Registration, "description": "replay of the same key"}})
    async def save_registration(request: RegistrationRequest,
                                at: dt.datetime | None = dated):
        body, created = await in_database(backoffice.save_registration, request, at)
        return raw_response(body, status=201 if created else 200)

    @app.get("/ap2t/registrations", response_model=list[Registration])
    async def registrations(conversation_id: str | None = Query(None, max_length=200),
                            idpel: str | None = Query(None, max_length=40),
                            phone: str | None = Query(None, max_length=32)):
        """A conversation's, an IDPEL's and/or a mobile number's (the connection call's,
        SOP step 13) registrations, newest first (at most 100); 422 without a filter."""
        return raw_list_response(
            await in_database(backoffice.registrations_json, conversation_id, idpel, phone))

    @app.get("/ap2t/registrations/unpaid", response_model=list[Registration])
    async def unpaid_registrations(at: dt.datetime | None = dated):
        """Not paid and not expired (at the caller's clock), expiring first first."""
        return raw_list_response(await in_database(backoffice.unpaid_registrations_json, at))

    @app.post("/ap2t/registrations/{number}/payment", response_model=Registration)
    async def record_payment(number: str, at: dt.datetime | None = dated):
        """The connection fee paid (payment points, a CSO, the tests)."""
        return raw_response(await in_database(backoffice.record_payment, number, at))

    @app.put("/ap2t/registrations/{number}/work-order", response_model=Registration)
    async def work_order(number: str, request: WorkOrderRequest | None = None,
                         at: dt.datetime | None = dated):
        """After the payment: the unit's work order and its connection day (by default the
        last day of the SOP's days of work); again with another day reschedules it."""
        day = request.connection_date if request is not None else None
        return raw_response(await in_database(backoffice.work_order, number, day, at))

    @app.get("/ap2t/registrations/{number}", response_model=Registration)
    async def registration(number: str):
        return raw_response(await in_database(backoffice.registration, number))

    @app.put("/ap2t/registrations/{number}/lit-tr", response_model=Registration)
    async def choose_lit_tr(number: str, choice: LitTrChoice):
        """Step 19c: the LIT TR the customer chose for a one-stop (LSP) request."""
        return raw_response(await in_database(backoffice.choose_lit_tr, number, choice.lit_tr))

    @app.post("/apkt/tickets", response_model=Ticket, status_code=201)
    async def create_ticket(request: TicketRequest,
                            at: dt.datetime | None = dated):
        body, created = await in_database(backoffice.create_ticket, request, at)
        return raw_response(body, status=201 if created else 200)

    @app.get("/apkt/tickets", response_model=list[Ticket])
    async def tickets(conversation_id: str | None = Query(None, max_length=200)):
        return raw_list_response(await in_database(backoffice.tickets_json, conversation_id))

    @app.get("/apkt/tickets/changes", response_model=TicketChanges)
    async def ticket_changes(after: int = Query(0, ge=0),
                             limit: int = Query(MAX_CHANGES, ge=1, le=MAX_CHANGES)):
        """The tickets recorded after the cursor ``after``: what a watcher of the tickets
        reads every second instead of all of them."""
        bodies, cursor, last = await in_database(backoffice.tickets_after, after, limit)
        return Response(f'{{"cursor":{cursor},"last":{last},"tickets":[{",".join(bodies)}]}}',
                        media_type="application/json")

    @app.get("/crm/callers/{phone:path}", response_model=Caller)
    async def caller(phone: str):
        return json_response(backoffice.caller(phone))

    return app
