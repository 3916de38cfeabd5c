"""Typed settings read once from the environment, the shape every service's settings take.

A service declares its settings as a subclass of ``EnvSettings``, each field naming its
variable (``Field(default, env="PLN_...")``) and, for a token, ``secret=True`` (then
``<NAME>_FILE`` may name a file holding it: ``bot.deployment.secret``). The service reads
them once at start with ``from_env()`` and passes the object down; nothing below reads
the environment again. An empty variable counts as unset (its default applies). A field
whose type is itself ``EnvSettings`` (the simulator's client inside the console's
settings, say) is read from the same environment.

Settings are frozen. A value that does not parse stops the start with a ``SettingsError``
naming the variable and the value; building the object directly (tests, a process that
embeds a service) reads no environment at all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseSettings, ValidationError

from bot import deployment


class SettingsError(deployment.DeploymentError, ValueError):
    """A setting that cannot be read: the service refuses to start with this message."""


class EnvSettings(BaseSettings):
    # the error ``from_env`` raises for a value that does not parse
    error_type: ClassVar[type[Exception]] = SettingsError

    class Config:
        frozen = True  # immutable (and hashable) once read

        @classmethod
        def customise_sources(cls, init_settings, env_settings, file_secret_settings):
            # the environment is read by ``from_env`` alone, from the mapping it is given
            return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **values: Any):
        """The settings ``env`` (default: this process's environment) declares; ``values``
        given by name win over it."""
        env = os.environ if env is None else env
        read = {**cls.env_values(env), **values}
        try:
            return cls(**read)
        except ValidationError as error:
            raise cls.error_type(explain(cls, error, read)) from None

    @classmethod
    def env_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """The field values set in ``env``, by field name."""
        found: dict[str, Any] = {}
        for name, field in cls.__fields__.items():
            if isinstance(field.type_, type) and issubclass(field.type_, EnvSettings):
                found[name] = field.type_.from_env(env)
                continue
            variable = field.field_info.extra.get("env")
            if not variable:
                continue
            if cls.is_secret(name):
                value = deployment.secret(env, variable)
            else:
                value = env.get(variable)
            if value not in (None, ""):
                found[name] = value
        return found

    def __repr_args__(self):
        """Secrets are never shown (a settings object may reach a log)."""
        return [(name, "**********" if value and self.is_secret(name) else value)
                for name, value in super().__repr_args__()]

    @classmethod
    def is_secret(cls, name: str) -> bool:
        field = cls.__fields__.get(name)
        return bool(field is not None and field.field_info.extra.get("secret"))

    @classmethod
    def variable(cls, name: str) -> str | None:
        """The environment variable field ``name`` is read from."""
        field = cls.__fields__.get(name)
        return field.field_info.extra.get("env") if field is not None else None


def explain(cls: type[EnvSettings], error: ValidationError, read: Mapping[str, Any]) -> str:
    """One line per bad value: the variable, the value (unless a secret) and why."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "__root__"
        variable = cls.variable(name)
        if variable is None:
            lines.append(problem["msg"])
        elif cls.is_secret(name):
            lines.append(f"{variable}: {problem['msg']}")
        else:
            lines.append(f"{variable}={read.get(name)!r}: {problem['msg']}")
    return "; ".join(lines)
