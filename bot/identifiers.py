"""Indonesian identifiers: IDPEL, meter number, NIK and phone numbers.

One place for these rules, used by the back-office simulator (to refuse malformed input)
and by the language layer (to tell which identifier a customer gave). Rules and sources:
``../shared/spec/domain-reference.md`` ("Identifiers").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

import phonenumbers
from phonenumbers import PhoneNumberType

IDPEL_LENGTH = 12
METER_NUMBER_LENGTH = 11
NIK_LENGTH = 16

# Kepmendagri 300.2.2-2138/2025: the 38 provinces' codes (the first two NIK digits).
NIK_PROVINCE_CODES: dict[str, str] = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau",
    "15": "Jambi", "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
    "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau", "31": "DKI Jakarta",
    "32": "Jawa Barat", "33": "Jawa Tengah", "34": "DI Yogyakarta", "35": "Jawa Timur",
    "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat", "62": "Kalimantan Tengah", "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara",
    "75": "Gorontalo", "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara",
    "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah",
    "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}

_NOT_ASCII_DIGITS = re.compile(r"[^0-9]+")  # \D would keep "５" or "²", which are not IDs
_ASCII_DIGITS = re.compile(r"[0-9]+")


def digits_only(text: str) -> str:
    """The digits of ``text``, in order (spaces, dashes, dots and the like dropped)."""
    return _NOT_ASCII_DIGITS.sub("", text)


def is_idpel(value: str) -> bool:
    return len(value) == IDPEL_LENGTH and bool(_ASCII_DIGITS.fullmatch(value))


def is_meter_number(value: str) -> bool:
    return len(value) == METER_NUMBER_LENGTH and bool(_ASCII_DIGITS.fullmatch(value))


class CustomerNumberKind(str, Enum):
    IDPEL = "idpel"
    METER = "meter"


def customer_number_kind(value: str) -> CustomerNumberKind | None:
    """IDPEL (12 digits) or meter number (11 digits); None for anything else."""
    if is_idpel(value):
        return CustomerNumberKind.IDPEL
    if is_meter_number(value):
        return CustomerNumberKind.METER
    return None


# --- AP2T registration numbers ----------------------------------------------------------

UNIT_CODE_LENGTH = 5
REGISTRATION_SERIAL_LENGTH = 6
# the unit's code, the day of the registration (yymmdd), a serial: 53211 261127 123456
REGISTRATION_NUMBER_LENGTH = UNIT_CODE_LENGTH + 6 + REGISTRATION_SERIAL_LENGTH


def registration_number(unit_code: str, day: dt.date, serial: str) -> str:
    """An AP2T registration number: the unit's code, the day (yymmdd), the serial."""
    return unit_code + day.strftime("%y%m%d") + serial


def is_registration_number(value: str) -> bool:
    """17 digits whose middle six are a real day (yymmdd): what AP2T gives at step 15."""
    if len(value) != REGISTRATION_NUMBER_LENGTH or not _ASCII_DIGITS.fullmatch(value):
        return False
    day = value[UNIT_CODE_LENGTH:UNIT_CODE_LENGTH + 6]
    try:
        dt.datetime.strptime(day, "%y%m%d")
    except ValueError:
        return False
    return True


# --- NIK -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NikCheck:
    """The outcome of checking a NIK; ``problem`` says why it was refused (Indonesian, for
    the back office's API), ``code`` which rule refused it (what the assistant tells the
    customer is the response of domain.yml for that code)."""

    nik: str
    problem: str | None = None
    birth_date: dt.date | None = None
    female: bool | None = None
    code: str | None = None  # length | province | regency | district | month | date | serial

    @property
    def valid(self) -> bool:
        return self.problem is None


def _birth_date(day: int, month: int, yy: int, today: dt.date) -> dt.date | None:
    """The birth date, trying this century then the last (a NIK holds only two year digits).
    A date after ``today`` is not a birth date: the previous century is tried instead."""
    for century in (2000, 1900):
        try:
            born = dt.date(century + yy, month, day)
        except ValueError:
            continue
        if born <= today:
            return born
    return None


