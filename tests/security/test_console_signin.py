"""Signing in to the console as a password guesser would: wrong passwords for one account
and many names from one address are throttled, and an unknown name costs the same work as
a wrong password (counted in bcrypt runs, not timed)."""

from __future__ import annotations

import re

import bcrypt
import pytest
from starlette.testclient import TestClient

from bot.console.app import create_app
from bot.console.settings import ConsoleSettings
from bot.console.store import UNKNOWN_NAME, ConsoleStore

PASSWORD = "sandi-rahasia-123"


@pytest.fixture()
def hash_runs(monkeypatch):
    """Every bcrypt run (checking or hashing a password) from now on."""
    runs: list[str] = []
    check, hashpw = bcrypt.checkpw, bcrypt.hashpw

    def counted_check(password, hashed):
        runs.append("checkpw")
        return check(password, hashed)

    def counted_hash(password, salt):
        runs.append("hashpw")
        return hashpw(password, salt)

    monkeypatch.setattr(bcrypt, "checkpw", counted_check)
    monkeypatch.setattr(bcrypt, "hashpw", counted_hash)
    return runs


@pytest.fixture()
def app(tmp_path):
    made = create_app({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9"})
    made.state.store.add_user("sari", PASSWORD)
    made.state.store.add_user("joko", PASSWORD)
    return made


def client(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000), follow_redirects=False)


def sign_in(browser: TestClient, name: str, password: str):
    page = browser.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return browser.post("/login", data={"name": name, "password": password, "csrf": csrf})


def signed_in(response) -> bool:
    return response.status_code == 303 and response.headers["location"] == "/"


def test_an_unknown_name_costs_one_bcrypt_run_like_a_wrong_password(tmp_path, hash_runs):
    store = ConsoleStore(tmp_path / "console.sqlite3")
    store.add_user("sari", PASSWORD)
    for name, password in [("nobody", "sandi-rahasia-123"), ("sari", "salah-salah-salah"),
                           ("sari", PASSWORD)]:
        hash_runs.clear()
        store.sign_in(name, password)
        assert hash_runs == ["checkpw"], name


def test_the_sign_in_page_does_the_same_work_for_unknown_and_known_names(app, hash_runs):
    browser = client(app, "10.0.0.1")
    for name in ("nobody", "sari"):
        hash_runs.clear()
        response = sign_in(browser, name, "salah-salah-salah")
        assert response.headers["location"] == "/login?failed=1"
        assert hash_runs == ["checkpw"], name


def test_wrong_passwords_for_one_account_are_throttled(app, hash_runs):
    guesser, elsewhere = client(app, "10.0.0.1"), client(app, "10.0.0.2")
    for attempt in range(5):
        assert sign_in(guesser, "sari", f"tebakan-{attempt:04d}").status_code == 303
    hash_runs.clear()
    refused = sign_in(guesser, "sari", PASSWORD)  # even the right password, for now
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan masuk" in refused.text and "pln_console" not in refused.cookies
    assert hash_runs == []  # refused before any password is checked
    assert sign_in(elsewhere, "SARI ", PASSWORD).status_code == 429  # per account, as typed
    # another account signs in from the same address, and that resets nobody else's count
    assert signed_in(sign_in(guesser, "joko", PASSWORD))
    assert sign_in(guesser, "sari", PASSWORD).status_code == 429
    actions = [(e["user"], e["action"]) for e in app.state.store.audit_log()]
    assert actions == [("sari", "sign_in_failed")] * 5 + [
        ("sari", "sign_in_refused"), (UNKNOWN_NAME, "sign_in_refused"),  # "SARI " is no CSO
        ("joko", "sign_in"), ("sari", "sign_in_refused")]


def test_many_names_from_one_address_are_throttled(app):
    guesser, elsewhere = client(app, "10.0.0.1"), client(app, "10.0.0.2")
    for attempt in range(20):
        assert sign_in(guesser, f"cso{attempt}", "tebakan-salah").status_code == 303
    assert sign_in(guesser, "sari", PASSWORD).status_code == 429
    assert signed_in(sign_in(elsewhere, "sari", PASSWORD))


def test_the_count_starts_again_after_the_window_and_after_a_sign_in(tmp_path):
    now = [1_764_558_000.0]
    store = ConsoleStore(tmp_path / "console.sqlite3", ConsoleSettings(), lambda: now[0])
    for _ in range(4):
        assert store.begin_attempt("sari", "10.0.0.1") == 0
    store.attempt_succeeded("sari", "10.0.0.1")  # the fourth was right
    for _ in range(5):
        assert store.begin_attempt("sari", "10.0.0.1") == 0
    assert store.begin_attempt("sari", "10.0.0.1") == 15 * 60
    now[0] += 15 * 60
    assert store.begin_attempt("sari", "10.0.0.1") == 0
