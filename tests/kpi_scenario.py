"""Nine requests over two days (and one the day before) with known endings, recorded with a
fixed clock: what the figures' tests and the supervisor page's tests assert against.

| request | day | channel | unit | what happens |
|---|---|---|---|---|
| r1 | 1 | telegram | 53211 | steps 1-15, saved, paid in time, e-mail sent; 3 turns |
| r2 | 1 | whatsapp | 53211 | steps 1-4, Issued Closed (arrears); one failed answer at 4 |
| r3 | 1 | voice | 53212 | steps 1-5, hand-over (customer asked, T3) taken after 15 s, handed back
  after 300 s at 13, steps 13-15, saved, reminded (one failed), paid late; e-mail failed
  then sent; 2 turns |
| r4 | 1 | voice | 53212 | steps 1-3, the call dropped |
| r5 | 1 | telegram | 53211 | the customer of r1 again an hour later: steps 1-2, hand-over
  (two failed answers, T5) taken after 45 s, closed by the CSO (Issued Closed) 600 s later |
| r6 | 1 | whatsapp | 53212 | steps 1-8, hand-over (back office down, T6), never taken: swept |
| r7 | 1 | rest | - | steps 1-6, two failed answers at 6, a failed action call, a turn: swept |
| r8 | 2 | telegram | 53211 | steps 1-3, Issued Closed (not ready) |
| r9 | 2 | telegram | 53211 | steps 1-5, hand-over (other SOP, T9) taken after 30 s, held |
| r0 | 0 | telegram | 53211 | steps 1-2, Issued Closed (declined): before the range |
"""

from __future__ import annotations

import datetime as dt

from bot.kpi import ClosedReason, HandoverReason, Kind, KpiStore, Outcome

WIB = dt.timezone(dt.timedelta(hours=7))
DAY0, DAY1, DAY2 = dt.date(2026, 11, 30), dt.date(2026, 12, 1), dt.date(2026, 12, 2)
T1 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=WIB).timestamp()
T2 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=WIB).timestamp()
T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=WIB).timestamp()
DAY_S, EXPIRY_S = 86400.0, 3600.0
SWEEP_AT = dt.datetime(2026, 12, 2, 18, 0, tzinfo=WIB).timestamp()


def start(store: KpiStore, request: str, at: float, channel: str, unit: str | None,
          customer: str, steps: range | list[int]) -> float:
    """The request started at ``at`` and reached ``steps``, one every 10 s; the time of
    the last step."""
    store.record(Kind.STARTED, request, at, channel=channel, customer=customer, unit=unit)
    for index, step in enumerate(steps):
        at_step = at + 10 * index
        store.record(Kind.STEP_REACHED, request, at_step, step=step)
    return at + 10 * (len(steps) - 1)


