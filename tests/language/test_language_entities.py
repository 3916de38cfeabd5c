"""Entities for Rasa: names, normalised values and offsets into the ORIGINAL text."""

import pytest

from bot.language import entities, extract


def _span_texts(text):
    return [(e["entity"], text[e["start"] : e["end"]], e["value"]) for e in entities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mau naik dari 1300 ke 2200 VA ya", [("power_va", "2200 VA", 2200)]),
        ("tiga koma lima kVA", [("power_va", "tiga koma lima kVA", 3500)]),
        ("stroom Rp50.000,- aja", [("amount_rp", "Rp50.000,-", 50000)]),
        ("IDPEL: 5321-1000-0101.", [("idpel", "5321-1000-0101", "532110000101")]),
        ("nomor meter 141 2345 6789", [("meter_number", "141 2345 6789", "14123456789")]),
        ("NIK 3201011501900001", [("nik", "3201011501900001", "3201011501900001")]),
        ("hp +62 812-3450-0101", [("phone", "+62 812-3450-0101", "081234500101")]),
        ("telp (022) 7001100", [("phone", "(022) 7001100", "0227001100")]),
        ("email budi at gmail titik com ya", [("email", "budi at gmail titik com", "budi@gmail.com")]),
        ("Budi@Gmail.com", [("email", "Budi@Gmail.com", "budi@gmail.com")]),
        (
            "idpel 532110000101, hp 081234500101, daya ke 3500",
            [
                ("idpel", "532110000101", "532110000101"),
                ("phone", "081234500101", "081234500101"),
                ("power_va", "3500", 3500),
            ],
        ),
        ("mau 2200 atau 3500", []),  # ambiguous: no entity rather than a wrong one
        ("tahun 2024", []),
        ("halo kak", []),
    ],
)
def test_entities(text, expected):
    assert _span_texts(text) == expected


def test_entity_dict_shape():
    (entity,) = entities("3500 VA")
    assert entity == {"entity": "power_va", "value": 3500, "start": 0, "end": 7}


def test_mention_spans_point_into_the_original_text():
    text = "Dari  1.300  VA   ke 2.200 va, TGL 17 Agustus"
    for mention in extract(text).numbers:
        assert text[mention.start : mention.end] == mention.text
    assert [m.text for m in extract(text).numbers] == ["1.300  VA", "2.200 va", "17"]


def test_repeated_target_gives_one_entity_per_occurrence():
    text = "3500 VA, iya 3500 VA"
    assert [(e["start"], e["end"]) for e in entities(text)] == [(0, 7), (13, 20)]


def test_spacy_pipeline_is_loaded_once_and_blank():
    from bot.language.tokens import tokenizer, warm_up

    warm_up()
    assert tokenizer() is tokenizer()
    assert tokenizer().lang == "id" and tokenizer().pipe_names == []


def test_a_long_run_without_spaces_is_split_into_atoms_with_their_offsets():
    """Runs longer than spaCy is given (quadratic there) are split directly: the same
    atoms, offsets in the original text."""
    from bot.language.tokens import MAX_SPACY_TOKEN, atoms

    run = "\U0001F600" * (MAX_SPACY_TOKEN + 10)
    text = f"mau 2200 {run} ya"
    found = atoms(text)
    assert [a.text for a in found[:2]] == ["mau", "2200"] and found[-1].text == "ya"
    emoji = found[2:-1]
    assert len(emoji) == MAX_SPACY_TOKEN + 10
    assert all(text[a.start:a.end] == a.text for a in found)
    assert [a.start for a in found] == sorted(a.start for a in found)


def test_the_tokenizer_is_renewed_before_its_vocabulary_grows_without_bound(monkeypatch):
    """spaCy keeps every string it saw (every customer's NIK and phone number): past the
    limit a fresh tokenizer replaces it, built in the background, and reads the same."""
    from bot.language import tokens

    tokens.warm_up()
    old = tokens.tokenizer()
    monkeypatch.setattr(tokens, "VOCAB_GROWTH_LIMIT", 100)
    for n in range(150):
        tokens.atoms(f"nik 32730115{n:08d} hp 0812{n:08d}")
    assert len(old.vocab) > tokens._base_vocab + 100
    tokens.atoms("halo")  # past the limit: the renewal starts
    renewal = tokens._replacing
    if renewal is not None:
        renewal.join(timeout=60)
    fresh = tokens.tokenizer()
    assert fresh is not old and len(fresh.vocab) <= tokens._base_vocab + 5
    assert [a.text for a in tokens.atoms("Rp50.000,- 3rb5ratus")] == [
        "Rp", "50.000", ",", "-", "3", "rb", "5", "ratus"]
