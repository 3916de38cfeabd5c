"""Masking of personal data (NIK, phone, email, address) before it is stored in a ticket
or written to a log. The masks themselves are ``bot.identifiers.mask``/``mask_email``."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from bot.identifiers import Phone, check_nik, mask, mask_email, parse_phone

# Keys whose values are personal data, by what the key contains (lower case).
_EMAIL_KEYS = ("email", "surel")
_PERSONAL_KEYS = ("nik", "ktp", "phone", "telepon", "telp", "hp", "mobile", "pstn", "msisdn",
                  "caller", "address", "alamat")

@lru_cache(maxsize=4096)
def cached_parse_phone(text: str) -> Phone | None:
    """``bot.identifiers.parse_phone``, remembered: libphonenumber's parsing is the most
    expensive step of a registration or a CRM look-up, and the same numbers come back."""
    return parse_phone(text)


_DIGIT_RUN = re.compile(r"\+?\d[\d\- .]{6,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _is_personal_key(key: str, words: tuple[str, ...]) -> bool:
    parts = re.split(r"[^a-z0-9]+", key.lower())
    return any(word in parts or key.lower() == word for word in words) or any(
        part.startswith(word) for part in parts for word in words if len(word) > 3
    )


def scrub_text(text: str) -> str:
    """Free text with NIKs, phone numbers and email addresses in it masked."""

    def digits(match: re.Match) -> str:
        value = match.group(0)
        compact = re.sub(r"\D", "", value)
        if (len(compact) == 16 and check_nik(compact).valid) or cached_parse_phone(value):
            return mask(compact) or ""
        return value

    text = _EMAIL.sub(lambda match: mask_email(match.group(0)) or "", text)
    return _DIGIT_RUN.sub(digits, text)


def mask_personal_data(value: Any, key: str = "", inherited: str = "") -> Any:
    """A copy of ``value`` (JSON-like) with personal data masked, recursively. Everything
    under a personal key is masked, however it is nested ({"address": {"street": ...}})."""
    kind = inherited
    if key and _is_personal_key(key, _EMAIL_KEYS):
        kind = kind or "email"
    elif key and _is_personal_key(key, _PERSONAL_KEYS):
        kind = kind or "personal"
    if isinstance(value, dict):
        return {name: mask_personal_data(item, str(name), kind) for name, item in value.items()}
    if isinstance(value, list):
        return [mask_personal_data(item, "", kind) for item in value]
    if value is None or isinstance(value, bool):
        return value
    if kind == "email":
        return mask_email(str(value))
    if kind == "personal":
        return mask(str(value))
    if isinstance(value, str):
        return scrub_text(value)
    return value


_PATH_NUMBER = re.compile(r"\+?\d[\d\- .]{3,}\d")


def mask_path(path: str) -> str:
    """A URL path fit for a log: numbers (IDPEL, meter, phone in any form) keep only their
    last 4 digits."""
    return _PATH_NUMBER.sub(
        lambda match: mask(re.sub(r"\D", "", match.group(0))) or "", unquote(path)
    )
