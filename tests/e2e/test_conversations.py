"""Every conversation script in tests/e2e/scripts/, against the real stack (one per session).

Run one: ``pytest tests/e2e -k <file stem>``. Format: docs/conversation-scripts.md.
"""

from __future__ import annotations

import time

import pytest
from conversation_harness import (
    ConversationFailed,
    ScriptError,
    load_script,
    run_script,
    script_paths,
    sender_id,
)
from e2e_support import TIMINGS, StackProblem

SCRIPTS = script_paths()


@pytest.mark.e2e
@pytest.mark.parametrize("path", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_conversation(path, e2e_stack, e2e_client):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    failure = None  # pytest.fail outside the except blocks: the message is printed once
    try:
        script = load_script(path)
    except ScriptError as error:
        failure = str(error)
    if failure:
        pytest.fail(failure, pytrace=False)
    started = time.monotonic()
    try:
        run_script(script, e2e_client, e2e_stack.endpoints, sender_id(path),
                   source=f"tests/e2e/scripts/{path.name}")
    except ConversationFailed as error:
        failure = str(error)
    finally:
        TIMINGS[path.stem] = time.monotonic() - started
    if failure:
        pytest.fail(failure, pytrace=False)
