"""Every service's settings: read once from the environment, typed, frozen; a value that
does not parse names its variable; a secret is read from its file and never shown."""

from __future__ import annotations

import pytest

from bot import defaults
from bot.backoffice.client import SimulatorAccess
from bot.backoffice.settings import Settings
from bot.channels.rate_limit import RestLimitSettings
from bot.console.settings import ConsoleSettings
from bot.notify.client import NotifierAccess
from bot.notify.settings import NotifierSettings
from bot.rasa_runtime.settings import RasaAccess
from bot.settings_base import SettingsError


def test_the_defaults_are_the_launchers():
    notifier, console = NotifierSettings.from_env({}), ConsoleSettings.from_env({})
    assert (notifier.host, notifier.port) == (defaults.HOST, defaults.NOTIFY_PORT)
    assert notifier.smtp.port == defaults.SMTP_PORT
    assert str(notifier.data_dir) == str(console.data_dir) == defaults.DATA_DIR
    assert (console.host, console.port) == (defaults.HOST, defaults.CONSOLE_PORT)
    assert console.rasa.url == f"http://{defaults.HOST}:{defaults.RASA_PORT}"
    assert SimulatorAccess.from_env({}).url == (
        f"http://{defaults.INTERNAL_HOST}:{defaults.SIM_PORT}")
    assert Settings.from_env({"PLN_SIM_TOKEN": "t"}).port == defaults.SIM_PORT


def test_an_empty_variable_is_unset_and_the_internal_host_wins():
    notifier = NotifierSettings.from_env({"PLN_NOTIFY_PORT": "", "PLN_HOST": "127.0.0.2",
                                          "PLN_INTERNAL_HOST": "127.0.0.3"})
    assert (notifier.host, notifier.port) == ("127.0.0.3", defaults.NOTIFY_PORT)
    assert NotifierSettings.from_env({"PLN_HOST": "127.0.0.2"}).host == "127.0.0.2"


@pytest.mark.parametrize(("settings", "env", "named"), [
    (Settings, {"PLN_SIM_TOKEN": "t", "PLN_SIM_PORT": "five"}, "PLN_SIM_PORT='five'"),
    (Settings, {"PLN_SIM_TOKEN": "t", "PLN_NIK_CHECK_FAILURES_PER_DAY": "0"},
     "PLN_NIK_CHECK_FAILURES_PER_DAY='0'"),
    (ConsoleSettings, {"PLN_CONSOLE_IDLE_MINUTES": "half an hour"},
     "PLN_CONSOLE_IDLE_MINUTES='half an hour'"),
    (ConsoleSettings, {"PLN_RASA_PORT": "99999"}, "PLN_RASA_PORT='99999'"),
    (NotifierSettings, {"PLN_REMINDER_CHECK_S": "-1"}, "PLN_REMINDER_CHECK_S='-1'"),
    (NotifierSettings, {"PLN_SMTP_SINK": "maybe"}, "PLN_SMTP_SINK='maybe'"),
    (RestLimitSettings, {"PLN_REST_SENDER_BURST": "0"}, "PLN_REST_SENDER_BURST='0'"),
])
def test_a_bad_value_stops_the_start_naming_its_variable(settings, env, named):
    with pytest.raises(SettingsError, match=named):
        settings.from_env(env)


def test_secrets_come_from_their_file_and_are_never_shown(tmp_path):
    (tmp_path / "notify").write_text("n0tify-t0ken\n")
    (tmp_path / "rasa").write_text("r4sa-t0ken\n")
    env = {"PLN_NOTIFY_TOKEN_FILE": str(tmp_path / "notify"),
           "PLN_RASA_TOKEN_FILE": str(tmp_path / "rasa"), "PLN_SMTP_USER": "pln",
           "PLN_SMTP_PASSWORD": "p4ssword", "PLN_SIM_TOKEN": "s1m-t0ken"}
    notifier, console = NotifierSettings.from_env(env), ConsoleSettings.from_env(env)
    assert (notifier.token, NotifierAccess.from_env(env).token) == ("n0tify-t0ken",) * 2
    assert (console.rasa.token, RasaAccess.from_env(env).token) == ("r4sa-t0ken",) * 2
    assert notifier.smtp.password == "p4ssword"
    assert notifier.simulator.token == console.simulator.token == "s1m-t0ken"
    shown = repr(notifier) + str(notifier) + repr(console) + str(console)
    for secret in ("n0tify-t0ken", "r4sa-t0ken", "p4ssword", "s1m-t0ken"):
        assert secret not in shown
    with pytest.raises(SettingsError, match="PLN_RASA_PORT='x'") as refused:
        RasaAccess.from_env({"PLN_RASA_PORT": "x", "PLN_RASA_TOKEN": "r4sa-t0ken"})
    assert "r4sa-t0ken" not in str(refused.value)


def test_settings_are_frozen_and_read_no_environment_when_built(monkeypatch):
    monkeypatch.setenv("PLN_CONSOLE_PORT", "6080")
    built = ConsoleSettings()
    assert built.port == defaults.CONSOLE_PORT
    assert ConsoleSettings.from_env().port == 6080
    with pytest.raises(TypeError):
        built.port = 7000


def test_a_command_with_a_bad_setting_says_which_and_stops(tmp_path, monkeypatch, capsys):
    from bot.console import __main__ as console_cli

    monkeypatch.setenv("PLN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PLN_CONSOLE_FAILURES_PER_ACCOUNT", "many")
    assert console_cli.main(["verify-audit"]) == 2
    assert "PLN_CONSOLE_FAILURES_PER_ACCOUNT='many'" in capsys.readouterr().err
