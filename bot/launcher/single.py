"""The stack of ``make run`` and ``make shell``: one simulator, action server, notifier,
console and Rasa on this machine, and what the launcher says once they are up."""

from __future__ import annotations

from bot import deployment
from bot.channels.registry import CHANNELS
from bot.launcher import services as build
from bot.launcher.rasa_files import effective_credentials, effective_endpoints
from bot.launcher.supervision import Service


def services(env: dict[str, str], with_rasa: bool = True) -> list[Service]:
    """Every service, in start order; without the console and Rasa for ``make shell``."""
    result = [build.simulator(env), build.action_server(env, int(env["PLN_ACTIONS_PORT"])),
              build.notifier(env)]
    if with_rasa:
        result.append(build.console(env))
        result.append(build.rasa(env, int(env["PLN_RASA_PORT"]), effective_endpoints(env),
                                 effective_credentials(env)))
    return result


def how_to_talk(env: dict[str, str]) -> str:
    host, port = env["PLN_HOST"], env["PLN_RASA_PORT"]
    channels = "\n".join(spec.status(env) for spec in CHANNELS)
    return f"""
PLN 123 assistant is up (logs in {env['PLN_DATA_DIR']}/logs/).
  simulator : {env['PLN_SIM_URL']}  ({simulator_docs(env)})
  actions   : {env['PLN_ACTIONS_URL']}
  Rasa REST : http://{host}:{port}/webhooks/rest/webhook
  CSO console: http://{host}:{env['PLN_CONSOLE_PORT']}/  (accounts: python -m bot.console add-user NAME)
  figures    : http://{host}:{env['PLN_CONSOLE_PORT']}/supervisor  (add-user NAME --role supervisor)
  metrics    : /metrics on each service (Prometheus; docs/metrics.md)
  e-mail     : {mail_status(env)}
Talk to it:
  curl -s http://{host}:{port}/webhooks/rest/webhook -H 'Content-Type: application/json' \\
    -d '{{"sender": "demo-1", "message": "halo", "metadata": {{"caller_id": "081234500101"}}}}'
{api_token_status(env)}
{channels}
Ctrl-C stops everything.
"""


def simulator_docs(env: dict[str, str]) -> str:
    if deployment.is_production(env):
        return "no OpenAPI pages in production"
    return f"OpenAPI at {env['PLN_SIM_URL']}/docs"


def api_token_status(env: dict[str, str]) -> str:
    if deployment.is_production(env):
        return "HTTP API token: PLN_RASA_TOKEN (not printed in production)"
    return f"HTTP API token (PLN_RASA_TOKEN): {env['PLN_RASA_TOKEN']}"


def mail_status(env: dict[str, str]) -> str:
    if env.get("PLN_SMTP_SINK") == "1":
        return f"local sink on port {env['PLN_SMTP_PORT']}, messages in {env['PLN_DATA_DIR']}/mail/"
    return f"SMTP {env.get('PLN_SMTP_HOST')}:{env['PLN_SMTP_PORT']}"
