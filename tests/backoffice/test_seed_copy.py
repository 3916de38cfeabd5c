"""The project's seed (bot/backoffice/seed/customers.yaml) is its own copy of the shared
fixture, so a clone runs with nothing beside it; when ../shared is there, the two are the
same file, so that checks made from outside the project and its own tests see the same
records."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.backoffice.records import load_fixture
from bot.backoffice.settings import DEFAULT_SEED_FILE, REPO_ROOT

SHARED_SEED = REPO_ROOT.parent / "shared" / "fixtures" / "customers.yaml"


def test_the_seed_is_package_data_of_the_simulator():
    assert DEFAULT_SEED_FILE.is_relative_to(Path(__file__).resolve().parents[2] / "bot")
    fixture = load_fixture(DEFAULT_SEED_FILE)
    assert fixture.customers and fixture.units and fixture.crm


@pytest.mark.skipif(not SHARED_SEED.is_file(), reason="no ../shared beside this clone")
def test_the_project_copy_is_the_shared_fixture():
    # Identical files: a changed shared fixture must be copied in, not drift apart.
    assert DEFAULT_SEED_FILE.read_bytes() == SHARED_SEED.read_bytes(), (
        f"{DEFAULT_SEED_FILE} differs from {SHARED_SEED}: copy the shared fixture in")
    assert load_fixture(DEFAULT_SEED_FILE) == load_fixture(SHARED_SEED)