def play(store: KpiStore) -> None:
    # r1: saved, paid within its validity
    last = start(store, "r1", T1, "telegram", "53211", "telegram:1001", range(1, 16))
    store.record(Kind.ENDED, "r1", last + 10, step=15, reason=Outcome.SAVED,
                 value=last + 30 * DAY_S)
    store.record(Kind.MAIL_SENT, "r1", last + 20)
    store.record(Kind.PAID, "r1", T1 + 2 * DAY_S)
    for n, latency in enumerate((800, 1200, 1000)):
        store.record(Kind.TURN, "r1", T1 + n, value=latency)

    # r2: Issued Closed for arrears
    last = start(store, "r2", T1 + 60, "whatsapp", "53211", "whatsapp:p-b", range(1, 5))
    store.record(Kind.NOT_UNDERSTOOD, "r2", last, step=4)
    store.record(Kind.ENDED, "r2", last + 5, step=4, reason=Outcome.ISSUED_CLOSED,
                 detail=ClosedReason.ARREARS)

    # r3: handed over, taken in 15 s, handed back, saved, paid after its validity
    last = start(store, "r3", T1 + 120, "voice", "53212", "voice:p-c", range(1, 6))
    store.record(Kind.HANDED_OVER, "r3", last + 10, step=5,
                 reason=HandoverReason.CUSTOMER_ASKED, ticket="T3")
    store.record_case(Kind.TAKEN, "T3", last + 25)
    store.record_case(Kind.HANDED_BACK, "T3", last + 325, step=13)
    for index, step in enumerate((13, 14, 15)):
        store.record(Kind.STEP_REACHED, "r3", last + 330 + 10 * index, step=step)
    again = last + 350
    store.record(Kind.ENDED, "r3", again + 10, step=15, reason=Outcome.SAVED,
                 value=again + DAY_S)
    store.record(Kind.MAIL_FAILED, "r3", again + 20)
    store.record(Kind.MAIL_SENT, "r3", again + 80)
    store.record(Kind.REMINDER_FAILED, "r3", again + 1.5 * DAY_S)
    store.record(Kind.REMINDER_SENT, "r3", again + 2 * DAY_S)
    store.record(Kind.PAID, "r3", again + 3 * DAY_S)
    store.record(Kind.TURN, "r3", T1 + 121, value=500)
    store.record(Kind.TURN, "r3", T1 + 122, value=3000)

    # r4: the call dropped at step 3
    last = start(store, "r4", T1 + 180, "voice", "53212", "voice:p-d", range(1, 4))
    store.record(Kind.ENDED, "r4", last + 3, step=3, reason=Outcome.DROPPED_CALL)

    # r5: r1's customer again within the hour: handed over, taken in 45 s, closed by the CSO
    last = start(store, "r5", T1 + 3600, "telegram", "53211", "telegram:1001", range(1, 3))
    store.record(Kind.HANDED_OVER, "r5", last + 10, step=2,
                 reason=HandoverReason.TWO_FAILED_ANSWERS, ticket="T5")
    store.record_case(Kind.TAKEN, "T5", last + 55)
    store.record_case(Kind.CLOSED, "T5", last + 655, reason="issued_closed")

    # r6: handed over at step 8, never taken; the sweep ends it
    last = start(store, "r6", T1 + 240, "whatsapp", "53212", "whatsapp:p-e", range(1, 9))
    store.record(Kind.HANDED_OVER, "r6", last + 10, step=8,
                 reason=HandoverReason.BACKOFFICE_DOWN, ticket="T6")

    # r7: silent at step 6 after two failed answers there
    last = start(store, "r7", T1 + 300, "rest", None, "rest:demo-7", range(1, 7))
    store.record(Kind.NOT_UNDERSTOOD, "r7", last + 1, step=6)
    store.record(Kind.NOT_UNDERSTOOD, "r7", last + 2, step=6)
    store.record(Kind.ACTION_FAILED, "r7", last + 3, detail="action_check_power")
    store.record(Kind.TURN, "r7", last + 4, value=2000)

    # day 2 --------------------------------------------------------------------------------
    last = start(store, "r8", T2, "telegram", "53211", "telegram:1008", range(1, 4))
    store.record(Kind.ENDED, "r8", last + 5, step=3, reason=Outcome.ISSUED_CLOSED,
                 detail=ClosedReason.NOT_READY)
    last = start(store, "r9", T2 + 60, "telegram", "53211", "telegram:1009", range(1, 6))
    store.record(Kind.HANDED_OVER, "r9", last + 10, step=5,
                 reason=HandoverReason.OTHER_SOP, ticket="T9")
    store.record_case(Kind.TAKEN, "T9", last + 40)

    # the day before the range
    last = start(store, "r0", T0, "telegram", "53211", "telegram:1000", range(1, 3))
    store.record(Kind.ENDED, "r0", last + 5, step=2, reason=Outcome.ISSUED_CLOSED,
                 detail=ClosedReason.DECLINED)


def played(store: KpiStore) -> list[str]:
    """The scenario and then the sweep; the requests the sweep marked."""
    play(store)
    return store.mark_abandoned(SWEEP_AT, EXPIRY_S)
