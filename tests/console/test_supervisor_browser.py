"""The supervisor's page in a real headless browser (Debian's chromium driven by Playwright,
``executable_path``), served by the console in this process on known figures
(``kpi_scenario``): the plots are there, the filters change the figures, each table's CSV
is what the page shows, and a CSO without the role gets 403.

``PLN_WRITE_SCREENSHOTS=1`` writes the page into docs/ (README)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from kpi_scenario import played

from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.schemas import TicketChanges
from bot.console.app import create_app
from bot.console.store import SUPERVISOR
from bot.kpi import KpiStore

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[2] / "docs"
PASSWORD = "sandi-rahasia-123"
RANGE = "start=2026-12-01&end=2026-12-02"


async def no_tickets(_self):
    return []


async def no_changes(_self, after=0):
    return TicketChanges(cursor=after, last=after, tickets=[])


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    import uvicorn

    patch = pytest.MonkeyPatch()
    patch.setattr(AsyncBackofficeClient, "tickets", no_tickets)
    patch.setattr(AsyncBackofficeClient, "ticket_changes", no_changes)
    data = tmp_path_factory.mktemp("console")
    kpi = KpiStore(f"sqlite:///{data / 'kpi.sqlite3'}")
    played(kpi)
    app = create_app({"PLN_DATA_DIR": str(data), "PLN_SIM_URL": "http://127.0.0.1:9"},
                     kpi=kpi)
    app.state.store.add_user("sari", PASSWORD)
    app.state.store.add_user("wati", PASSWORD, role=SUPERVISOR)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ready = threading.Event()
    for _ in range(400):  # a guard, not a measure
        if server.started or ready.wait(0.05):
            break
    assert server.started, "the console did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    patch.undo()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: apt-get install chromium (make test installs it: "
                    "scripts/install-system-packages.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def signed_in(browser, console: str, name: str):
    page = browser.new_context(viewport={"width": 1400, "height": 900},
                               accept_downloads=True).new_page()
    page.goto(f"{console}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{console}/")
    return page


def cells(page, table: str) -> list[list[str]]:
    return page.eval_on_selector(f"table#kpi-{table}", """table => [...table.rows].map(
        row => [...row.cells].map(cell => cell.textContent.trim()))""")


def figure(page, table: str, name: str) -> str:
    return dict(cells(page, table)[1:])[name]


def test_the_supervisor_reads_the_figures_in_the_browser(console, browser):
    page = signed_in(browser, console, "wati")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.click("a[href='/supervisor']")
    page.wait_for_url(f"{console}/supervisor")
    page.fill("input[name=start]", "2026-12-01")
    page.fill("input[name=end]", "2026-12-02")
    page.click("#filters button[type=submit]")
    page.wait_for_url(f"{console}/supervisor?{RANGE}&channel=&unit=")

    # the four plots are drawn (bars, lines, the service level's line), nothing refused
    assert page.locator("#plots svg.plot").count() == 4
    assert page.locator("#plots svg rect.bar").count() > 0
    assert page.locator("#plots svg polyline.line").count() == 2
    assert page.locator("#plots svg line.service-level").count() == 1
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert figure(page, "containment", "Permohonan") == "9"
    assert figure(page, "queue", "Service level") == "25,0%"
    if os.environ.get("PLN_WRITE_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / "console-supervisor.png"), full_page=True)

    # each table's CSV, downloaded from its link, is what the page shows
    for table in ("containment", "outcome", "funnel", "queue", "queue_waits"):
        with page.expect_download() as download:
            page.click(f"a.csv[href^='/supervisor/{table}.csv']")
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert list(csv.reader(io.StringIO(text))) == cells(page, table), table

    # the filters change the figures
    page.select_option("select[name=channel]", "voice")
    page.click("#filters button[type=submit]")
    page.wait_for_url(f"{console}/supervisor?{RANGE}&channel=voice&unit=")
    assert figure(page, "containment", "Permohonan") == "2"
    assert figure(page, "queue", "Dialihkan ke CSO") == "1"
    assert cells(page, "outcome")[0] == ["Hasil", "voice", "Total"]
    page.select_option("select[name=channel]", "")
    page.fill("input[name=unit]", "53211")
    page.click("#filters button[type=submit]")
    page.wait_for_url(f"{console}/supervisor?{RANGE}&channel=&unit=53211")
    assert figure(page, "containment", "Permohonan") == "5"


def test_a_cso_without_the_role_gets_403(console, browser):
    page = signed_in(browser, console, "sari")
    assert page.locator("a[href='/supervisor']").count() == 0
    answer = page.goto(f"{console}/supervisor?{RANGE}")
    assert answer.status == 403
    assert "hanya untuk supervisor" in page.content()
    assert page.request.get(f"{console}/supervisor/queue.csv?{RANGE}").status == 403
