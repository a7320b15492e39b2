"""docker-compose.yml describes production; no Docker engine runs here, so check what can be checked:
the file parses, every service we build runs a command that names real code."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_shape():
    services = _compose()["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    assert services["db"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")


def _module_exists(dotted: str) -> bool:
    module, _, attr = dotted.partition(":")
    loaded = importlib.import_module(module)
    return not attr or hasattr(loaded, attr)


def test_compose_commands_name_real_modules():
    services = _compose()["services"]
    web = " ".join(services["web"]["command"])
    assert "gunicorn backend.wsgi:application" in web
    assert _module_exists("backend.wsgi:application")
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "backend"]
        assert _module_exists("backend.celery:app")
    settings_module = services["web"]["environment"]["DJANGO_SETTINGS_MODULE"]
    assert (ROOT / (settings_module.replace(".", "/") + ".py")).exists()


def test_worker_listens_on_every_routed_queue():
    from django.conf import settings

    worker = _compose()["services"]["worker"]["command"]
    queues = set(worker[worker.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed <= queues


def test_worker_listens_on_every_queue_beat_sends_to():
    """Beat drains the outbox and rescues export jobs: a queue nobody consumes would lose both."""
    from django.conf import settings

    worker = _compose()["services"]["worker"]["command"]
    queues = set(worker[worker.index("-Q") + 1].split(","))
    assert {"platform.outbox_drain", "campaigns.export_jobs_recover"} <= {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert {entry["options"]["queue"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= queues


def test_compose_mounts_nothing_from_outside_the_repository():
    """Boundaries and the catalogue are in the image (fixtures/); volumes are named, never host paths."""
    compose = _compose()
    named = set(compose["volumes"])
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source in named, volume
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert "COPY . ." in (ROOT / "Dockerfile").read_text()
    assert not any(pattern.lstrip("/").startswith("fixtures") for pattern in ignored)


def test_dockerfile_runs_the_same_wsgi_app():
    assert "backend.wsgi:application" in (ROOT / "Dockerfile").read_text()


def _production_settings(**env) -> subprocess.CompletedProcess:
    code = (
        "import json, backend.settings.production as s; "
        "print(json.dumps({'options': s.DATABASES['default'].get('OPTIONS'), 'cache': s.CACHES['default']['BACKEND']}))"
    )
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))
    }
    return subprocess.run(  # noqa: S603 - our interpreter running our own settings module
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "cnscd.example.vn",
    "DATABASE_URL": "postgres://app@db:5432/cnscd",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "REDIS_URL": "redis://redis:6379/1",
}


def test_production_uses_the_database_options_that_were_measured():
    """The bench runs base settings; production must not drop their connection options."""
    result = _production_settings(**PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["options"] == {
        "server_side_binding": True,
        # A session idle in a transaction holds every phone's pull back: PostgreSQL ends it.
        "options": "-c idle_in_transaction_session_timeout=60s",
    }
    # Token logout must reach every worker, and Redis away must be a cache miss, not a 500.
    assert loaded["cache"] == "backend.cache.DegradingRedisCache"


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _production_settings(**env)
    assert result.returncode != 0
    assert missing in result.stderr


def _clean_environ() -> dict:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))
    }


def _run(args: list[str], **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our interpreter running our own code
        [sys.executable, *args], env={**_clean_environ(), **env}, cwd=ROOT, capture_output=True, text=True
    )


# check --deploy wants a long key with many distinct characters (W009), as a real one has.
DEPLOY_ENV = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "k7#Qz!v2R@x9Lm$4Tp^8Wn&1Yc*6Hb(3Jd)5Fg-0Ks+Ea=Ui;Oo"}


def test_check_deploy_is_clean_with_production_settings():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="backend.settings.production",
        **DEPLOY_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("module", ["backend.wsgi", "backend.celery"])
def test_wsgi_and_celery_default_to_production_settings(module):
    code = (
        f"import {module}; from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
    )
    result = _run(["-c", code], **DEPLOY_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["backend.settings.production", "False"]
    # and without its secrets it refuses to start rather than fall back to the demo key
    result = _run(["-c", code])
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_wsgi_app_leaves_what_it_loaded_out_of_the_cyclic_collectors_passes():
    """backend/wsgi.py freezes what loading the app created (settings, models, the URLconf, the maps'
    code): a full collection then walks only what requests make, and gunicorn's forked workers share
    those pages."""
    code = (
        "import gc, backend.wsgi; "
        "print(gc.get_freeze_count(), len(gc.get_objects()), 'maps.pages' in __import__('sys').modules)"
    )
    result = _run(["-c", code], **DEPLOY_ENV)
    assert result.returncode == 0, result.stderr
    frozen, still_walked, maps_loaded = result.stdout.split()
    assert int(frozen) > 50_000 and int(still_walked) < 1_000
    assert maps_loaded == "True"


def test_manage_py_keeps_the_embedded_default():
    assert 'setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")' in (ROOT / "manage.py").read_text()


def test_urlconf_does_not_import_map_libraries():
    """A fresh worker's first request loads the URLconf: it must not wait for geopandas or folium."""
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import backend.urls; "
        "print(sorted(m for m in ('geopandas', 'folium', 'pandas', 'branca') if m in sys.modules))"
    )
    result = _run(["-c", code], DJANGO_SETTINGS_MODULE="backend.settings.test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_gunicorn_preloads_the_app():
    web = " ".join(_compose()["services"]["web"]["command"])
    assert "--preload" in web
    assert '"--preload"' in (ROOT / "Dockerfile").read_text()


def test_the_access_log_leaves_out_query_strings():
    """Searches carry names (?search=Nguyễn…): the access log writes the path only, never the query."""
    command = " ".join(_compose()["services"]["web"]["command"])
    assert "--access-logformat" in command and "%(U)s" in command
    assert not any(token in command for token in ("%(r)s", "%(q)s", "%(a)s"))
