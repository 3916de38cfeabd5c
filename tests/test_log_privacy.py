"""No personal data in any service's log: an error on a message carrying a NIK, a phone
number and an e-mail, logged the way a failing library logs it (the message in the text
and in the exception), by each service's own start-up code."""

import subprocess
import sys

import pytest

from bot.log_privacy import redact

NIK, PHONE, EMAIL = "3273011508850001", "0812-3450-0101", "budi.santoso@gmail.com"
MESSAGE = f"nik saya {NIK}, hp {PHONE}, email {EMAIL}"

# What each service runs first (its entry point's set-up), then a forced error.
SERVICES = {
    "rasa": "from bot.rasa_runtime import install; install()",
    "actions": "from bot.action_server import prepare; prepare()",
    "simulator": "from bot.backoffice.__main__ import configure_logging; configure_logging()",
}
FORCED_ERROR = f"""
import logging, sys
logging.basicConfig(stream=sys.stdout, level=logging.DEBUG)
log = logging.getLogger("rasa.core.processor")
text = {MESSAGE!r}
log.debug("Received user message '%s'", text)
try:
    raise ValueError(f"could not parse {{text}}")
except ValueError:
    log.exception("Encountered an exception while running action for message %r", text)
log.error(f"direct f-string: {{text}}")
"""


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_an_error_on_a_message_with_personal_data_is_logged_masked(service):
    done = subprocess.run([sys.executable, "-c", SERVICES[service] + FORCED_ERROR],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout + done.stderr
    assert "could not parse" in out and "Traceback" in out  # the error was logged
    for secret in (NIK, "081234500101", "0812-3450-0101", EMAIL, "santoso@"):
        assert secret not in out, f"{service} logged {secret} in clear"
    assert "************0001" in out  # masked, its end kept to tell records apart


@pytest.mark.parametrize("text, masked", [
    ("NIK 3273011508850001", "NIK ************0001"),
    ("+62 812-3450-0101", "*********0101"),
    ("idpel 532110000101 ok", "idpel ********0101 ok"),
    ("mail a.b@c.co.id", "mail a***@c.co.id"),
    ("port 5005, 3 items, 2026-12-01", "port 5005, 3 items, 2026-12-01"),
    ("GET /crm/callers/********0101 200 1.5ms", "GET /crm/callers/********0101 200 1.5ms"),
    ("NIK 3273.0115.0885.0001 lagi", "NIK ************0001 lagi"),
])
def test_redact(text, masked):
    assert redact(text) == masked
