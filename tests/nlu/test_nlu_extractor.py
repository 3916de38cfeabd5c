"""bot.nlu.extractor.PlnEntityExtractor: the Rasa wrapper of bot.language and bot.places."""

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.extractor import PlnEntityExtractor, extract


@pytest.fixture(scope="module")
def component():
    return PlnEntityExtractor.create({}, model_storage=None, resource=None,
                                     execution_context=None)


def _process(component, text):
    message = Message(data={TEXT: text})
    component.process([message])
    return message.get(ENTITIES, [])


def test_registered_as_entity_extractor():
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    registered = DefaultV1Recipe._from_registry(PlnEntityExtractor.__name__)
    assert registered.clazz is PlnEntityExtractor
    assert DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR in registered.types
    assert registered.is_trainable is False


def test_place_entities_with_spans_and_extractor(component):
    text = "kec coblong kel. dago"
    entities = _process(component, text)
    assert [(e["entity"], e["value"], text[e["start"]:e["end"]], e["extractor"])
            for e in entities] == [
        ("kecamatan", "Coblong", "coblong", "PlnEntityExtractor"),
        ("kelurahan", "Dago", "dago", "PlnEntityExtractor"),
    ]


def test_keeps_entities_set_before(component):
    message = Message(data={TEXT: "sukajadi pasteur",
                            ENTITIES: [{"entity": "x", "value": "y", "start": 0, "end": 1}]})
    component.process([message])
    assert [e["entity"] for e in message.get(ENTITIES)] == ["x", "kecamatan", "kelurahan"]


def test_empty_message(component):
    assert _process(component, "") == []


def test_nothing_in_small_talk(component):
    assert _process(component, "iya betul lanjut") == []


# --- with the normaliser ------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, entity, value",
    [
        ("id pel saya 5321 1000 0101", "idpel", "532110000101"),
        ("nomor meter 14100000101", "meter_number", "14100000101"),
        ("nik saya 3273011508850001", "nik", "3273011508850001"),
        ("tiga ribu lima ratus va", "power_va", "3500"),
        ("eh salah, dayanya 4.400 aja", "power_va", "4400"),
        ("budi at gmail titik com", "email", "budi@gmail.com"),
        ("nol delapan satu dua tiga empat lima nol nol satu nol satu", "phone", "081234500101"),
        ("stroom awal rp 50.000", "amount_rp", "50000"),
    ],
)
def test_normaliser_entities(component, text, entity, value):
    entities = _process(component, text)
    assert [(e["entity"], str(e["value"])) for e in entities] == [(entity, value)]
    (e,) = entities
    assert 0 <= e["start"] < e["end"] <= len(text)


def test_one_code_path_with_the_normaliser():
    from bot import language
    text = "mau naik ke dua ribu dua ratus va, idpel 532110000101"
    mine = [(e["entity"], e["value"], e["start"], e["end"]) for e in extract(text)]
    theirs = [(e["entity"], e["value"], e["start"], e["end"]) for e in language.entities(text)]
    assert mine == sorted(theirs, key=lambda t: (t[2], t[0]))


def test_numbers_and_places_together(component):
    text = "idpel 532110000101 kecamatan coblong kelurahan dago"
    got = {(e["entity"], str(e["value"])) for e in _process(component, text)}
    assert got == {("idpel", "532110000101"), ("kecamatan", "Coblong"), ("kelurahan", "Dago")}
