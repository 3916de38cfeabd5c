"""A request that stopped on one channel, offered on another (``bot.continuation``): the
store by pseudonymous number and its time limit, the offer's wording with the time said
naturally, and nothing carried said or saved before the owner's NIK is checked again."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.continuation import (
    OFFER_RESPONSE,
    OpenRequest,
    OpenRequests,
    ago,
    carried,
    closing_reason,
    needs_fresh_checks,
    offer,
)
from bot.pseudonyms import pseudonym
from bot.status import Say

WIB = dt.timezone(dt.timedelta(hours=7))
KEY = b"test-key"
BUDI = pseudonym(KEY, "081234500101")
STOPPED = dt.datetime(2026, 11, 27, 9, 0, tzinfo=WIB)
ANSWERS = {"customer_number": "532110000101", "target_power_va": 2200,
           "tariff_confirmed": True, "owner_nik": "3273011508850001",
           "mobile_phone": "081234500101", "email": None}


def stopped(**changes) -> OpenRequest:
    values = dict(pseudonym=BUDI, channel="whatsapp", conversation_id=f"whatsapp:{BUDI}",
                  step="stroom_awal_rp", answers=ANSWERS, stopped_at=STOPPED)
    values.update(changes)
    return OpenRequest(**values)


@pytest.fixture
def store():
    requests = OpenRequests(":memory:", hours=24)
    yield requests
    requests.close_store()


@pytest.mark.parametrize("later, said", [
    (dt.timedelta(seconds=20), "baru saja"),
    (dt.timedelta(minutes=5, seconds=30), "5 menit yang lalu"),
    (dt.timedelta(hours=2, minutes=10), "2 jam yang lalu"),
    (dt.timedelta(hours=14, minutes=59), "14 jam yang lalu"),  # 23:59 the same day
    (dt.timedelta(hours=15, minutes=30), "kemarin pukul 09.00"),  # 00:30 the next day
    (dt.timedelta(days=3), "3 hari yang lalu"),
])
def test_the_time_is_said_as_people_say_it(later, said):
    assert ago(STOPPED, STOPPED + later) == said


def test_the_offer_names_the_step_the_channel_and_when_and_nothing_personal():
    said = offer(stopped(), STOPPED + dt.timedelta(hours=2), "Bapak")
    assert said == Say(OFFER_RESPONSE, {"caller_title": "Bapak", "step": "stroom awal",
                                        "channel": "WhatsApp", "ago": "2 jam yang lalu"})
    assert not set(map(str, ANSWERS.values())) & set(map(str, said.values.values()))
    phone = offer(stopped(channel="voice", step="target_power_va"),
                  STOPPED + dt.timedelta(minutes=40), "Ibu")
    assert phone.values["channel"] == "telepon 123"
    assert phone.values["step"] == "daya yang diinginkan"


def test_nothing_is_carried_before_the_owners_nik_is_checked_again_and_never_the_nik():
    request = stopped()
    assert carried(request, owner_nik_verified=False) == {}
    after = carried(request, owner_nik_verified=True)
    assert "owner_nik" not in after
    assert after["target_power_va"] == 2200 and after["customer_number"] == "532110000101"


def test_the_store_never_keeps_the_owners_nik(store):
    store.keep(stopped())
    offered = store.offered(BUDI, "voice:" + BUDI, STOPPED + dt.timedelta(hours=1))
    assert "owner_nik" not in offered.answers and "email" not in offered.answers
    assert offered.answers["target_power_va"] == 2200
    rows = store._db.execute("SELECT answers FROM open_requests").fetchall()
    assert "3273011508850001" not in str(rows)


def test_offered_on_another_conversation_within_the_time_kept(store):
    store.keep(stopped())
    later = STOPPED + dt.timedelta(hours=2)
    offered = store.offered(BUDI, "voice:" + BUDI, later)
    assert offered.channel == "whatsapp" and offered.step == "stroom_awal_rp"
    assert offered.stopped_at == STOPPED
    assert store.offered(BUDI, f"whatsapp:{BUDI}", later) is None  # the same one goes on
    assert store.offered(pseudonym(KEY, "081299998888"), "voice:x", later) is None


def test_an_offer_too_old_is_gone(store):
    store.keep(stopped())
    assert store.offered(BUDI, "voice:" + BUDI, STOPPED + dt.timedelta(hours=24, minutes=1)) \
        is None
    assert store._db.execute("SELECT count(*) FROM open_requests").fetchone()[0] == 0


def test_the_time_kept_is_configurable(monkeypatch):
    monkeypatch.setenv("PLN_CONTINUE_HOURS", "2")
    requests = OpenRequests(":memory:")
    requests.keep(stopped())
    assert requests.offered(BUDI, "voice:x", STOPPED + dt.timedelta(hours=3)) is None
    requests.close_store()


def test_the_newest_stop_replaces_the_earlier_and_an_answered_offer_is_not_made_again(store):
    store.keep(stopped())
    store.keep(stopped(channel="voice", conversation_id="voice:" + BUDI, step="kecamatan",
                       stopped_at=STOPPED + dt.timedelta(hours=1)))
    offered = store.offered(BUDI, "telegram:4242", STOPPED + dt.timedelta(hours=2))
    assert (offered.channel, offered.step) == ("voice", "kecamatan")
    store.close(BUDI)
    assert store.offered(BUDI, "telegram:4242", STOPPED + dt.timedelta(hours=2)) is None


def test_only_a_pseudonymous_number_is_a_key(store):
    with pytest.raises(ValueError):
        store.keep(stopped(pseudonym="081234500101"))


def test_a_new_day_means_fees_and_checks_again():
    request = stopped(stopped_at=dt.datetime(2026, 11, 27, 23, 0, tzinfo=WIB))
    assert not needs_fresh_checks(request, dt.datetime(2026, 11, 27, 23, 50, tzinfo=WIB))
    assert needs_fresh_checks(request, dt.datetime(2026, 11, 28, 0, 10, tzinfo=WIB))


def test_the_old_request_is_closed_with_a_reason_either_way():
    assert "dilanjutkan" in closing_reason(True)
    assert "tidak dilanjutkan" in closing_reason(False)
