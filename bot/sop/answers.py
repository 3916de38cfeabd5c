"""Reading short answers: yes/no, owner or authorised, a person's name, an address.

The NLU's intent decides first; a few unambiguous words decide when the intent is not a
yes/no one (a "iya bener" classified as inform still means yes). Anything else is
"not understood" (None), and the form asks again with a hint.
"""

from __future__ import annotations

import re

from bot.sop.perubahan_daya.flow import AUTHORISED, OWNER

YES_INTENTS = {"affirm"}
NO_INTENTS = {"deny", "not_ready"}

_YES_WORDS = {"ya", "iya", "iyah", "iyaa", "yaa", "y", "yoi", "yup", "yes", "ok", "oke", "okay",
              "okey", "sip", "siap", "gas", "boleh", "lanjut", "lanjutkan", "bener", "benar",
              "betul", "sudah", "udah", "sdh", "bisa", "mau", "setuju", "nggih", "muhun", "jelas"}
_NO_WORDS = {"tidak", "tdk", "nggak", "ngga", "enggak", "engga", "gak", "ga", "ndak", "nda",
             "belum", "blm", "jangan", "no", "bukan", "batal"}
_WORD = re.compile(r"[a-z]+")
_PARTICLES = {"ya", "yah", "yaa"}
_FILLERS = {"eee", "ee", "eh", "ehm", "em", "anu", "mbak", "mba", "mas", "pak", "bu", "kak",
            "min", "sih", "kok", "deh", "dong", "lho", "loh", "kan", "nih", "tuh", "saya",
            "sy", "aku", "gue"}
_REFUSED = re.compile(r"\b(nggak|ngga|gak|ga|enggak|engga|tidak|tdk|ndak|nda|gk|belum|blm)\s+"
                      r"(mau|bisa|usah|jadi|setuju|bersedia|perlu|pengen|ingin|siap)\b")


# Emoji that mean yes in a chat; any other message without a letter or a digit ("😀😀",
# "...") is no answer, whatever intent the NLU gave it (it classifies emoji as affirm).
_YES_SYMBOLS = {"\U0001F44D", "\U0001F44C", "\u2705", "\u2714", "\u2611", "\U0001F646"}
_NO_SYMBOLS = {"\U0001F44E", "\u274C", "\u2716", "\U0001F645"}


def _symbols_only(text: str) -> bool:
    return not any(char.isalnum() for char in text)


def yes_no(intent: str | None, text: str) -> bool | None:
    """True for yes, False for no, None when the answer is neither (or both)."""
    if _symbols_only(text):
        return _symbols_answer(text)
    if _REFUSED.search(text.lower()):
        return False  # "nggak mau", "ga usah", "tidak bisa": the yes word is negated
    if intent in YES_INTENTS:
        return True
    if intent in NO_INTENTS:
        return False
    before_comma = _answer_before_comma(text)
    if before_comma is not None:
        return before_comma
    return _answer_in_few_words(text)


def _symbols_answer(text: str) -> bool | None:
    """Emoji only: thumbs up, OK, check marks say yes; thumbs down, crosses say no."""
    symbols = {char for char in text if not char.isspace() and char != "\uFE0F"}
    symbols = {char for char in symbols if not 0x1F3FB <= ord(char) <= 0x1F3FF}  # skin tone
    if symbols and symbols <= _YES_SYMBOLS:
        return True
    if symbols and symbols <= _NO_SYMBOLS:
        return False
    return None


def _answer_before_comma(text: str) -> bool | None:
    """"tidak, pakai nomor lain saja": a yes or no before the first comma is the answer,
    whatever explains it after."""
    head, comma, _rest = text.lower().partition(",")
    said = [w for w in _WORD.findall(head) if w not in _FILLERS] if comma else []
    if not said or len(said) > 2:
        return None
    if all(w in _NO_WORDS for w in said):
        return False
    if all(w in _YES_WORDS for w in said):
        return True
    return None


