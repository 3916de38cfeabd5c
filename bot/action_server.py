"""The action server: rasa-sdk's, without the machine-learning libraries it never uses.

The actions use spaCy's tokenizer only (``bot.language``); spaCy's ``thinc`` imports
TensorFlow (and with it Keras, SciPy, h5py, JAX) whenever it is installed, which it is,
for Rasa: 650 MB resident and 4 s more at start for nothing. Marking those modules as
absent before rasa-sdk loads the actions makes ``thinc`` find them missing, as on a
machine without them (160 MB). Run as ``python -m bot.action_server --actions actions``
(rasa-sdk's own arguments).

Only Rasa may call it: every request but ``/health`` needs the header ``X-PLN-Token``
with the token of ``PLN_ACTIONS_TOKEN`` (or the file ``PLN_ACTIONS_TOKEN_FILE`` names);
without one configured it does not start. Anyone else could run any action on a forged
tracker (a registration filed, the summary e-mail sent with the notifier's token).
"""

from __future__ import annotations

import sys

import pluggy
from pydantic import Field

from bot.settings_base import EnvSettings

UNUSED = ("tensorflow", "jax", "torch", "mxnet")


def leave_out_unused() -> None:
    for name in UNUSED:
        if name not in sys.modules:
            sys.modules[name] = None  # `import name` raises ImportError from now on


def prepare() -> None:
    """Before rasa-sdk loads: the unused libraries left out, every log record masked."""
    leave_out_unused()
    from bot import log_privacy

    log_privacy.install()


# /metrics checks its caller itself (bot.metrics: the scrape token in production)
OPEN_PATHS = ("/health", "/metrics")


class ActionServerSettings(EnvSettings):
    """The action server's own settings (rasa-sdk reads its port and the actions' module
    from its command line)."""

    token: str = Field("", env="PLN_ACTIONS_TOKEN", secret=True)


def token_check(token: str):
    """A Sanic request middleware: 401 with a JSON error unless the request carries
    ``token`` (compared in constant time)."""
    from sanic import response

    from bot.deployment import TOKEN_HEADER
    from bot.untrusted import same_secret

    async def check(request):
        if request.path in OPEN_PATHS:
            return None
        if not same_secret(request.headers.get(TOKEN_HEADER), token):
            return response.json({"error": "unauthorized",
                                  "message": f"a valid {TOKEN_HEADER} header is required"},
                                 status=401)
        return None

    return check


hookimpl = pluggy.HookimplMarker("rasa_sdk")


class TokenPlugin:
    """rasa-sdk's hook for extending its Sanic app: the token check on every request."""

    def __init__(self, token: str):
        self.token = token

    @hookimpl
    def attach_sanic_app_extensions(self, app) -> None:
        app.register_middleware(token_check(self.token), "request")
        from bot.metrics import MetricsAccess, add_sanic_route

        add_sanic_route(app, MetricsAccess.from_env())


def require_token(settings: ActionServerSettings) -> None:
    """The token of ``settings``, checked on every request from now on; exits with a
    message when none is configured."""
    from rasa_sdk.plugin import plugin_manager

    from bot.deployment import missing_token

    if not settings.token:
        sys.exit(f"error: {missing_token('PLN_ACTIONS_TOKEN', 'the action server')}")
    plugin_manager().register(TokenPlugin(settings.token))


def main() -> None:
    prepare()
    from bot.deployment import DeploymentError

    try:
        settings = ActionServerSettings.from_env()
    except DeploymentError as error:
        sys.exit(f"error: {error}")
    require_token(settings)
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
