import os

from celery import Celery, Task
from celery.signals import worker_init, worker_process_init, worker_ready

# Workers and beat run production settings unless told otherwise (see backend/wsgi.py).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.production")


class BudgetedTask(Task):
    """Every task: a database wait past the task budget (backend/db_budget.py) is tried again later
    rather than failing for good; the work it was doing was rolled back. The countdown stays well under
    the visibility timeout: a message waiting for its countdown is not renewed (backend/worker_guard.py)."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except Exception as error:
            from django.conf import settings

            from backend.db_budget import is_budget_exceeded

            if self.request.is_eager or not is_budget_exceeded(error):
                raise
            raise self.retry(
                exc=error,
                countdown=settings.TASK_BUDGET_RETRY_SECONDS,
                max_retries=settings.TASK_BUDGET_RETRIES,
            ) from error


app = Celery("backend", task_cls=BudgetedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
# The current app is thread-local; make this one the default everywhere, or tasks sent from other
# threads (gunicorn threads, tests) bind to an unconfigured app that publishes to amqp://localhost.
app.set_default()
app.autodiscover_tasks()
# Sub-domains with their own tasks module inside an app.
app.autodiscover_tasks(["campaigns"])


# A worker's database budget and its running tasks' heartbeat (backend/worker_guard.py). Imported late:
# the guard reads Django settings, which the worker sets up after importing this module.
@worker_init.connect
@worker_process_init.connect
def _enter_worker(**_kwargs) -> None:
    from django.db.backends.signals import connection_created

    from backend import worker_guard

    worker_guard.enter_worker()
    connection_created.connect(_budget_new_connection, dispatch_uid="worker-guard-budget")


def _budget_new_connection(sender, connection, **_kwargs) -> None:
    from backend import worker_guard

    worker_guard.budget_new_connection(connection)


@worker_ready.connect
def _start_heartbeat(**_kwargs) -> None:
    from backend import worker_guard

    worker_guard.start_heartbeat()
