"""Rasa 3.6 entity extractor wrapping ``bot.language`` and ``bot.places``.

Entities:
- power_va, amount_rp, idpel, meter_number, nik, phone, email: from the normaliser
  ``bot.language.entities(text) -> [{entity, value, start, end}]`` (numbers in words,
  spaced digits, "budi at gmail titik com", ...). Values are the normalised ones.
- kecamatan, kelurahan: typo-tolerant match against the seed fixture's area names
  (``bot.places``), loaded once per process from $PLN_SEED_FILE (default
  ``../shared/fixtures/customers.yaml`` next to the repository).

Config (config.yml): ``name: bot.nlu.extractor.PlnEntityExtractor``. Not trainable: it
has no state beyond the place list. Entities overlapping one already found by the
normaliser are not added twice.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import language, places

NORMALISER_ENTITIES = ("power_va", "amount_rp", "idpel", "meter_number", "nik", "phone", "email")
PLACE_ENTITIES = ("kecamatan", "kelurahan")


@lru_cache(maxsize=1)
def _areas() -> dict[str, list[str]]:
    return places.load_areas()


def extract(text: str) -> list[dict[str, Any]]:
    """All entities of ``text`` (framework-free; what the component adds to a message)."""
    found: list[dict[str, Any]] = [
        {"entity": e["entity"], "value": e["value"], "start": int(e["start"]),
         "end": int(e["end"])}
        for e in language.entities(text) if e.get("entity") in NORMALISER_ENTITIES]
    for e in places.place_entities(text, _areas()):
        if all(e["end"] <= f["start"] or e["start"] >= f["end"] for f in found
               if f["entity"] not in PLACE_ENTITIES):
            found.append(e)
    return sorted(found, key=lambda e: (e["start"], e["entity"]))


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class PlnEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Sets the PLN entities (with start/end/value/extractor) on each message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PlnEntityExtractor:
        _areas()  # load the place list once, at model load, not at the first message
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            extracted = self.add_extractor_name(extract(text))
            message.set(ENTITIES, message.get(ENTITIES, []) + extracted, add_to_output=True)
        return messages

    def process_training_data(self, training_data):
        # Entities in the training data are not annotated (DIET does no entity recognition);
        # nothing to add at training time.
        return training_data
