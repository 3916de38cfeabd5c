"""The model warmed before the server answers, so the first customer's turn is as fast as
the hundredth.

Upstream loads the model at start (``rasa.core.run.load_agent_on_start``) but builds much
lazily: DIET's TensorFlow graph on the first parse, the policies' on the first
prediction; the first turns after a start took 4 to 7 s. Here, right after the model is
loaded and before the server listens (the health check answers only then), a few
messages are parsed and a prediction is made on a throwaway tracker (never stored).

Then everything loaded so far (the model, TensorFlow, Rasa: about 700,000 objects that
live as long as the process) is moved out of the garbage collector's reach
(``gc.freeze``): each full collection walked all of them, a 450 ms pause of every
conversation a few times a minute under load; 23 ms after (docs/performance.md).
"""

from __future__ import annotations

import gc
import logging
import time

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# What the first customers say: each reaches a different part of the pipeline.
WARM_UP_MESSAGES = ("halo", "mau tambah daya", "532110000101", "2200 va", "iya benar",
                    "berapa biayanya?")


async def warm(agent) -> float:
    """Parse and predict once through every part of the model; the seconds it took."""
    started = time.monotonic()
    events = []
    for text in WARM_UP_MESSAGES:
        parsed = await agent.parse_message(text)
        events += [ActionExecuted(ACTION_LISTEN_NAME), UserUttered(text, parsed["intent"],
                                                                  parsed["entities"], parsed)]
        tracker = DialogueStateTracker.from_events("warm-up", events, slots=agent.domain.slots)
        agent.processor.predict_next_with_tracker(tracker)
    return time.monotonic() - started


async def load_and_warm(upstream_load, *args, **kwargs):
    """The replacement of ``rasa.core.run.load_agent_on_start``: load, then warm."""
    agent = await upstream_load(*args, **kwargs)
    if agent is not None and agent.is_ready():
        seconds = await warm(agent)
        logger.info("model warmed in %.1f s", seconds)
        gc.collect()
        gc.freeze()  # what lives as long as the process is never scanned again
    return agent
