"""Several Rasa instances behind HAProxy, as Rasa Open Source scales (``make run-scaled``,
or ``PLN_INSTANCES=N make run``).

What runs (each a ``bot.launcher.supervision.Service``, supervised and restarted like ``make run``'s):

- HAProxy (Debian's package) on the two public ports: ``PLN_RASA_PORT`` balances the
  customers' webhooks and the HTTP API over N Rasa instances (least connections, no
  stickiness: any instance may serve any turn), ``PLN_ACTIONS_PORT`` balances the Rasa
  instances' action calls over N action servers. A backend that stops answering its health
  check (every second, out after two misses) gets no new request; a request whose
  connection is refused is sent to another one (``option redispatch``). The phone's
  webhooks are the exception: they are spread by the call's ``CallSid`` (consistent
  hashing), because the voice channel keeps a call's few prompts in its process; when that
  instance dies, the call's next webhook reaches another one, which begins the call again.
- N Rasa instances and N action servers on ``PLN_INSTANCE_PORT_BASE`` + 1..N (Rasa) and
  + 51..50+N (actions), loopback only.
- Conversations in PostgreSQL (``CachedSQLTrackerStore``), each conversation's lock in
  Redis (``AtomicRedisLockStore``), the simulator on PostgreSQL: ``endpoints.production.yml``.
  ``prepare_databases`` creates the two databases when they are missing.
- One simulator, one notifier, one console (they hold no conversation).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlalchemy as sa

from bot.channels.contract import TURN_FAILED
from bot.channels.registry import CHANNELS
from bot.launcher import services as build
from bot.launcher.rasa_files import effective_credentials
from bot.launcher.settings import ROOT, instances
from bot.launcher.supervision import Service

RASA_OFFSET, ACTIONS_OFFSET = 0, 50
HAPROXY = "haproxy"


def instance_port(env: dict[str, str], offset: int, number: int) -> int:
    return int(env["PLN_INSTANCE_PORT_BASE"]) + offset + number


def tracker_database_url(env: dict[str, str], database: str | None = None) -> sa.engine.URL:
    return sa.engine.URL.create(
        "postgresql", username=env["PLN_TRACKER_DB_USER"],
        password=env["PLN_TRACKER_DB_PASSWORD"] or None, host=env["PLN_TRACKER_DB_HOST"],
        port=int(env["PLN_TRACKER_DB_PORT"]), database=database or env["PLN_TRACKER_DB_NAME"])


def prepare_databases(env: dict[str, str]) -> list[str]:
    """Create the tracker's and the simulator's PostgreSQL databases when missing, and
    check Redis; what was created. Raises RuntimeError with what to do when either
    server cannot be reached."""
    import redis

    wanted = [env["PLN_TRACKER_DB_NAME"]]
    simulator = sa.engine.make_url(env["PLN_SIM_DATABASE_URL"])
    if simulator.get_backend_name() == "postgresql" and simulator.database:
        wanted.append(simulator.database)
    created = []
    try:
        engine = sa.create_engine(tracker_database_url(env, "postgres"),
                                  isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for name in dict.fromkeys(wanted):
                exists = connection.execute(sa.text(
                    "SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar()
                if not exists:
                    quoted = connection.dialect.identifier_preparer.quote(name)
                    connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
                    created.append(name)
        engine.dispose()
    except sa.exc.OperationalError as error:
        raise RuntimeError(
            f"PostgreSQL at {env['PLN_TRACKER_DB_HOST']}:{env['PLN_TRACKER_DB_PORT']} "
            f"cannot be reached or refused us ({str(error.orig).strip()}): set "
            "PLN_TRACKER_DB_HOST/PORT/USER/PASSWORD (docs/scaling.md, \"Settings\")") from None
    try:
        redis.Redis(host=env["PLN_REDIS_HOST"], port=int(env["PLN_REDIS_PORT"]),
                    db=int(env["PLN_REDIS_DB"]), socket_timeout=3).ping()
    except redis.RedisError as error:
        raise RuntimeError(f"Redis at {env['PLN_REDIS_HOST']}:{env['PLN_REDIS_PORT']} cannot "
                           f"be reached ({error}): set PLN_REDIS_HOST/PORT") from None
    return created


ERROR_STATUSES = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def error_page(status: int) -> bytes:
    """What HAProxy answers itself when no instance could take a message (all down, one
    died mid-turn): the REST channel's failure body, with the customer's text. Providers
    retry a non-2xx webhook, and the retry is answered once (``once_per_message``)."""
    body = json.dumps({"error": "unavailable", "message": "no assistant instance could take "
                       "the message", "replies": [{"text": TURN_FAILED}]}).encode()
    head = (f"HTTP/1.1 {status} {ERROR_STATUSES[status]}\r\nContent-Type: application/json"
            f"\r\nContent-Length: {len(body)}\r\nCache-Control: no-cache\r\n"
            "Connection: close\r\n\r\n")
    return head.encode() + body


def haproxy_config(env: dict[str, str], count: int) -> str:
    host, internal = env["PLN_HOST"], env.get("PLN_INTERNAL_HOST", env["PLN_HOST"])
    pages = Path(env["PLN_DATA_DIR"]) / "haproxy"
    pages.mkdir(parents=True, exist_ok=True)
    for status in ERROR_STATUSES:
        (pages / f"{status}.http").write_bytes(error_page(status))
    errorfiles = "\n".join(f"    errorfile {status} {pages / f'{status}.http'}"
                           for status in ERROR_STATUSES)

    def servers(name: str, offset: int, at: str = host) -> str:
        return "\n".join(
            f"    server {name}{number} {at}:{instance_port(env, offset, number)} check"
            for number in range(1, count + 1))

    return f"""# written by bot/launcher/scaled.py; do not edit