def _answer_in_few_words(text: str) -> bool | None:
    """A yes or a no, not both, in at most four words; fillers and forms of address say
    nothing ("eee udah mbak udah saya siapin")."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _FILLERS]
    if not words or len(words) > 4:
        return None
    # "ya" after other words is a particle ("gimana ya", "berapa ya"), not a yes
    words = [words[0], *(w for w in words[1:] if w not in _PARTICLES)]
    said_yes = any(word in _YES_WORDS for word in words)
    said_no = any(word in _NO_WORDS for word in words)
    if said_yes != said_no:
        return said_yes
    return None


_NOT_NOW = re.compile(r"\b(nanti(\s+(saja|aja|dulu|deh))?|lain\s+kali|pikir[\s-]*pikir|"
                     r"(di)?pertimbangkan|mikir\s+dulu|tunda)\b")


def not_now(text: str) -> bool:
    """"Nanti saja", "lain kali", "pikir-pikir dulu": not now."""
    return bool(_NOT_NOW.search(text.lower()))


def not_now_despite_a_question(question: str | None, text: str) -> bool:
    """"Waduh mahal juga, nanti dulu deh" at "dilanjutkan?" reads like a cost question to
    the NLU; it is the step-11 "no" (11b)."""
    return question == "proceed" and not_now(text)


_LIT_TR_DATA = re.compile(r"\b(lit\s*-?\s*tr|lembaga\s+inspeksi|inspeksi|pemeriksa|daftar|"
                          r"di\s*mana|mana\s+saja|siapa\s+saja)\b")


def asks_for_lit_tr(text: str) -> bool:
    """Step 19b: the customer asks for LIT TR data ("LIT TR nya di mana saja?"), not only
    what an SLO is."""
    return bool(_LIT_TR_DATA.search(text.lower()))


_READY = re.compile(r"\b(ada|lengkap|beres|siap|pegang|punya|sudah|udah|sdh|ready)\b")
_UNREADY = re.compile(r"\b(belum|blm|tidak|tdk|nggak|ngga|gak|ga|enggak|engga|lupa|hilang|"
                      r"ketinggalan|nanti|cari)\b")


def nik_ready(intent: str | None, text: str) -> bool | None:
    """Step 3 "sudah disiapkan?": readiness in the customer's words ("KTP-nya sudah saya
    pegang", "ada, lengkap", "beres semua") is a yes, whatever the NLU made of it; a
    question or any "belum"/"lupa" is read as a yes/no answer."""
    lowered = text.lower()
    if "?" not in text and not _UNREADY.search(lowered) and _READY.search(lowered):
        return True
    return yes_no(intent, text)


_ARREARS = re.compile(r"\b(tunggak\w*|lunas\w*|dilunasi|melunasi|pelunasan|kewajiban|"
                      r"bayar\w*|tagihan\w*)\b")


def about_the_arrears(text: str) -> bool:
    """"Tunggakannya berapa?", "kok masih ada, saya kira sudah lunas?", "bisa dilunasi
    lewat apa?": a question about arrears just mentioned."""
    return bool(_ARREARS.search(text.lower()))


def lsp_wanted(intent: str | None, text: str) -> bool | None:
    """Step 19c, the offer of Layanan Satu Pintu: "nanti saja", "urus sendiri" or a "no"
    decline it; otherwise a yes/no answer."""
    if intent == "cancel" or _NOT_NOW.search(text.lower()) or _ON_MY_OWN.search(text.lower()):
        return False
    if more_help(intent, text) is False:  # "cukup", "sudah itu saja": nothing more wanted
        return False
    return yes_no(intent, text)


_ON_MY_OWN = re.compile(r"\b(urus|cari|pilih)\s+sendiri\b")


def proceed(intent: str | None, text: str) -> bool | None:
    """Step 11 "Apakah proses tambah daya akan dilanjutkan?": "nanti saja", "pikir-pikir
    dulu", "ga jadi deh" mean not now (no); otherwise a yes/no answer."""
    if intent == "cancel" or _NOT_NOW.search(text.lower()):
        return False  # "ga jadi deh" here is the SOP's "no" (step 11b), not a cancel
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
    rest = _ROLE.sub("", rest.partition(",")[0]).strip(" .,!?")  # "Wayan, pengelola villa"
    title = None
    first, _, remainder = rest.partition(" ")
    if first.lower().strip(".") in _TITLES and remainder:
        title, rest = _TITLES[first.lower().strip(".")], remainder.strip()
    if not rest or len(rest) > MAX_NAME_LENGTH or not _NAME_CHARS.match(rest):
        return title, None
    if len(rest.replace(" ", "")) < 2 or _answer_words_only(rest):
        return title, None  # "sudah" answers a question; it is nobody's name
    return title, " ".join(part.upper() if part.lower() in _ACRONYMS else part.capitalize()
                           for part in rest.split())


# What follows a name and says who the caller is: "Bu Ratna dari CV Sinar", "pak Bambang
# selaku bendahara yayasan" (after a comma anything is: "saya Wayan, pengelola villa").
_ROLE = re.compile(r"\s+(dari|selaku|sebagai|mewakili|bagian|pengelola|pengurus|bendahara|"
                   r"sekretaris|ketua|direktur|manajer|manager|staf|staff|admin|karyawan|"
                   r"pegawai|penjaga|pemilik|penyewa|anak|istri|suami)\b.*$", re.IGNORECASE)


def _answer_words_only(text: str) -> bool:
    """"Sudah", "iya", "tidak": an answer to a yes/no question, never a name."""
    words = _WORD.findall(text.lower())
    return bool(words) and all(w in _YES_WORDS | _NO_WORDS | _FILLERS for w in words)


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


# --- "yakin ingin membatalkan?" ------------------------------------------------------

