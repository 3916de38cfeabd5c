"""Settings from the environment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.backoffice.settings import (
    DEFAULT_SEED_FILE,
    REPO_ROOT,
    Settings,
    parse_now,
    resolve_database_url,
)


def test_defaults():
    settings = Settings.from_env({"PLN_SIM_TOKEN": "t"})
    assert settings.database_url == "sqlite:///var/simulator.sqlite3"
    assert settings.seed_file == DEFAULT_SEED_FILE == REPO_ROOT / "bot/backoffice/seed/customers.yaml"
    assert (settings.host, settings.port, settings.fixed_now) == ("127.0.0.1", 5070, None)
    assert settings.now().tzinfo is not None


def test_from_environment(tmp_path):
    settings = Settings.from_env({
        "PLN_SIM_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "PLN_SEED_FILE": str(tmp_path / "seed.yaml"), "PLN_REGULATIONS_FILE": "r.yaml",
        "PLN_NOW": "2026-11-27T10:00:00+07:00", "PLN_SIM_HOST": "0.0.0.0", "PLN_SIM_PORT": "6000",
        "PLN_SIM_TOKEN": "t"})
    assert settings.database_url.startswith("postgresql://")
    assert settings.seed_file == tmp_path / "seed.yaml"
    assert settings.regulations_file == Path("r.yaml")
    assert settings.now() == dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.timezone.utc)
    assert (settings.host, settings.port) == ("0.0.0.0", 6000)


def test_now_needs_an_offset():
    with pytest.raises(ValueError, match="offset"):
        parse_now("2026-11-27T10:00:00")
    assert parse_now("2026-11-27T03:00:00Z").utcoffset() == dt.timedelta(0)


def test_relative_sqlite_path_is_from_the_repo_root(tmp_path):
    url = resolve_database_url("sqlite:///var/x/sim.sqlite3", base=tmp_path)
    assert url == f"sqlite:///{tmp_path / 'var/x/sim.sqlite3'}"
    assert (tmp_path / "var/x").is_dir()
    assert resolve_database_url("postgresql://h/db") == "postgresql://h/db"


def test_missing_seed_file_stops_the_start(tmp_path):
    from bot.backoffice.app import create_app

    with pytest.raises(FileNotFoundError, match="seed file not found"):
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}",
                            seed_file=tmp_path / "missing.yaml"))


def test_the_simulator_needs_its_token(tmp_path):
    from bot.deployment import DeploymentError

    with pytest.raises(DeploymentError, match="PLN_SIM_TOKEN"):
        Settings.from_env({})
    (tmp_path / "token").write_text("from-a-file\n")
    settings = Settings.from_env({"PLN_SIM_TOKEN_FILE": str(tmp_path / "token"),
                                  "PLN_ENV": "production"})
    assert (settings.token, settings.production) == ("from-a-file", True)


@pytest.mark.parametrize("production", [False, True])
def test_the_api_pages_are_open_on_a_developers_loopback_and_absent_in_production(
        tmp_path, production):
    from fastapi.testclient import TestClient

    from bot.backoffice.app import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", token="t0ken",
                        production=production)
    with TestClient(create_app(settings)) as api:
        pages = [api.get(page).status_code for page in ("/docs", "/openapi.json")]
        assert pages == ([401, 401] if production else [200, 200])
        with_token = [api.get(page, headers={"X-PLN-Token": "t0ken"}).status_code
                      for page in ("/docs", "/openapi.json")]
        assert with_token == ([404, 404] if production else [200, 200])
        assert api.get("/ap2t/customers/532110000101").status_code == 401  # data: never
