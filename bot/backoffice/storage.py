"""Storage of the simulator: SQLAlchemy 1.4 Core, SQLite by default, PostgreSQL by URL.

Reference data (units, customers, CRM) is upserted from the seed file at every start.
What the service writes (registrations, tickets, DIL mobile updates) lives in its own
tables and survives restarts and re-seeding. Saves carrying an idempotency key are
stored at most once: a unique constraint decides, the loser reads the winner back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import QueuePool

from .records import CrmEntry, Customer, Fixture, Unit

metadata = MetaData()

# Reference data: the seed file's records as JSON, keyed for lookups.
units_table = Table(
    "units", metadata,
    Column("code", String(16), primary_key=True),
    Column("record", Text, nullable=False),
)
customers_table = Table(
    "customers", metadata,
    Column("idpel", String(12), primary_key=True),
    Column("meter_number", String(11), unique=True, nullable=True),
    Column("record", Text, nullable=False),
)
crm_table = Table(
    "crm_callers", metadata,
    Column("phone", String(16), primary_key=True),
    Column("record", Text, nullable=False),
)

# Written by the service: never touched by seeding.
dil_mobile_table = Table(
    "dil_mobile_updates", metadata,
    Column("idpel", String(12), primary_key=True),
    Column("mobile", String(16), nullable=False),
    Column("updated_at", String(40), nullable=False),
)
# Failed owner-NIK checks per IDPEL and day: guesses are counted across conversations.
nik_check_failures_table = Table(
    "nik_check_failures", metadata,
    Column("idpel", String(12), primary_key=True),
    Column("day", String(10), primary_key=True),  # ISO date in the configured zone
    Column("failures", Integer, nullable=False),
)
registrations_table = Table(
    "registrations", metadata,
    Column("number", String(32), primary_key=True),
    Column("idempotency_key", String(100), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("idpel", String(12), nullable=False, index=True),
    Column("created_at", String(40), nullable=False),
    Column("body", Text, nullable=False),
    # Added later: see _ADDED_COLUMNS (databases created before get them at start).
    Column("conversation_id", String(200), nullable=True),
    Column("saved_ns", BigInteger, nullable=False, default=0),  # saving order (wall clock)
    # the mobile number for the connection call (SOP step 13), national form: what finds a
    # customer's registrations by the number they write or call from
    Column("mobile_phone", String(16), nullable=True),
)
Index("ix_registrations_conversation", registrations_table.c.conversation_id)
Index("ix_registrations_mobile_phone", registrations_table.c.mobile_phone)
tickets_table = Table(
    "tickets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("idempotency_key", String(100), nullable=True, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("conversation_id", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("body", Text, nullable=False),
)
Index("ix_tickets_conversation", tickets_table.c.conversation_id, tickets_table.c.id)

NUMBER_ATTEMPTS = 5
MAX_LISTED = 100  # registrations listed at most, newest first

# Columns added after the first release, as (table, column, DDL type and default): a
# database created before them gets them at start (rows saved before have no conversation
# and saved_ns 0, so they list after the newer ones). Indexes follow in create_schema.
_ADDED_COLUMNS = [
    ("registrations", "conversation_id", "VARCHAR(200)"),
    ("registrations", "saved_ns", "BIGINT NOT NULL DEFAULT 0"),
    ("registrations", "mobile_phone", "VARCHAR(16)"),
]

# Built once: the idempotency look-up, per table, with the key as a bound parameter.
_BY_KEY = {
    table.name: select(table.c.request_hash, table.c.body).where(
        table.c.idempotency_key == bindparam("key"))
    for table in (registrations_table, tickets_table)
}


class IdempotencyConflict(Exception):
    """The idempotency key was already used with a different request."""


def request_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def random_digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and a thread-safe pool."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            future=True,
            poolclass=QueuePool,
            pool_size=8,
            max_overflow=16,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=8, max_overflow=16)


@dataclass
class ReferenceData:
    """The seed records, in memory, for lookups without a query."""

    units: dict[str, Unit] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)  # by IDPEL
    by_meter: dict[str, str] = field(default_factory=dict)  # meter number -> IDPEL
    crm: dict[str, CrmEntry] = field(default_factory=dict)  # by national number

    def customer(self, number: str) -> Customer | None:
        """By IDPEL (12 digits) or meter number (11 digits)."""
        idpel = self.by_meter.get(number, number)
        return self.customers.get(idpel)


class Storage:
    def __init__(self, engine: Engine):
        self.engine = engine
        # SQLite takes one writer at a time and makes the others sleep in its busy handler
        # (1, 2, 5, 10 ... ms): queueing writers on a lock in the process is much faster.
        # PostgreSQL handles concurrent writers itself.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        self._stamp_lock = threading.Lock()
        self._last_stamp = 0

    def _writing(self):
        """A write transaction (serialised in the process on SQLite)."""
        return _Locked(self._write_lock, self.engine)

    @classmethod
    def from_url(cls, url: str) -> Storage:
        return cls(make_engine(url))

    def close(self) -> None:
        self.engine.dispose()

    def create_schema(self) -> None:
        """Create the tables, and migrate a database created by an earlier version: add the
        columns it lacks (``_ADDED_COLUMNS``), then the indexes missing."""
        metadata.create_all(self.engine)
        inspector = inspect(self.engine)
        with self._writing() as connection:
            for table_name, column, ddl in _ADDED_COLUMNS:
                present = {c["name"] for c in inspector.get_columns(table_name)}
                if column not in present:
                    connection.execute(text(f"ALTER TABLE {table_name} ADD COLUMN {column} {ddl}"))
                    if column == "conversation_id":
                        _add_null_conversation_id(connection)
                    if column == "mobile_phone":
                        _add_mobile_phone(connection)
        for table in metadata.sorted_tables:
            for index in table.indexes:
                index.create(self.engine, checkfirst=True)

    def _stamp(self) -> int:
        """Nanoseconds of the wall clock, strictly increasing in this process: the saving
        order of registrations (the simulated clock can stand still)."""
        with self._stamp_lock:
            self._last_stamp = max(time.time_ns(), self._last_stamp + 1)
            return self._last_stamp

    # --- reference data --------------------------------------------------------------

    def seed(self, fixture: Fixture) -> None:
        """Upsert the seed file's records (one transaction); keep what the service wrote."""
        with self._writing() as connection:
            for unit in fixture.units:
                _upsert(connection, units_table, {"code": unit.code}, {"record": unit.json()})
            for customer in fixture.customers:
                _upsert(
                    connection, customers_table, {"idpel": customer.idpel},
                    {"meter_number": customer.meter_number, "record": customer.json()},
                )
            for caller in fixture.crm:
                _upsert(connection, crm_table, {"phone": caller.phone}, {"record": caller.json()})

    def load_reference(self) -> ReferenceData:
        reference = ReferenceData()
        with self.engine.connect() as connection:
            for (record,) in connection.execute(select(units_table.c.record)):
                unit = Unit.parse_raw(record)
                reference.units[unit.code] = unit
            for (record,) in connection.execute(select(customers_table.c.record)):
                customer = Customer.parse_raw(record)
                reference.customers[customer.idpel] = customer
                if customer.meter_number:
                    reference.by_meter[customer.meter_number] = customer.idpel
            for (record,) in connection.execute(select(crm_table.c.record)):
                caller = CrmEntry.parse_raw(record)
                reference.crm[caller.phone] = caller
        return reference

    # --- DIL mobile updates ----------------------------------------------------------

    def dil_mobile_updates(self) -> dict[str, str]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(dil_mobile_table.c.idpel, dil_mobile_table.c.mobile))
            return {idpel: mobile for idpel, mobile in rows}

    def set_dil_mobile(self, idpel: str, mobile: str, updated_at: str) -> None:
        with self._writing() as connection:
            _upsert(
                connection, dil_mobile_table, {"idpel": idpel},
                {"mobile": mobile, "updated_at": updated_at},
            )

    # --- owner-NIK checks -------------------------------------------------------------

    def nik_check_failures(self, idpel: str, day: str) -> int:
        table = nik_check_failures_table
        with self.engine.connect() as connection:
            found = connection.execute(select(table.c.failures).where(
                table.c.idpel == idpel, table.c.day == day)).scalar()
        return int(found or 0)

    def add_nik_check_failure(self, idpel: str, day: str) -> int:
        """One more failed check of ``idpel`` on ``day``; the count after it."""
        table = nik_check_failures_table
        with self._writing() as connection:
            condition = (table.c.idpel == idpel, table.c.day == day)
            updated = connection.execute(table.update().where(*condition).values(
                failures=table.c.failures + 1))
            if updated.rowcount == 0:
                connection.execute(table.insert().values(idpel=idpel, day=day, failures=1))
            return int(connection.execute(select(table.c.failures).where(*condition)).scalar())

    # --- registrations and tickets ---------------------------------------------------

    def save_registration(
        self, key: str, payload: dict, idpel: str, created_at: str,
        build: Callable[[str], str], new_number: Callable[[], str],
        conversation_id: str | None = None, mobile_phone: str | None = None,
    ) -> tuple[str, bool]:
        """Store the registration ``build(number)`` (JSON text) once per idempotency ``key``.
        Returns (body, created); raises IdempotencyConflict for a key reused with
        another payload."""
        return self._save_once(
            registrations_table, key, request_hash(payload), build, new_number,
            {"idpel": idpel, "created_at": created_at, "conversation_id": conversation_id,
             "mobile_phone": mobile_phone, "saved_ns": self._stamp()},
        )

    def registrations_json(self, conversation_id: str | None = None,
                           idpel: str | None = None,
                           mobile_phone: str | None = None) -> list[str]:
        """The stored registrations (JSON text) of a conversation, an IDPEL and/or a mobile
        number (national form), newest first, at most ``MAX_LISTED``."""
        table = registrations_table
        query = (select(table.c.body)
                 .order_by(table.c.saved_ns.desc(), table.c.created_at.desc(),
                           table.c.number.desc())
                 .limit(MAX_LISTED))
        if conversation_id is not None:
            query = query.where(table.c.conversation_id == conversation_id)
        if idpel is not None:
            query = query.where(table.c.idpel == idpel)
        if mobile_phone is not None:
            query = query.where(table.c.mobile_phone == mobile_phone)
        with self.engine.connect() as connection:
            return [body for (body,) in connection.execute(query)]

    def all_registrations_json(self) -> list[str]:
        """Every stored registration (JSON text), oldest first: the reminders' scan."""
        query = select(registrations_table.c.body).order_by(registrations_table.c.saved_ns)
        with self.engine.connect() as connection:
            return [body for (body,) in connection.execute(query)]

    def update_registration(self, number: str, body: str) -> None:
        """Replace a stored registration's body (what AP2T adds later, e.g. the LIT TR)."""
        with self.engine.begin() as connection:
            connection.execute(registrations_table.update()
                               .where(registrations_table.c.number == number)
                               .values(body=body))

    def registration(self, number: str) -> str | None:
        """The stored registration (JSON text), or None."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(registrations_table.c.body).where(registrations_table.c.number == number)
            ).scalar()

    def save_ticket(
        self, key: str | None, payload: dict, conversation_id: str, created_at: str,
        build: Callable[[str], str], new_number: Callable[[], str],
    ) -> tuple[str, bool]:
        """Store the ticket ``build(number)`` (JSON text), once per ``key`` when there is one."""
        return self._save_once(
            tickets_table, key, request_hash(payload), build, new_number,
            {"conversation_id": conversation_id, "created_at": created_at},
        )

    def forget_tickets_before(self, moment: dt.datetime) -> int:
        """Delete the tickets created before ``moment`` (their retention is over); how
        many went."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(tickets_table.c.id, tickets_table.c.created_at))
            old = [ticket_id for ticket_id, created in rows
                   if dt.datetime.fromisoformat(created.replace("Z", "+00:00")) < moment]
        for chunk in range(0, len(old), 500):
            with self.engine.begin() as connection:
                connection.execute(tickets_table.delete().where(
                    tickets_table.c.id.in_(old[chunk:chunk + 500])))
        return len(old)

    def tickets(self, conversation_id: str | None = None) -> list[dict]:
        return [json.loads(body) for body in self.tickets_json(conversation_id)]

    def tickets_json(self, conversation_id: str | None = None) -> list[str]:
        """The stored ticket bodies (JSON text), oldest first."""
        query = select(tickets_table.c.body).order_by(tickets_table.c.id)
        if conversation_id is not None:
            query = query.where(tickets_table.c.conversation_id == conversation_id)
        with self.engine.connect() as connection:
            return [body for (body,) in connection.execute(query)]

    def tickets_after(self, after: int, limit: int) -> tuple[list[str], int, int]:
        """The tickets stored after ``after`` (a cursor: the store's order), oldest first,
        at most ``limit``: (their bodies as JSON text, the cursor past them, the last
        ticket's cursor in the store, 0 when there is none)."""
        query = (select(tickets_table.c.id, tickets_table.c.body)
                 .where(tickets_table.c.id > after).order_by(tickets_table.c.id).limit(limit))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
            last = connection.execute(select(func.max(tickets_table.c.id))).scalar() or 0
        return [body for _id, body in rows], (rows[-1][0] if rows else after), last

    def count(self, table_name: str) -> int:
        table = metadata.tables[table_name]
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(table)).scalar_one()

    def _save_once(self, table, key, digest, build, new_number, columns) -> tuple[str, bool]:
        """Insert first (a new key is the common case: one statement); when the unique
        constraint refuses it, the row already saved under the key is the answer."""
        for _attempt in range(NUMBER_ATTEMPTS):
            number = new_number()
            body = build(number)
            row = dict(columns, number=number, idempotency_key=key, request_hash=digest,
                       body=body)
            try:
                with self._writing() as connection:
                    connection.execute(table.insert(), row)  # parameters bound: no compile
                return body, True
            except IntegrityError:
                # Either this key was saved before (now or by a concurrent request), or the
                # number was taken: then draw another one.
                if key is not None:
                    existing = self._by_key(table, key, digest)
                    if existing is not None:
                        return existing, False
        raise RuntimeError(f"no free number for {table.name} after {NUMBER_ATTEMPTS} attempts")

    def _by_key(self, table, key: str, digest: str) -> str | None:
        with self.engine.connect() as connection:
            row = connection.execute(_BY_KEY[table.name], {"key": key}).first()
        if row is None:
            return None
        if row.request_hash != digest:
            raise IdempotencyConflict(key)
        return row.body


