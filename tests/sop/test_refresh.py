"""What every message refreshes (bot.sop.refresh), and Rasa's own process filling it
(bot.rasa_runtime.conversation_slots) like the action does."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bot.conversation_settings import assistant_name, stack_clock
from bot.sop.perubahan_daya import PERUBAHAN_DAYA
from bot.sop.refresh import Caller, CallerUnknown, Message, refreshed

NINE_WIB = "2026-11-27T09:00:00+07:00"


class Crm:
    def __init__(self, known=None, broken=False):
        self.known = known or {}
        self.broken = broken
        self.asked: list[tuple[str, dt.datetime]] = []

    async def __call__(self, number, now):
        self.asked.append((number, now))
        if self.broken:
            raise ConnectionError("CRM down")
        if number not in self.known:
            raise CallerUnknown(number)
        return self.known[number]


def run(message, crm):
    return asyncio.run(refreshed(message, crm, stack_clock(), assistant_name(), PERUBAHAN_DAYA))


def test_a_known_caller_is_greeted_by_name_and_looked_up_once():
    crm = Crm({"081234500101": Caller("Budi Santoso", "Bapak")})
    first = run(Message({"caller_id": "+62 812-3450-0101", "now": NINE_WIB}, {}, {}), crm)
    assert first["caller_name"] == "Budi Santoso" and first["caller_display"] == "Bapak Budi Santoso"
    assert (first["day_part"], first["intimacy"]) == ("pagi", "beraktifitas")
    assert first["assistant_name"] == "Asisten Virtual PLN 123"
    assert crm.asked[0][1] == dt.datetime.fromisoformat(NINE_WIB)  # the conversation's clock
    again = run(Message({"caller_id": "081234500101", "now": NINE_WIB}, {}, first), crm)
    assert again == {} and len(crm.asked) == 1  # nothing changed, nobody asked


@pytest.mark.parametrize("crm", [Crm(), Crm(broken=True)])
def test_an_unknown_number_or_a_crm_down_gives_no_name(crm):
    slots = run(Message({"caller_id": "0217209999", "now": NINE_WIB}, {}, {}), crm)
    assert slots["caller_phone_kind"] == "pstn" and "caller_name" not in slots


def test_the_session_starts_caller_id_is_used_when_a_message_has_none():
    crm = Crm({"081234500101": Caller("Budi Santoso", "Bapak")})
    slots = run(Message({"now": NINE_WIB}, {"caller_id": "081234500101"}, {}), crm)
    assert slots["caller_name"] == "Budi Santoso"


def test_facts_are_noted_and_the_assistants_name_is_configured(monkeypatch):
    monkeypatch.setenv("PLN_ASSISTANT_NAME", "Sinta")
    slots = run(Message({"now": NINE_WIB}, {}, {}, [{"entity": "idpel", "value": "532110000101"}],
                        "request_power_change"), Crm())
    assert slots["noted_facts"] == {"customer_number": "532110000101"}
    assert slots["assistant_name"] == "Sinta"


def test_rasas_process_fills_the_same_slots_as_the_action():
    """The runtime's adapter reads a Rasa tracker into the same Message."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_runtime.conversation_slots import message_of

    domain = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))
    tracker = DialogueStateTracker.from_events("c", [
        ActionExecuted("action_listen"),
        UserUttered("idpel 532110000101", {"name": "inform"},
                    [{"entity": "idpel", "value": "532110000101", "start": 6, "end": 18}],
                    metadata={"caller_id": "081234500101", "now": NINE_WIB})], slots=domain.slots)
    message = message_of(tracker)
    assert message.metadata["caller_id"] == "081234500101" and message.intent == "inform"
    assert message.entities[0]["value"] == "532110000101" and message.requested is None
    slots = run(message, Crm())
    assert slots["noted_facts"] == {"customer_number": "532110000101"}


def test_a_caller_of_a_wit_unit_hears_the_time_of_day_of_the_unit():
    """12:30 WIT is 10:30 WIB: "siang" in Jayapura, not the configured zone's "pagi"."""
    crm = Crm({"081299900909": Caller("Rudi Wenda", "Bapak", "Asia/Jayapura")})
    slots = run(Message({"caller_id": "081299900909", "now": "2026-11-27T10:30:00+07:00"},
                        {}, {}), crm)
    assert (slots["unit_timezone"], slots["day_part"]) == ("Asia/Jayapura", "siang")


def test_the_unit_known_from_the_idpel_sets_the_zone_and_before_it_the_configured_one():
    crm = Crm()
    message = {"now": "2026-11-27T14:30:00+07:00"}  # 15:30 WITA
    assert run(Message(message, {}, {}), crm)["day_part"] == "siang"
    later = run(Message(message, {}, {"unit_timezone": "Asia/Makassar", "day_part": "siang"}),
                crm)
    assert later["day_part"] == "sore"
    odd = run(Message(message, {}, {"unit_timezone": "Mars/Olympus"}), crm)
    assert odd["day_part"] == "siang"  # an unknown zone name: the configured zone
