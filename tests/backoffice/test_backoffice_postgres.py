"""The same storage code on PostgreSQL (127.0.0.1:5432, trust auth): a fresh database per
test run, dropped at the end. Skipped when the server is not reachable."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from backoffice_helpers import FIXED_NOW, SEED, registration_body
from fastapi.testclient import TestClient
from test_backoffice_registration_listing import (  # the migration, as on SQLite
    _old_registration,
    _write_old_database,
    check_migrated,
)

from bot.backoffice.app import create_app
from bot.backoffice.settings import Settings
from bot.backoffice.storage import Storage

pytestmark = pytest.mark.postgres

@pytest.fixture(scope="module")
def postgres_url(new_postgres_database):
    return new_postgres_database("pln_sim_test")


@pytest.fixture
def empty_postgres_url(new_postgres_database):
    """A database of its own, empty (the module's one already has the current tables)."""
    return new_postgres_database("pln_sim_test")


def _settings(url: str) -> Settings:
    return Settings(database_url=url, fixed_now=FIXED_NOW)


def test_seed_is_idempotent_and_keeps_written_data(postgres_url):
    storage = Storage.from_url(postgres_url)
    try:
        storage.create_schema()
        storage.seed(SEED)
        storage.set_dil_mobile("511010000707", "081122223333", FIXED_NOW.isoformat())
        storage.seed(SEED)
        assert storage.count("customers") == len(SEED.customers)
        assert storage.dil_mobile_updates() == {"511010000707": "081122223333"}
        reference = storage.load_reference()
        assert reference.customer("14100000101").name == "Budi Santoso"
    finally:
        storage.close()


def test_api_on_postgres(postgres_url):
    with TestClient(create_app(_settings(postgres_url))) as api:
        quote = api.get("/ap2t/customers/211010000606/quote", params={"target_va": 66000})
        assert quote.json()["total_rp"] == 12607000
        body = registration_body(key="pg-key")

        def save(_):
            return api.post("/ap2t/registrations", json=body)

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(save, range(8)))
        assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
        number = responses[0].json()["registration_number"]
        assert api.app.state.storage.count("registrations") == 1
        bad = api.post("/ap2t/registrations", json=registration_body(key="pg-bad", target_va=3000))
        assert bad.status_code == 422
        assert api.app.state.storage.count("registrations") == 1

    # a restart on the same database keeps the registration and does not duplicate the seed
    with TestClient(create_app(_settings(postgres_url))) as api:
        assert api.get(f"/ap2t/registrations/{number}").json()["total_rp"] == 893300
        assert api.app.state.storage.count("customers") == len(SEED.customers)


def test_database_from_before_the_conversation_column_is_migrated(empty_postgres_url, tmp_path):
    old, payload = _old_registration(tmp_path)
    _write_old_database(empty_postgres_url, old, payload)
    with TestClient(create_app(_settings(empty_postgres_url))) as api:
        check_migrated(api, old)
    with TestClient(create_app(_settings(empty_postgres_url))) as api:  # nothing left to do
        assert len(api.get("/ap2t/registrations", params={"idpel": old["idpel"]}).json()) == 2
