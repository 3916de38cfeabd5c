"""What the notifier counts: e-mails and payment reminders, by outcome."""

from __future__ import annotations

from prometheus_client import Counter

EMAILS = Counter("pln_emails", "E-mails (summaries, information) by outcome: sent, or "
                 "failed (given up after every retry)", ["outcome"])
REMINDERS = Counter("pln_reminders", "Payment reminders by outcome: sent, failed, or "
                    "no_channel (the customer cannot be reached on any channel)", ["outcome"])
