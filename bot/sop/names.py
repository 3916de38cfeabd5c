"""The names every layer shares: the Rasa forms and the slots the engine reads and writes
(``domain.yml`` declares them; the actions, the runtime and the console use these)."""

from __future__ import annotations

# Forms
PERUBAHAN_DAYA_FORM = "perubahan_daya_form"
CLOSING_FORM = "closing_form"

# The question the active form asks
REQUESTED_SLOT = "requested_slot"

# How the request ended (``bot.sop.outcomes.Outcome``)
SOP_ENDING = "sop_ending"
SOP_REASON = "sop_reason"
SOP_STEP = "sop_step"
HANDOFF_REASON = "handoff_reason"
OUTCOME_DETAILS = "outcome_details"
OUTCOME_SLOTS = (SOP_ENDING, SOP_REASON, SOP_STEP, HANDOFF_REASON, OUTCOME_DETAILS)
