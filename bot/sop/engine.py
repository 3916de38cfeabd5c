"""One engine, many SOPs: an SOP is a value (``Sop``), and what runs it (the form base
class of ``actions``, the console's audit and hand back, the conversation reader) takes
that value rather than one SOP's tables.

An SOP names its questions in order (the Rasa slots use the same names), the step of the
SOP each belongs to, which questions apply given the answers so far and the context (what
the channel and the back office said, read from the slots by ``context_of``), which
answers depend on which (a correction asks the dependants again), and what its audit
shows. Questions are plain names (str); an SOP may define them as a ``str`` Enum.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.sop import outcomes
from bot.sop.outcomes import Outcome

Answers = Mapping[str, Any]
Slots = Mapping[str, Any]


def _name(question: Any) -> str:
    """A question's name, whether given as a str or a str Enum member."""
    return str(getattr(question, "value", question))


@dataclass(frozen=True)
class Facts:
    """Facts the customer gives before they are asked (``noted_facts``): which question an
    entity answers (None: the SOP decides, see ``noted_answer``), the facts a message adds
    (``note``: noted so far, the message's entities, the answers, its intent, the question
    asked), what an answer to a question takes from the noted facts, and the noted fact
    that answers a question."""

    entity_questions: Mapping[str, str | None]
    note: Callable[[Mapping[str, Any] | None, list[Mapping[str, Any]], Answers, str | None,
                    str | None], dict[str, Any]]
    answered: Callable[[Mapping[str, Any] | None, str], dict[str, Any]]
    noted_answer: Callable[[str, Mapping[str, Any] | None, Slots], tuple[str, str] | None]


@dataclass(frozen=True)
class Audit:
    """What the console's SOP audit shows: every step by number and label; the steps the
    assistant's first message, a slot set to a value, or an action mark as run; and, for a
    step that did not run, the SOP's own reason (``skipped``: None when it has none)."""

    step_names: Mapping[int, str]
    greeting_step: int | None = None
    slot_steps: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    action_steps: Mapping[str, int] = field(default_factory=dict)
    skipped: Callable[[int, Slots, Any], str | None] = lambda step, slots, context: None


@dataclass(frozen=True)
class Shown:
    """One answer in the console's collected data: its slot, its label, and, for personal
    data, how it is masked until a CSO reveals it (None: shown as it is)."""

    name: str
    label: str
    masked: Callable[[str], str | None] | None = None

    @property
    def personal(self) -> bool:
        return self.masked is not None


