"""The action server's answers, validated against Rasa's schema by a validator made once.

Upstream ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` for every
answer: that checks the schema itself and builds a new validator each time (with
jsonschema 4.17's ``$ref`` machinery), about half of the Rasa process's CPU under load
(py-spy, README "Performance"). Here the same schema is checked once and compiled once
(``validator_for`` picks the same draft upstream's call does), and each answer is
validated with it; an invalid answer raises the same ``ValidationError`` (the best match,
with upstream's message appended), so the strictness and the failure are upstream's.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def action_result_validator():
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_upstream, action: RemoteAction, result: dict[str, Any]) -> bool:
    """The replacement of ``RemoteAction._validate_action_result`` (same contract)."""
    error = best_match(action_result_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


__all__ = ["ValidationError", "action_result_validator", "validate_action_result"]
