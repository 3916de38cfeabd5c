"""The model is used once per part before the server answers, and what was loaded is
frozen out of the garbage collector's full collections."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from rasa.shared.core.domain import Domain

from bot.rasa_runtime import warm_up

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))


class RecordingAgent:
    """The parts of a loaded ``Agent`` the warm-up uses, recording their use."""

    def __init__(self):
        self.domain = DOMAIN
        self.parsed, self.predicted = [], []
        self.processor = self

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, text):
        self.parsed.append(text)
        return {"intent": {"name": "greet", "confidence": 1.0}, "entities": [], "text": text}

    def predict_next_with_tracker(self, tracker):
        self.predicted.append(len(tracker.events))


def test_the_model_is_used_and_what_was_loaded_is_frozen():
    agent = RecordingAgent()

    async def load(*_args, **_kwargs):
        return agent

    gc.unfreeze()
    try:
        assert asyncio.run(warm_up.load_and_warm(load)) is agent
        assert agent.parsed == list(warm_up.WARM_UP_MESSAGES)
        assert agent.predicted == [2 * n for n in range(1, len(agent.parsed) + 1)]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_no_model_is_no_warm_up():
    async def load(*_args, **_kwargs):
        return None

    assert asyncio.run(warm_up.load_and_warm(load)) is None
