"""The client never lets a phone number reach a log through httpx's request logging."""

import logging

import httpx

from bot.backoffice.client import BackofficeClient


def test_request_urls_with_phone_numbers_are_not_logged(caplog):
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": "not_found", "message": "tidak dikenal"})

    caplog.set_level(logging.DEBUG)
    with BackofficeClient("http://sim", retries=0, transport=httpx.MockTransport(answer)) as client:
        try:
            client.caller("081234500101")
        except Exception:
            pass
    assert "081234500101" not in caplog.text
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
