"""Fixtures of the back-office tests (helpers live in ``backoffice_helpers``)."""

from __future__ import annotations

import pytest
from backoffice_helpers import RunningServer, sqlite_settings
from fastapi.testclient import TestClient

from bot.backoffice.app import create_app
from bot.backoffice.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return sqlite_settings(tmp_path)


@pytest.fixture
def api(settings):
    """The app over HTTP semantics, in process (fast)."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def server(settings):
    """A real uvicorn server on a free loopback port."""
    with RunningServer(settings) as running:
        yield running


@pytest.fixture(scope="module")
def read_only_api(tmp_path_factory):
    """One app per test module, for tests that only read (much faster than one per test)."""
    directory = tmp_path_factory.mktemp("read-only")
    with TestClient(create_app(sqlite_settings(directory)), raise_server_exceptions=False) as client:
        yield client
