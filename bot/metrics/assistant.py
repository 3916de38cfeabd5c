"""What the Rasa process counts: the customers' turns and the action server's failures."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# A turn: one customer message through Rasa, from the conversation's lock to the replies.
TURN_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0)

TURNS = Counter("pln_turns", "Customer messages the assistant handled (turns), by channel",
                ["channel"])
TURN_SECONDS = Histogram("pln_turn_duration_seconds",
                         "Time the assistant took to answer a customer message, by channel",
                         ["channel"], buckets=TURN_SECONDS_BUCKETS)
TURN_FAILURES = Counter("pln_turn_failures",
                        "Turns that ended in an error (the customer was told to try again)",
                        ["channel"])
ACTION_CALL_FAILURES = Counter(
    "pln_action_call_failures",
    "Action-server calls that failed after the retry (the customer was told, a CSO "
    "ticket recorded), by action", ["action"])
