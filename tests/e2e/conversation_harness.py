"""End-to-end conversation scripts: their schema, the matchers, and the runner.

Framework-free on purpose (no pytest here): the schema and the matchers are plain
functions the unit tests call directly, and ``run_script`` only needs an ``httpx.Client``
and the URLs of a running Rasa server and simulator. The format is documented in
``docs/conversation-scripts.md``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import yaml
from babel.dates import format_date
from pydantic import (
    BaseModel,
    Extra,
    Field,
    StrictStr,
    ValidationError,
    root_validator,
    validator,
)

from bot.channels.contract import conversation_id
from bot.untrusted import path_segment

SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"
REPLY_FLAGS = re.IGNORECASE
ZONE = ZoneInfo("Asia/Jakarta")  # the stack's default PLN_TIMEZONE, and the fixture's WIB units


# --- schema ---------------------------------------------------------------------------


def _compile(pattern: str) -> str:
    try:
        re.compile(pattern, REPLY_FLAGS)
    except re.error as error:
        raise ValueError(f"not a valid regular expression {pattern!r}: {error}") from None
    return pattern


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid  # a misspelt key ("expects:") must not silently check nothing
        anystr_strip_whitespace = False


def _check_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    # Unquoted YAML numbers lose leading zeros (and 0217201234 is even read as octal).
    for key in ("caller_id", "now"):
        value = metadata.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{key} must be a quoted string, got {value!r}")
    return metadata


class ButtonExpectation(_Strict):
    """A button whose title (and payload, when given) match these regexes."""

    title: str | None = None
    payload: str | None = None

    _patterns = validator("title", "payload", allow_reuse=True)(
        lambda value: value if value is None else _compile(value))

    @root_validator(skip_on_failure=True)
    def _something(cls, values):
        if values.get("title") is None and values.get("payload") is None:
            raise ValueError("a button expectation needs a title and/or a payload pattern")
        return values

    def describe(self) -> str:
        parts = [f"title ~ /{self.title}/" if self.title is not None else "",
                 f"payload ~ /{self.payload}/" if self.payload is not None else ""]
        return "button " + ", ".join(p for p in parts if p)


class Turn(_Strict):
    user: str
    metadata: dict[str, Any] = {}
    expect: list[str] = []
    expect_not: list[str] = []
    expect_buttons: list[ButtonExpectation] = []
    expect_no_reply: bool = False

    _metadata = validator("metadata", allow_reuse=True)(_check_metadata)

    @validator("user")
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the user message is empty")
        return value

    @validator("expect", "expect_not", each_item=True)
    def _regex(cls, value: str) -> str:
        return _compile(value)

    @validator("expect_buttons", pre=True)
    def _button_shorthand(cls, value):
        if isinstance(value, list):  # shorthand: a plain string is a regex on the title
            return [{"title": item} if isinstance(item, str) else item for item in value]
        return value

    @root_validator(skip_on_failure=True)
    def _silence_is_exclusive(cls, values):
        if values.get("expect_no_reply") and (values.get("expect") or values.get("expect_buttons")):
            raise ValueError("expect_no_reply cannot be combined with expect / expect_buttons")
        return values


class TicketKind(str, Enum):  # the simulator's APKT kinds
    ISSUED_CLOSED = "issued_closed"
    MBL = "mbl"
    CSO_HANDOFF = "cso_handoff"


class TicketExpectation(_Strict):
    kind: TicketKind
    reason: str = ".*"
    sop_step: int | None = None

    _reason = validator("reason", allow_reuse=True)(_compile)

    def describe(self) -> str:
        step = "" if self.sop_step is None else f" sop_step={self.sop_step}"
        return f"ticket kind={self.kind.value} reason ~ /{self.reason}/{step}"

    def matches(self, ticket: dict) -> bool:
        return (ticket.get("kind") == self.kind.value
                and re.search(self.reason, str(ticket.get("reason", "")), REPLY_FLAGS) is not None
                and (self.sop_step is None or ticket.get("sop_step") == self.sop_step))


class RegistrationState(str, Enum):
    SAVED = "saved"
    NONE = "none"


class After(_Strict):
    registration: RegistrationState | None = None
    idpel: StrictStr | None = None  # the registration found must be for this IDPEL
    tickets: list[TicketExpectation] = []
    no_tickets: bool = False
    paused: bool | None = None

    @validator("idpel")
    def _idpel(cls, value):
        if value is not None and not re.fullmatch(r"\d{12}", value):
            raise ValueError("idpel must be 12 digits (quote it in YAML)")
        return value

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values):
        if values.get("no_tickets") and values.get("tickets"):
            raise ValueError("no_tickets: true contradicts a list of expected tickets")
        return values


class Script(_Strict):
    name: str
    sop_rows: list[int] = []
    metadata: dict[str, Any] = {}
    turns: list[Turn] = Field(..., min_items=1)
    after: After | None = None

    _metadata = validator("metadata", allow_reuse=True)(_check_metadata)

    @validator("sop_rows", each_item=True)
    def _row(cls, value: int) -> int:
        if not 1 <= value <= 22:
            raise ValueError("SOP rows are numbered 1 to 22")
        return value


class ScriptError(ValueError):
    """A script that cannot be run: the message names the file and what is wrong."""


def parse_script(text: str, source: str = "<script>") -> Script:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ScriptError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ScriptError(f"{source}: a script is a mapping with name, turns, ...; "
                          f"got {type(data).__name__}")
    try:
        return Script.parse_obj(data)
    except ValidationError as error:
        lines = [f"{source}: invalid conversation script (see docs/conversation-scripts.md):"]
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"] if part != "__root__")
            lines.append(f"  - {where or '(script)'}: {problem['msg']}")
        raise ScriptError("\n".join(lines)) from None


def load_script(path: Path) -> Script:
    return parse_script(Path(path).read_text(encoding="utf-8"), source=str(path))


def script_paths(directory: Path = SCRIPTS_DIR) -> list[Path]:
    return sorted(directory.glob("*.yml"))


def sender_id(path: Path) -> str:
    """Unique per run, so that scripts never share a tracker or simulator records; within
    the REST channel's 64 characters."""
    return f"e2e-{Path(path).stem[:40]}-{uuid.uuid4().hex[:10]}"


