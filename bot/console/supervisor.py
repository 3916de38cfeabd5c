"""The supervisor's page: the figures (``bot.kpi``) for a date range, a channel and a unit,
as tables with their plots, and each table as CSV, cell for cell what the page shows.
Only an account with the supervisor role sees it (a CSO's gets 403).

``install`` adds the routes to the console's application: ``GET /supervisor`` and
``GET /supervisor/{table}.csv``, both with the filters ``start``, ``end`` (YYYY-MM-DD,
both included; by default the last 7 days), ``channel`` and ``unit``."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bot.console import plots
from bot.console.store import Session
from bot.console.views import duration
from bot.kpi.figures import SERVICE_LEVEL_S, Figures, Filters, Table, by_name
from bot.kpi.store import WIB, KpiStore
from bot.sop.perubahan_daya import PERUBAHAN_DAYA

CHANNELS = ("rest", "telegram", "whatsapp", "voice")
UNIT = re.compile(r"[A-Za-z0-9]{1,16}")
DEFAULT_DAYS = 7
MAX_DAYS = 366

TITLES = {
    "containment": "Containment", "containment_by_day": "Containment per hari",
    "outcome": "Hasil permohonan per kanal", "handover_reason": "Pengalihan ke CSO per alasan",
    "funnel": "Corong langkah SOP", "after_the_call": "Setelah percakapan",
    "queue": "Antrean CSO", "queue_waits": "Sebaran waktu tunggu antrean",
    "hand_back_outcomes": "Hasil permohonan yang dikembalikan ke asisten",
    "assistant": "Asisten virtual",
    "understanding_failures_by_step": "Gagal memahami jawaban per langkah",
}
LABELS = {
    # columns
    "figure": "Ukuran", "value": "Nilai", "day": "Tanggal", "started": "Permohonan",
    "contained": "Tuntas tanpa CSO", "containment": "Containment",
    "strictly_contained": "Tuntas, tanpa kontak baru 24 jam",
    "strict_containment": "Containment ketat", "outcome": "Hasil",
    "handover_reason": "Alasan", "total": "Total", "step": "Langkah", "reached": "Mencapai",
    "left_here": "Berhenti di sini", "from_s": "Dari", "to_s": "Sampai", "taken": "Diambil",
    "abandoned": "Ditinggalkan", "requests": "Permohonan", "failures": "Gagal",
    # outcomes
    "saved": "Registrasi tersimpan", "issued_closed:not_ready": "Issued Closed: belum siap",
    "issued_closed:arrears": "Issued Closed: tunggakan",
    "issued_closed:declined": "Issued Closed: tidak dilanjutkan",
    "issued_closed:unknown_idpel": "Issued Closed: ID pelanggan tidak dikenal",
    "mbl": "MBL", "cso_issued_closed": "Ditutup CSO: Issued Closed",
    "cso_mbl": "Ditutup CSO: MBL", "dropped_call": "Panggilan terputus",
    "in_progress": "Masih berjalan",
    # hand-over reasons
    "customer_asked": "Pelanggan meminta petugas",
    "two_failed_answers": "Dua kali gagal menjawab", "other_sop": "SOP lain",
    "backoffice_down": "Aplikasi back office tidak tersedia",
    "phone_silence": "Penelepon diam",
    # one-value figures
    "paid": "Dibayar", "paid_ratio": "Dibayar ÷ tersimpan",
    "paid_within_validity": "Dibayar dalam masa berlaku",
    "paid_within_validity_ratio": "Dibayar dalam masa berlaku ÷ tersimpan",
    "reminders_sent": "Pengingat terkirim", "reminders_failed": "Pengingat gagal",
    "reminded_requests": "Permohonan yang diingatkan",
    "paid_after_reminder": "Dibayar setelah pengingat",
    "unpaid_after_reminder": "Belum dibayar setelah pengingat",
    "mails_sent": "E-mail terkirim", "mails_failed": "E-mail gagal",
    "handed_over": "Dialihkan ke CSO", "waiting": "Masih menunggu",
    "average_speed_of_answer_s": "Rata-rata waktu tunggu hingga diambil (ASA)",
    "service_level_threshold_s": "Batas service level (Y)",
    "taken_within_threshold": "Diambil dalam batas Y", "service_level": "Service level",
    "abandonment": "Tingkat ditinggalkan",
    "average_handle_time_s": "Rata-rata waktu penanganan",
    "handed_back": "Dikembalikan ke asisten", "turns": "Giliran percakapan",
    "turn_latency_p50_ms": "Latensi giliran p50", "turn_latency_p95_ms": "Latensi giliran p95",
    "action_calls_failed": "Panggilan aksi gagal",
    "understanding_failures": "Gagal memahami jawaban",
}
NONE = "–"


class BadFilter(ValueError):
    pass


def label(code: object, column: str = "") -> str:
    if column == "step" and isinstance(code, int):
        return f"{code}. {PERUBAHAN_DAYA.audit.step_names.get(code, '')}".rstrip(". ")
    if column == "day":
        return dt.date.fromisoformat(str(code)).strftime("%d/%m/%Y")
    return LABELS.get(str(code), str(code))


def shown(value: object, kind: str) -> str:
    """A value as the page and the CSV show it."""
    if value is None:
        return NONE
    if kind == "ratio":
        return f"{float(value) * 100:.1f}%".replace(".", ",")
    if kind == "s":
        return duration(float(value), smallest="detik")
    if kind == "ms":
        return f"{round(float(value)):,} ms".replace(",", ".")
    if kind == "count":
        return f"{int(value):,}".replace(",", ".")
    return str(value)


@dataclass(frozen=True)
class Shown:
    name: str
    title: str
    headers: list[str]
    rows: list[list[str]]


def show(table: Table) -> Shown:
    headers = [label(column) for column in table.columns]
    rows = []
    for row in table.rows:
        cells = []
        for index, value in enumerate(row):
            kind = table.kind_of(row, index)
            cells.append(label(value, table.columns[index]) if kind == "key"
                         else shown(value, kind))
        rows.append(cells)
    return Shown(table.name, TITLES.get(table.name, table.name), headers, rows)


def as_csv(table: Shown) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return out.getvalue()


def filters_of(query: Mapping[str, str], today: dt.date) -> Filters:
    """The filters asked for; ``BadFilter`` when one is not a date, channel or unit code."""
    try:
        end = dt.date.fromisoformat(query.get("end") or today.isoformat())
        start = dt.date.fromisoformat(
            query.get("start") or (end - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    except ValueError as error:
        raise BadFilter("start and end are dates, YYYY-MM-DD") from error
    if start > end or (end - start).days >= MAX_DAYS:
        raise BadFilter(f"start is on or before end, at most {MAX_DAYS} days apart")
    channel, unit = query.get("channel") or None, query.get("unit") or None
    if channel is not None and channel not in CHANNELS:
        raise BadFilter(f"channel is one of {', '.join(CHANNELS)}")
    if unit is not None and not UNIT.fullmatch(unit):
        raise BadFilter("unit is a unit code")
    return Filters(start, end, channel, unit)


def figure_plots(tables: Mapping[str, Table], service_level_s: float) -> list[Markup]:
    """Containment over time, the funnel, the hand-over reasons, the queue's waits
    against the service level's Y."""
    days = tables["containment_by_day"]
    funnel = tables["funnel"]
    reasons = tables["handover_reason"]
    waits = tables["queue_waits"]
    edges = waits.column("from_s")
    return [
        plots.lines("Containment per hari", [label(d, "day")[:5] for d in days.column("day")],
                    [plots.Series("containment", days.column("containment")),
                     plots.Series("ketat (24 jam)", days.column("strict_containment"))]),
        plots.bars("Corong langkah SOP", [str(step) for step in funnel.column("step")],
                   [plots.Series("mencapai", funnel.column("reached")),
                    plots.Series("berhenti di sini", funnel.column("left_here"))]),
        plots.bars("Pengalihan ke CSO per alasan",
                   [label(code) for code in reasons.column("handover_reason")],
                   [plots.Series("pengalihan", reasons.column("total"))]),
        plots.bars("Waktu tunggu antrean",
                   [bucket(low, high) for low, high in zip(
                       edges, waits.column("to_s"), strict=True)],
                   [plots.Series("diambil", waits.column("taken")),
                    plots.Series("ditinggalkan", waits.column("abandoned"))],
                   line_at=edges.index(service_level_s) if service_level_s in edges else None,
                   line_label=f"Y = {duration(service_level_s, smallest='detik')}"),
    ]


