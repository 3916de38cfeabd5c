"""Start the whole assistant on this machine: simulator, action server, notifier, console
and Rasa.

``python -m bot.launcher run``   (``make run``; ``python -m bot.stack run`` is the same):
the services, the channels of ``bot.channels.registry`` and the HTTP API.
``python -m bot.launcher shell`` (``make shell``): simulator, action server and notifier,
then ``rasa shell`` in this terminal.

Each service starts in its own process group, is health-checked before the next one
starts, and logs to ``<PLN_DATA_DIR>/logs/<service>.log``. A service that dies later is
restarted with a growing delay (1 s, 2 s, 4 s, ... at most 30 s; back to 1 s once it has
run for a minute), and the launcher says so on its output (``Supervisor``). Ctrl-C (or
SIGTERM) stops all of them: SIGTERM to each group, SIGKILL after a grace period, so no
orphan keeps a port. Every setting comes from the environment, read once at start, with
the defaults of ``bot.defaults``. With ``PLN_INSTANCES`` above 1 (or ``PLN_SCALED=1``) it
starts the scaled stack instead: several Rasa instances and action servers behind HAProxy.

The modules, each importing only those before it:

- ``settings``: the typed settings and the environment the services get;
- ``supervision``: starting, health-checking, restarting and stopping services;
- ``rasa_files``: the endpoints and channels files Rasa is started with;
- ``services``: one builder per service;
- ``single``: the stack of ``make run``/``make shell`` and what it says once up;
- ``scaled``: several Rasa instances behind HAProxy, PostgreSQL and Redis;
- ``cli``: the command line.

This package's names are those of its modules, for the tests and the benchmarks.
"""

from bot.launcher.cli import main
from bot.launcher.rasa_files import effective_credentials, effective_endpoints
from bot.launcher.services import RASA
from bot.launcher.settings import (
    BIN,
    DEFAULTS,
    ROOT,
    SERVICE_TOKENS,
    LauncherSettings,
    ScaledSettings,
    settings_from_env,
)
from bot.launcher.single import how_to_talk, services
from bot.launcher.supervision import (
    PRIVATE_UMASK,
    Service,
    ServiceFailed,
    Supervisor,
    answers,
    bring_up,
    make_data_private,
    start,
    stop_all,
    tail,
)

__all__ = [
    "BIN", "DEFAULTS", "PRIVATE_UMASK", "RASA", "ROOT", "SERVICE_TOKENS", "LauncherSettings",
    "ScaledSettings", "Service", "ServiceFailed", "Supervisor", "answers", "bring_up",
    "effective_credentials", "effective_endpoints", "how_to_talk", "main",
    "make_data_private", "services", "settings_from_env", "start", "stop_all", "tail",
]
