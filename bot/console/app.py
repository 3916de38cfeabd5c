"""The CSO console's web application (FastAPI, like the simulator): ``create_app``.

Every page and API is behind a signed-in session (cookie ``pln_console``: HttpOnly,
SameSite=Strict; ``__Host-pln_console`` and Secure over https, see ``Cookies``); every change (POST) needs the session's CSRF token
(``X-CSRF-Token``; the sign-in form a double-submitted one). Pages: ``/login``, ``/``
(the queue, live by server-sent events from ``/queue/stream``), ``/cases/{ticket}`` (the
conversation; for a request continued across channels its path, each earlier
conversation's transcript at ``/cases/{ticket}/path/{position}``), ``/supervisor`` (the figures, supervisors only: ``supervisor``). APIs: take,
reveal (audited), reply, hand back, close; taking, closing and handing back are recorded
for the figures (``bot.kpi``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response, StreamingResponse
from starlette.templating import Jinja2Templates

from bot import metrics
from bot.backoffice.app import BodySizeLimit
from bot.backoffice.client import AsyncBackofficeClient, BackofficeError
from bot.backoffice.schemas import TicketKind, TicketRequest
from bot.channels.outbound import CustomerChannels, Unreachable
from bot.console import supervisor, views
from bot.console.live import LiveQueue
from bot.console.settings import ConsoleSettings
from bot.console.store import CLOSED, HANDED_BACK, Conflict, ConsoleStore, Session
from bot.console.upstream import Rasa, last_message_at
from bot.kpi import Kind, KpiStore
from bot.kpi.figures import SERVICE_LEVEL_S
from bot.kpi.recording import KpiSettings
from bot.kpi.sweep import SESSION_EXPIRY_S, SWEEP_EVERY_S, sweep_forever
from bot.metrics import cso_queue
from bot.sop.names import OUTCOME_SLOTS, REQUESTED_SLOT
from bot.sop.perubahan_daya import PERUBAHAN_DAYA
from bot.untrusted import NotJson, json_object, same_secret

HERE = Path(__file__).resolve().parent
COOKIE, LOGIN_CSRF = "pln_console", "pln_console_login"
HSTS = "max-age=31536000"
MAX_BODY = 16 * 1024
MAX_REPLY_CHARS = 2000
STREAM_TICK_S = 1.0
CLOSING_OUTCOMES = {TicketKind.ISSUED_CLOSED.value: "Issued Closed", TicketKind.MBL.value: "MBL"}
HAND_BACK_NOTE = "Baik, percakapan kami lanjutkan kembali bersama asisten virtual."
# on every answer: pages and JSON show personal data, which no cache may keep
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "Cache-Control": "no-store"}


log = logging.getLogger(__name__)


class Unauthorised(Exception):
    pass


def create_app(environ: dict[str, str] | None = None,
               settings: ConsoleSettings | None = None, kpi: KpiStore | None = None,
               service_level_s: float = SERVICE_LEVEL_S,
               session_expiry_s: float = SESSION_EXPIRY_S,
               sweep_every_s: float = SWEEP_EVERY_S) -> FastAPI:
    """The console, with ``settings`` (default: read from ``environ``, itself by default
    this process's environment; the customer channels read their own settings from it);
    ``kpi``: the figures' event store (by default ``PLN_KPI_DATABASE_URL``, or the data directory's SQLite),
    ``service_level_s``: the service level's Y on the supervisor's page; the console
    sweeps the requests abandoned past ``session_expiry_s`` every ``sweep_every_s``."""
    env = dict(os.environ if environ is None else environ)
    settings = settings or ConsoleSettings.from_env(env)
    store = ConsoleStore(settings.data_dir / "console.sqlite3", settings)
    http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0), trust_env=False)
    rasa = Rasa(settings.rasa.url, settings.rasa.token, http)
    simulator = AsyncBackofficeClient(settings.simulator.url, token=settings.simulator.token)
    channels = CustomerChannels(env)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app = FastAPI(title="PLN 123 CSO console", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.store = store
    kpi = kpi or KpiSettings.from_env(env, data_dir=str(settings.data_dir)).store()
    app.state.kpi = kpi
    cookies = Cookies(settings.https)

    def record_case(kind: Kind, ticket: str, **details: Any) -> None:
        """A CSO's step on a case, for the figures: never in the way of the case itself."""
        try:
            kpi.record_case(kind, ticket, time.time(), **details)
        except Exception:  # noqa: BLE001 - the figures miss one event, the CSO goes on
            log.exception("the figures' store did not record %s of %s", kind.value, ticket)

    @app.on_event("startup")
    async def start_sweeping() -> None:
        app.state.sweeper = asyncio.get_running_loop().create_task(
            sweep_forever(kpi, session_expiry_s, sweep_every_s))

    @app.on_event("shutdown")
    async def close() -> None:
        app.state.sweeper.cancel()
        await channels.close()
        await simulator.aclose()
        await http.aclose()
        kpi.close()

    # bodies are counted while they are read (chunked ones too), inside the guard below
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if settings.https:
            response.headers["Strict-Transport-Security"] = HSTS
        return response

    @app.exception_handler(NotJson)
    async def not_json(_request: Request, error: NotJson):
        return JSONResponse({"error": "invalid_json", "message": str(error)}, status_code=400)

    @app.exception_handler(Unauthorised)
    async def unauthorised(request: Request, _error: Unauthorised):
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"error": "unauthorised", "message": "sign in first"},
                            status_code=401)

    def signed_in(request: Request, change: bool = False) -> Session:
        session = store.session(request.cookies.get(cookies.session))
        if session is None:
            raise Unauthorised()
        if change and not same_secret(request.headers.get("X-CSRF-Token"), session.csrf):
            raise Unauthorised()
        return session

    supervisor.install(app, templates, kpi, signed_in, service_level_s)

    async def body_json(request: Request) -> dict[str, Any]:
        """The body as a JSON object (an empty body is ``{}``); ``NotJson`` is a 400."""
        return json_object(await request.body() or b"{}")

    live_queue = LiveQueue(simulator, store, tick_s=STREAM_TICK_S)

    async def queue() -> list[dict[str, Any]]:
        """Every open page's queue, read once a tick and only for what changed."""
        return await live_queue.rows()

    async def queue_now() -> list[dict[str, Any]]:
        """The queue with the simulator's changes read now (a scrape, every 15 s or so)."""
        return await live_queue.rows(fresh=True)

    metrics.add_starlette_route(app, metrics.MetricsAccess.from_env(env),
                                cso_queue.refresher(queue_now, BackofficeError))

    async def case(ticket_number: str, session: Session) -> Any:
        tickets = [t for t in await simulator.tickets()
                   if t.ticket_number == ticket_number and t.kind == TicketKind.CSO_HANDOFF]
        if not tickets:
            raise LookupError(ticket_number)
        if store.holder(ticket_number) != session.user:
            raise Conflict(f"case {ticket_number} is not held by {session.user}: take it first")
        return tickets[0]

    @app.exception_handler(LookupError)
    async def not_found(_request: Request, error: LookupError):
        return JSONResponse({"error": "not_found", "message": f"no case {error}"}, 404)

    @app.exception_handler(Conflict)
    async def conflict(_request: Request, error: Conflict):
        return JSONResponse({"error": "conflict", "message": str(error)}, 409)

    @app.exception_handler(BackofficeError)
    async def backoffice_down(_request: Request, error: BackofficeError):
        return JSONResponse({"error": "backoffice", "message": str(error)}, 502)

    # --- signing in and out -------------------------------------------------------------

    def sign_in_page(request: Request, failed: bool = False, wait_s: float = 0.0):
        token = secrets.token_urlsafe(24)
        response = templates.TemplateResponse(
            request, "login.html", {"csrf": token, "failed": failed,
                                    "wait_min": math.ceil(wait_s / 60)},
            status_code=429 if wait_s else 200)
        if wait_s:
            response.headers["Retry-After"] = str(math.ceil(wait_s))
        cookies.set(response, cookies.login, token)
        return response

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, failed: int = 0):
        return sign_in_page(request, failed=bool(failed))

    @app.post("/login")
    async def login(request: Request):
        form = await login_form(request)
        expected = request.cookies.get(cookies.login, "")
        if not same_secret(form.get("csrf"), expected):
            return RedirectResponse("/login?failed=1", status_code=303)
        name, address = form.get("name", "").strip(), client_address(request)
        wait_s = store.begin_attempt(name, address)
        if wait_s:
            store.audit_sign_in(name, address, "sign_in_refused")
            return sign_in_page(request, wait_s=wait_s)
        session = await asyncio.to_thread(store.sign_in, name, form.get("password", ""))
        if session is None:
            store.audit_sign_in(name, address, "sign_in_failed")
            return RedirectResponse("/login?failed=1", status_code=303)
        store.attempt_succeeded(name, address)
        store.audit_sign_in(name, address, "sign_in")
        response = RedirectResponse("/", status_code=303)
        cookies.set(response, cookies.session, session.token, int(settings.lifetime_s))
        cookies.drop(response, cookies.login)
        return response

    @app.post("/logout")
    async def logout(request: Request):
        session = signed_in(request, change=True)
        store.sign_out(session.token)
        store.audit(session.user, "", "", "sign_out")
        response = JSONResponse({"ok": True})
        cookies.drop(response, cookies.session)
        return response

    # --- the queue ----------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    async def queue_page(request: Request):
        session = signed_in(request)
        return templates.TemplateResponse(request, "queue.html", {
            "user": session.user, "csrf": session.csrf, "rows": await queue(),
            "supervisor": session.supervisor})

    @app.get("/queue")
    async def queue_json(request: Request):
        signed_in(request)
        return await queue()

    @app.get("/queue/stream")
    async def queue_stream(request: Request):
        token = signed_in(request).token

        def live() -> bool:
            """The session still stands (not signed out, revoked or expired); watching the
            queue is not activity, so it does not keep the session awake."""
            return store.session(token, touch=False) is not None

        async def events():
            last = None
            while live() and not await request.is_disconnected():
                try:
                    snapshot = json.dumps(await queue())
                except BackofficeError:
                    snapshot = last
                if snapshot != last:
                    last = snapshot
                    yield f"data: {snapshot}\n\n"
                await asyncio.sleep(STREAM_TICK_S)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    @app.post("/cases/{ticket}/take")
    async def take(ticket: str, request: Request):
        session = signed_in(request, change=True)
        found = [t for t in await simulator.tickets() if t.ticket_number == ticket]
        if not found:
            raise LookupError(ticket)
        store.take(ticket, session.user)
        store.audit(session.user, ticket, found[0].conversation_id, "take")
        record_case(Kind.TAKEN, ticket)
        return {"ticket": ticket, "holder": session.user}

    # --- a case -------------------------------------------------------------------------

    async def request_path(conversation: str,
                           events: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
        """The request's conversations in order, each with its events, ending at
        ``conversation``: each one's offer names the one before, which APKT records closed
        as continued."""
        path = [(conversation, events)]
        if views.continued_from(events) is None:
            return path
        tickets = await simulator.tickets()
        while len(path) < views.MAX_PATH:
            before = views.continued_from(path[0][1])
            if before is None or before in {c for c, _ in path} \
                    or not views.closed_as_continued(tickets, before):
                return path
            path.insert(0, (before, await rasa.events(before)))
        return path

    def path_legs(path: list[tuple[str, list[dict[str, Any]]]], here: str) -> list[views.Leg]:
        return [views.leg(n, conversation, views.channel_name(conversation), events, SOP,
                          conversation == here)
                for n, (conversation, events) in enumerate(path)]

    @app.get("/cases/{ticket}", response_class=HTMLResponse)
    async def case_page(ticket: str, request: Request):
        session = signed_in(request)
        found = await case(ticket, session)
        events = await rasa.events(found.conversation_id)
        store.audit(session.user, ticket, found.conversation_id, "view")
        path = await request_path(found.conversation_id, events)
        return templates.TemplateResponse(request, "case.html", {
            "user": session.user, "csrf": session.csrf, "ticket": found,
            "channel": CustomerChannels.kind(found.conversation_id),
            "path": path_legs(path, found.conversation_id) if len(path) > 1 else [],
            "lines": views.transcript(events),
            "fields": views.collected(views.slots_of(events), SOP),
            "audit": views.sop_audit(events, SOP), "choices": SOP.hand_back_choices(),
            "outcomes": CLOSING_OUTCOMES})

    @app.get("/cases/{ticket}/path/{position}", response_class=HTMLResponse)
    async def path_transcript(ticket: str, position: int, request: Request):
        """One conversation of the case's request, masked like the case's own (audited)."""
        session = signed_in(request)
        found = await case(ticket, session)
        path = await request_path(found.conversation_id,
                                  await rasa.events(found.conversation_id))
        if not 0 <= position < len(path):
            raise LookupError(f"{ticket}/path/{position}")
        conversation, events = path[position]
        store.audit(session.user, ticket, conversation, "view_path")
        return templates.TemplateResponse(request, "conversation.html", {
            "user": session.user, "csrf": session.csrf, "ticket": found,
            "leg": path_legs(path, found.conversation_id)[position],
            "lines": views.transcript(events)})

    @app.post("/cases/{ticket}/reveal")
    async def reveal(ticket: str, request: Request):
        session = signed_in(request, change=True)
        found = await case(ticket, session)
        field = str((await body_json(request)).get("field") or "")
        if field not in views.personal_fields(SOP):
            return JSONResponse({"error": "invalid_field"}, status_code=400)
        value = views.slots_of(await rasa.events(found.conversation_id)).get(field)
        store.audit(session.user, ticket, found.conversation_id, "reveal", field)
        return {"field": field, "value": value}

    @app.get("/cases/{ticket}/audit")
    async def audit_log(ticket: str, request: Request):
        session = signed_in(request)
        await case(ticket, session)
        return store.audit_log(ticket)

    @app.post("/cases/{ticket}/reply")
    async def reply(ticket: str, request: Request):
        session = signed_in(request, change=True)
        found = await case(ticket, session)
        text = str((await body_json(request)).get("text") or "").strip()
        if not text or len(text) > MAX_REPLY_CHARS:
            return JSONResponse({"error": "invalid_text"}, status_code=400)
        events = await rasa.events(found.conversation_id)
        try:
            how = await channels.send(found.conversation_id, [{"text": text}],
                                      last_message_at(events))
        except Unreachable as error:
            return JSONResponse({"error": "unreachable", "message": str(error)}, 409)
        await rasa.append(found.conversation_id, [{"event": "bot", "text": text,
                                                   "timestamp": time.time(),
                                                   "metadata": {"cso": session.user}}])
        store.audit(session.user, ticket, found.conversation_id, "reply")
        return {"sent": how}

    @app.post("/cases/{ticket}/hand-back")
    async def hand_back(ticket: str, request: Request):
        session = signed_in(request, change=True)
        found = await case(ticket, session)
        question = str((await body_json(request)).get("question") or "")
        if question not in {q for q, _label in SOP.hand_back_choices()}:
            return JSONResponse({"error": "invalid_question"}, status_code=400)
        cleared = [{"event": "slot", "name": name, "value": None} for name in (
            *OUTCOME_SLOTS, "failed_attempts", *SOP.questions_from(question))]
        await rasa.append(found.conversation_id, [
            {"event": "resume"}, *cleared,
            {"event": "active_loop", "name": SOP.form},
            {"event": "slot", "name": REQUESTED_SLOT, "value": question}])
        asked = await rasa.execute(found.conversation_id, ask_action(question))
        # the assistant now listens: the form validates the next message as the answer
        # (Rasa's forms validate only what comes after action_listen)
        await rasa.append(found.conversation_id, [{"event": "action", "name": "action_listen"}])
        try:
            how = await channels.send(found.conversation_id,
                                      [{"text": HAND_BACK_NOTE}, *asked],
                                      last_message_at(await rasa.events(found.conversation_id)))
        except Unreachable as error:
            how = str(error)
        store.finish(ticket, session.user, HANDED_BACK)
        store.audit(session.user, ticket, found.conversation_id, "hand_back", question)
        record_case(Kind.HANDED_BACK, ticket, step=SOP.step_of(question))
        return {"question": question, "sent": how}

    @app.post("/cases/{ticket}/close")
    async def close_case(ticket: str, request: Request):
        session = signed_in(request, change=True)
        found = await case(ticket, session)
        body = await body_json(request)
        outcome, reason = str(body.get("outcome") or ""), str(body.get("reason") or "").strip()
        if outcome not in CLOSING_OUTCOMES or not reason or len(reason) > 500:
            return JSONResponse({"error": "invalid_outcome"}, status_code=400)
        recorded = await simulator.create_ticket(TicketRequest(
            kind=outcome, reason=f"{reason} (CSO {session.user}, tiket {ticket})",
            sop_step=found.sop_step, conversation_id=found.conversation_id, idpel=found.idpel,
            idempotency_key=f"console-close-{ticket}"))
        # the case is over: the conversation starts afresh with the customer's next message
        # (a restart also ends the pause; the transcript stays in the tracker store)
        await rasa.append(found.conversation_id, [{"event": "restart"}])
        store.finish(ticket, session.user, CLOSED)
        store.audit(session.user, ticket, found.conversation_id, "close", outcome)
        record_case(Kind.CLOSED, ticket, reason=outcome)
        return {"closed": ticket, "apkt_ticket": recorded.ticket_number}

    return app


# The SOP whose conversations the console audits and hands back.
SOP = PERUBAHAN_DAYA
# Questions whose asking is an action of the assistant's (it needs the back office).
ASK_ACTIONS = {question: f"action_ask_{question}" for question in SOP.asked_by_action}


class Cookies:
    """The session's and the sign-in form's cookies: HttpOnly, SameSite=Strict, and when
    the console is served over https (``PLN_CONSOLE_PUBLIC_URL``) Secure and ``__Host-``
    prefixed (so no other host or plain-http page can set or read them)."""

    def __init__(self, https: bool):
        self.https = https
        prefix = "__Host-" if https else ""
        self.session, self.login = prefix + COOKIE, prefix + LOGIN_CSRF

    def set(self, response: Response, name: str, value: str, max_age: int | None = None):
        response.set_cookie(name, value, max_age=max_age, path="/", secure=self.https,
                            httponly=True, samesite="strict")

    def drop(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.https, httponly=True,
                               samesite="strict")


async def login_form(request: Request) -> dict[str, str]:
    try:
        return {k: v[0] for k, v in parse_qs(
            (await request.body()).decode(errors="replace"), max_num_fields=5).items()}
    except ValueError:
        return {}


def client_address(request: Request) -> str:
    """The client's address (behind the trusted reverse proxy, the one it forwarded)."""
    return request.client.host if request.client else "unknown"


def ask_action(question: str) -> str:
    return ASK_ACTIONS.get(question, f"utter_ask_{question}")
