"""E-mail leaves over TLS unless plaintext is chosen explicitly; never a login in clear;
never the local sink in production (the summaries would be written to disk, not sent)."""

from __future__ import annotations

import pytest

from bot import launcher as stack
from bot.notify.mailer import MailSettingsError, SmtpSettings

SERVER = {"PLN_SMTP_HOST": "smtp.pln.example", "PLN_SMTP_PORT": "587"}


def test_a_server_is_reached_over_starttls_by_default_with_its_certificate_checked():
    connection = SmtpSettings.from_env(SERVER).connection()
    assert connection["start_tls"] is True and connection["use_tls"] is False
    implicit = SmtpSettings.from_env({**SERVER, "PLN_SMTP_TLS": "implicit"}).connection()
    assert implicit["use_tls"] is True and implicit["start_tls"] is False


def test_plaintext_only_by_an_explicit_setting_and_never_with_a_login():
    assert SmtpSettings.from_env({**SERVER, "PLN_SMTP_TLS": "none"}).connection()[
        "start_tls"] is False
    with pytest.raises(MailSettingsError, match="without TLS"):
        SmtpSettings.from_env({**SERVER, "PLN_SMTP_TLS": "none", "PLN_SMTP_USER": "pln",
                               "PLN_SMTP_PASSWORD": "secret"})
    with pytest.raises(MailSettingsError, match="one of"):
        SmtpSettings.from_env({**SERVER, "PLN_SMTP_TLS": "maybe"})


def test_the_development_sink_is_plaintext_on_loopback_and_refused_in_production(tmp_path):
    development = SmtpSettings.from_env({"PLN_SMTP_SINK": "1"})
    assert development.host == "127.0.0.1" and development.tls == "none"
    with pytest.raises(MailSettingsError, match="sink"):
        SmtpSettings.from_env({"PLN_SMTP_SINK": "1", "PLN_ENV": "production"})
    env = stack.settings_from_env({"PLN_ENV": "production", "PLN_DATA_DIR": str(tmp_path),
                                   "PATH": "/usr/bin:/bin"})
    assert env["PLN_SMTP_SINK"] == "1"  # no SMTP server given
    with pytest.raises(RuntimeError, match="sink"):  # the launcher starts nothing
        stack.bring_up([], env)