def check_nik(text: str, today: dt.date | None = None) -> NikCheck:
    """Check a NIK's form: length, province, kabupaten/kota, kecamatan, date, serial.
    ``today``: the conversation's date (a birth date cannot be later); default the
    machine's.

    Not ``stdnum.id.nik``: it rejects the codes of regions created since about 2012.
    """
    nik = digits_only(text)
    if len(nik) != NIK_LENGTH:
        return NikCheck(nik, f"NIK harus {NIK_LENGTH} digit, yang diterima {len(nik)} digit.", code="length")
    province, regency, district = nik[0:2], nik[2:4], nik[4:6]
    if province not in NIK_PROVINCE_CODES:
        return NikCheck(nik, "Dua digit pertama NIK bukan kode provinsi yang berlaku.", code="province")
    if regency == "00":
        return NikCheck(nik, "Digit ke-3 dan ke-4 NIK bukan kode kabupaten/kota yang berlaku.", code="regency")
    if district == "00":
        return NikCheck(nik, "Digit ke-5 dan ke-6 NIK bukan kode kecamatan yang berlaku.", code="district")
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    if female:
        day -= 40
    if not 1 <= month <= 12:
        return NikCheck(nik, "Bulan lahir pada NIK (digit ke-9 dan ke-10) tidak valid.", code="month")
    born = _birth_date(day, month, yy, today or dt.date.today()) if 1 <= day <= 31 else None
    if born is None:
        return NikCheck(nik, "Tanggal lahir pada NIK (digit ke-7 sampai ke-12) tidak valid.", code="date")
    if nik[12:16] == "0000":
        return NikCheck(nik, "Nomor urut NIK (4 digit terakhir) tidak boleh 0000.", code="serial")
    return NikCheck(nik, None, born, female)


# --- phone numbers ---------------------------------------------------------------------


class PhoneKind(str, Enum):
    MOBILE = "mobile"
    PSTN = "pstn"  # a landline


@dataclass(frozen=True)
class Phone:
    national: str  # "081234500101": how the CRM and the DIL store it
    e164: str  # "+6281234500101"
    kind: PhoneKind


def _national_significant(digits: str) -> str:
    """Strip a leading +62 / 0062 / 62 / 0 from an Indonesian number (digits only), and the
    trunk 0 that some write after the country code ("+62 (0)21 ...")."""
    if digits.startswith("0062"):
        digits = digits[2:]
    if digits.startswith("62") and len(digits) >= 9:
        rest = digits[2:]
        return rest[1:] if rest.startswith("0") else rest
    if digits.startswith("0"):
        return digits[1:]
    return digits


def parse_phone(text: str) -> Phone | None:
    """An Indonesian mobile or landline number in any common form, or None.

    Accepts "+62 812-3450-0101", "6281234500101", "081234500101", "(022) 7001100".
    Toll-free (0800), premium (0809) and other non-personal numbers are refused, as are
    numbers libphonenumber's metadata for ID does not know as valid.
    """
    stripped = text.strip()
    if not stripped or re.search(r"[^0-9\s\-.()+/]", stripped):
        return None
    nsn = _national_significant(digits_only(stripped))
    if not 7 <= len(nsn) <= 12 or nsn[0] in "01":
        return None
    try:
        number = phonenumbers.parse("+62" + nsn)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    number_type = phonenumbers.number_type(number)
    if number_type == PhoneNumberType.MOBILE:
        kind = PhoneKind.MOBILE
    elif number_type in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        kind = PhoneKind.PSTN
    else:
        return None
    return Phone("0" + nsn, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), kind)


# --- masking for logs and tickets -----------------------------------------------------


def mask(value: str | None, keep_end: int = 4) -> str | None:
    """Personal data as it may appear in a log or a ticket: all but the last few characters
    hidden ("************0001"). Short values are hidden whole."""
    if value is None:
        return None
    text = str(value)
    if len(text) <= keep_end * 2:
        return "*" * len(text)
    return "*" * (len(text) - keep_end) + text[-keep_end:]


def mask_address(value: str | None) -> str | None:
    """An address as it may be read to a caller not yet known to be its owner: only its
    last part (the town) in clear ("Jl. Dago No. 12, Bandung" -> "J** **** *** **,
    Bandung")."""
    if not value:
        return value
    head, comma, town = value.rpartition(",")
    if not comma:
        head, town = value, ""
    hidden = re.sub(r"(?<=\w)\w", "*", re.sub(r"\d", "*", head))
    return f"{hidden},{town}" if comma else hidden


def mask_email(value: str | None) -> str | None:
    """``budi@gmail.com`` -> ``b***@gmail.com``."""
    if value is None:
        return None
    local, sep, domain = value.partition("@")
    if not sep:
        return mask(value)
    return (local[:1] + "***" if local else "***") + "@" + domain
