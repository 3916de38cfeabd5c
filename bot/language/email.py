"""E-mail addresses, written ("budi@gmail.com") or spoken ("budi at gmail titik com").

Spoken forms: "at"/"et"/"keong"/"a keong"/"@" for @; "titik"/"dot" for "."; "garis bawah"/
"underscore" for "_"; "strip"/"setrip"/"minus"/"dash" for "-"; spoken digits become
digits ("budi delapan lima" -> "budi85").

The local part runs back from the @ to the start of the message, a punctuation mark or a
word that cannot be part of an address ("email", "saya", "ke", "adalah", ...). Words
with nothing spoken between them are joined ("budi santoso" -> "budisantoso": an address
has no spaces, speech recognisers split names), but at most two: three or more bare words
before the @ ("halo selamat pagi budi at ...") cannot be told apart from chatter, so the
message gives no address. The domain needs at least one dot and a final label of two
letters or more: "budi at gmail" gives nothing (".com" is not invented).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.language.lexicon import DIGIT_WORDS
from bot.language.tokens import NUM, SYM, WORD, Sentence

_WRITTEN = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
_VALID = re.compile(r"[a-z0-9](?:[a-z0-9._%+-]*[a-z0-9])?@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")

AT_WORDS = frozenset({"at", "et", "keong"})
DOT_WORDS = frozenset({"titik", "dot"})
DASH_WORDS = frozenset({"strip", "setrip", "minus", "dash"})
UNDERSCORE_WORDS = frozenset({"underscore"})
# Words that end the local part going backwards.
STOP_WORDS = frozenset({
    "email", "e", "mail", "emailnya", "imel", "imelnya", "emel", "surel", "surat",
    "elektronik", "alamat", "alamatnya", "saya", "sy", "aku", "ku", "gue", "gw", "kami",
    "ke", "kirim", "kirimkan", "dikirim", "adalah", "yaitu", "yakni", "ini", "itu", "nya",
    "di", "ya", "iya", "yg", "yang", "pak", "bu", "bapak", "ibu", "tolong", "mohon", "pakai",
    "pake", "dong", "aja", "saja", "sih", "kak", "mas", "mbak", "punya", "my", "is", "the",
    "nama", "dan", "atau", "ok", "oke", "betul", "benar", "halo", "hallo", "selamat",
    "pagi", "siang", "sore", "malam", "terima", "kasih", "makasih", "boleh", "bisa", "ada",
    "lewat", "via", "untuk", "buat", "dengan", "dgn", "sama", "jadi", "juga",
})
MAX_BARE_WORDS = 2


@dataclass(frozen=True, slots=True)
class EmailMention:
    address: str  # lower case
    start: int  # offsets in the original text
    end: int
    spoken: bool


def find_written_emails(s: Sentence) -> list[EmailMention]:
    """Addresses typed as such; their atoms are claimed."""
    found: list[EmailMention] = []
    for match in _WRITTEN.finditer(s.text):
        address = match.group(0).lower()
        if not _VALID.fullmatch(address):
            continue
        found.append(EmailMention(address, match.start(), match.end(), False))
        for k, atom in enumerate(s.atoms):
            if atom.start >= match.start() and atom.end <= match.end():
                s.used[k] = True
    return found


def _domain(s: Sentence, i: int) -> tuple[str, int] | None:
    """The domain starting at atom ``i``: (domain, last atom index)."""
    labels: list[str] = []
    k = i
    while True:
        if not s.free(k) or s.atoms[k].kind not in (WORD, NUM) or (k > i and not s.spaced(k)):
            break
        labels.append(s.atoms[k].lower)
        nxt = k + 1
        if not s.free(nxt) or not s.spaced(nxt):
            break
        separator = s.atoms[nxt]
        if not (separator.lower in DOT_WORDS or separator.text == "."):
            break
        if not s.free(nxt + 1) or not s.spaced(nxt + 1) or s.atoms[nxt + 1].kind != WORD and s.atoms[nxt + 1].kind != NUM:
            break
        k = nxt + 1
    if len(labels) < 2 or not labels[-1].isalpha() or len(labels[-1]) < 2:
        return None
    return ".".join(labels), k


def _local_part(s: Sentence, at: int) -> tuple[str, int] | None:
    """The local part ending just before atom ``at``: (local part, first atom index)."""
    parts: list[str] = []
    bare_run = 0
    max_bare_run = 0
    k = at - 1
    first = at
    while k >= 0 and s.free(k) and s.spaced(k + 1):
        atom = s.atoms[k]
        step = 1
        if atom.kind == WORD:
            w = atom.lower
            if w in STOP_WORDS:
                break
            if w == "bawah" and s.word(k - 1) == "garis" and s.spaced(k):
                piece, step = "_", 2
            elif w in UNDERSCORE_WORDS:
                piece = "_"
            elif w in DOT_WORDS:
                piece = "."
            elif w in DASH_WORDS:
                piece = "-"
            elif w in DIGIT_WORDS:
                piece = str(DIGIT_WORDS[w])
            else:
                piece = w
        elif atom.kind == NUM and atom.text.isdigit():
            piece = atom.text
        elif atom.kind == SYM and atom.text in "._-":
            piece = atom.text
        else:
            break
        if atom.kind == WORD and piece == atom.lower:
            bare_run += 1
            max_bare_run = max(max_bare_run, bare_run)
        else:
            bare_run = 0
        parts.append(piece)
        first = k - step + 1
        k -= step
    if not parts or max_bare_run > MAX_BARE_WORDS:
        return None
    return "".join(reversed(parts)), first


def find_spoken_emails(s: Sentence) -> list[EmailMention]:
    """Addresses dictated word by word; their atoms are claimed."""
    found: list[EmailMention] = []
    for at, atom in enumerate(s.atoms):
        if not s.free(at) or not (atom.lower in AT_WORDS or atom.text == "@"):
            continue
        local_end = at
        if atom.lower == "keong" and s.word(at - 1) == "a" and s.spaced(at):  # "a keong" = @
            local_end = at - 1
        local = _local_part(s, local_end)
        domain = _domain(s, at + 1) if s.spaced(at + 1) else None
        if local is None or domain is None:
            continue
        address = f"{local[0]}@{domain[0]}"
        if not _VALID.fullmatch(address):
            continue
        first, last = local[1], domain[1]
        found.append(EmailMention(address, s.atoms[first].start, s.atoms[last].end, True))
        s.claim(first, last)
    return found


def find_emails(s: Sentence) -> list[EmailMention]:
    return find_written_emails(s) + find_spoken_emails(s)
