"""Fixtures shared by test packages."""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import Callable, Iterator

import pytest

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def conversation_settings_read_per_test() -> Iterator[None]:
    """The stack reads its conversation settings once per process; a test that sets
    PLN_NOW, PLN_TIMEZONE or PLN_ASSISTANT_NAME (monkeypatch) has them read afresh."""
    from bot import conversation_settings

    conversation_settings.reset()
    yield
    conversation_settings.reset()


def _reachable(port: int) -> bool:
    """Something listens on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _postgres_database(prefix: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    if not _reachable(5432):
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # e.g. no right to create databases
        admin.dispose()
        pytest.skip(f"cannot create a PostgreSQL test database: {error}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="module")
def new_postgres_database() -> Iterator[Callable[[str], str]]:
    """``new_postgres_database(prefix)``: the URL of a new, empty database on the local
    PostgreSQL (127.0.0.1:5432, trust auth), dropped at the end of the module; the test
    is skipped when the server is not reachable."""
    with contextlib.ExitStack() as databases:
        yield lambda prefix: databases.enter_context(_postgres_database(prefix))
