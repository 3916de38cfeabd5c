"""bot.places: typo-tolerant, conservative kecamatan/kelurahan matching (no Rasa)."""

import pytest

from bot.places import find_places, load_areas, match_place, place_entities


@pytest.fixture(scope="module")
def areas():
    return load_areas()


@pytest.fixture(scope="module")
def names(areas):
    return set(areas) | {k for ks in areas.values() for k in ks}


def test_seed_areas_loaded(areas):
    assert areas["Coblong"][0] == "Dago"
    assert "Tebet Barat" in areas["Tebet"]
    assert "Dr. Sutomo" in areas["Tegalsari"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("kel. dago", "Dago"),
        ("Kelurahan DAGO", "Dago"),
        ("ciumbulit", "Ciumbuleuit"),  # two letters dropped
        ("tebet brt", "Tebet Barat"),
        ("tebet timur", "Tebet Timur"),
        ("kec coblong", "Coblong"),
        ("coblonh", "Coblong"),
        ("sukajdi", "Sukajadi"),
        ("ciumbuleit", "Ciumbuleuit"),
        ("ciumbeluit", "Ciumbuleuit"),
        ("kel dokter sutomo", "Dr. Sutomo"),
        ("dr. soetomo", "Dr. Sutomo"),
        ("manggarai sltn", "Manggarai Selatan"),
        ("kebayoran", "Kebayoran Baru"),
        ("tegal sari", "Tegalsari"),
    ],
)
def test_match_place_tolerates_typos_and_abbreviations(names, text, expected):
    assert match_place(text, names)[0][0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "mau tambah daya",
        "iya betul",
        "budi santoso",
        "sekolah",            # close to Sekeloa, but a word
        "pandangan saya",     # Pandang + suffix: not a place
        "dgo",                # short names must be exact
        "lebak",              # starts two names: ambiguous, no guess
        "532110000101",
        "",
    ],
)
def test_match_place_is_conservative(names, text):
    assert match_place(text, names) == []


def test_two_places_with_spans(names):
    text = "sukajadi pasteur"
    found = find_places(text, names)
    assert [(m.name, text[m.start:m.end]) for m in found] == [
        ("Sukajadi", "sukajadi"), ("Pasteur", "pasteur")]


def test_longest_name_wins(names):
    assert match_place("manggarai selatan", names)[0] == ("Manggarai Selatan", 100.0)
    assert [m.name for m in find_places("tebet barat", names)] == ["Tebet Barat"]


def test_candidates_restrict_matches():
    assert match_place("dago", ["Pasteur", "Cipedes"]) == []
    assert match_place("psteur", ["Pasteur", "Cipedes"])[0][0] == "Pasteur"


def _typed(text, areas):
    return [(e["entity"], e["value"], text[e["start"]:e["end"]])
            for e in place_entities(text, areas)]


def test_entities_typed_by_name(areas):
    assert _typed("kecamatan coblong kelurahan dago", areas) == [
        ("kecamatan", "Coblong", "coblong"), ("kelurahan", "Dago", "dago")]
    assert _typed("sukajadi pasteur", areas) == [
        ("kecamatan", "Sukajadi", "sukajadi"), ("kelurahan", "Pasteur", "pasteur")]


def test_entities_typed_by_cue_for_ambiguous_names(areas):
    # Gubeng is both a kecamatan and a kelurahan
    assert _typed("kec gubeng", areas) == [("kecamatan", "Gubeng", "gubeng")]
    assert _typed("kel. gubeng", areas) == [("kelurahan", "Gubeng", "gubeng")]
    assert _typed("kelurahannya gubeng kecamatannya gubeng juga", areas) == [
        ("kelurahan", "Gubeng", "gubeng"), ("kecamatan", "Gubeng", "gubeng")]


def test_ambiguous_name_typed_by_the_other_place(areas):
    assert _typed("gubeng airlangga", areas) == [
        ("kecamatan", "Gubeng", "gubeng"), ("kelurahan", "Airlangga", "airlangga")]
    assert _typed("gubeng, kertajaya", areas)[0][0] == "kecamatan"


def test_ambiguous_name_alone_gives_both(areas):
    assert {e for e, _, _ in _typed("gubeng", areas)} == {"kecamatan", "kelurahan"}


def test_seed_file_from_env(tmp_path, monkeypatch):
    seed = tmp_path / "seed.yaml"
    seed.write_text("units:\n  - code: '1'\n    areas:\n      Alpha: [Beta, Gamma Raya]\n")
    monkeypatch.setenv("PLN_SEED_FILE", str(seed))
    assert load_areas() == {"Alpha": ["Beta", "Gamma Raya"]}


def test_street_names_are_not_areas(areas):
    assert _typed("alamat saya jl dago no 12", areas) == []
    assert _typed("jalan gunung raya 8, kelurahan gunung", areas) == [
        ("kelurahan", "Gunung", "gunung")]
