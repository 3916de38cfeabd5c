"""The data directory (databases, mail, logs, pid files: NIKs, phone numbers and addresses)
is private to the service user: 0700 directories, 0600 files, whatever a service writes
and whatever an earlier run left."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from bot import launcher as stack

WRITES = """
import os, sqlite3, sys
data = sys.argv[1]
os.makedirs(os.path.join(data, "mail"), exist_ok=True)
with open(os.path.join(data, "mail", "summary.eml"), "w") as mail:
    mail.write("To: budi@example.com")
connection = sqlite3.connect(os.path.join(data, "tracker.sqlite3"))
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("CREATE TABLE events (data TEXT)")
connection.execute("INSERT INTO events VALUES ('3273011508850001')")
connection.commit()
print("written")
"""


def shared_with_others(data: Path) -> list[str]:
    """Every path under ``data`` (itself included) that its group or others can use."""
    return sorted(f"{p.relative_to(data.parent)} {stat.filemode(p.stat().st_mode)}"
                  for p in [data, *data.rglob("*")]
                  if not p.is_symlink() and p.stat().st_mode & 0o077)


def test_what_a_service_writes_is_its_users_alone(tmp_path):
    env = {"PLN_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}
    stack.make_data_private(env)
    service = stack.Service("writer", [sys.executable, "-c", WRITES, env["PLN_DATA_DIR"]],
                            port=0, health_url="")
    stack.start(service, env)
    assert service.process.wait(30) == 0
    data = Path(env["PLN_DATA_DIR"])
    assert (data / "tracker.sqlite3").exists() and (data / "logs" / "writer.log").exists()
    assert shared_with_others(data) == []


def test_files_an_earlier_run_left_readable_are_made_private(tmp_path):
    data = tmp_path / "var"
    (data / "mail").mkdir(parents=True)
    for path in (data / "tracker.sqlite3", data / "mail" / "1.eml"):
        path.write_text("x")
        path.chmod(0o644)
    data.chmod(0o755)
    stack.make_data_private({"PLN_DATA_DIR": str(data)})
    assert shared_with_others(data) == []
