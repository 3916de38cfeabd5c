"""The console over HTTP as a hostile client or a shared cache would see it: bodies
counted while read (a chunked body with no Content-Length too), and no answer cached."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.schemas import TicketChanges
from bot.console.app import MAX_BODY, create_app

PASSWORD = "sandi-rahasia-123"


async def no_tickets(_self):
    return []


async def no_changes(_self, after=0):
    return TicketChanges(cursor=after, last=after, tickets=[])


def make_app(tmp_path, **env: str):
    made = create_app({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9",
                       **env})
    made.state.store.add_user("sari", PASSWORD)
    return made


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setattr(AsyncBackofficeClient, "tickets", no_tickets)
    monkeypatch.setattr(AsyncBackofficeClient, "ticket_changes", no_changes)
    return make_app(tmp_path)


def sign_in(browser: TestClient, name: str = "sari", password: str = PASSWORD):
    page = browser.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return browser.post("/login", data={"name": name, "password": password, "csrf": csrf})


def chunked(size: int):
    """A body sent in chunks, with no Content-Length."""
    for _ in range(size // 1024):
        yield b"x" * 1024


@pytest.mark.parametrize("path", ["/login", "/cases/T1/reply", "/logout"])
def test_a_chunked_body_over_the_cap_is_refused_while_read(app, path):
    browser = TestClient(app, follow_redirects=False)
    response = browser.post(path, content=chunked(MAX_BODY + 4096),
                            headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["Cache-Control"] == "no-store"


def test_a_declared_length_over_the_cap_is_refused_and_a_small_body_read(app):
    browser = TestClient(app, follow_redirects=False)
    assert browser.post("/login", content=b"x" * (MAX_BODY + 1)).status_code == 413
    assert sign_in(browser).headers["location"] == "/"  # a form well under the cap


def test_no_page_or_answer_is_cached(app):
    browser = TestClient(app, follow_redirects=False)
    answers = [browser.get("/login"), browser.get("/queue"), browser.get("/nowhere"),
               browser.get("/static/console.js"), sign_in(browser, password="salah-salah")]
    answers += [sign_in(browser), browser.get("/", headers={"Accept": "text/html"}),
                browser.get("/queue"), browser.get("/cases/T1/audit")]
    assert [a.status_code for a in answers] == [200, 401, 404, 200, 303, 303, 200, 200, 404]
    assert all(a.headers.get("Cache-Control") == "no-store" for a in answers), [
        (a.request.url.path, a.headers.get("Cache-Control")) for a in answers]


def set_cookies(response) -> dict[str, str]:
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def test_over_https_the_cookies_are_secure_and_host_prefixed(tmp_path, monkeypatch):
    monkeypatch.setattr(AsyncBackofficeClient, "tickets", no_tickets)
    monkeypatch.setattr(AsyncBackofficeClient, "ticket_changes", no_changes)
    app = make_app(tmp_path, PLN_CONSOLE_PUBLIC_URL="https://console.pln123.example")
    browser = TestClient(app, base_url="https://testserver", follow_redirects=False)
    form = set_cookies(browser.get("/login"))["__Host-pln_console_login"]
    signed = sign_in(browser)
    session = set_cookies(signed)["__Host-pln_console"]
    for cookie in (form, session):
        attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert {"secure", "httponly", "path=/", "samesite=strict"} <= set(attributes)
        assert not any(a.startswith("domain") for a in attributes)
    assert signed.headers["Strict-Transport-Security"].startswith("max-age=")
    assert browser.get("/queue").status_code == 200  # the browser sends it back over https
    # a cookie without the prefix (set by another host, or over plain http) is no session
    token = browser.cookies.get("__Host-pln_console")
    stranger = TestClient(app, base_url="https://testserver", cookies={"pln_console": token})
    assert stranger.get("/queue").status_code == 401


def test_over_plain_http_on_loopback_the_cookie_is_not_secure(app):
    browser = TestClient(app, follow_redirects=False)
    session = set_cookies(sign_in(browser))["pln_console"]
    assert "secure" not in session.lower()
    assert browser.get("/queue").status_code == 200
