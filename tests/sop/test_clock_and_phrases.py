import datetime as dt

import pytest

from bot import conversation_settings
from bot.conversation_settings import assistant_name, stack_clock
from bot.sop import clock
from bot.sop.phrases import DayPart, Intimacy, day_part, intimacy


@pytest.mark.parametrize("hhmm, expected", [
    ("04:00", DayPart.PAGI), ("03:59", DayPart.MALAM), ("10:59", DayPart.PAGI),
    ("11:00", DayPart.SIANG), ("14:59", DayPart.SIANG), ("15:00", DayPart.SORE),
    ("17:59", DayPart.SORE), ("18:00", DayPart.MALAM), ("23:59", DayPart.MALAM),
    ("00:00", DayPart.MALAM),
])
def test_day_part_boundaries_of_step_1(hhmm, expected):
    assert day_part(dt.time.fromisoformat(hhmm)) == expected


@pytest.mark.parametrize("hhmm, expected", [
    ("06:59", Intimacy.SEHAT), ("07:00", Intimacy.BERAKTIFITAS), ("14:59", Intimacy.BERAKTIFITAS),
    ("15:00", Intimacy.SEHAT), ("18:59", Intimacy.SEHAT), ("19:00", Intimacy.BERISTIRAHAT),
    ("03:59", Intimacy.BERISTIRAHAT), ("04:00", Intimacy.SEHAT), ("00:30", Intimacy.BERISTIRAHAT),
])
def test_intimacy_boundaries_of_step_22(hhmm, expected):
    assert intimacy(dt.time.fromisoformat(hhmm)) == expected


def test_message_time_wins_and_is_read_in_the_configured_zone(monkeypatch):
    monkeypatch.setenv("PLN_NOW", "2026-11-27T20:00:00+07:00")
    moment = stack_clock().now("2026-11-27T02:30:00+00:00")  # 09:30 WIB
    assert (moment.hour, moment.minute) == (9, 30)
    assert moment.utcoffset() == dt.timedelta(hours=7)
    assert day_part(moment) == DayPart.PAGI


def test_stack_clock_from_env_and_bad_message_time_falls_back(monkeypatch):
    monkeypatch.setenv("PLN_NOW", "2026-11-27T20:00:00+07:00")
    assert stack_clock().now("kemarin sore").hour == 20
    assert stack_clock().now().hour == 20


def test_naive_time_is_taken_in_the_configured_zone(monkeypatch):
    monkeypatch.setenv("PLN_TIMEZONE", "Asia/Jayapura")
    moment = stack_clock().parse_time("2026-11-27T08:00:00")
    assert moment.utcoffset() == dt.timedelta(hours=9)


def test_bad_configuration_is_an_error_that_says_what(monkeypatch):
    monkeypatch.setenv("PLN_NOW", "not a time")
    with pytest.raises(clock.ClockError, match="not an ISO 8601 time"):
        stack_clock().now()
    monkeypatch.setenv("PLN_TIMEZONE", "Mars/Olympus")
    with pytest.raises(clock.ClockError, match="Mars/Olympus"):
        stack_clock()


def test_the_settings_are_read_once_per_process_until_reset(monkeypatch):
    monkeypatch.setenv("PLN_NOW", "2026-11-27T20:00:00+07:00")
    monkeypatch.setenv("PLN_ASSISTANT_NAME", "Sinta")
    assert stack_clock().now().hour == 20 and assistant_name() == "Sinta"
    monkeypatch.setenv("PLN_NOW", "2026-11-27T08:00:00+07:00")
    monkeypatch.setenv("PLN_ASSISTANT_NAME", "Ratna")
    assert stack_clock().now().hour == 20 and assistant_name() == "Sinta"  # read at start
    conversation_settings.reset()
    assert stack_clock().now().hour == 8 and assistant_name() == "Ratna"


def test_real_time_when_nothing_is_fixed(monkeypatch):
    monkeypatch.delenv("PLN_NOW", raising=False)
    before = dt.datetime.now(dt.timezone.utc)
    assert abs((stack_clock().now() - before).total_seconds()) < 5


def test_the_sops_clock_is_given_not_read_from_the_process():
    fixed = clock.Clock(fixed=dt.datetime(2026, 11, 27, 13, 0, tzinfo=dt.timezone.utc))
    assert fixed.now().hour == 20  # read in Asia/Jakarta
    assert fixed.now("2026-11-27T02:30:00+00:00").hour == 20  # a message's claim unbelieved
    trusting = clock.Clock(fixed=fixed.fixed, trusts_message_time=True)
    assert trusting.now("2026-11-27T02:30:00+00:00").hour == 9
