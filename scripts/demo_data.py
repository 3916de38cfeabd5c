"""Demo data: a few hundred synthetic conversations played through the real stack, so that
a fresh clone shows a full supervisor dashboard (``make demo-data``, then ``make run``).

The stack (simulator, action server, notifier, console, Rasa) is started on free loopback
ports with its data in ``--data-dir`` (default ``var/``, the folder ``make run`` serves),
Telegram and WhatsApp talking to local fakes of their APIs, the phone channel behind
Twilio's signatures. Each conversation is one of the e2e conversation scripts
(``tests/e2e/scripts``), chosen for its outcome, played on one channel:

* REST at its own conversation clock (``metadata.now``), spread over the ``--days`` days
  before ``--until`` and over the day's hours;
* Telegram (its own chat, the customer's contact shared first) and WhatsApp (the
  customer's number) at the stack's clock;
* the phone: calls answered question by question (``voice_caller``), or silent.

Afterwards a CSO (an account made with ``python -m bot.console add-user``) takes some
hand-overs in the console's HTTP API, closes some and hands one back, and some saved
registrations are paid (the simulator's payment endpoint).

Deterministic with ``--seed``: the same plan (scripts, channels, times) every run. A summary
of the outcomes by channel is printed; the exit status is 1 when any conversation did not
end as planned (its tickets and registrations in the simulator).

    .venv/bin/python scripts/demo_data.py [--conversations 300] [--concurrency 8]
        [--seed 123] [--days 7] [--until 2026-12-07] [--data-dir var]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests"), str(REPO_ROOT / "tests" / "e2e")]

import e2e_support  # noqa: E402  (tests/e2e: the e2e stack launcher, reused)
import fake_graph  # noqa: E402
import voice_caller  # noqa: E402
from conversation_harness import (  # noqa: E402
    SCRIPTS_DIR,
    Script,
    load_script,
    simulator_registrations,
    simulator_tickets,
)
from fake_telegram import FakeTelegram, contact_update, message_update  # noqa: E402

from bot.untrusted import path_segment  # noqa: E402

ZONE = ZoneInfo("Asia/Jakarta")
CHANNELS = ("rest", "telegram", "whatsapp", "voice")
# outcome -> the e2e scripts that end that way (their `after` says how); the weights are
# how often each outcome is played
OUTCOMES: dict[str, tuple[int, tuple[str, ...]]] = {
    "saved": (30, ("budi_happy_path_prepaid.yml", "dewi_to_6600_new_mobile.yml",
                   "toko_b1_to_4400_usaha.yml", "rudi_to_6600_25_days.yml")),
    "not_ready": (8, ("idpel_not_ready_issued_closed.yml", "nik_not_ready_issued_closed.yml")),
    "arrears": (7, ("agus_arrears_issued_closed.yml",)),
    "declined": (8, ("decline_owner_gives_email_issued_closed.yml",
                     "decline_not_owner_issued_closed.yml")),
    "unknown_idpel": (5, ("unknown_idpel_three_times_issued_closed.yml",)),
    "mbl": (5, ("yusuf_ap2t_alternative_declined_mbl.yml",)),
    "handover_asked": (8, ("handoff_asked_mid_form.yml",)),
    "two_failed": (5, ("two_failed_attempts_handoff.yml",)),
    "other_sop": (7, ("change_of_use_not_this_sop.yml", "sri_dtks_450_to_900_handoff.yml")),
    "abandoned": (7, ("budi_happy_path_prepaid.yml",)),
}
VOICE_OUTCOMES = {"saved": 3, "not_ready": 2, "silence": 2}
# On WhatsApp a customer's number is one conversation, and the back office answers the same
# request of the same conversation with the same ticket or registration (the assistant's
# idempotency keys): there each customer plays once a run, and no outcome that leaves the
# conversation open (paused for a CSO, or midway); those are played on Telegram instead.
OPEN_ENDED = ("handover_asked", "two_failed", "other_sop", "abandoned")
CHANNEL_WEIGHTS = {"rest": 55, "telegram": 20, "whatsapp": 15, "voice": 10}
ABANDONED_AFTER = (3, 5, 8)  # the turns an abandoned conversation stops after
TURN_SECONDS = 25  # a REST turn's clock advances this much
HOURS = [7, 8, 9, 9, 10, 10, 11, 11, 13, 13, 14, 14, 15, 16, 16, 19, 20, 22]
CSO_NAME = "demo-cso"  # its password: a new random one each run, printed at the end


@dataclass
class Plan:
    number: int
    channel: str
    outcome: str
    script: str | None  # the e2e script's file name (None: a voice call by its answers)
    now: dt.datetime | None  # REST: the conversation's clock
    stop_after: int | None = None  # abandoned: the turns played


@dataclass
class Played:
    plan: Plan
    conversation: str = ""
    problems: list[str] = field(default_factory=list)
    registrations: list[str] = field(default_factory=list)


# --- the plan ---------------------------------------------------------------------------


def make_plans(count: int, seed: int, until: dt.date, days: int) -> list[Plan]:
    """``count`` conversations, the same for the same arguments."""
    rng = random.Random(seed)
    channels = [name for name, weight in CHANNEL_WEIGHTS.items() for _ in range(weight)]
    outcomes = [name for name, (weight, _) in OUTCOMES.items() for _ in range(weight)]
    voice = [name for name, weight in VOICE_OUTCOMES.items() for _ in range(weight)]
    plans, on_whatsapp = [], set()
    for number in range(count):
        # the first conversations cover every channel, whatever N
        channel = CHANNELS[number] if number < len(CHANNELS) else rng.choice(channels)
        if channel == "voice":
            plans.append(Plan(number, channel, rng.choice(voice), None, None))
            continue
        # and the first ones every outcome
        outcome = list(OUTCOMES)[number] if number < len(OUTCOMES) else rng.choice(outcomes)
        script = rng.choice(OUTCOMES[outcome][1])
        caller = load_script(SCRIPTS_DIR / script).metadata.get("caller_id")
        if channel == "whatsapp" and (outcome in OPEN_ENDED or caller in on_whatsapp):
            channel = "telegram"
        if channel == "whatsapp":
            on_whatsapp.add(caller)
        day = until - dt.timedelta(days=rng.randrange(days))
        now = dt.datetime.combine(day, dt.time(rng.choice(HOURS), rng.randrange(60)),
                                  ZONE) if channel == "rest" else None
        stop = rng.choice(ABANDONED_AFTER) if outcome == "abandoned" else None
        plans.append(Plan(number, channel, outcome, script, now, stop))
    return plans


# --- what the simulator holds for a conversation -----------------------------------------


@dataclass
class Backoffice:
    client: httpx.Client
    endpoints: object

    def state(self, conversation: str) -> tuple[list[dict], list[dict]]:
        return (simulator_tickets(self.client, self.endpoints, conversation),
                simulator_registrations(self.client, self.endpoints, conversation))


def expected_changes(plan: Plan, script: Script | None) -> tuple[list[str], int]:
    """(the ticket kinds, the registrations) the conversation must add."""
    if plan.outcome == "abandoned":
        return [], 0
    if script is None:  # a voice call
        return {"saved": ([], 1), "not_ready": (["issued_closed"], 0),
                "silence": (["cso_handoff"], 0)}[plan.outcome]
    after = script.after
    kinds = sorted(t.kind.value for t in after.tickets) if after else []
    return kinds, 1 if after and after.registration and after.registration.value == "saved" else 0


def check(played: Played, before: tuple[list, list], after: tuple[list, list],
          script: Script | None) -> None:
    kinds, saved = expected_changes(played.plan, script)
    if played.plan.channel == "whatsapp" and (before[0] or before[1]):
        check_again(played, after, kinds, saved)  # an earlier run's number
        return
    seen = {t["ticket_number"] for t in before[0]}
    new_kinds = sorted(t["kind"] for t in after[0] if t["ticket_number"] not in seen)
    known = {r["registration_number"] for r in before[1]}
    new_regs = [r["registration_number"] for r in after[1]
                if r["registration_number"] not in known]
    played.registrations = new_regs
    if new_kinds != kinds:
        played.problems.append(f"tickets {new_kinds}, planned {kinds}")
    if len(new_regs) != saved:
        played.problems.append(f"{len(new_regs)} registration(s), planned {saved}")


def check_again(played: Played, after: tuple[list, list], kinds: list[str], saved: int) -> None:
    """A number an earlier run on this data folder used: the same request got the same
    ticket or registration again, so what it must hold, not what was added."""
    held = collections.Counter(t["kind"] for t in after[0])
    if collections.Counter(kinds) - held:
        played.problems.append(f"tickets {sorted(held.elements())}, planned {kinds} among them")
    if len(after[1]) < saved:
        played.problems.append(f"{len(after[1])} registration(s), planned {saved} among them")


# --- the channels -------------------------------------------------------------------------


def wait_quiet(count, before: int) -> None:
    """Until a turn's replies are all out: the fake's count, ``before`` when the message
    was posted, has grown and stops growing."""
    deadline = time.monotonic() + 120
    while count() == before and time.monotonic() < deadline:
        time.sleep(0.2)
    last = -1
    while last != count():
        last = count()
        time.sleep(0.4)


@dataclass
class Demo:
    stack: object
    client: httpx.Client
    telegram: FakeTelegram
    whatsapp: fake_graph.FakeGraph
    run_id: str
    number_locks: dict[str, threading.Lock] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)

    @property
    def rasa(self) -> str:
        return f"http://{self.stack.env['PLN_HOST']}:{self.stack.env['PLN_RASA_PORT']}"

    def lock_for(self, key: str) -> threading.Lock:
        with self.guard:
            return self.number_locks.setdefault(key, threading.Lock())

    def play(self, plan: Plan) -> Played:
        played = Played(plan)
        script = load_script(SCRIPTS_DIR / plan.script) if plan.script else None
        caller = script.metadata.get("caller_id") if script else self.phone_number(plan)
        # one customer number is one conversation on WhatsApp and the phone: one at a time
        key = f"{plan.channel}:{caller}" if plan.channel in ("whatsapp", "voice") else str(plan)
        with self.lock_for(key):
            played.conversation = self.conversation_of(plan, caller)
            backoffice = Backoffice(self.client, self.stack.endpoints)
            try:
                before = backoffice.state(played.conversation)
                texts = [t.user for t in script.turns][:plan.stop_after] if script else []
                getattr(self, f"play_{plan.channel}")(plan, caller, texts)
                check(played, before, backoffice.state(played.conversation), script)
                if played.problems and plan.channel == "whatsapp":
                    played.problems.append(f"last: {self.whatsapp.texts(wa_id(caller))[-3:]}")
            except (httpx.HTTPError, AssertionError, ValueError, KeyError) as error:
                played.problems.append(f"{type(error).__name__}: {error}")
        return played

    def conversation_of(self, plan: Plan, caller: str) -> str:
        if plan.channel == "rest":
            return f"rest:demo-{self.run_id}-{plan.number}"
        if plan.channel == "telegram":
            return f"telegram:{self.chat_id(plan)}"
        return e2e_support.conversation_of(self.stack.env, plan.channel,
                                           wa_id(caller) if plan.channel == "whatsapp" else caller)

    def phone_number(self, plan: Plan) -> str:
        """A caller unknown to the CRM, a new one for each call (a call that ends with a
        hand-over leaves its number's conversation paused for a CSO)."""
        return f"089{int(self.run_id, 16) % 100_000:05d}{plan.number:04d}"

    def chat_id(self, plan: Plan) -> int:
        return 900_000_000 + int(self.run_id, 16) % 1_000_000 * 1000 + plan.number

    def play_rest(self, plan: Plan, caller: str, texts: list[str]) -> None:
        sender = f"demo-{self.run_id}-{plan.number}"
        for turn, text in enumerate(texts):
            now = plan.now + dt.timedelta(seconds=TURN_SECONDS * turn)
            response = self.client.post(f"{self.rasa}/webhooks/rest/webhook", json={
                "sender": sender, "message": text,
                "metadata": {"caller_id": caller, "now": now.isoformat()}})
            response.raise_for_status()

    def play_telegram(self, plan: Plan, caller: str, texts: list[str]) -> None:
        chat = self.chat_id(plan)
        url = f"{self.rasa}/webhooks/telegram/webhook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": e2e_support.TELEGRAM_SECRET}
        updates = [message_update(chat, "/start"),
                   contact_update(chat, caller, contact_user_id=chat),
                   *(message_update(chat, text) for text in texts)]
        for update in updates:
            count = lambda: len(self.telegram.sent("sendMessage", chat))  # noqa: E731
            before = count()
            response = self.client.post(url, json=update, headers=headers)
            response.raise_for_status()
            wait_quiet(count, before)

    def restart(self, conversation: str) -> None:
        """A customer's number is one conversation on WhatsApp, and its slots outlive a
        session: each demo conversation starts afresh, as after a CSO closes a case (a
        restart event in Rasa's HTTP API)."""
        response = self.client.post(
            f"{self.rasa}/conversations/{path_segment(conversation)}/tracker/events",
            params={"token": self.stack.env["PLN_RASA_TOKEN"]}, json={"event": "restart"})
        response.raise_for_status()

    def play_whatsapp(self, plan: Plan, caller: str, texts: list[str]) -> None:
        sender = wa_id(caller)
        self.restart(e2e_support.conversation_of(self.stack.env, "whatsapp", sender))
        url = f"{self.rasa}/webhooks/whatsapp/webhook"
        for text in texts:
            raw = fake_graph.as_bytes(fake_graph.message(sender, text=text))
            count = lambda: len(self.whatsapp.sent(sender))  # noqa: E731
            before = count()
            response = self.client.post(url, content=raw, headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": fake_graph.sign(raw)})
            response.raise_for_status()
            wait_quiet(count, before)

    def play_voice(self, plan: Plan, caller: str, texts: list[str]) -> None:
        call = voice_caller.Caller(self.stack.env, self.client, caller)
        if plan.outcome == "silence":
            heard = call.dial()
            while heard.gather is not None:
                heard = call.silence()
            call.hang_up()
            return
        answers = dict(voice_caller.BUDI_ANSWERS)
        if plan.outcome == "not_ready":
            answers["nik_ready"] = ("key", "2")
        voice_caller.play(call, answers)


def wa_id(phone: str) -> str:
    """WhatsApp's number: international, without the plus."""
    return "62" + phone[1:] if phone.startswith("0") else phone


# --- the CSO and the payments ----------------------------------------------------------


def make_cso(env: dict[str, str], password: str) -> None:
    """The CSO account, the password on standard input (never on a command line)."""
    done = subprocess.run([sys.executable, "-m", "bot.console", "add-user", CSO_NAME],
                          input=password + "\n", env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"add-user failed: {done.stderr}")


def cso_session(env: dict[str, str], password: str) -> tuple[httpx.Client, str]:
    """A signed-in console client and its CSRF token."""
    base = f"http://{env['PLN_HOST']}:{env['PLN_CONSOLE_PORT']}"
    client = httpx.Client(base_url=base, timeout=60, trust_env=False)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf": csrf, "name": CSO_NAME, "password": password})
    home = client.get("/")
    home.raise_for_status()
    return client, re.search(r'<meta name="csrf" content="([^"]+)"', home.text).group(1)


def cso_work(env: dict[str, str], handovers: list[str], rng: random.Random,
             password: str) -> collections.Counter:
    """Takes about half of the open hand-overs; closes two thirds of those (Issued Closed),
    hands the others back at the ID pelanggan question."""
    done: collections.Counter = collections.Counter()
    make_cso(env, password)
    client, csrf = cso_session(env, password)
    headers = {"X-CSRF-Token": csrf}
    try:
        queue = client.get("/queue").json()
        tickets = [row["ticket"] for row in (queue if isinstance(queue, list) else queue["cases"])
                   if row["conversation"] in handovers]
        for ticket in sorted(rng.sample(tickets, (len(tickets) + 1) // 2)):
            client.post(f"/cases/{ticket}/take", headers=headers).raise_for_status()
            done["taken"] += 1
            if rng.random() < 2 / 3:
                client.post(f"/cases/{ticket}/close", headers=headers, json={
                    "outcome": "issued_closed", "reason": "ditangani CSO"}).raise_for_status()
                done["closed"] += 1
            else:
                client.post(f"/cases/{ticket}/hand-back", headers=headers,
                            json={"question": "customer_number"}).raise_for_status()
                done["handed back"] += 1
    finally:
        client.close()
    return done


def pay_some(demo: Demo, played: list[Played], rng: random.Random) -> int:
    """About a third of the saved registrations paid, a few hours after they were made."""
    paid = 0
    for one in played:
        for number in one.registrations:
            if rng.random() >= 1 / 3:
                continue
            headers = dict(demo.stack.endpoints.simulator_headers)
            if one.plan.now is not None:
                headers["X-PLN-Now"] = (one.plan.now + dt.timedelta(hours=3)).isoformat()
            demo.client.post(f"{demo.stack.endpoints.simulator_url}/ap2t/registrations/"
                             f"{number}/payment", headers=headers).raise_for_status()
            paid += 1
    return paid


# --- running it --------------------------------------------------------------------------


@contextlib.contextmanager
def demo_stack(data_dir: Path) -> Iterator[tuple[object, FakeTelegram, fake_graph.FakeGraph]]:
    """The stack with every channel on, its outbound calls to local fakes. The one place
    that starts the stack (``e2e_support.running_stack`` over ``bot.stack``)."""
    telegram, whatsapp = FakeTelegram().start(), fake_graph.FakeGraph().start()
    channels = {"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_MODE": "webhook",
                "TELEGRAM_WEBHOOK_SECRET": e2e_support.TELEGRAM_SECRET,
                "TELEGRAM_API_URL": telegram.api_url,
                "TWILIO_AUTH_TOKEN": e2e_support.TWILIO_AUTH_TOKEN,
                "VOICE_PUBLIC_URL": e2e_support.VOICE_PUBLIC_URL,
                "WHATSAPP_ACCESS_TOKEN": fake_graph.ACCESS_TOKEN,
                "WHATSAPP_APP_SECRET": fake_graph.APP_SECRET,
                "WHATSAPP_VERIFY_TOKEN": fake_graph.VERIFY_TOKEN,
                "WHATSAPP_PHONE_NUMBER_ID": fake_graph.PHONE_NUMBER_ID,
                "WHATSAPP_API_URL": whatsapp.api_url}
    try:
        with e2e_support.running_stack(data_dir, settings=channels) as stack:
            if isinstance(stack, e2e_support.StackProblem):
                raise RuntimeError(stack.message)
            yield stack, telegram, whatsapp
    finally:
        telegram.stop()
        whatsapp.stop()


def summary(played: list[Played], cso: collections.Counter, paid: int) -> str:
    counts = collections.Counter((p.plan.outcome, p.plan.channel) for p in played)
    outcomes = sorted({outcome for outcome, _ in counts})
    lines = [f"{'outcome':<16}" + "".join(f"{c:>10}" for c in CHANNELS) + f"{'total':>10}"]
    for outcome in outcomes:
        row = [counts[(outcome, c)] for c in CHANNELS]
        lines.append(f"{outcome:<16}" + "".join(f"{n:>10}" for n in row) + f"{sum(row):>10}")
    failed = [p for p in played if p.problems]
    lines.append(f"conversations: {len(played)}, as planned: {len(played) - len(failed)}, "
                 f"not as planned: {len(failed)}")
    lines.append(f"CSO: {dict(cso)}; registrations paid: {paid}")
    for p in failed:
        lines.append(f"  NOT AS PLANNED #{p.plan.number} {p.plan.channel} {p.plan.outcome} "
                     f"({p.plan.script}, {p.conversation}): {'; '.join(p.problems)}")
    return "\n".join(lines)


@dataclass
class Outcome:
    played: list[Played]
    cso: collections.Counter
    paid: int
    password: str  # the demo CSO's, for whoever wants to see the console

    @property
    def as_planned(self) -> bool:
        return not any(p.problems for p in self.played)

    def summary(self) -> str:
        return (summary(self.played, self.cso, self.paid)
                + f"\nconsole: sign in as {CSO_NAME} with the password {self.password}")


def run(args: argparse.Namespace, stack, telegram, whatsapp) -> Outcome:
    """The plan played on a running stack, then the CSO's work and the payments."""
    plans = make_plans(args.conversations, args.seed, args.until, args.days)
    rng = random.Random(args.seed + 1)
    started = time.monotonic()
    with httpx.Client(timeout=httpx.Timeout(120.0, connect=5.0), trust_env=False) as client:
        demo = Demo(stack, client, telegram, whatsapp, uuid.uuid4().hex[:8])
        print(f"playing {len(plans)} conversations, {args.concurrency} at a time ...",
              flush=True)
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            played = list(pool.map(demo.play, plans))
        print(f"played in {time.monotonic() - started:.0f} s", flush=True)
        handovers = [p.conversation for p in played if not p.problems
                     and p.plan.outcome in ("handover_asked", "two_failed", "other_sop")]
        password = secrets.token_urlsafe(12)
        cso = cso_work(stack.env, handovers, rng, password)
        paid = pay_some(demo, played, rng)
    return Outcome(played, cso, paid, password)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=123)
    parser.add_argument("--days", type=int, default=7, help="REST conversations spread over")
    parser.add_argument("--until", type=dt.date.fromisoformat,
                        default=dt.datetime.now(ZONE).date(),
                        help="the last day of REST conversations (default today, WIB)")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / "var")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        with demo_stack(args.data_dir.resolve()) as (stack, telegram, whatsapp):
            outcome = run(args, stack, telegram, whatsapp)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(outcome.summary())
    print(f"done in {time.monotonic() - started:.0f} s; data in {args.data_dir} "
          "(`make run` serves it)")
    return 0 if outcome.as_planned else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
