"""The storage on its own: idempotent saves under a real race, seeding, DIL updates."""

from __future__ import annotations

import json
import threading

import pytest
from backoffice_helpers import SEED

from bot.backoffice.storage import IdempotencyConflict, Storage


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'storage.sqlite3'}"


def _storages(url: str, count: int) -> list[Storage]:
    storages = [Storage.from_url(url) for _ in range(count)]
    storages[0].create_schema()
    storages[0].seed(SEED)
    return storages


def test_race_between_two_processes_stores_one_registration(url):
    """Two engines (as two simulator processes would have) save the same key from 16
    threads, all past the "already saved?" look-up before any inserts: the unique
    constraint decides and every loser reads the winner back."""
    storages = _storages(url, 2)
    all_looked_up = threading.Barrier(16, timeout=10)
    results: list = []

    def build(number: str) -> str:
        all_looked_up.wait()  # called after the look-up, before the insert
        return json.dumps({"registration_number": number})

    def save(index: int) -> None:
        storage = storages[index % 2]
        results.append(storage.save_registration(
            "race-key", {"same": "payload"}, "532110000101", "2026-11-27T10:00:00+07:00",
            build=build, new_number=lambda: f"N{index:03d}"))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(results) == 16
        assert sum(created for _body, created in results) == 1
        assert len({body for body, _created in results}) == 1
        assert storages[0].count("registrations") == 1
    finally:
        for storage in storages:
            storage.close()


def test_reused_key_with_another_payload_conflicts(url):
    (storage,) = _storages(url, 1)
    arguments = dict(idpel="532110000101", created_at="t",
                     build=lambda number: json.dumps({"n": number}), new_number=lambda: "N1")
    storage.save_registration("k", {"a": 1}, **arguments)
    with pytest.raises(IdempotencyConflict):
        storage.save_registration("k", {"a": 2}, **arguments)
    assert storage.count("registrations") == 1
    storage.close()


def test_a_taken_number_is_drawn_again(url):
    (storage,) = _storages(url, 1)
    numbers = iter(["SAME", "SAME", "OTHER"])
    for key in ("k1", "k2"):
        storage.save_registration(key, {"key": key}, "532110000101", "t",
                                  build=lambda number: json.dumps({"n": number}),
                                  new_number=lambda: next(numbers))
    assert storage.count("registrations") == 2
    assert storage.registration("OTHER") is not None
    storage.close()


def test_reseeding_keeps_dil_updates_and_does_not_duplicate(url):
    (storage,) = _storages(url, 1)
    storage.set_dil_mobile("511010000707", "081122223333", "t1")
    storage.set_dil_mobile("511010000707", "081144445555", "t2")
    storage.seed(SEED)
    storage.seed(SEED)
    assert storage.dil_mobile_updates() == {"511010000707": "081144445555"}
    assert storage.count("customers") == len(SEED.customers)
    assert storage.count("crm_callers") == len(SEED.crm)
    reference = storage.load_reference()
    assert reference.customer("14100000404").idpel == "532110000404"
    assert reference.customer("999999999999") is None
    storage.close()
