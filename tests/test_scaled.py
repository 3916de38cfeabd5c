"""The scaled stack's settings and HAProxy's configuration (``bot.launcher.scaled``), without
starting it (tests/scaled starts it)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from bot import launcher as stack
from bot.launcher import scaled, settings


def env_for(tmp_path, **extra) -> dict[str, str]:
    base = {"PLN_DATA_DIR": str(tmp_path), "PLN_INSTANCES": "3", **extra}
    return stack.settings_from_env(settings.scaled_settings(base))


def test_instances_are_a_bounded_whole_number():
    assert settings.instances({}) == 1 and not settings.is_scaled({})
    assert settings.is_scaled({"PLN_INSTANCES": "2"})
    assert settings.is_scaled({"PLN_SCALED": "1"})  # `make run-scaled` with one instance
    for wrong in ("two", "0", "17"):
        with pytest.raises(RuntimeError, match="PLN_INSTANCES"):
            settings.instances({"PLN_INSTANCES": wrong})


def test_scaled_defaults_are_this_machines_postgresql_and_redis(tmp_path):
    env = env_for(tmp_path)
    assert env["PLN_ENDPOINTS"] == "endpoints.production.yml"
    assert env["PLN_SIM_DATABASE_URL"] == "postgresql://postgres@127.0.0.1:5432/pln123_backoffice"
    assert (env["PLN_REDIS_HOST"], env["PLN_REDIS_PORT"]) == ("127.0.0.1", "6379")
    # Rasa calls the action servers through HAProxy's port
    assert env["PLN_ACTIONS_URL"] == "http://127.0.0.1:5055"
    given = env_for(tmp_path, PLN_TRACKER_DB_USER="rasa", PLN_TRACKER_DB_PASSWORD="s3cret",
                    PLN_TRACKER_DB_HOST="db.internal")
    assert given["PLN_SIM_DATABASE_URL"] == "postgresql://rasa:s3cret@db.internal:5432/pln123_backoffice"


def test_every_instance_and_haproxy_are_services(tmp_path):
    env = env_for(tmp_path, PLN_INSTANCE_PORT_BASE="6100")
    services = {s.name: s for s in scaled.scaled_services(env)}
    assert list(services) == ["simulator", "notifier", "console", "actions-1", "actions-2",
                              "actions-3", "rasa-1", "rasa-2", "rasa-3", "haproxy"]
    assert [services[f"rasa-{n}"].port for n in (1, 2, 3)] == [6101, 6102, 6103]
    assert [services[f"actions-{n}"].port for n in (1, 2, 3)] == [6151, 6152, 6153]
    rasa = services["rasa-2"].command
    assert rasa[rasa.index("--port") + 1] == "6102"
    assert rasa[rasa.index("--endpoints") + 1].endswith("endpoints.production.yml")
    assert services["haproxy"].port == 5005
    assert services["haproxy"].health_url == "http://127.0.0.1:5005/lb-health"


def test_haproxy_accepts_the_configuration(tmp_path):
    env = env_for(tmp_path, PLN_INSTANCE_PORT_BASE="6100")
    config = tmp_path / "haproxy.cfg"
    config.write_text(scaled.haproxy_config(env, 3))
    checked = subprocess.run([scaled.haproxy_binary(), "-c", "-f", str(config)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = config.read_text()
    for n in (1, 2, 3):
        assert f"server rasa{n} 127.0.0.1:{6100 + n} check" in text
        assert f"server actions{n} 127.0.0.1:{6150 + n} check" in text
    assert "balance url_param CallSid check_post" in text  # a call's webhooks together


def test_haproxys_own_failures_tell_the_customer(tmp_path):
    raw = scaled.error_page(503)
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 503 Service Unavailable")
    assert f"Content-Length: {len(body)}".encode() in head
    reply = json.loads(body)["replies"][0]["text"]
    assert "belum dapat kami proses karena gangguan sistem" in reply


def test_an_endpoints_file_of_one_process_is_refused(tmp_path):
    env = env_for(tmp_path, PLN_ENDPOINTS="endpoints.yml")  # SQLite, in-memory locks
    with pytest.raises(RuntimeError, match="server database and Redis"):
        scaled.scaled_services(env)


def test_long_polling_is_refused_with_several_instances(tmp_path):
    env = env_for(tmp_path, TELEGRAM_BOT_TOKEN="123:abc")
    with pytest.raises(RuntimeError, match="webhook"):
        scaled.scaled_services(env)


def test_a_held_service_is_not_restarted_until_released(tmp_path):
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path)})
    service = stack.Service("held", [sys.executable, "-c", "raise SystemExit(1)"], 1,
                            "http://127.0.0.1:1/")
    stack.start(service, env)
    supervisor = stack.Supervisor([service], env, backoff_s=1)
    try:
        service.hold_path(env).touch()
        service.process.wait(10)
        t = time.monotonic()
        assert "restarting in 1 s" in supervisor.poll(t)[0]
        assert supervisor.poll(t + 5)[0].startswith("held: held by ")  # due, but held
        assert supervisor.poll(t + 6) == []  # said once
        service.hold_path(env).unlink()
        assert supervisor.poll(t + 7)[0].startswith("held: restarted")
    finally:
        stack.stop_all([service])
