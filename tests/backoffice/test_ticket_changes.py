"""``/apkt/tickets/changes``: the tickets recorded after a cursor, for the console's queue
(which reads what changed every second instead of every ticket)."""

from __future__ import annotations

from bot.backoffice.client import BackofficeClient
from bot.backoffice.schemas import TicketChanges, TicketRequest


def ticket(number: int, kind: str = "cso_handoff") -> dict:
    return {"kind": kind, "reason": f"alasan {number}", "sop_step": 5,
            "conversation_id": f"rest:c-{number}"}


def test_only_the_tickets_after_the_cursor_are_read(api):
    assert api.get("/apkt/tickets/changes").json() == {"cursor": 0, "last": 0, "tickets": []}
    for number in range(3):
        assert api.post("/apkt/tickets", json=ticket(number)).status_code == 201
    first = TicketChanges.parse_obj(api.get("/apkt/tickets/changes",
                                            params={"after": 0, "limit": 2}).json())
    assert [t.reason for t in first.tickets] == ["alasan 0", "alasan 1"]
    assert first.cursor < first.last
    rest = TicketChanges.parse_obj(api.get("/apkt/tickets/changes",
                                           params={"after": first.cursor}).json())
    assert [t.reason for t in rest.tickets] == ["alasan 2"] and rest.cursor == rest.last
    nothing = api.get("/apkt/tickets/changes", params={"after": rest.cursor}).json()
    assert nothing == {"cursor": rest.cursor, "last": rest.last, "tickets": []}
    assert api.get("/apkt/tickets/changes", params={"after": -1}).status_code == 422


def test_the_client_reads_the_changes(server):
    with BackofficeClient(server.url) as client:
        client.create_ticket(TicketRequest.parse_obj(ticket(7)))
        changes = client.ticket_changes(0)
    assert [t.reason for t in changes.tickets] == ["alasan 7"]
