"""Indonesian number and identifier normaliser (framework-free: no Rasa import).

    extract(text, expected=None) -> Extraction   every number with its span, and the
                                                 power, amount, IDPEL/meter, NIK, phone
                                                 and e-mail a message states
    entities(text) -> list[dict]                 {entity, value, start, end} for Rasa
    parse_power / parse_amount / parse_customer_number / parse_nik /
    parse_phone_number / parse_email             one value for form validation
    words_to_number(text)                        "tujuh belas ribu" -> 17000
    warm_up()                                    load spaCy at start-up (slow import)
"""

from bot.language.digits import Expectation
from bot.language.extract import Entity, Extraction, MentionKind, NumberMention, extract
from bot.language.numbers import words_to_number
from bot.language.parse import (
    CustomerNumber,
    entities,
    parse_amount,
    parse_customer_number,
    parse_email,
    parse_nik,
    parse_phone_number,
    parse_power,
)
from bot.language.tokens import warm_up

__all__ = [
    "CustomerNumber",
    "Entity",
    "Expectation",
    "Extraction",
    "MentionKind",
    "NumberMention",
    "entities",
    "extract",
    "parse_amount",
    "parse_customer_number",
    "parse_email",
    "parse_nik",
    "parse_phone_number",
    "parse_power",
    "warm_up",
    "words_to_number",
]
