"""The notifier (``python -m bot.notify``): the registration's summary by e-mail when it
is saved (on Telegram and WhatsApp the assistant also says it in the chat), and the
payment reminders.

- ``POST /summaries`` (from the action that saved the registration; loopback, behind
  ``X-PLN-Token``): ``{registration_number, email, address, title}``; answered 202 at once,
  the e-mail sent in the background with retries (``mailer``). The full address travels
  in this request and lives in memory until the e-mail is sent: it is never stored here;
- ``POST /information`` (step 11b, from the action that closes a request the customer did
  not go on with; same guard): ``{idpel, target_va, stroom_awal_rp, email, title}``;
  answered 202, the fees as AP2T quotes them now, the requirements and how to apply again
  e-mailed in the background; the address lives in memory until the e-mail is sent;
- every ``PLN_REMINDER_CHECK_S`` seconds (default 3600) the reminders due are sent
  (``reminders``), dated by the stack's clock (``PLN_NOW`` or the real time);
- in development (``PLN_SMTP_SINK=1``, which ``make run`` sets unless ``PLN_SMTP_HOST`` is
  given) a local SMTP server that writes every message to ``$PLN_DATA_DIR/mail/``
  (``sink``);
- ``GET /health``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot import metrics
from bot.backoffice.client import AsyncBackofficeClient, BackofficeError, NotFound
from bot.channels.outbound import CustomerChannels
from bot.conversation_settings import stack_clock
from bot.identifiers import mask
from bot.notify.mailer import Mailer
from bot.notify.reminders import ReminderLog, remind
from bot.notify.settings import NotifierSettings
from bot.notify.summary import information_email, summary_email
from bot.untrusted import NotJson, json_object, same_secret

logger = logging.getLogger(__name__)
TOKEN_HEADER = "X-PLN-Token"


def create_app(environ: dict[str, str] | None = None,
               settings: NotifierSettings | None = None) -> FastAPI:
    """The notifier, with ``settings`` (default: read from ``environ``, itself by default
    this process's environment; the customer channels read their own settings from it)."""
    env = dict(os.environ if environ is None else environ)
    settings = settings or NotifierSettings.from_env(env)
    token = settings.token
    simulator = AsyncBackofficeClient(settings.simulator.url, token=settings.simulator.token)
    channels = CustomerChannels(env)
    clock = stack_clock(env)  # the stack's clock, read once with the rest
    mailer = Mailer(settings.smtp)
    log = ReminderLog(settings.data_dir / "reminders.sqlite3")
    days_before = settings.reminder_days_before
    every_s = settings.reminder_check_s
    app = FastAPI(title="PLN 123 notifier", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.mailer, app.state.log = mailer, log
    tasks: list[asyncio.Task] = []

    async def reminders_now() -> list[str]:
        now = clock.now()
        registrations = await simulator.at(now).unpaid_registrations()
        return await remind(registrations, now, log, channels, days_before)

    async def reminder_loop() -> None:
        while True:
            try:
                reminded = await reminders_now()
                if reminded:
                    logger.info("%d payment reminder(s) sent", len(reminded))
            except BackofficeError as error:
                logger.warning("reminders not checked: back office unavailable (%s)", error)
            await asyncio.sleep(every_s)

    @app.on_event("startup")
    async def start() -> None:
        if settings.smtp.sink:
            from bot.notify.sink import start_sink

            app.state.sink = start_sink(settings.mail_folder, settings.smtp.port,
                                        keep_days=settings.mail_sink_days)
        tasks.append(asyncio.get_running_loop().create_task(reminder_loop()))

    @app.on_event("shutdown")
    async def stop() -> None:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(mailer.idle(), 10)
        await channels.close()
        await simulator.aclose()
        sink = getattr(app.state, "sink", None)
        if sink is not None:
            sink.stop()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    metrics.add_starlette_route(app, metrics.MetricsAccess.from_env(env))

    async def guarded_body(request: Request) -> dict | JSONResponse:
        """The caller's JSON object, or the answer that refuses the call: 403 without the
        notifier's token, 400 for a body that is no JSON object (nested too deep too)."""
        if not same_secret(request.headers.get(TOKEN_HEADER), token):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            return json_object(await request.body())
        except NotJson:
            return JSONResponse({"error": "invalid_request"}, status_code=400)

    @app.post("/information", status_code=202)
    async def information(request: Request) -> Any:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        email, idpel, target = body.get("email"), body.get("idpel"), body.get("target_va")
        stroom = body.get("stroom_awal_rp")
        if not (isinstance(email, str) and "@" in email and len(email) <= 254
                and isinstance(idpel, str) and isinstance(target, int)
                and (stroom is None or isinstance(stroom, int))):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        client = simulator.at(clock.now())
        try:
            quote, info = await client.quote(idpel, target, stroom), await client.info()
        except NotFound:
            return JSONResponse({"error": "not_found"}, status_code=404)
        except BackofficeError:
            return JSONResponse({"error": "backoffice_unavailable"}, status_code=502)
        title = str(body.get("title") or "Bapak/Ibu")[:40]
        now = clock.now()
        mailer.send_later(information_email(quote, info, idpel, email, now, title))
        logger.info("information for %s: e-mail queued", mask(idpel))
        return {"email": "queued"}

    @app.post("/summaries", status_code=202)
    async def summary(request: Request) -> Any:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        if not body.get("registration_number"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        number = str(body["registration_number"])
        client = simulator.at(clock.now())
        try:
            registration, info = await client.registration(number), await client.info()
        except NotFound:
            return JSONResponse({"error": "not_found"}, status_code=404)
        except BackofficeError:
            return JSONResponse({"error": "backoffice_unavailable"}, status_code=502)
        address, title = body.get("address") or None, body.get("title") or "Bapak/Ibu"
        email = body.get("email") or None
        if email:
            mailer.send_later(summary_email(registration, info, email, address, title))
        logger.info("summary of %s: e-mail %s", mask(number), "queued" if email else "none")
        return {"email": "queued" if email else "none"}

    return app
