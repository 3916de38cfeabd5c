"""The phone's own wording of some responses, kept in one file beside the domain.

A chat text can be read at leisure; on the phone every word costs the caller time, so a
few long responses have a shorter wording for the ear with the same content (the SOP's
facts and figures): ``domain.voice.yml`` holds them, by response name, each a variation
of that response for the channel ``voice``. ``VoiceWording`` is Rasa's templated response
generator over domain.yml's responses with these variations added (endpoints.yml:
``nlg: {type: bot.channels.voice_wording.VoiceWording}``); Rasa picks a channel's
variation when the message's output channel carries that name (``rasa_assistant``), so
chat texts are untouched. A wording keeps the buttons and marks (``custom``) of the
response's chat text unless it gives its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

CHANNEL = "voice"
WORDING = Path(__file__).resolve().parents[2] / "domain.voice.yml"
INHERITED = ("buttons", "custom")


def voice_wording(path: Path = WORDING) -> dict[str, list[dict[str, Any]]]:
    """``domain.voice.yml``'s responses: name -> the phone's variations."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return loaded.get("responses") or {}


def with_voice_wording(responses: dict[str, list[dict[str, Any]]],
                       wording: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict]]:
    """``responses`` with each wording added as a ``channel: voice`` variation; a wording
    of a response the domain does not have is an error (a renamed response)."""
    unknown = sorted(set(wording) - set(responses))
    if unknown:
        raise ValueError(f"{WORDING.name} words responses the domain does not have: {unknown}")
    combined = {name: list(variations) for name, variations in responses.items()}
    for name, variations in wording.items():
        chat = responses[name][0] if responses[name] else {}
        inherited = {key: chat[key] for key in INHERITED if key in chat}
        combined[name] += [{**inherited, **variation, "channel": CHANNEL}
                           for variation in variations]
    return combined


class VoiceWording(TemplatedNaturalLanguageGenerator):
    """Rasa's templated generator; whatever responses Rasa gives it (the model's, once
    loaded) get the phone's wording."""

    def __init__(self, endpoint_config: EndpointConfig | None = None,
                 domain: Domain | None = None) -> None:
        path = Path((endpoint_config.kwargs.get("wording") if endpoint_config else None)
                    or WORDING)
        self.wording = voice_wording(path)
        super().__init__((domain or Domain.empty()).responses)

    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        return self._responses

    @responses.setter
    def responses(self, responses: dict[str, list[dict[str, Any]]]) -> None:
        # Rasa sets them again when it loads a model (an empty domain before that)
        self._responses = with_voice_wording(responses, self.wording) if responses else {}
