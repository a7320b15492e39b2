"""The README's first command, as a fresh machine runs it: each step of ``make run`` before the server
(``migrate``, ``load_province``, ``seed_demo --if-empty``) in a process of its own, on a new embedded
database. In-process tests share one interpreter, where another test may already have imported what a
step forgot to import (``shapely.prepared`` once made ``make run`` fail on every fresh machine while
every test passed); here each step has only what it imports itself."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, database: Path) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))
    }
    return subprocess.run(  # noqa: S603 - our interpreter running our own manage.py
        [sys.executable, "manage.py", *args],
        env={**environ, "DATABASE_URL": f"sqlite:///{database}"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_make_runs_steps_each_in_a_fresh_process_set_up_the_demo(tmp_path):
    database, logins = tmp_path / "db.sqlite3", tmp_path / "demo-logins.txt"
    steps = [
        ("migrate", "--noinput"),
        ("load_province", "--province", "51"),
        ("seed_demo", "--if-empty", "--province", "51", "--households", "60", "--seed", "1"),
    ]
    for step in steps:
        args = [*step, "--logins-file", str(logins)] if step[0] == "seed_demo" else list(step)
        result = _manage(*args, database=database)
        assert result.returncode == 0, f"{step[0]}: {result.stderr[-2000:]}"
    assert "tv-" in logins.read_text()
    # A second start changes nothing and still succeeds (the demo is loaded once).
    again = _manage(
        "seed_demo", "--if-empty", "--province", "51", "--households", "60", "--seed", "1", database=database
    )
    assert again.returncode == 0, again.stderr[-2000:]
