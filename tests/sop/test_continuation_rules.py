"""The rules of a request continued on another channel (bot.sop.continuation)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.conversation_settings import ContinuationSettings
from bot.pseudonyms import pseudonym
from bot.sop import continuation
from bot.sop.continuation import OpenRequest, OpenRequests
from bot.sop.perubahan_daya import PERUBAHAN_DAYA

WIB = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 11, 27, 11, 30, tzinfo=WIB)
KEY = b"test-key"
P1, P2 = pseudonym(KEY, "081234500101"), pseudonym(KEY, "081299998888")
ANSWERS = {"nik_ready": True, "customer_number": "532110000101", "target_power_va": 2200,
           "tariff_confirmed": True, "stroom_awal_rp": 50000, "proceed": True}


def request(ago: dt.timedelta = dt.timedelta(hours=2), question: str = "applicant_role",
            conversation: str = "whatsapp:p-aaa", channel: str = "whatsapp") -> OpenRequest:
    return OpenRequest(conversation, channel, question, ANSWERS, NOW - ago)


@pytest.mark.parametrize("channel, caller, verified", [
    ("whatsapp", "+6281234500101", True), ("telegram", "+6281234500101", True),
    ("voice", "+6281234500101", True), ("rest", "+6281234500101", False),
    (None, "+6281234500101", False), ("voice", None, False)])
def test_only_a_number_the_channel_verified_is_the_customers(channel, caller, verified):
    assert (continuation.verified_number(channel, caller) is not None) is verified


def test_the_offer_names_the_step_the_channel_and_the_time_as_people_say_them():
    said = continuation.offer(PERUBAHAN_DAYA, request(), NOW)
    assert said == {"conversation_id": "whatsapp:p-aaa", "sop_step": 12,
                    "step": "data pemilik", "channel": "WhatsApp", "ago": "2 jam yang lalu"}
    assert continuation.offer(PERUBAHAN_DAYA, request(channel="voice", question="target_power_va"),
                              NOW)["channel"] == "telepon 123"


STOPPED = dt.datetime(2026, 11, 27, 9, 0, tzinfo=WIB)


@pytest.mark.parametrize("later, said", [
    (dt.timedelta(seconds=20), "baru saja"), (dt.timedelta(minutes=1), "1 menit yang lalu"),
    (dt.timedelta(minutes=5, seconds=30), "5 menit yang lalu"),
    (dt.timedelta(minutes=59, seconds=59), "59 menit yang lalu"),
    (dt.timedelta(hours=2, minutes=10), "2 jam yang lalu"),
    (dt.timedelta(hours=14, minutes=59), "14 jam yang lalu"),  # 23:59 the same day
    (dt.timedelta(hours=15, minutes=30), "kemarin pukul 09.00"),  # 00:30 the next day
    (dt.timedelta(days=3), "3 hari yang lalu")])
def test_the_time_is_said_as_people_say_it(later, said):
    assert continuation.time_ago(STOPPED, STOPPED + later) == said


def test_the_offer_has_nothing_personal_and_names_the_step_as_people_read_it():
    said = continuation.offer(PERUBAHAN_DAYA, request(question="stroom_awal_rp"), NOW)
    assert said["step"] == "stroom awal"
    assert not set(map(str, ANSWERS.values())) & set(map(str, said.values()))
    phone = continuation.offer(PERUBAHAN_DAYA, request(dt.timedelta(minutes=40), "target_power_va",
                                                       channel="voice"), NOW)
    assert (phone["channel"], phone["step"], phone["ago"]) == (
        "telepon 123", "daya yang diinginkan", "40 menit yang lalu")


def test_the_old_request_is_closed_with_a_reason_either_way():
    assert "dilanjutkan" in continuation.close_reason(continuation.CONTINUED)
    assert "tidak dilanjutkan" in continuation.close_reason(continuation.DECLINED)


def test_only_a_pseudonymous_number_is_a_key():
    store = OpenRequests(":memory:")
    with pytest.raises(ValueError):
        store.keep_open("081234500101", request())
    store.shut()


def test_the_newest_stop_replaces_the_earlier_and_an_answered_offer_is_not_made_again():
    store = OpenRequests(":memory:")
    store.keep_open(P1, request(dt.timedelta(hours=3)))
    store.keep_open(P1, request(dt.timedelta(hours=1), "kecamatan", "voice:x", "voice"))
    kept = store.open_request(P1)
    assert (kept.channel, kept.question) == ("voice", "kecamatan")
    assert not continuation.offer_applies(store.open_request(P2), "telegram:4242", NOW, 24)
    store.close(P1)
    assert store.open_request(P1) is None
    store.shut()


def test_an_offer_is_made_within_the_kept_time_and_never_to_its_own_conversation():
    assert continuation.offer_applies(request(), "voice:p-aaa", NOW, 24)
    assert not continuation.offer_applies(request(), "whatsapp:p-aaa", NOW, 24)
    assert not continuation.offer_applies(request(dt.timedelta(hours=24, minutes=1)),
                                          "voice:p-aaa", NOW, 24)
    assert continuation.offer_applies(request(dt.timedelta(hours=30)), "voice:p-aaa", NOW, 48)
    assert not continuation.offer_applies(None, "voice:p-aaa", NOW, 24)


def test_only_the_answers_without_personal_data_are_carried_never_the_owners_nik():
    slots = {**ANSWERS, "owner_nik": "3273011508850001", "applicant_name": "Budi",
             "applicant_address": "Jl. Dago 1", "email": "budi@gmail.com",
             "mobile_phone": "081234500101", "caller_name": "Budi Santoso",
             "customer_address": "Jl. Dago 1", "applicant_role": "owner"}
    carried = continuation.carried_answers(PERUBAHAN_DAYA, slots)
    assert carried == {**ANSWERS, "applicant_role": "owner"}


def test_a_request_is_kept_once_its_customer_number_is_known_until_it_ends_or_is_saved():
    assert not continuation.worth_keeping(PERUBAHAN_DAYA, {"nik_ready": True})
    assert continuation.worth_keeping(PERUBAHAN_DAYA, ANSWERS)
    assert not continuation.worth_keeping(PERUBAHAN_DAYA, {**ANSWERS, "sop_ending": "saved"})
    assert not continuation.worth_keeping(PERUBAHAN_DAYA, {**ANSWERS, "data_confirmed": True})


def test_the_same_day_keeps_the_agreed_fees_another_day_quotes_them_again():
    same_day = continuation.answers_to_take(PERUBAHAN_DAYA, request(), NOW)
    assert same_day == ANSWERS
    yesterday = continuation.answers_to_take(PERUBAHAN_DAYA, request(dt.timedelta(hours=13)),
                                             NOW)
    assert "proceed" not in yesterday
    assert yesterday["target_power_va"] == 2200  # checked again by AP2T, not asked again


def test_the_day_is_the_clocks_not_utcs():
    late = dt.datetime(2026, 11, 27, 23, 50, tzinfo=WIB)
    assert not continuation.day_changed(late - dt.timedelta(hours=2), late)
    assert continuation.day_changed(late, late + dt.timedelta(minutes=20))
    eleven = dt.datetime(2026, 11, 27, 23, 0, tzinfo=WIB)
    assert not continuation.day_changed(eleven, eleven + dt.timedelta(minutes=50))
    assert continuation.day_changed(eleven, eleven + dt.timedelta(minutes=70))


def test_the_store_keeps_one_open_request_per_customer_and_forgets_old_ones(tmp_path):
    store = OpenRequests(tmp_path / "open.sqlite3", keep_hours=24)
    store.keep_open(P1, request(dt.timedelta(hours=30)))
    store.keep_open(P2, request(dt.timedelta(hours=1), conversation="voice:p-2"))
    assert store.open_request(P1) is None  # older than the kept time: deleted
    kept = store.open_request(P2)
    assert kept.conversation_id == "voice:p-2" and kept.answers == ANSWERS
    assert kept.updated_at == NOW - dt.timedelta(hours=1)
    store.close(P2, "whatsapp:p-other")  # another conversation's close: kept
    assert store.open_request(P2) is not None
    store.close(P2)
    assert store.open_request(P2) is None
    store.shut()


def test_the_store_holds_no_personal_data_in_clear(tmp_path):
    store = OpenRequests(tmp_path / "open.sqlite3")
    store.keep_open(P1, request())
    store.shut()
    raw = (tmp_path / "open.sqlite3").read_bytes() + b"".join(
        path.read_bytes() for path in tmp_path.glob("open.sqlite3-*"))
    for personal in (b"3273011508850001", b"081234500101", b"6281234500101", b"Budi"):
        assert personal not in raw


def test_the_kept_time_is_a_typed_setting_with_a_24_hour_default(tmp_path):
    assert ContinuationSettings.from_env({}).keep_hours == 24
    settings = ContinuationSettings.from_env({"PLN_CONTINUE_HOURS": "6",
                                              "PLN_DATA_DIR": str(tmp_path)})
    assert settings.keep_hours == 6
    assert settings.store_path == tmp_path / "open_requests.sqlite3"
    assert settings.pseudonym_key_path == tmp_path / "pseudonym.key"
    with pytest.raises(ValueError, match="PLN_CONTINUE_HOURS"):
        ContinuationSettings.from_env({"PLN_CONTINUE_HOURS": "0"})
