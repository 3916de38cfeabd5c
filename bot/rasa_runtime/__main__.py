"""``python -m bot.rasa_runtime <rasa arguments>``: the ``rasa`` command with this project's
changes installed first (``bot.rasa_runtime.install``).

``rasa run`` takes its HTTP API token from ``PLN_RASA_TOKEN`` (or the file
``PLN_RASA_TOKEN_FILE`` names) here, inside the process: given as ``--auth-token`` on the
command line it would be visible to every local user (``ps``, ``/proc/<pid>/cmdline``)."""

from __future__ import annotations

import sys
from collections.abc import Mapping

from bot.deployment import DeploymentError
from bot.rasa_runtime import install
from bot.rasa_runtime.settings import RasaAccess

TOKEN_OPTION = "--auth-token"


def with_api_token(arguments: list[str], env: Mapping[str, str] | None = None) -> list[str]:
    """``arguments`` with the API token from the environment (``RasaAccess``) added to a
    ``run`` (this process's own ``sys.argv`` only: the kernel's copy of the command line
    is unchanged)."""
    if not arguments or arguments[0] != "run":
        return arguments
    if any(a == TOKEN_OPTION or a.startswith(f"{TOKEN_OPTION}=") for a in arguments):
        return arguments
    token = RasaAccess.from_env(env).token
    return [*arguments, f"{TOKEN_OPTION}={token}"] if token else arguments


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    try:
        arguments = with_api_token(sys.argv[1:])
    except DeploymentError as error:
        sys.exit(f"error: {error}")
    sys.argv = ["rasa", *arguments]
    rasa_main()

if __name__ == "__main__":
    main()
