"""The repository alone runs any province: a copy of it with nothing beside it loads real boundaries.

The copy holds what a fresh clone holds (the files git tracks, plus new ones not ignored), in a
directory with no `shared` next to it, and runs the Makefile's own `data` step (what `make run` does
before seeding the demo), with this test run's virtualenv standing in for `make setup`.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Code and configuration that run the product; docs may mention the shared folder as provenance, and
# scripts/build_admin_fixtures.py reads it by hand to rebuild fixtures/.
RUNTIME_SUFFIXES = {".py", ".yml", ".yaml", ".sh", ".cfg", ".ini", ".html", ".js"}
RUNTIME_NAMES = {"Makefile", "Dockerfile"}
BY_HAND = {"scripts/build_admin_fixtures.py", "tests/test_fresh_clone.py"}


def _repository_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


def _copy_repository(target: Path) -> None:
    for name in _repository_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)


def test_a_copy_with_nothing_beside_it_loads_gia_lai(tmp_path):
    clone = tmp_path / "clone"
    _copy_repository(clone)
    database = tmp_path / "fresh.sqlite3"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "TEST_", "MAKE", "MFLAGS"))
    }
    python = Path(sys.executable)
    env.update(PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}", DATABASE_URL=f"sqlite:///{database}")
    # `-o setup` keeps the virtualenv of this run instead of building one; `RUN=` runs its `python`.
    result = subprocess.run(
        ["make", "-o", "setup", "data", "PROVINCE=52", "RUN="],  # noqa: S607
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clone", "fresh.sqlite3"]
    assert "Ranh giới commune: 135 mới" in result.stdout

    with sqlite3.connect(database) as db:
        communes = db.execute(
            "SELECT count(*), count(geometry), min(boundary_source), max(boundary_source) "
            "FROM field_api_commune WHERE province_id = '52'"
        ).fetchone()
        outline = db.execute(
            "SELECT geometry IS NOT NULL FROM field_api_province WHERE code = '52'"
        ).fetchone()
        services = db.execute(
            "SELECT count(*), min(json_array_length(guide)) FROM field_api_service"
        ).fetchone()
    assert communes == (135, 135, "vn_communes_2025.geojson.zip", "vn_communes_2025.geojson.zip")
    assert outline == (1,)
    # Migrating alone gives the catalogue: a production deployment takes pushes without `loaddata`.
    catalogue = json.loads((ROOT / "fixtures" / "services.json").read_text(encoding="utf-8"))
    assert services[0] == len(catalogue) and services[1] >= 1


def test_nothing_that_runs_reads_beside_the_repository():
    offending = []
    for name in _repository_files():
        path = Path(name)
        if name in BY_HAND or (path.suffix not in RUNTIME_SUFFIXES and path.name not in RUNTIME_NAMES):
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        if any(marker in text for marker in ("../shared", "SHARED_DATA_DIR", '"shared"', "'shared'")):
            offending.append(name)
    assert offending == []