def _add_null_conversation_id(connection) -> None:
    """Registrations saved before the field existed: their bodies get
    ``"conversation_id": null``, as the current version would have stored them."""
    table = registrations_table
    rows = connection.execute(select(table.c.number, table.c.body)).all()
    for number, body in rows:
        registration = json.loads(body)
        if "conversation_id" not in registration:
            registration["conversation_id"] = None
            connection.execute(table.update().where(table.c.number == number)
                               .values(body=json.dumps(registration)))


def _add_mobile_phone(connection) -> None:
    """Registrations saved before the column existed: their mobile number from the body."""
    table = registrations_table
    rows = connection.execute(select(table.c.number, table.c.body)).all()
    for number, body in rows:
        mobile = json.loads(body).get("mobile_phone")
        if mobile:
            connection.execute(table.update().where(table.c.number == number)
                               .values(mobile_phone=mobile))


class _Locked:
    """``with``: take the lock, then ``engine.begin()``; release both on exit."""

    def __init__(self, lock, engine: Engine):
        self.lock = lock
        self.engine = engine
        self.transaction = None

    def __enter__(self):
        self.lock.__enter__()
        try:
            self.transaction = self.engine.begin()
            return self.transaction.__enter__()
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise

    def __exit__(self, *exc):
        try:
            return self.transaction.__exit__(*exc)
        finally:
            self.lock.__exit__(None, None, None)


def _upsert(connection, table: Table, key: dict, values: dict) -> None:
    """Update the row with ``key``, or insert it: the same statements on SQLite and PostgreSQL."""
    condition = [table.c[name] == value for name, value in key.items()]
    updated = connection.execute(table.update().where(*condition).values(**values))
    if updated.rowcount == 0:
        connection.execute(table.insert().values(**key, **values))