def bucket(low: float, high: float | None) -> str:
    if high is None:
        return f"≥ {duration(low, smallest='detik')}"
    return f"{duration(low, smallest='detik')} – {duration(high, smallest='detik')}"


def install(app: FastAPI, templates: Jinja2Templates, kpi: KpiStore,
            signed_in: Callable[[Request], Session],
            service_level_s: float = SERVICE_LEVEL_S,
            clock: Callable[[], float] = time.time) -> None:
    """The supervisor's routes, on ``app``."""

    async def report(request: Request) -> tuple[Session, Filters, list[Table]]:
        session = signed_in(request)
        if not session.supervisor:
            raise Forbidden()
        today = dt.datetime.fromtimestamp(clock(), WIB).date()
        filters = filters_of(request.query_params, today)
        # the queries run beside the event loop: the live queue goes on meanwhile
        tables = await asyncio.to_thread(Figures(kpi, filters, service_level_s).all)
        return session, filters, tables

    @app.exception_handler(BadFilter)
    async def bad_filter(_request: Request, error: BadFilter):
        return JSONResponse({"error": "invalid_filter", "message": str(error)}, 400)

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, _error: Forbidden):
        return HTMLResponse("<!doctype html><title>403</title><p>Halaman ini hanya untuk "
                            "supervisor.</p>", status_code=403)

    @app.get("/supervisor", response_class=HTMLResponse)
    async def supervisor_page(request: Request):
        session, filters, tables = await report(request)
        return templates.TemplateResponse(request, "supervisor.html", {
            "user": session.user, "csrf": session.csrf, "filters": filters,
            "channels": CHANNELS, "tables": [show(table) for table in tables],
            "plots": figure_plots(by_name(tables), service_level_s),
            "query": request.url.query, "supervisor": True})

    @app.get("/supervisor/{name}.csv")
    async def supervisor_csv(name: str, request: Request):
        _session, filters, tables = await report(request)
        table = by_name(tables).get(name)
        if table is None:
            raise LookupError(name)
        return Response(as_csv(show(table)), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{name}_{filters.start}_'
                                   f'{filters.end}.csv"'})


class Forbidden(Exception):
    """Signed in, without the supervisor role."""