def turn_metadata(script: Script, turn: Turn) -> dict[str, Any]:
    """The script's metadata with the turn's merged over it; a turn's ``null`` removes a key."""
    merged = dict(script.metadata)
    for key, value in turn.metadata.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


# --- the conversation's clock in expectations ----------------------------------------

_DATE_PLACEHOLDER = re.compile(r"\{(today|yymmdd)(?:\+(\d{1,3}))?\}")


def conversation_now(metadata: dict[str, Any], stack_now: str | None) -> dt.datetime:
    """The turn's "now" as the stack sees it: the message's ``metadata.now``, else the
    stack's clock (PLN_NOW), else the real time; in WIB."""
    text = metadata.get("now") or stack_now
    if text:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(ZONE)
    return dt.datetime.now(ZONE)


def render_pattern(pattern: str, now: dt.datetime) -> str:
    """Dates of the conversation's clock in a pattern: ``{today}`` "27 November 2026",
    ``{today+30}`` thirty days later, ``{yymmdd}`` "261127" (as in a registration
    number), so that a script passes whatever day the stack's clock says."""
    def date_text(match: re.Match) -> str:
        day = now.date() + dt.timedelta(days=int(match[2] or 0))
        text = (format_date(day, format="long", locale="id_ID") if match[1] == "today"
                else day.strftime("%y%m%d"))
        return re.escape(text)
    return _DATE_PLACEHOLDER.sub(date_text, pattern)


# --- matchers (pure) ----------------------------------------------------------------


def reply_texts(replies: list[dict]) -> list[str]:
    return [reply["text"] for reply in replies if isinstance(reply.get("text"), str)]


def reply_buttons(replies: list[dict]) -> list[dict]:
    return [button for reply in replies for button in (reply.get("buttons") or [])]


def _button_matches(expectation: ButtonExpectation, button: dict) -> bool:
    for pattern, value in ((expectation.title, button.get("title")),
                           (expectation.payload, button.get("payload"))):
        if pattern is not None and not re.search(pattern, str(value or ""), REPLY_FLAGS):
            return False
    return True


