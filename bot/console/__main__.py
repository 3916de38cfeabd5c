"""``python -m bot.console serve``: the CSO console (on PLN_HOST:PLN_CONSOLE_PORT, default
127.0.0.1:5080; every setting in ``bot.console.settings``);
``python -m bot.console add-user NAME [--role supervisor]``: a CSO account (a supervisor's
with the role: the figures' page too), or a new password and role for one (which ends
every session of the account), the password asked (or read from standard input when it is
not a terminal); ``python -m bot.console verify-audit``: the audit log's hash chain
checked, the first broken entry named (exit status 1)."""

from __future__ import annotations

import getpass
import logging
import sys

from bot import log_privacy


def add_user(name: str, role: str = "cso") -> int:
    from bot.console.settings import ConsoleSettings
    from bot.console.store import ConsoleStore

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    settings = ConsoleSettings.from_env()
    store = ConsoleStore(settings.data_dir / "console.sqlite3", settings)
    try:
        store.add_user(name, password, role)  # and ends every session of the account
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{'supervisor' if role == 'supervisor' else 'CSO'} {name} can sign in")
    return 0


def verify_audit() -> int:
    from bot.console.settings import ConsoleSettings
    from bot.console.store import ConsoleStore

    settings = ConsoleSettings.from_env()
    check = ConsoleStore(settings.data_dir / "console.sqlite3", settings).verify_audit()
    if check.broken is not None:
        print(f"audit log BROKEN at entry {check.broken} (of {check.entries}): it or the "
              f"entry before it was changed or removed; last good hash {check.head}")
        return 1
    print(f"audit log intact: {check.entries} entries, last hash {check.head}")
    return 0


def serve() -> int:
    import uvicorn

    from bot.console.app import create_app
    from bot.console.settings import ConsoleSettings

    log_privacy.install()
    logging.basicConfig(level="INFO", format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = ConsoleSettings.from_env()
    # X-Forwarded-For/-Proto are believed from the configured reverse proxy only
    uvicorn.run(create_app(settings=settings), host=settings.host, port=settings.port,
                access_log=False, ws="none", log_level="info",
                proxy_headers=bool(settings.trusted_proxy),
                forwarded_allow_ips=settings.trusted_proxy or None)
    return 0


def main(argv: list[str]) -> int:
    from bot.deployment import DeploymentError

    try:
        return run(argv)
    except DeploymentError as error:  # a setting that cannot be read, named
        print(f"error: {error}", file=sys.stderr)
        return 2


def run(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        return serve()
    if argv[:1] == ["add-user"] and len(argv) == 2:
        return add_user(argv[1])
    if argv[:1] == ["add-user"] and len(argv) == 4 and argv[2] == "--role":
        return add_user(argv[1], argv[3])
    if argv == ["verify-audit"]:
        return verify_audit()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
