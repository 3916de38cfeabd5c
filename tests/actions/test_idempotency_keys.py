"""The keys that make a ticket or a registration saved once (actions.endings): the same
message saves once however often its action runs, and a later request in a conversation
whose id never changes (WhatsApp, the phone) is a request of its own, not the old one."""

from __future__ import annotations

from conftest import make_tracker

from actions.endings import idempotency_key


def message(message_id: str, sender_id: str = "whatsapp:p-0123456789abcdef01234567"):
    tracker = make_tracker(text="mau bicara dengan petugas", sender_id=sender_id)
    tracker.latest_message["message_id"] = message_id
    return tracker


def test_the_same_message_gives_the_same_key_however_often_its_action_runs():
    first, again = message("wamid.A"), message("wamid.A")
    assert idempotency_key(first, "ticket", "handoff", "customer_asked", 4) == \
        idempotency_key(again, "ticket", "handoff", "customer_asked", 4)


def test_a_later_hand_over_at_the_same_step_is_a_ticket_of_its_own():
    earlier, later = message("wamid.A"), message("wamid.B")
    assert idempotency_key(earlier, "ticket", "handoff", "customer_asked", 4) != \
        idempotency_key(later, "ticket", "handoff", "customer_asked", 4)


def test_a_later_registration_of_the_same_power_is_a_registration_of_its_own():
    earlier, later = message("wamid.A"), message("wamid.B")
    assert idempotency_key(earlier, "registration", "532110000101", 2200) != \
        idempotency_key(later, "registration", "532110000101", 2200)


def test_conversations_never_share_a_key():
    mine, theirs = message("m-1", "rest:a"), message("m-1", "rest:b")
    assert idempotency_key(mine, "ticket", "handoff", "customer_asked", 4) != \
        idempotency_key(theirs, "ticket", "handoff", "customer_asked", 4)
