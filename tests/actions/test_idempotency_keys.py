"""The keys that make a ticket or a registration saved once (actions.endings): the same
message saves once however often its action runs; a later hand-over in a conversation
whose id never changes (WhatsApp, the phone) is a ticket of its own; the same change of
power asked again the same day is the registration already made, another day a new one."""

from __future__ import annotations

from conftest import make_tracker

from actions.endings import registration_key, ticket_key

WHATSAPP = "whatsapp:p-0123456789abcdef01234567"


def message(message_id: str, now: str = "2026-11-27T09:00:00+07:00",
            sender_id: str = WHATSAPP):
    tracker = make_tracker(text="mau bicara dengan petugas", sender_id=sender_id,
                           metadata={"now": now})
    tracker.latest_message["message_id"] = message_id
    return tracker


def test_the_same_message_gives_the_same_ticket_however_often_its_action_runs():
    assert ticket_key(message("wamid.A"), "handoff", "customer_asked", 4) == \
        ticket_key(message("wamid.A"), "handoff", "customer_asked", 4)


def test_a_later_hand_over_at_the_same_step_is_a_ticket_of_its_own():
    assert ticket_key(message("wamid.A"), "handoff", "customer_asked", 4) != \
        ticket_key(message("wamid.B"), "handoff", "customer_asked", 4)


def test_the_same_change_asked_again_the_same_day_is_the_registration_made():
    morning = message("wamid.A", "2026-11-27T09:00:00+07:00")
    afternoon = message("wamid.B", "2026-11-27T15:00:00+07:00")
    assert registration_key(morning, "532110000101", 2200) == \
        registration_key(afternoon, "532110000101", 2200)


def test_the_same_change_asked_another_day_is_a_registration_of_its_own():
    earlier = message("wamid.A", "2026-11-27T09:00:00+07:00")
    weeks_later = message("wamid.B", "2026-12-18T09:00:00+07:00")
    assert registration_key(earlier, "532110000101", 2200) != \
        registration_key(weeks_later, "532110000101", 2200)


def test_conversations_never_share_a_key():
    assert ticket_key(message("m-1", sender_id="rest:a"), "handoff", "customer_asked", 4) != \
        ticket_key(message("m-1", sender_id="rest:b"), "handoff", "customer_asked", 4)
