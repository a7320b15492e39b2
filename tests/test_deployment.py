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
    assert loaded["cache"].endswith("RedisCache")  # token logout must reach every worker


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _production_settings(**env)
    assert result.returncode != 0
    assert missing in result.stderr
