import os

from celery import Celery

# Workers and beat run production settings unless told otherwise (see backend/wsgi.py).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.production")

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The current app is thread-local; make this one the default everywhere, or tasks sent from other
# threads (gunicorn threads, tests) bind to an unconfigured app that publishes to amqp://localhost.
app.set_default()
app.autodiscover_tasks()
# Sub-domains with their own tasks module inside an app.
app.autodiscover_tasks(["maps.campaigns"])
