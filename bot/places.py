"""Typo-tolerant, conservative matching of kecamatan/kelurahan names in free text.

Framework-free (no Rasa import): the Rasa NLU component ``bot.nlu.extractor`` wraps it,
and form validation can call the same functions, so NLU and validation share one path.

- ``match_place(text, candidates)``: which of ``candidates`` the text names, best first,
  as ``[(name, score)]`` (score 0-100). "kel. dago" -> [("Dago", 100)],
  "tebet brt" -> [("Tebet Barat", 100)], "sukajdi" -> [("Sukajadi", 93)].
- ``find_places(text, candidates)``: the same with character spans.
- ``place_entities(text, areas)``: kecamatan/kelurahan entities (entity, value, start,
  end) given ``{kecamatan: [kelurahan, ...]}``; cue words ("kec", "kelurahan", "desa")
  decide the type, else the name's own type.
- ``load_areas(path)``: ``{kecamatan: [kelurahan]}`` from the seed fixture
  (``customers.yaml``: ``units[].areas``).

Conservative on purpose: names of 4 letters or fewer ("Dago", "Imbi", "Pulo") must be
spelt exactly; longer names tolerate about one typo per 6-7 letters (and at most that
many letters more or fewer: "pandangan" is not "Pandang"); a single word that
starts exactly one multi-word name ("kebayoran" -> "Kebayoran Baru") is accepted with a
lower score. A wrong place is worse than asking again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

# Abbreviations customers write in place names (after lowercasing, punctuation dropped).
_ABBREVIATIONS = {
    "brt": "barat", "brat": "barat", "bar": "barat",
    "tmr": "timur", "tim": "timur", "tmur": "timur",
    "utr": "utara", "ut": "utara", "utra": "utara",
    "sel": "selatan", "slt": "selatan", "sltn": "selatan", "seltan": "selatan",
    "dokter": "dr", "dr": "dr",
}
KECAMATAN_CUES = frozenset({"kec", "kecamatan", "kecamatannya", "kcmtn", "kecamatanya"})
KELURAHAN_CUES = frozenset({"kel", "kelurahan", "kelurahannya", "kelurahanya", "kelrahan",
                            "desa", "desanya", "kalurahan", "lurah"})
_CUES = KECAMATAN_CUES | KELURAHAN_CUES
# A name right after one of these is a street ("jl dago no 12"), not the area.
STREET_CUES = frozenset({"jl", "jln", "jalan", "gg", "gang", "gng", "komplek", "perum"})
_TOKEN = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class PlaceMatch:
    name: str
    score: float
    start: int
    end: int


def _norm_word(word: str) -> str:
    word = word.lower()
    # old spelling (pre-1972) still seen in names: Soetomo = Sutomo, Djati = Jati
    word = word.replace("oe", "u").replace("dj", "j").replace("tj", "c")
    return _ABBREVIATIONS.get(word, word)


def _norm_words(text: str) -> list[str]:
    return [_norm_word(t) for t in _TOKEN.findall(text)]


def _threshold(normalised_name: str) -> float:
    letters = len(normalised_name.replace(" ", ""))
    if letters <= 4:
        return 100.0
    if letters <= 7:
        return 83.0
    return 85.0


def find_places(text: str, candidates: Iterable[str]) -> list[PlaceMatch]:
    """Non-overlapping mentions of ``candidates`` in ``text``, in text order."""
    names = list(dict.fromkeys(candidates))
    normalised = {n: " ".join(_norm_words(n)) for n in names}
    tokens = [(m.start(), m.end(), _norm_word(m.group())) for m in _TOKEN.finditer(text)]
    if not tokens or not names:
        return []
    return _without_overlaps(_every_match(tokens, normalised))


def _prefix_owners(normalised: Mapping[str, str]) -> dict[str, list[str]]:
    """First words of multi-word names, with the names they start (the "unique prefix" rule)."""
    owners: dict[str, list[str]] = {}
    for n, v in normalised.items():
        words = v.split()
        if len(words) > 1:
            owners.setdefault(words[0], []).append(n)
    return owners


def _every_match(tokens: list[tuple[int, int, str]], normalised: Mapping[str, str]) -> list[PlaceMatch]:
    """The best name for every window of words that names one (windows may overlap)."""
    max_words = max(len(v.split()) for v in normalised.values()) + 1
    prefix_owner = _prefix_owners(normalised)
    found: list[PlaceMatch] = []
    for i in range(len(tokens)):
        for size in range(1, min(max_words, len(tokens) - i) + 1):
            window = tokens[i:i + size]
            words = [w for _, _, w in window]
            if any(w in _CUES for w in words) or words[0].isdigit():
                continue
            best = _best_name(" ".join(words), normalised, prefix_owner if size == 1 else {})
            if best is not None:
                found.append(PlaceMatch(best[0], best[1], window[0][0], window[-1][1]))
    return found


def _best_name(
    phrase: str, normalised: Mapping[str, str], prefix_owner: Mapping[str, list[str]]
) -> tuple[str, float] | None:
    """(name, score) of the candidate ``phrase`` names best, or of the one multi-word name
    a single word of 6 letters or more starts; None when none."""
    best_name, best_score = None, 0.0
    for n, v in normalised.items():
        # a dropped or doubled letter or two ("ciumbulit" for Ciumbuleuit)
        if abs(len(phrase) - len(v)) > max(1, len(v) // 5):
            continue
        score = fuzz.ratio(phrase, v)
        if score >= _threshold(v) and score > best_score:
            best_name, best_score = n, score
    if best_name is not None:
        return best_name, best_score
    owners = prefix_owner.get(phrase, []) if len(phrase) >= 6 else []
    if len(owners) == 1 and phrase not in normalised.values():
        return owners[0], 80.0
    return None


def _without_overlaps(found: list[PlaceMatch]) -> list[PlaceMatch]:
    """Greedy: best score first, then the longer span; overlapping matches dropped; in text
    order."""
    found = sorted(found, key=lambda m: (-m.score, -(m.end - m.start), m.start))
    chosen: list[PlaceMatch] = []
    for m in found:
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)


def match_place(text: str, candidates: Iterable[str]) -> list[tuple[str, float]]:
    """Names from ``candidates`` mentioned in ``text``, best score first (no duplicates)."""
    best: dict[str, float] = {}
    for m in find_places(text, candidates):
        best[m.name] = max(best.get(m.name, 0.0), m.score)
    return sorted(best.items(), key=lambda item: -item[1])


def _cue_before(text: str, start: int) -> str | None:
    """'kecamatan'/'kelurahan' if one of the two words just before ``start`` is a cue,
    'street' if the word just before is a street word."""
    before = [w.lower() for w in _TOKEN.findall(text[:start])][-2:]
    if before and before[-1] in STREET_CUES:
        return "street"
    for word in reversed(before):
        if word in KECAMATAN_CUES:
            return "kecamatan"
        if word in KELURAHAN_CUES:
            return "kelurahan"
    return None


def place_entities(text: str, areas: Mapping[str, Iterable[str]]) -> list[dict]:
    """kecamatan/kelurahan entities in ``text`` given ``{kecamatan: [kelurahan, ...]}``.

    The type comes from a cue word just before the name ("kec coblong", "kel. dago");
    without one, from the name itself. A name that is both ("Gubeng", "Tegalsari") is a
    kelurahan when a kecamatan-only name is also in the message, a kecamatan when a
    kelurahan-only name is, else both entities are returned for the same span (the form
    keeps the one it asked for). A name right after "jl"/"jalan"/"gang" is a street and
    is skipped.
    """
    kecamatan = set(areas)
    kelurahan = {k for ks in areas.values() for k in ks}
    matches = find_places(text, kecamatan | kelurahan)
    typed: list[tuple[PlaceMatch, list[str]]] = []
    for m in matches:
        cue = _cue_before(text, m.start)
        if cue == "street":
            continue
        kinds = [t for t, names in (("kecamatan", kecamatan), ("kelurahan", kelurahan))
                 if m.name in names]
        if cue in kinds:
            kinds = [cue]
        typed.append((m, kinds))
    only = {k[0] for _, k in typed if len(k) == 1}
    out = []
    for m, kinds in typed:
        if len(kinds) == 2:
            if "kecamatan" in only and "kelurahan" not in only:
                kinds = ["kelurahan"]
            elif "kelurahan" in only and "kecamatan" not in only:
                kinds = ["kecamatan"]
        for kind in kinds:
            out.append({"entity": kind, "value": m.name, "start": m.start, "end": m.end,
                        "confidence_entity": round(m.score / 100, 2)})
    return out


def seed_path() -> Path:
    """The seed fixture: $PLN_SEED_FILE, else the project's bot/backoffice/seed/customers.yaml."""
    from bot.backoffice.settings import DataFiles  # one place for where the seed is

    return DataFiles.from_env().seed_file


def load_areas(path: str | os.PathLike | None = None) -> dict[str, list[str]]:
    """``{kecamatan: [kelurahan, ...]}``, the union over the seed's units."""
    from bot.backoffice.records import parse_seed_yaml  # read as the back office reads it

    source = Path(path or seed_path())
    seed = parse_seed_yaml(source.read_text(encoding="utf-8"))
    areas: dict[str, list[str]] = {}
    for unit in seed.get("units", []):
        for kec, kels in (unit.get("areas") or {}).items():
            areas.setdefault(kec, [])
            areas[kec].extend(k for k in kels if k not in areas[kec])
    return areas