def check_turn(turn: Turn, replies: list[dict], now: dt.datetime | None = None) -> list[str]:
    """What this turn's replies fail to satisfy, one readable line each (empty: all good).
    ``now``: the conversation's clock, for the date placeholders (``render_pattern``)."""
    problems = []
    texts = reply_texts(replies)
    now = now or dt.datetime.now(ZONE)
    if turn.expect_no_reply and replies:
        problems.append(f"expect_no_reply: the bot sent {len(replies)} message(s)")
    for template in turn.expect:
        pattern = render_pattern(template, now)
        if not any(re.search(pattern, text, REPLY_FLAGS) for text in texts):
            problems.append(f"expect /{pattern}/: no bot reply of this turn matches"
                            + ("" if texts else " (the bot sent no text at all)"))
    for template in turn.expect_not:
        pattern = render_pattern(template, now)
        hits = [text for text in texts if re.search(pattern, text, REPLY_FLAGS)]
        if hits:
            problems.append(f"expect_not /{pattern}/: matched {hits[0]!r}")
    buttons = reply_buttons(replies)
    for expectation in turn.expect_buttons:
        if not any(_button_matches(expectation, button) for button in buttons):
            offered = ", ".join(_button_text(b) for b in buttons) or "none"
            problems.append(f"expect_buttons: no {expectation.describe()} (buttons offered: "
                            f"{offered})")
    return problems


def check_tickets(after: After, tickets: list[dict], conversation_id: str) -> list[str]:
    problems = []
    if after.no_tickets and tickets:
        problems.append(f"no_tickets: the simulator has {len(tickets)} ticket(s) for "
                        f"{conversation_id}: {_tickets_text(tickets)}")
    for expectation in after.tickets:
        if not any(expectation.matches(ticket) for ticket in tickets):
            problems.append(f"tickets: no {expectation.describe()} for {conversation_id}; "
                            f"the simulator has: {_tickets_text(tickets) or 'no ticket'}")
    return problems


def check_registration(after: After, registrations: list[dict],
                       conversation_id: str) -> list[str]:
    """``registrations``: the simulator's registrations saved with this conversation id."""
    if after.registration is None:
        return []
    mine = [r for r in registrations if after.idpel is None or r.get("idpel") == after.idpel]
    wanted = f" for idpel {after.idpel}" if after.idpel else ""
    if after.registration is RegistrationState.SAVED and not mine:
        others = ", ".join(f"{r.get('registration_number')} (idpel {r.get('idpel')})"
                           for r in registrations)
        return [f"registration: saved{wanted}, but the simulator has none for "
                f"{conversation_id}" + (f" (it has {others})" if others else "")]
    if after.registration is RegistrationState.NONE and mine:
        return [f"registration: none{wanted}, but the simulator has "
                + ", ".join(str(r.get("registration_number")) for r in mine)
                + f" for {conversation_id}"]
    return []


def check_paused(after: After, tracker: dict) -> list[str]:
    if after.paused is None:
        return []
    paused = bool(tracker.get("paused"))
    if paused != after.paused:
        return [f"paused: expected {str(after.paused).lower()}, the tracker says "
                f"{str(paused).lower()} (latest action: "
                f"{(tracker.get('latest_action') or {}).get('action_name')})"]
    return []


# --- transcript -----------------------------------------------------------------------


def _button_text(button: dict) -> str:
    return f"[{button.get('title')} -> {button.get('payload')}]"


def _tickets_text(tickets: list[dict]) -> str:
    return "; ".join(f"{t.get('kind')}: {t.get('reason')!r} (step {t.get('sop_step')})"
                     for t in tickets)


@dataclass
class Exchange:
    user: str
    metadata: dict[str, Any]
    replies: list[dict] = field(default_factory=list)


@dataclass
class Transcript:
    script: Script
    source: str
    sender: str
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def conversation(self) -> str:
        """The conversation the REST channel keeps for this sender."""
        return conversation_id("rest", self.sender)

    def render(self) -> str:
        lines = [f"--- transcript of {self.source} ({self.script.name!r}), sender "
                 f"{self.sender} ---"]
        for number, exchange in enumerate(self.exchanges, 1):
            lines.append(f"[{number}] user: {exchange.user}")
            if not exchange.replies:
                lines.append("    bot : (no reply)")
            for reply in exchange.replies:
                if reply.get("text") is not None:
                    lines.append(f"    bot : {reply['text']}")
                if reply.get("buttons"):
                    lines.append("          buttons: "
                                 + " ".join(_button_text(b) for b in reply["buttons"]))
                for key in sorted(set(reply) - {"text", "buttons", "recipient_id"}):
                    lines.append(f"          {key}: {reply[key]!r}")
        return "\n".join(lines)


class ConversationFailed(AssertionError):
    def __init__(self, transcript: Transcript, where: str, problems: list[str],
                 extra: str = ""):
        self.transcript = transcript
        self.where = where
        self.problems = problems
        message = (f"conversation script {transcript.source} failed {where}:\n"
                   + "\n".join(f"  - {problem}" for problem in problems)
                   + "\n" + transcript.render()
                   + (f"\n{extra}" if extra else ""))
        super().__init__(message)


