"""docker-compose.yml describes production; no Docker engine runs here, so check what can be checked:
the file parses, every service we build runs a command that names real code."""

import importlib
from pathlib import Path

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