_KEEP_GOING = re.compile(r"\b(jangan|gak|ga|nggak|ngga|enggak|engga|tidak|tdk|ndak|nda|"
                         r"belum|gajadi)\b[\w\s]*\bbatal|\blanjut\w*|\bjangan\b|\bteruskan\b")
_CANCEL_WORDS = re.compile(r"\b(batal\w*|cancel\w*|stop|udahan|sudahan|beneran|serius|"
                           r"yakin)\b")


def cancel_confirmation(intent: str | None, text: str) -> bool | None:
    """The answer to "yakin ingin membatalkan?": True cancels ("iya, batalin aja", "ya udah
    batal", "beneran batal"), False goes on ("eh jangan", "lanjut aja", "nggak jadi
    batal"), None when it cannot be told."""
    lowered = text.lower()
    if _KEEP_GOING.search(lowered):
        return False
    if intent == "cancel" or _CANCEL_WORDS.search(lowered):
        return True
    return yes_no(intent, text)


# --- "maksudnya?" ------------------------------------------------------------------

_REPEAT = re.compile(r"\?|\b(maksud\w*|apa(an|a)?|gimana|bagaimana|gmn|(di)?ulang\w*|lagi|"
                     r"jelas\w*|ngerti|paham|pardon|what|sorry|hah|ha|hm+|eh)\b")


def asks_to_repeat(text: str) -> bool:
    """Whether a message the NLU calls "ask_repeat" reads as one ("maksudnya?", "apa
    tadi?", "bisa diulang?"), not as an answer it resembles ("dengan pak hadi")."""
    return bool(_REPEAT.search(text.lower()))


# --- corrections -----------------------------------------------------------------------

_CORRECTION_MARKERS = re.compile(
    r"\b(salah|ralat|koreksi|revisi|maksud\s*(saya|sy|aku|ku|nya)|maksudnya|ganti|diganti|"
    r"ubah|diubah|gantinya|bukan\b.*\b(tapi|tp|melainkan))\b")


def is_correction(intent: str | None, text: str) -> bool:
    """Whether the customer changes an earlier answer ("eh salah, dayanya 4.400 aja",
    "ralat nomornya 0812...") rather than answering the question asked: only a correction
    marker or the NLU's ``correct`` makes it one."""
    return intent == "correct" or bool(_CORRECTION_MARKERS.search(text.lower()))


# --- step 7: AP2T's alternative -------------------------------------------------------

def alternative_accepted(intent: str | None, text: str, mentioned_va: int | None,
                         target_va: int | None, alternative_va: int | None) -> bool | None:
    """"Bersedia ke daya <alternative>?": naming the power first wanted is a refusal
    ("nggak, saya maunya tetap 4400"), naming the alternative an acceptance unless it is
    refused in words; otherwise a yes/no answer."""
    answer = yes_no(intent, text)
    if mentioned_va is not None and mentioned_va == target_va:
        return False
    if mentioned_va is not None and mentioned_va == alternative_va:
        return answer is not False
    return answer


# --- step 8: "yang disarankan" -------------------------------------------------------

_ADVICE = re.compile(r"\b((yang\s+)?(di)?sarankan|sesuai\s+saran\w*|ikut\s+saran\w*|"
                     r"saran(nya)?\s+(aja|saja|deh)|rekomendasi\w*|yang\s+direkomendasikan)\b")


def takes_the_advice(text: str) -> bool:
    """"Yang disarankan saja", "sesuai saran": the stroom awal the assistant advised."""
    return bool(_ADVICE.search(text.lower()))


# --- a choice from a short list (step 19c: the LIT TR) ---------------------------------

_ORDINALS = {"1": 0, "satu": 0, "pertama": 0, "kesatu": 0, "2": 1, "dua": 1, "kedua": 1,
             "3": 2, "tiga": 2, "ketiga": 2, "4": 3, "empat": 3, "keempat": 3}
MIN_CHOICE_SCORE = 80


def choice(text: str, options: list[str]) -> int | None:
    """The index of the option the customer chose: by position ("yang pertama", "2",
    "nomor dua") or by name, typos tolerated ("inspeksi listrik", "cv laik"); None when
    nothing or more than one option fits."""
    from rapidfuzz import fuzz

    lowered = text.lower()
    positions = {_ORDINALS[word] for word in _WORD_OR_DIGIT.findall(lowered)
                 if word in _ORDINALS and _ORDINALS[word] < len(options)}
    if len(positions) == 1:
        return positions.pop()
    if positions:
        return None
    scores = [fuzz.partial_token_set_ratio(lowered, option.lower()) for option in options]
    best = max(scores, default=0)
    if best < MIN_CHOICE_SCORE or scores.count(best) > 1:
        return None
    return scores.index(best)


_WORD_OR_DIGIT = re.compile(r"[a-z]+|\d+")
