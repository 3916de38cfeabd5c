"""Reading short answers: yes/no, owner or authorised, a person's name, an address.

The NLU's intent decides first; a few unambiguous words decide when the intent is not a
yes/no one (a "iya bener" classified as inform still means yes). Anything else is
"not understood" (None), and the form asks again with a hint.
"""

from __future__ import annotations

import re

from bot.sop.flow import AUTHORISED, OWNER

YES_INTENTS = {"affirm"}
NO_INTENTS = {"deny", "not_ready"}

_YES_WORDS = {"ya", "iya", "iyah", "iyaa", "yaa", "y", "yoi", "yup", "yes", "ok", "oke", "okay",
              "okey", "sip", "siap", "gas", "boleh", "lanjut", "lanjutkan", "bener", "benar",
              "betul", "sudah", "udah", "sdh", "bisa", "mau", "setuju", "nggih", "muhun", "jelas"}
_NO_WORDS = {"tidak", "tdk", "nggak", "ngga", "enggak", "engga", "gak", "ga", "ndak", "nda",
             "belum", "blm", "jangan", "no", "bukan", "batal"}
_WORD = re.compile(r"[a-z]+")


# Emoji that mean yes in a chat; any other message without a letter or a digit ("😀😀",
# "...") is no answer, whatever intent the NLU gave it (it classifies emoji as affirm).
_YES_SYMBOLS = {"\U0001F44D", "\U0001F44C", "\u2705", "\u2714", "\u2611", "\U0001F646"}
_NO_SYMBOLS = {"\U0001F44E", "\u274C", "\u2716", "\U0001F645"}


def _symbols_only(text: str) -> bool:
    return not any(char.isalnum() for char in text)


def yes_no(intent: str | None, text: str) -> bool | None:
    """True for yes, False for no, None when the answer is neither (or both)."""
    if _symbols_only(text):
        symbols = {char for char in text if not char.isspace() and char != "\uFE0F"}
        symbols = {char for char in symbols if not 0x1F3FB <= ord(char) <= 0x1F3FF}  # skin tone
        if symbols and symbols <= _YES_SYMBOLS:
            return True
        if symbols and symbols <= _NO_SYMBOLS:
            return False
        return None
    if intent in YES_INTENTS:
        return True
    if intent in NO_INTENTS:
        return False
    words = _WORD.findall(text.lower())
    if not words or len(words) > 4:
        return None
    said_yes = any(word in _YES_WORDS for word in words)
    said_no = any(word in _NO_WORDS for word in words)
    if said_yes != said_no:
        return said_yes
    return None


_NOT_NOW = re.compile(r"\b(nanti(\s+(saja|aja|dulu|deh))?|lain\s+kali|pikir[\s-]*pikir|"
                     r"(di)?pertimbangkan|mikir\s+dulu|tunda)\b")


def proceed(intent: str | None, text: str) -> bool | None:
    """Step 11 "Apakah proses tambah daya akan dilanjutkan?": "nanti saja", "pikir-pikir
    dulu" mean not now (no); otherwise a yes/no answer."""
    if _NOT_NOW.search(text.lower()):
        return False
    return yes_no(intent, text)


GOODBYE_INTENTS = {"goodbye", "thanks"}


_ENOUGH_FIRST = {"sudah", "udah", "sdh", "dah", "cukup"}
_ENOUGH = re.compile(r"\b(itu\s+(saja|aja|doang)|cukup)\b")


def more_help(intent: str | None, text: str) -> bool | None:
    """Step 20 "Ada lagi yang bisa dibantu?": "cukup", "sudah", "itu saja, terima kasih"
    (goodbye or thanks) mean no more; otherwise a yes/no answer."""
    if intent in GOODBYE_INTENTS:
        return False
    words = _WORD.findall(text.lower())
    if (words and words[0] in _ENOUGH_FIRST and len(words) <= 3) or _ENOUGH.search(text.lower()):
        return False
    return yes_no(intent, text)


_NOT_CLEAR = re.compile(r"\b(belum|kurang|tidak|tdk|gak|ga|nggak|ngga|enggak|masih\s+belum)\s+"
                        r"(begitu\s+|terlalu\s+)?(jelas|paham|ngerti|mengerti)\b")


def info_clear(intent: str | None, text: str) -> bool | None:
    """Step 18 "Apakah informasinya sudah jelas?": "belum jelas", "kurang jelas",
    "maksudnya?" (the NLU's ask_repeat) mean not clear; thanks mean clear; otherwise a
    yes/no answer."""
    if intent == "ask_repeat" or _NOT_CLEAR.search(text.lower()):
        return False
    if intent in GOODBYE_INTENTS:  # "oke, terima kasih" after the explanation
        return True
    return yes_no(intent, text)


