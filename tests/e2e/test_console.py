"""The CSO console in a real headless browser (Debian's chromium driven by Playwright,
``executable_path``), on the real stack: a CSO signs in, a Telegram customer's hand-over
appears live in the queue, the CSO takes it, reveals the owner's NIK (audited), replies
(the fake Telegram server receives it) and hands the conversation back at the phone step;
the customer's next message is answered by the assistant at that step. Access: every
route refuses without a session, and a case another CSO holds cannot be taken.

``PLN_WRITE_SCREENSHOTS=1`` writes the queue and the case view into docs/ (docs/console.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conversation_harness import simulator_tickets
from e2e_support import StackProblem
from telegram_chat import Chat, texts

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[2] / "docs"
PASSWORD = "sandi-rahasia-123"
CHAT_ID = 770001


@pytest.fixture(scope="module")
def console(e2e_stack):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message)
    env = {**os.environ, **e2e_stack.env}
    for name in ("sari", "joko"):
        done = subprocess.run([sys.executable, "-m", "bot.console", "add-user", name],
                              input=PASSWORD + "\n", env=env, capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr
    return f"http://{e2e_stack.env['PLN_HOST']}:{e2e_stack.env['PLN_CONSOLE_PORT']}"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: apt-get install chromium (make test installs it: scripts/install-system-packages.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def signed_in(browser, console: str, name: str):
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(f"{console}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{console}/")
    return page


def budi_hands_over_on_telegram(chat: Chat) -> None:
    """Budi on Telegram up to the phone question (NIK and e-mail given), then asks for a
    person."""
    chat.say("/start")
    chat.say("mau tambah daya")
    (asked,) = chat.say("Budi Santoso")
    chat.press(asked, "Sudah")
    chat.say("532110000101")
    replies = chat.say("2200")
    replies = chat.press(replies[-1], "Ya")
    replies = chat.say("50rb")
    replies = chat.press(replies[-1], "Ya")
    replies = chat.press(replies[-1], "Pemilik")
    replies = chat.press(replies[-1], "Coblong")
    chat.press(replies[-1], "Dago")
    chat.say("3273011508850001")
    assert "nomor handphone" in texts(chat.say("budi.santoso@gmail.com"))
    assert "petugas kami (CSO)" in texts(chat.say("saya mau bicara dengan petugas saja"))


def test_a_cso_takes_a_handover_reveals_replies_and_hands_back(
        console, browser, e2e_stack, e2e_client, fake_telegram):
    queue = signed_in(browser, console, "sari")
    from playwright.sync_api import expect

    assert queue.inner_text("h1") == "Antrean pengalihan"
    before = queue.locator("#queue tbody tr").count()

    chat = Chat(e2e_stack, e2e_client, fake_telegram, CHAT_ID)
    budi_hands_over_on_telegram(chat)

    # the hand-over appears live (server-sent events), without reloading the page
    row = queue.locator("#queue tbody tr", has_text="telegram").last
    row.wait_for(timeout=20_000)
    assert queue.locator("#queue tbody tr").count() == before + 1
    assert "Pelanggan meminta berbicara dengan petugas" in row.inner_text()
    if os.environ.get("PLN_WRITE_SCREENSHOTS"):
        queue.screenshot(path=str(DOCS / "console-queue.png"), full_page=True)
    ticket = row.get_attribute("data-ticket")

    row.locator("button.take").click()
    queue.wait_for_url(f"{console}/cases/{ticket}")
    case = queue
    transcript = case.inner_text("#transcript")
    assert "mau tambah daya" in transcript and "petugas kami (CSO)" in transcript
    nik = case.locator("dd[data-field=owner_nik] .value")
    assert nik.inner_text() == "************0001"  # masked until revealed
    assert "3273011508850001" not in case.content()
    case.click("dd[data-field=owner_nik] button.reveal")
    expect(nik).to_have_text("3273011508850001")
    audit = case.request.get(f"{console}/cases/{ticket}/audit").json()
    assert [(a["user"], a["action"], a["field"]) for a in audit] == [
        ("sari", "take", None), ("sari", "view", None), ("sari", "reveal", "owner_nik")]
    steps = case.locator("#sop-audit tbody tr")
    assert steps.count() == 22
    assert "berakhir di sini" in steps.nth(12).inner_text()  # step 13, where it was handed over

    case.fill("#reply textarea", "Selamat siang Pak Budi, saya Sari dari PLN 123.")
    case.click("#reply button")
    fake_telegram.wait_for(lambda: "Selamat siang Pak Budi, saya Sari dari PLN 123."
                           in fake_telegram.texts(CHAT_ID))
    expect(case.locator("#status")).to_contain_text("telegram")
    if os.environ.get("PLN_WRITE_SCREENSHOTS"):
        case.screenshot(path=str(DOCS / "console-case.png"), full_page=True)

    sent_before = len(fake_telegram.texts(CHAT_ID))
    case.select_option("#hand-back select", "mobile_phone")
    case.click("#hand-back button")
    fake_telegram.wait_for(lambda: len(fake_telegram.texts(CHAT_ID)) >= sent_before + 2)
    handed_back = fake_telegram.texts(CHAT_ID)[sent_before:]
    assert "lanjutkan kembali bersama asisten virtual" in handed_back[0]
    assert "nomor handphone" in handed_back[1]

    # the customer's next message is the assistant's again, at that step
    replies = chat.share_contact("+6281234500101")
    assert "Kami konfirmasi data permohonannya" in texts(replies)
    assert "081234500101" in texts(replies)
    # and the case has left the queue
    assert ticket not in [r["ticket"] for r in case.request.get(f"{console}/queue").json()]


def test_every_route_refuses_without_a_session(console):
    with httpx.Client(base_url=console, follow_redirects=False, trust_env=False) as client:
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"] == "/login"
        for method, path in [("GET", "/queue"), ("GET", "/queue/stream"),
                             ("POST", "/cases/T1/take"), ("GET", "/cases/T1"),
                             ("POST", "/cases/T1/reveal"), ("GET", "/cases/T1/audit"),
                             ("POST", "/cases/T1/reply"), ("POST", "/cases/T1/hand-back"),
                             ("POST", "/cases/T1/close"), ("POST", "/logout")]:
            response = client.request(method, path, headers={"Accept": "application/json"})
            assert response.status_code == 401, (method, path, response.status_code)
        wrong = client.post("/login", content="name=sari&password=wrong&csrf=x",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert wrong.status_code == 303 and "failed" in wrong.headers["location"]
        assert "pln_console" not in wrong.cookies


def test_a_case_held_by_one_cso_cannot_be_taken_by_another(
        console, browser, e2e_stack, e2e_client, fake_telegram):
    chat = Chat(e2e_stack, e2e_client, fake_telegram, CHAT_ID + 1)
    chat.say("/start")
    assert "petugas kami (CSO)" in texts(chat.say("saya mau bicara dengan petugas"))
    sari, joko = signed_in(browser, console, "sari"), signed_in(browser, console, "joko")
    ticket = next(r["ticket"] for r in sari.request.get(f"{console}/queue").json()
                  if r["conversation"] == f"telegram:{CHAT_ID + 1}")

    def take(page):
        csrf = page.locator("meta[name=csrf]").get_attribute("content")
        return page.request.post(f"{console}/cases/{ticket}/take",
                                 headers={"X-CSRF-Token": csrf})

    assert take(sari).status == 200
    csrf = sari.locator("meta[name=csrf]").get_attribute("content")

    def post(path, body):
        return sari.request.post(f"{console}/cases/{ticket}/{path}",
                                 headers={"X-CSRF-Token": csrf}, data=body)

    # bad input is refused with a clear error, and changes nothing
    assert post("reveal", {"field": "caller_name"}).status == 400  # not a personal field
    assert post("reply", {"text": ""}).status == 400
    assert post("reply", {"text": "x" * 2001}).status == 400
    assert post("hand-back", {"question": "nonsense"}).status == 400
    assert post("close", {"outcome": "deleted", "reason": "x"}).status == 400
    assert post("close", {"outcome": "mbl", "reason": ""}).status == 400
    assert sari.request.post(f"{console}/cases/NOPE/take",
                             headers={"X-CSRF-Token": csrf}).status == 404
    assert post("reply", {"text": "x" * 20_000}).status == 413  # over the body limit
    nested = post("reveal", b"[" * 10_000)  # under the limit, nested deeper than any body
    assert nested.status == 400 and nested.json()["error"] == "invalid_json"
    audited = sari.request.get(f"{console}/cases/{ticket}/audit").json()
    assert [a["action"] for a in audited] == ["take"]  # nothing revealed
    refused = take(joko)
    assert refused.status == 409 and "sari" in refused.json()["message"]
    assert joko.request.get(f"{console}/cases/{ticket}").status == 409
    no_csrf = joko.request.post(f"{console}/cases/{ticket}/take")
    assert no_csrf.status == 401  # a change without the session's CSRF token

    # the holder closes it with its APKT outcome: recorded, the pause over, out of the queue
    closed = post("close", {"outcome": "issued_closed",
                            "reason": "Informasi tambah daya sudah disampaikan"})
    assert closed.status == 200, closed.text()
    recorded = simulator_tickets(e2e_client, e2e_stack.endpoints, f"telegram:{CHAT_ID + 1}")
    assert [(t["kind"], t["reason"].split(" (CSO")[0]) for t in recorded][-1] == (
        "issued_closed", "Informasi tambah daya sudah disampaikan")
    assert ticket not in [r["ticket"] for r in sari.request.get(f"{console}/queue").json()]
    assert "bisa dibantu" in texts(chat.say("halo")).lower()  # the assistant answers again
