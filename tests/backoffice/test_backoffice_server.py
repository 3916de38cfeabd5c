"""Against a real uvicorn server: concurrency, restart, and the typed client."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from backoffice_helpers import (
    FIXED_NOW,
    RunningServer,
    free_port,
    idpel_of,
    registration_body,
    sqlite_settings,
)

from bot.backoffice.client import (
    AsyncBackofficeClient,
    BackofficeClient,
    BackofficeError,
    NotFound,
    Refused,
    Unavailable,
)
from bot.backoffice.schemas import (
    CustomerInfo,
    Quote,
    Registration,
    RegistrationRequest,
    Ticket,
    TicketRequest,
)
from bot.backoffice.settings import REPO_ROOT
from bot.backoffice.storage import Storage


def test_sixteen_concurrent_saves_with_one_key_store_one_registration(server, settings):
    body = registration_body(key="concurrent-key")

    def save(_):
        with httpx.Client(base_url=server.url, timeout=30) as http:
            return http.post("/ap2t/registrations", json=body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(save, range(16)))
    assert sorted(r.status_code for r in responses) == [200] * 15 + [201]
    assert len({r.json()["registration_number"] for r in responses}) == 1
    storage = Storage.from_url(settings.database_url)
    try:
        assert storage.count("registrations") == 1
    finally:
        storage.close()


def test_restart_keeps_registrations_and_dil_updates(tmp_path):
    settings = sqlite_settings(tmp_path)
    with RunningServer(settings) as first, BackofficeClient(first.url) as client:
        saved = client.save_registration(RegistrationRequest.parse_obj(registration_body()))
        client.update_dil_mobile("511010000707", "081122223333")
        client.create_ticket(TicketRequest(kind="issued_closed", reason="selesai", sop_step=21,
                                           conversation_id="restart"))
    with RunningServer(settings) as second, BackofficeClient(second.url) as client:
        assert client.registration(saved.registration_number) == saved
        assert client.customer("511010000707").dil_phones.mobile == "081122223333"
        assert len(client.tickets("restart")) == 1
    storage = Storage.from_url(settings.database_url)
    try:  # the seed is upserted, not added again
        assert storage.count("customers") == 14 and storage.count("units") == 5
        assert storage.count("crm_callers") == 8
        assert storage.count("registrations") == 1 and storage.count("dil_mobile_updates") == 1
    finally:
        storage.close()


# --- the client ----------------------------------------------------------------------


def test_client_typed_results(server):
    with BackofficeClient(server.url) as client:
        assert client.health().status == "ok"
        customer = client.customer("14100000101")
        assert isinstance(customer, CustomerInfo) and customer.idpel == "532110000101"
        quote = client.quote("532110000101", 2200, stroom_awal_rp=50000)
        assert isinstance(quote, Quote) and quote.total_rp == 893300
        assert client.service_level(idpel_of("Rudi"), 6600).days == 25
        assert client.power_change(idpel_of("Sri"), 900).route == "dtks"
        assert client.power_change(idpel_of("Budi"), 2200, use="usaha").route == "not_this_sop"
        assert client.arrears(idpel_of("Agus")).amount_rp == 356200
        assert "Coblong" in client.areas("532110000101").areas
        assert client.lit_tr("532110000101")[0].pic == "Andi"
        assert client.caller("+62 812-3450-0101").name == "Budi Santoso"
        assert client.info().stamp_duty_rp == 10000
        assert client.stroom_awal_advice("532110000101", 2200).advised_rp >= 5000
        registration = client.save_registration(RegistrationRequest.parse_obj(registration_body()))
        assert isinstance(registration, Registration) and registration.total_rp == 893300
        ticket = client.create_ticket(TicketRequest(
            kind="mbl", reason="Menolak alternatif AP2T", sop_step=7, conversation_id="c-9",
            idpel=idpel_of("Yusuf"), data={"mobile_phone": "081322900909"}))
        assert isinstance(ticket, Ticket) and ticket.data["mobile_phone"] == "********0909"
        assert client.tickets("c-9") == [ticket]


def test_client_not_found_and_refused(server):
    with BackofficeClient(server.url) as client:
        with pytest.raises(NotFound):
            client.customer("999999999999")
        with pytest.raises(NotFound) as unknown_caller:
            client.caller("081311001010")
        assert unknown_caller.value.body["kind"] == "mobile"
        with pytest.raises(Refused) as refused:
            client.quote("532110000101", 3000, stroom_awal_rp=50000)
        assert refused.value.status == 422 and refused.value.code == "non_standard_power"
        assert "daya standar" in refused.value.message
        client.save_registration(RegistrationRequest.parse_obj(registration_body(key="r")))
        with pytest.raises(Refused) as conflict:
            client.save_registration(RegistrationRequest.parse_obj(
                registration_body(key="r", target_va=3500)))
        assert conflict.value.status == 409
        assert isinstance(conflict.value, BackofficeError)


def test_client_unavailable_when_the_server_is_stopped(tmp_path):
    running = RunningServer(sqlite_settings(tmp_path)).start()
    running.stop()
    with BackofficeClient(running.url, timeout=0.5, retries=2) as client:
        with pytest.raises(Unavailable):
            client.customer("532110000101")


def _counting_transport(status: int = 503):
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append((request.method, request.url.path))
        return httpx.Response(status, json={"error": "down", "message": "maintenance"})

    return calls, httpx.MockTransport(handler)


def test_client_retries_only_idempotent_calls(monkeypatch):
    monkeypatch.setattr("bot.backoffice.client.BACKOFF_S", 0)
    calls, transport = _counting_transport()
    with BackofficeClient("http://sim", retries=2, transport=transport) as client:
        with pytest.raises(Unavailable):
            client.customer("532110000101")
        assert len(calls) == 3
        calls.clear()
        with pytest.raises(Unavailable):  # no idempotency key: sent once
            client.create_ticket(TicketRequest(kind="mbl", reason="x", sop_step=7,
                                               conversation_id="c"))
        assert len(calls) == 1
        calls.clear()
        with pytest.raises(Unavailable):
            client.create_ticket(TicketRequest(kind="mbl", reason="x", sop_step=7,
                                               conversation_id="c", idempotency_key="k"))
        assert len(calls) == 3
        calls.clear()
        with pytest.raises(Unavailable):
            client.save_registration(RegistrationRequest.parse_obj(registration_body()))
        assert len(calls) == 3


def test_client_does_not_retry_a_refusal(monkeypatch):
    monkeypatch.setattr("bot.backoffice.client.BACKOFF_S", 0)
    calls, transport = _counting_transport(status=422)
    with BackofficeClient("http://sim", retries=2, transport=transport) as client:
        with pytest.raises(Refused) as refused:
            client.customer("532110000101")
    assert len(calls) == 1 and refused.value.message == "maintenance"


def test_async_client(server):
    async def scenario():
        async with AsyncBackofficeClient(server.url) as client:
            customer = await client.customer("532110000101")
            quote = await client.quote(customer.idpel, 2200, stroom_awal_rp=50000)
            with pytest.raises(NotFound):
                await client.customer("999999999999")
            return customer, quote

    customer, quote = asyncio.run(scenario())
    assert customer.name == "Budi Santoso" and quote.ppj_rp == 1456


def test_a_client_at_the_conversations_clock_dates_what_it_saves(server):
    """``client.at(now)``: the same connections, every call dated by the conversation."""
    import datetime as dt

    wib = dt.timezone(dt.timedelta(hours=7))
    year_end = dt.datetime(2026, 12, 31, 23, 30, tzinfo=wib)

    async def scenario():
        async with AsyncBackofficeClient(server.url) as client:
            clocked = client.at(year_end)
            assert clocked._http is client._http
            saved = await clocked.save_registration(
                RegistrationRequest.parse_obj(registration_body(key="clocked")))
            plain = await client.create_ticket(TicketRequest(
                kind="issued_closed", reason="x", sop_step=3, conversation_id="c"))
            return saved, plain

    saved, plain = asyncio.run(scenario())
    assert saved.created_at == year_end and saved.registration_number[5:11] == "261231"
    assert plain.created_at == FIXED_NOW  # without a clock: the simulator's own
    with pytest.raises(ValueError):
        BackofficeClient(server.url).at(dt.datetime(2026, 12, 31, 23, 30))


def test_async_client_unavailable(monkeypatch):
    monkeypatch.setattr("bot.backoffice.client.BACKOFF_S", 0)

    async def scenario():
        async with AsyncBackofficeClient("http://127.0.0.1:9", timeout=0.5, retries=1) as client:
            await client.health()

    with pytest.raises(Unavailable):
        asyncio.run(scenario())


def test_client_base_url_from_environment(monkeypatch):
    monkeypatch.setenv("PLN_SIM_URL", "http://example.invalid:1234/")
    with BackofficeClient() as client:
        assert client.base_url == "http://example.invalid:1234"
    monkeypatch.delenv("PLN_SIM_URL")
    with BackofficeClient() as client:
        assert client.base_url == "http://127.0.0.1:5070"


def test_python_m_bot_backoffice_serves_with_the_environment(tmp_path):
    """The entry point the stack uses: env settings, PLN_NOW, a masked access log."""
    port = free_port()
    env = dict(os.environ, PLN_SIM_PORT=str(port), PLN_SIM_HOST="127.0.0.1",
               PLN_SIM_DATABASE_URL=f"sqlite:///{tmp_path / 'sim.sqlite3'}",
               PLN_NOW="2026-01-31T09:30:00+07:00", PLN_SIM_TOKEN="sim-test-token")
    log_path = tmp_path / "simulator.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.backoffice"], env=env,
                                   cwd=REPO_ROOT, stdout=log, stderr=log)
    try:
        with BackofficeClient(f"http://127.0.0.1:{port}", retries=0,
                              token="sim-test-token") as client:
            deadline = time.monotonic() + 20
            while True:
                try:
                    client.health()
                    break
                except Unavailable:
                    assert process.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, "the simulator did not start"
                    time.sleep(0.1)
            saved = client.save_registration(RegistrationRequest.parse_obj(registration_body()))
            assert saved.created_at.isoformat() == "2026-01-31T09:30:00+07:00"
            assert saved.expires_at.isoformat() == "2026-03-02T09:30:00+07:00"
            client.caller("081234500101")
    finally:
        process.terminate()
        process.wait(10)
    log_text = log_path.read_text()
    assert "GET /crm/callers/********0101 200" in log_text
    assert "081234500101" not in log_text and "532110000101" not in log_text