_OWNER_WORDS = re.compile(r"\b(pemilik\w*|punya saya|milik saya|rumah saya|atas nama saya|"
                          r"saya sendiri)\b")
_AUTHORISED_WORDS = re.compile(r"\b(kuasa\w*|dikuasakan|wakil\w*|mewakili|disuruh|anak\w*|"
                               r"istri\w*|suami\w*|penyewa|ngontrak|kontrak|keluarga\w*|"
                               r"saudara\w*|orang ?tua\w*)\b")


def applicant_role(intent: str | None, text: str) -> str | None:
    """"owner" or "authorised" (SOP step 12), or None when it cannot be told."""
    if intent == "owner":
        return OWNER
    if intent == "authorised":
        return AUTHORISED
    lowered = text.lower()
    authorised = bool(_AUTHORISED_WORDS.search(lowered))
    owner = bool(_OWNER_WORDS.search(lowered)) and not re.search(r"\bbukan\b", lowered)
    if authorised != owner:
        return AUTHORISED if authorised else OWNER
    return None


_NAME_PREFIX = re.compile(
    r"^(?:(?:nama|nm)\s+(?:saya|sy|aku|lengkap(?:nya)?)?|saya|sy|aku|dengan|dgn|ini|"
    r"atas\s+nama|a\.?n\.?)\b[\s:,.-]*", re.IGNORECASE)
_TITLES = {"bapak": "Bapak", "pak": "Bapak", "bp": "Bapak", "bpk": "Bapak", "ibu": "Ibu",
           "bu": "Ibu", "mas": "Bapak", "mbak": "Ibu", "mba": "Ibu", "sdr": "Bapak/Ibu"}
_NAME_CHARS = re.compile(r"^[A-Za-z][A-Za-z .'\-]*$")
MAX_NAME_LENGTH = 60
_ACRONYMS = {"pt", "cv", "ud", "pd", "fa", "kud", "rs", "rsud", "sd", "smp", "sma", "smk"}


def person_name(text: str) -> tuple[str | None, str | None]:
    """(title, name) from "nama saya Budi Santoso", "dengan ibu siti", "Joko".

    The name is title-cased; None when the text does not look like a name (digits,
    too long, no letters)."""
    rest = text.strip()
    for _ in range(3):  # "nama saya ibu ..." peels two prefixes
        stripped = _NAME_PREFIX.sub("", rest, count=1).strip()
        if stripped == rest:
            break
        rest = stripped
    rest = rest.strip(" .,!?")
    title = None
    first, _, remainder = rest.partition(" ")
    if first.lower().strip(".") in _TITLES and remainder:
        title, rest = _TITLES[first.lower().strip(".")], remainder.strip()
    if not rest or len(rest) > MAX_NAME_LENGTH or not _NAME_CHARS.match(rest):
        return title, None
    if len(rest.replace(" ", "")) < 2:
        return title, None
    return title, " ".join(part.upper() if part.lower() in _ACRONYMS else part.capitalize()
                           for part in rest.split())


_ORGANISATION = re.compile(
    r"^(pt|cv|ud|pd|fa|firma|koperasi|kud|yayasan|toko|warung|bengkel|hotel|restoran|"
    r"rumah\s+makan|rm|masjid|musholla|mushola|gereja|pura|vihara|klenteng|pesantren|"
    r"pondok|sekolah|sd|smp|sma|smk|universitas|rs|rsud|klinik|puskesmas|kantor|dinas)\b",
    re.IGNORECASE)


def is_organisation(name: str) -> bool:
    """"PT Sinar Plastik", "Masjid Al-Ikhlas": addressed by name alone."""
    return bool(_ORGANISATION.match(name.strip()))


def caller_display(title: str | None, name: str) -> str:
    """How a caller who gave their name (step 2) is addressed: "Ibu Rina Marlina" with a
    title, the name alone for an organisation, else "Bapak/Ibu Rina" (the SOP's form when
    the title is not known)."""
    if title and title != "Bapak/Ibu":
        return f"{title} {name}"
    if is_organisation(name):
        return name
    return f"Bapak/Ibu {name}"


MIN_ADDRESS_LENGTH = 10
MAX_ADDRESS_LENGTH = 200


def address(text: str) -> str | None:
    """A postal address as given, tidied; None when too short, too long or without a
    word (a street name) in it."""
    tidy = re.sub(r"\s+", " ", text).strip(" .,")
    tidy = re.sub(r"^(?:alamat(?:nya)?(?:\s+saya)?|alamat\s+pemohon)\s*[:,-]?\s*", "", tidy,
                  flags=re.IGNORECASE)
    if not MIN_ADDRESS_LENGTH <= len(tidy) <= MAX_ADDRESS_LENGTH:
        return None
    if not re.search(r"[A-Za-z]{3,}", tidy):
        return None
    return tidy