# --- the runner -----------------------------------------------------------------------


@dataclass
class Endpoints:
    rasa_url: str
    simulator_url: str
    token: str
    diagnose: Any = None  # () -> str: e.g. dead services and log tails, added to failures
    stack_now: str | None = None  # the stack's PLN_NOW, when its clock is fixed
    simulator_token: str = ""  # the simulator answers only callers with its token

    @property
    def simulator_headers(self) -> dict[str, str]:
        return {"X-PLN-Token": self.simulator_token}


def _diagnosis(endpoints: Endpoints) -> str:
    return endpoints.diagnose() if endpoints.diagnose else ""


def send(client: httpx.Client, endpoints: Endpoints, sender: str, text: str,
         metadata: dict[str, Any]) -> list[dict]:
    response = client.post(f"{endpoints.rasa_url}/webhooks/rest/webhook",
                           json={"sender": sender, "message": text, "metadata": metadata})
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, list):
        raise ValueError(f"the REST channel answered {body!r}, not a list of messages")
    return body


def simulator_tickets(client: httpx.Client, endpoints: Endpoints, conversation_id: str):
    response = client.get(f"{endpoints.simulator_url}/apkt/tickets",
                          params={"conversation_id": conversation_id},
                          headers=endpoints.simulator_headers)
    response.raise_for_status()
    return response.json()


def simulator_registrations(client: httpx.Client, endpoints: Endpoints,
                            conversation_id: str) -> list[dict]:
    """The registrations the simulator saved with this conversation id (the sender id the
    bot passes on), newest first: whatever the bot did or did not say about them."""
    response = client.get(f"{endpoints.simulator_url}/ap2t/registrations",
                          params={"conversation_id": conversation_id},
                          headers=endpoints.simulator_headers)
    response.raise_for_status()
    return response.json()


def rasa_tracker(client: httpx.Client, endpoints: Endpoints, conversation_id: str) -> dict:
    response = client.get(f"{endpoints.rasa_url}/conversations/{path_segment(conversation_id)}"
                          "/tracker",
                          params={"token": endpoints.token, "include_events": "NONE"})
    response.raise_for_status()
    return response.json()


def run_script(script: Script, client: httpx.Client, endpoints: Endpoints, sender: str,
               source: str = "<script>") -> Transcript:
    """Play every turn, checking each as it comes; then the ``after`` expectations.
    Raises ``ConversationFailed`` with the transcript so far at the first failing turn."""
    transcript = Transcript(script=script, source=source, sender=sender)
    total = len(script.turns)
    for number, turn in enumerate(script.turns, 1):
        metadata = turn_metadata(script, turn)
        exchange = Exchange(user=turn.user, metadata=metadata)
        transcript.exchanges.append(exchange)
        try:
            exchange.replies = send(client, endpoints, sender, turn.user, metadata)
        except (httpx.HTTPError, ValueError) as error:
            raise ConversationFailed(transcript, f"at turn {number} of {total}",
                                     [f"sending {turn.user!r} to Rasa: {error}"],
                                     _diagnosis(endpoints)) from None
        problems = check_turn(turn, exchange.replies,
                              conversation_now(metadata, endpoints.stack_now))
        if problems:
            raise ConversationFailed(transcript, f"at turn {number} of {total}", problems)
    if script.after is not None:
        check_after(script.after, client, endpoints, transcript)
    return transcript


def check_after(after: After, client: httpx.Client, endpoints: Endpoints,
                transcript: Transcript) -> None:
    problems: list[str] = []
    try:
        if after.tickets or after.no_tickets:
            tickets = simulator_tickets(client, endpoints, transcript.conversation)
            problems += check_tickets(after, tickets, transcript.conversation)
        if after.registration is not None:
            registrations = simulator_registrations(client, endpoints,
                                                    transcript.conversation)
            problems += check_registration(after, registrations, transcript.conversation)
        if after.paused is not None:
            problems += check_paused(after, rasa_tracker(client, endpoints,
                                                         transcript.conversation))
    except httpx.HTTPError as error:
        raise ConversationFailed(transcript, "after the last turn",
                                 [f"reading the state afterwards: {error}"],
                                 _diagnosis(endpoints)) from None
    if problems:
        raise ConversationFailed(transcript, "after the last turn (state checks)", problems)