global
    maxconn 4096
    log stdout format raw local0 notice

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 120s
    # a turn may wait for its conversation's lock, then run actions (each 30 s at most)
    timeout server 120s
    timeout http-request 10s
    # a refused connection goes to another server; a request that reached a server is
    # never sent twice by HAProxy (the customer's provider retries, and Rasa answers a
    # message it already holds with its replies: bot/rasa_runtime/once_per_message.py)
    retries 2
    option redispatch
    default-server inter 1s fall 2 rise 2
{errorfiles}

frontend rasa
    bind {host}:{env['PLN_RASA_PORT']}
    monitor-uri /lb-health
    option http-buffer-request
    acl voice path_beg /webhooks/voice/
    use_backend rasa_voice if voice
    default_backend rasa

backend rasa
    balance leastconn
    option httpchk GET /
{servers("rasa", RASA_OFFSET)}

backend rasa_voice
    balance url_param CallSid check_post
    hash-type consistent
    option httpchk GET /
{servers("rasa", RASA_OFFSET)}

frontend actions
    bind {internal}:{env['PLN_ACTIONS_PORT']}
    default_backend actions

backend actions
    balance leastconn
    option httpchk GET /health
{servers("actions", ACTIONS_OFFSET, internal)}
"""


def haproxy_binary() -> str:
    found = shutil.which(HAPROXY) or next(
        (str(path) for path in (Path("/usr/sbin/haproxy"), Path("/usr/local/sbin/haproxy"))
         if path.exists()), None)
    if found is None:
        raise RuntimeError("HAProxy is not installed: `make run-scaled` installs it "
                           "(scripts/install-system-packages.sh haproxy), or `apt-get install haproxy`")
    return found


def scaled_services(env: dict[str, str]) -> list[Service]:
    """Every service of the scaled stack, in start order."""
    count = instances(env)
    for spec in CHANNELS:
        refused = spec.single_instance(env)
        if refused is not None:
            raise RuntimeError(refused)
    endpoints = str(Path(env["PLN_ENDPOINTS"]) if Path(env["PLN_ENDPOINTS"]).is_absolute()
                    else ROOT / env["PLN_ENDPOINTS"])
    shared_state(endpoints)
    credentials = effective_credentials(env)
    result = [build.simulator(env), build.notifier(env), build.console(env)]
    result += [build.action_server(env, instance_port(env, ACTIONS_OFFSET, number),
                                   f"actions-{number}") for number in range(1, count + 1)]
    result += [build.rasa(env, instance_port(env, RASA_OFFSET, number), endpoints, credentials,
                          f"rasa-{number}") for number in range(1, count + 1)]
    config = Path(env["PLN_DATA_DIR"]) / "haproxy.cfg"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(haproxy_config(env, count))
    host, rasa_port = env["PLN_HOST"], int(env["PLN_RASA_PORT"])
    result.append(Service("haproxy", [haproxy_binary(), "-db", "-f", str(config)], rasa_port,
                          f"http://{host}:{rasa_port}/lb-health"))
    return result


def shared_state(endpoints: str) -> None:
    """Refuse an endpoints file whose conversations or locks live in one process: several
    instances on it would each see their own."""
    import yaml

    config = yaml.safe_load(Path(endpoints).read_text()) or {}
    tracker = (config.get("tracker_store") or {})
    locks = (config.get("lock_store") or {}).get("type", "in_memory")
    if (tracker.get("type", "in_memory") == "in_memory" or tracker.get("dialect") == "sqlite"
            or locks == "in_memory"):
        raise RuntimeError(f"{endpoints} keeps conversations or locks in one process "
                           "(SQLite, in-memory locks): several instances need a server "
                           "database and Redis, e.g. endpoints.production.yml")


def how_to_talk_scaled(env: dict[str, str]) -> str:
    count = instances(env)
    return (f"  {count} Rasa instance(s) and {count} action server(s) behind HAProxy "
            f"(config {env['PLN_DATA_DIR']}/haproxy.cfg); conversations in PostgreSQL "
            f"{env['PLN_TRACKER_DB_HOST']}:{env['PLN_TRACKER_DB_PORT']}/"
            f"{env['PLN_TRACKER_DB_NAME']}, locks in Redis {env['PLN_REDIS_HOST']}:"
            f"{env['PLN_REDIS_PORT']}/{env['PLN_REDIS_DB']}")
