"""The services the launcher starts, one builder each; the single stack
(``bot.launcher.single``) and the scaled one (``bot.launcher.scaled``) put them
together. The public ones (console, Rasa) listen on ``PLN_HOST``, the internal ones
(simulator, action servers, notifier) on ``PLN_INTERNAL_HOST``."""

from __future__ import annotations

import sys

from bot.launcher.supervision import Service

# Rasa with this project's changes (bot/rasa_runtime: action-server failures reported,
# not lost); the same arguments as the `rasa` command.
RASA = [sys.executable, "-m", "bot.rasa_runtime"]


def simulator(env: dict[str, str]) -> Service:
    internal, port = env["PLN_INTERNAL_HOST"], int(env["PLN_SIM_PORT"])
    return Service("simulator", [sys.executable, "-m", "bot.backoffice"], port,
                   f"http://{internal}:{port}/health", internal)


def action_server(env: dict[str, str], port: int, name: str = "actions") -> Service:
    # rasa-sdk alone: `rasa run actions` would import all of Rasa (780 MB) to serve it,
    # and without TensorFlow, which spaCy's thinc imports when installed (bot/action_server.py)
    internal = env["PLN_INTERNAL_HOST"]
    return Service(name, [sys.executable, "-m", "bot.action_server", "--actions", "actions",
                          "--port", str(port)],
                   port, f"http://{internal}:{port}/health", internal)


def notifier(env: dict[str, str]) -> Service:
    internal, port = env["PLN_INTERNAL_HOST"], int(env["PLN_NOTIFY_PORT"])
    return Service("notifier", [sys.executable, "-m", "bot.notify"], port,
                   f"http://{internal}:{port}/health", internal)


def console(env: dict[str, str]) -> Service:
    host, port = env["PLN_HOST"], int(env["PLN_CONSOLE_PORT"])
    return Service("console", [sys.executable, "-m", "bot.console", "serve"], port,
                   f"http://{host}:{port}/login")


def rasa(env: dict[str, str], port: int, endpoints: str, credentials: str,
         name: str = "rasa") -> Service:
    """Rasa with the HTTP API (its token from PLN_RASA_TOKEN in its environment:
    bot.rasa_runtime) and the channels of ``credentials``."""
    host = env["PLN_HOST"]
    return Service(name, [*RASA, "run", "--model", env["PLN_MODEL"], "--enable-api",
                          "--interface", host, "--port", str(port),
                          "--endpoints", endpoints, "--credentials", credentials,
                          "--cors", f"http://{host}"],
                   port, f"http://{host}:{port}/")


def rasa_shell(env: dict[str, str], endpoints: str) -> list[str]:
    """``rasa shell``'s command line (``make shell``)."""
    return [*RASA, "shell", "--model", env["PLN_MODEL"], "--endpoints", endpoints,
            "--port", env["PLN_RASA_PORT"]]
