"""Registrations findable by conversation: ``conversation_id`` on the request and the
registration, ``GET /ap2t/registrations?conversation_id=&idpel=``, the clients' method, and
the migration of a database created before the column existed."""

from __future__ import annotations

import asyncio
import json

import pytest
from backoffice_helpers import RunningServer, idpel_of, registration_body, sqlite_settings
from fastapi.testclient import TestClient
from sqlalchemy import Column, MetaData, String, Table, Text, create_engine, inspect

from bot.backoffice.app import create_app
from bot.backoffice.client import AsyncBackofficeClient, BackofficeClient, Refused
from bot.backoffice.schemas import Registration, RegistrationRequest
from bot.backoffice.storage import Storage, request_hash

BUDI = "532110000101"


def _save(api, key: str, conversation_id: str | None = None, **changes) -> dict:
    body = registration_body(key=key, **changes)
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    response = api.post("/ap2t/registrations", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _listed(api, **params) -> list[str]:
    response = api.get("/ap2t/registrations", params=params)
    assert response.status_code == 200, response.text
    return [r["registration_number"] for r in response.json()]


def test_conversation_id_is_stored_and_listed_newest_first(api):
    first = _save(api, "k1", "conv-a")
    second = _save(api, "k2", "conv-a", target_va=3500)
    other = _save(api, "k3", "conv-b")
    without = _save(api, "k4")
    assert first["conversation_id"] == "conv-a" and without["conversation_id"] is None
    assert api.get(f"/ap2t/registrations/{first['registration_number']}").json() == first
    # the clock of the tests stands still (same created_at): the saving order decides
    assert _listed(api, conversation_id="conv-a") == [second["registration_number"],
                                                     first["registration_number"]]
    assert api.get("/ap2t/registrations", params={"conversation_id": "conv-a"}).json()[1] == first
    assert _listed(api, conversation_id="conv-b") == [other["registration_number"]]
    assert _listed(api, conversation_id="nobody") == []
    assert _listed(api, idpel=BUDI) == [without["registration_number"], other["registration_number"],
                                        second["registration_number"], first["registration_number"]]
    assert _listed(api, conversation_id="conv-b", idpel=BUDI) == [other["registration_number"]]
    assert _listed(api, conversation_id="conv-a", idpel=idpel_of("Rudi")) == []
    assert _listed(api, idpel="5321-1000-0101") == _listed(api, idpel=BUDI)


def test_conversation_id_is_part_of_the_idempotency_comparison(api):
    saved = _save(api, "same", "conv-1")
    replay = api.post("/ap2t/registrations", json=dict(registration_body(key="same"),
                                                       conversation_id="conv-1"))
    assert replay.status_code == 200 and replay.json() == saved
    for conversation in ("conv-2", None):
        body = registration_body(key="same")
        if conversation is not None:
            body["conversation_id"] = conversation
        response = api.post("/ap2t/registrations", json=body)
        assert response.status_code == 409, response.text
    assert api.app.state.storage.count("registrations") == 1


def test_conversation_id_is_trimmed_like_the_other_texts(api):
    saved = _save(api, "k", "  conv-trim ")
    assert saved["conversation_id"] == "conv-trim"
    assert _listed(api, conversation_id=" conv-trim ") == [saved["registration_number"]]


BAD_LISTINGS = [
    {},  # no filter
    {"conversation_id": ""},
    {"conversation_id": "   "},
    {"conversation_id": "x" * 201},
    {"idpel": "12ab"},
    {"idpel": "14100000101"},  # a meter number is not an IDPEL
    {"idpel": ""},
    {"idpel": "1" * 41},
    {"conversation_id": "c", "idpel": "123"},
]


@pytest.mark.parametrize("params", BAD_LISTINGS)
def test_bad_listing_is_422_and_changes_nothing(api, params):
    _save(api, "k", "conv")
    response = api.get("/ap2t/registrations", params=params)
    assert response.status_code == 422, response.text
    error = response.json()
    assert isinstance(error["error"], str) and error["message"]
    assert api.app.state.storage.count("registrations") == 1


def test_missing_filter_says_so(api):
    response = api.get("/ap2t/registrations")
    assert response.status_code == 422 and response.json()["error"] == "missing_filter"


@pytest.mark.parametrize("conversation_id", ["", "   ", "x" * 201, 42, ["c"]])
def test_bad_conversation_id_on_save_is_422_and_stores_nothing(api, conversation_id):
    response = api.post("/ap2t/registrations",
                        json=dict(registration_body(), conversation_id=conversation_id))
    assert response.status_code == 422, response.text
    assert api.app.state.storage.count("registrations") == 0


# --- the clients ----------------------------------------------------------------------


def test_client_registrations(server):
    with BackofficeClient(server.url) as client:
        request = RegistrationRequest.parse_obj(dict(registration_body(key="c1"),
                                                     conversation_id="client-conv"))
        saved = client.save_registration(request)
        assert saved.conversation_id == "client-conv"
        assert client.registrations("client-conv") == [saved]
        assert client.registrations(conversation_id="client-conv", idpel=BUDI) == [saved]
        assert client.registrations(idpel=BUDI) == [saved]
        assert client.registrations("another") == []
        with pytest.raises(Refused) as refused:
            client.registrations()
        assert refused.value.status == 422 and refused.value.code == "missing_filter"
        with pytest.raises(Refused):
            client.registrations(idpel="12ab")


def test_async_client_registrations(server):
    async def scenario():
        async with AsyncBackofficeClient(server.url) as client:
            saved = await client.save_registration(RegistrationRequest.parse_obj(
                dict(registration_body(key="a1"), conversation_id="async-conv")))
            listed = await client.registrations(conversation_id="async-conv")
            with pytest.raises(Refused):
                await client.registrations()
            return saved, listed

    saved, listed = asyncio.run(scenario())
    assert listed == [saved] and isinstance(listed[0], Registration)


# --- migration of a database from before the column -----------------------------------


def _old_registrations_table(metadata: MetaData) -> Table:
    """The registrations table as the simulator created it before conversation_id."""
    return Table(
        "registrations", metadata,
        Column("number", String(32), primary_key=True),
        Column("idempotency_key", String(100), nullable=False, unique=True),
        Column("request_hash", String(64), nullable=False),
        Column("idpel", String(12), nullable=False, index=True),
        Column("created_at", String(40), nullable=False),
        Column("body", Text, nullable=False),
    )


def _old_registration(tmp_path) -> tuple[dict, dict]:
    """A registration body and its request as the earlier version stored them."""
    with TestClient(create_app(sqlite_settings(tmp_path / "source"))) as api:
        body = api.post("/ap2t/registrations", json=registration_body(key="old-key")).json()
    del body["conversation_id"]
    payload = RegistrationRequest.parse_obj(registration_body(key="old-key")).dict()
    del payload["conversation_id"]
    return body, payload


def _write_old_database(url: str, body: dict, payload: dict) -> None:
    engine = create_engine(url, future=True)
    try:
        metadata = MetaData()
        table = _old_registrations_table(metadata)
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(table.insert(), dict(
                number=body["registration_number"], idempotency_key="old-key",
                request_hash=request_hash(payload), idpel=body["idpel"],
                created_at=body["created_at"], body=json.dumps(body)))
    finally:
        engine.dispose()


def check_migrated(api, old: dict) -> None:
    """An app started on a database from before: the old registration is still there and
    its replay still matches; new ones carry their conversation and list first."""
    number = old["registration_number"]
    assert api.get(f"/ap2t/registrations/{number}").json()["registration_number"] == number
    assert api.get(f"/ap2t/registrations/{number}").json()["conversation_id"] is None
    replay = api.post("/ap2t/registrations", json=registration_body(key="old-key"))
    assert replay.status_code == 200 and replay.json()["registration_number"] == number
    new = _save(api, "new-key", "after-migration")
    assert _listed(api, conversation_id="after-migration") == [new["registration_number"]]
    assert _listed(api, idpel=old["idpel"]) == [new["registration_number"], number]
    assert api.app.state.storage.count("registrations") == 2


def test_sqlite_database_from_before_the_column_is_migrated_at_start(tmp_path):
    old, payload = _old_registration(tmp_path)
    settings = sqlite_settings(tmp_path)
    _write_old_database(settings.database_url, old, payload)
    with TestClient(create_app(settings)) as api:
        check_migrated(api, old)
    storage = Storage.from_url(settings.database_url)
    try:
        columns = {c["name"] for c in inspect(storage.engine).get_columns("registrations")}
        assert {"conversation_id", "saved_ns"} <= columns
        indexes = {i["name"] for i in inspect(storage.engine).get_indexes("registrations")}
        assert "ix_registrations_conversation" in indexes
        storage.create_schema()  # a second start finds nothing to migrate
    finally:
        storage.close()
    with RunningServer(settings) as running, BackofficeClient(running.url) as client:
        assert len(client.registrations(idpel=old["idpel"])) == 2  # and a restart keeps it