@dataclass(frozen=True)
class Display:
    """What the console shows of an SOP's answers, in this order (``shown``), and the words
    for the coded values among them (``said``: value -> word)."""

    shown: tuple[Shown, ...] = ()
    said: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sop:
    """One SOP, as the engine runs it."""

    form: str  # the Rasa form that asks its questions
    questions: tuple[str, ...]  # every question, in SOP order
    steps: Mapping[str, int]  # the SOP step each question belongs to
    applicable: Callable[[Answers, Any], Sequence[Any]]  # (answers, context): in order
    context_of: Callable[[Slots], Any]  # the context from the conversation's slots
    audit: Audit
    depends_on: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    read_back: str | None = None  # asked again after every correction
    closing_steps: Mapping[str, int] = field(default_factory=dict)  # the closing's questions
    # answered "ya"/"tidak": a value for another question then changes that answer
    closed_questions: frozenset[str] = frozenset()
    # questions whose answer may name another question's value as part of it
    named_in_answer: Mapping[str, frozenset[str]] = field(default_factory=dict)
    amount_question: str | None = None  # the one answer in rupiah
    cancel_answers: frozenset[str] = frozenset()  # where "batal" is the answer itself
    # (question, answers, applicable) -> the other answers a correction implies, for a
    # question answered but no longer applicable; None: it cannot be corrected now
    implied_by_correction: Callable[[str, Answers, list[str]], dict[str, Any] | None] = (
        lambda question, answers, applicable: None)
    facts: Facts | None = None
    hand_back: Mapping[str, str] = field(default_factory=dict)  # question -> label
    asked_by_action: frozenset[str] = frozenset()  # asked by action_ask_<question>
    display: Display = Display()  # the console's collected data
    # continuing on another channel (bot.sop.continuation): the answers carried (none of
    # them personal data), the step reached as people read it, by open question, and
    # (the customer-number question, the owner's-NIK question) the owner is checked by
    carried: frozenset[str] = frozenset()
    progress: Mapping[str, str] = field(default_factory=dict)
    verified_by: tuple[str, str] | None = None
    fees_agreed: str | None = None  # the answer that agrees to the fees as quoted that day

    # --- the questions ------------------------------------------------------------------

    def answers(self, slots: Slots) -> dict[str, Any]:
        return {question: slots.get(question) for question in self.questions}

    def applicable_questions(self, answers: Answers, context: Any) -> list[str]:
        """Every question that applies, in SOP order, answered or not."""
        return [_name(q) for q in self.applicable(answers, context)]

    def remaining_questions(self, answers: Answers, context: Any) -> list[str]:
        """The questions still to ask, in SOP order."""
        return [q for q in self.applicable_questions(answers, context) if answers.get(q) is None]

    def step_of(self, slot: str | None, default: int = 1) -> int:
        """The SOP step a requested slot belongs to (for tickets); ``default`` for anything
        else (no form active: the greeting)."""
        if slot in self.closing_steps:
            return self.closing_steps[slot]
        return self.steps.get(slot or "", default)

    def questions_from(self, question: str) -> list[str]:
        """The question and every one after it in SOP order: what a hand back asks again."""
        return list(self.questions[self.questions.index(question):]) \
            if question in self.questions else []

    # --- corrections --------------------------------------------------------------------

    def invalidated_by(self, changed: str) -> list[str]:
        """The answers to ask again when ``changed`` is corrected (transitively); every
        correction also needs the read-back again."""
        seen: list[str] = []
        todo = list(self.depends_on.get(changed, ()))
        while todo:
            question = todo.pop(0)
            if question not in seen:
                seen.append(question)
                todo += self.depends_on.get(question, ())
        if self.read_back and self.read_back not in seen and changed != self.read_back:
            seen.append(self.read_back)
        return seen

    def correction_answers(self, question: str, answers: Answers,
                           context: Any) -> dict[str, Any] | None:
        """Whether ``question`` (already answered) can be corrected now, and the other
        answers the correction implies; None when it cannot (not answered, or not asked
        here)."""
        if answers.get(question) is None:
            return None
        applicable = self.applicable_questions(answers, context)
        if question in applicable:
            return {}
        return self.implied_by_correction(question, answers, applicable)

    def part_of_the_answer(self, question: str | None, other: str) -> bool:
        """Whether a value for ``other`` in an answer to ``question`` belongs to the answer."""
        return other in self.named_in_answer.get(question or "", frozenset())

    def takes_corrections_unsaid(self, question: str | None) -> bool:
        """Whether, at ``question``, a new value for an earlier answer changes it even
        without the customer saying it corrects (see ``closed_questions``)."""
        return question in self.closed_questions

    def cancel_is_the_answer(self, question: str | None) -> bool:
        """Whether "batal" at ``question`` is its answer, not a cancel to confirm."""
        return question in self.cancel_answers

    # --- endings the engine decides -----------------------------------------------------

    def after_failed_attempt(self, failures: int, question: str | None) -> Outcome | None:
        return outcomes.after_failed_attempt(failures, question, self.step_of(question))

    def after_call_ended(self, ending: str | None, requesting: bool,
                         question: str | None) -> Outcome | None:
        return outcomes.after_call_ended(ending, requesting, self.step_of(question))

    # --- the console --------------------------------------------------------------------

    def hand_back_choices(self) -> list[tuple[str, str]]:
        """(question, "langkah N: label") for the questions a conversation can resume at."""
        return [(q, f"langkah {self.steps[q]}: {label}") for q, label in self.hand_back.items()]
