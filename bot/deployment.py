"""Which deployment a process runs in, read in one place: ``PLN_ENV``.

- ``development`` (the default): a developer's machine. Conveniences for tests and demos
  are on: the REST channel open and trusted with ``metadata.caller_id``, and a caller may
  fix the conversation's clock (``metadata.now``, the simulator's ``X-PLN-Now``). Those are
  only safe where nobody else can reach the assistant, so development is refused when a
  bind address is not loopback or a public URL points elsewhere than loopback
  (``unsafe_development``): such a stack is a deployment, and must say
  ``PLN_ENV=production``.
- ``production``: nothing a caller claims about itself or about the time is believed.

Secrets (the internal services' tokens) come from the environment or from a file named
by ``<NAME>_FILE`` (``secret``): never from a command line, which any local user can read.
"""

from __future__ import annotations

import enum
import ipaddress
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

ENV = "PLN_ENV"
# The header every internal service (simulator, action server, notifier) reads its
# caller's token from.
TOKEN_HEADER = "X-PLN-Token"


class Mode(str, enum.Enum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class DeploymentError(RuntimeError):
    """A setting that makes this deployment unsafe or unreadable: the process refuses to
    start with this message."""


# Where the stack listens: each must be loopback in development.
BIND_SETTINGS = ("PLN_HOST", "PLN_INTERNAL_HOST", "PLN_SIM_HOST")


def mode(env: Mapping[str, str] | None = None) -> Mode:
    """The deployment ``env`` (default: this process's environment) declares."""
    env = os.environ if env is None else env
    value = (env.get(ENV) or Mode.DEVELOPMENT.value).strip().lower()
    try:
        return Mode(value)
    except ValueError:
        raise DeploymentError(f"{ENV}={value!r}: expected 'development' or "
                              "'production'") from None


def is_production(env: Mapping[str, str] | None = None) -> bool:
    return mode(env) is Mode.PRODUCTION


def trusts_caller_claims(env: Mapping[str, str] | None = None) -> bool:
    """Whether a caller's own word about who it is (``metadata.caller_id``) or what time
    it is (``metadata.now``, ``X-PLN-Now``) is believed: in development only."""
    return mode(env) is Mode.DEVELOPMENT


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def unsafe_development(env: Mapping[str, str], public_urls: Sequence[str]) -> list[str]:
    """Why development mode is unsafe with these settings (empty: it is not, or this is
    production). ``public_urls``: the settings where the outside world reaches the stack,
    or the providers it talks to for real customers (the channels say which:
    ``bot.channels.registry.PUBLIC_URL_SETTINGS``); each, when set, must be loopback in
    development (a local fake)."""
    if mode(env) is not Mode.DEVELOPMENT:
        return []
    problems = [f"{name}={env[name]} is not a loopback address"
                for name in BIND_SETTINGS if env.get(name) and not is_loopback(env[name])]
    for name in public_urls:
        url = env.get(name)
        if url and not is_loopback(urlsplit(url).hostname or ""):
            problems.append(f"{name}={url} is not on loopback")
    return problems


def refuse_unsafe_development(env: Mapping[str, str], public_urls: Sequence[str]) -> None:
    """Raise ``DeploymentError`` when development mode would be reachable from outside
    (``public_urls``: see ``unsafe_development``)."""
    problems = unsafe_development(env, public_urls)
    if problems:
        raise DeploymentError(
            "development mode (PLN_ENV unset or 'development') trusts its callers and is "
            "for loopback only, but " + "; ".join(problems) + ". Set PLN_ENV=production "
            "(docs/security.md, \"Production checklist\"), or keep every address on 127.0.0.1.")


def secret(env: Mapping[str, str], name: str) -> str | None:
    """The secret ``name`` from the environment, else from the file ``<name>_FILE`` names
    (one line; surrounding whitespace dropped); None when neither is set."""
    value = env.get(name)
    if value:
        return value
    path = env.get(f"{name}_FILE")
    if not path:
        return None
    try:
        value = Path(path).read_text().strip()
    except OSError as error:
        raise DeploymentError(f"{name}_FILE={path}: cannot be read ({error.strerror})") from None
    if not value:
        raise DeploymentError(f"{name}_FILE={path} is empty")
    return value


def missing_token(name: str, service: str) -> DeploymentError:
    """The error of a ``service`` started without its token ``name``."""
    return DeploymentError(f"{service} needs a token: set {name} or {name}_FILE "
                           "(`make run` generates one for each run)")

