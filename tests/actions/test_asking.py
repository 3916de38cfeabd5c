"""Questions whose wording needs the back office."""

import pytest

from actions.asking import ActionAskStroomAwal
from tests.actions.conftest import make_tracker

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def test_stroom_awal_question_gives_the_range_and_an_advice_with_its_days(
        client, domain, dispatcher):
    tracker = make_tracker({"idpel": "532110000101", "target_power_va": 2200})
    await ActionAskStroomAwal().run(dispatcher, tracker, domain)
    [asked] = dispatcher.messages
    assert asked["response"] == "utter_ask_stroom_awal_rp"
    assert (asked["min_amount"], asked["max_amount"]) == ("Rp5.000", "Rp1.000.000")
    assert asked["advised_amount"] == "Rp100.000" and asked["days"] == 7
    text = next(t["text"] for t in domain["responses"]["utter_ask_stroom_awal_rp"])
    assert "{days}" in text  # the advice says what it covers
