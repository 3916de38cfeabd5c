"""Phrases that depend on the clock: SOP steps 1 and 21 (greeting) and 22 (intimacy).

Boundaries from ``../shared/spec/sop-behaviour.md``, in the configured zone:
- step 1/21: pagi 04:00-10:59, siang 11:00-14:59, sore 15:00-17:59, malam 18:00-03:59;
- step 22: 07:00-14:59 "Selamat beraktifitas", 19:00-03:59 "Selamat beristirahat",
  otherwise "Semoga sehat selalu".
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

# Step 1: "PLN 123 selamat pagi, dengan <nama CSO> bisa dibantu?": the assistant's name
# unless the stack names it (``bot.conversation_settings.assistant_name``).
DEFAULT_ASSISTANT_NAME = "Asisten Virtual PLN 123"


class DayPart(str, Enum):
    PAGI = "pagi"
    SIANG = "siang"
    SORE = "sore"
    MALAM = "malam"


class Intimacy(str, Enum):
    BERAKTIFITAS = "beraktifitas"
    BERISTIRAHAT = "beristirahat"
    SEHAT = "sehat"


INTIMACY_TEXT = {
    Intimacy.BERAKTIFITAS: "Selamat beraktifitas",
    Intimacy.BERISTIRAHAT: "Selamat beristirahat",
    Intimacy.SEHAT: "Semoga sehat selalu",
}


def day_part(moment: dt.datetime | dt.time) -> DayPart:
    hour = moment.hour
    if 4 <= hour < 11:
        return DayPart.PAGI
    if 11 <= hour < 15:
        return DayPart.SIANG
    if 15 <= hour < 18:
        return DayPart.SORE
    return DayPart.MALAM


def intimacy(moment: dt.datetime | dt.time) -> Intimacy:
    hour = moment.hour
    if 7 <= hour < 15:
        return Intimacy.BERAKTIFITAS
    if hour >= 19 or hour < 4:
        return Intimacy.BERISTIRAHAT
    return Intimacy.SEHAT
