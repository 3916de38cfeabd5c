"""The endpoints and channels files Rasa is started with, written into the data folder
from the repository's files and the environment (owner-only: they hold secrets)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot import deployment
from bot.channels.registry import CHANNELS, REST
from bot.launcher.settings import DEFAULTS, ROOT


def _chosen(env: dict[str, str], setting: str) -> Path:
    chosen = Path(env[setting])
    return chosen if chosen.is_absolute() else ROOT / chosen


def _write_private(env: dict[str, str], name: str, header: str, config: dict) -> str:
    rendered = Path(env["PLN_DATA_DIR"]) / name
    rendered.parent.mkdir(parents=True, exist_ok=True)
    rendered.touch(mode=0o600)
    rendered.chmod(0o600)
    rendered.write_text(header + yaml.safe_dump(config, sort_keys=False))
    return str(rendered)


def effective_endpoints(env: dict[str, str]) -> str:
    """The endpoints file Rasa is started with.

    The repository's ``endpoints.yml`` holds working defaults (so a plain ``rasa run`` or
    ``rasa shell`` from the repository works too); this writes a copy into the data
    folder with the action server's URL and the SQLite tracker file of this stack. Any
    other file (``PLN_ENDPOINTS=endpoints.production.yml``) is used as it is, with Rasa's
    own ``${VAR}`` substitution."""
    chosen = _chosen(env, "PLN_ENDPOINTS")
    if chosen != ROOT / DEFAULTS["PLN_ENDPOINTS"]:
        return str(chosen)
    config = yaml.safe_load(chosen.read_text()) or {}
    action_endpoint = config.setdefault("action_endpoint", {})
    action_endpoint["url"] = f"{env['PLN_ACTIONS_URL']}/webhook"
    # the action server's token: this file is the owner's only, as credentials.yml
    action_endpoint["headers"] = {deployment.TOKEN_HEADER: env["PLN_ACTIONS_TOKEN"]}
    tracker_store = config.get("tracker_store") or {}
    if tracker_store.get("dialect") == "sqlite":
        tracker_store["db"] = env["PLN_TRACKER_SQLITE"]
    return _write_private(env, "endpoints.yml", "# written by bot/launcher from endpoints.yml; "
                          "do not edit\n", config)


def effective_credentials(env: dict[str, str]) -> str:
    """The channels file Rasa is started with: the repository's credentials.yml with each
    channel of ``bot.channels.registry`` whose settings are given (REST as ``PLN_ENV``
    says), written into the data folder (owner-only: it holds their secrets). Another file
    (``PLN_CREDENTIALS``) is used as it is."""
    chosen = _chosen(env, "PLN_CREDENTIALS")
    if chosen != ROOT / DEFAULTS["PLN_CREDENTIALS"]:
        return str(chosen)  # the operator's own file, used as it is
    added = {spec.input_class: credentials for spec, credentials in (
        (spec, spec.credentials(env)) for spec in CHANNELS) if credentials is not None}
    config = {name: value for name, value in (yaml.safe_load(chosen.read_text()) or {}).items()
              if name != REST.input_class}
    config.update(added)
    return _write_private(env, "credentials.yml", "# written by bot/launcher from "
                          "credentials.yml, TELEGRAM_*, TWILIO_*/VOICE_*, WHATSAPP_* and "
                          "PLN_ENV; do not edit\n", config)
