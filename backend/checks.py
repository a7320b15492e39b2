"""`manage.py check --deploy --database default`: what the database itself must be set to, beyond what this application sets.

The application ends its own sessions idle inside a transaction (settings: ``DB_IDLE_IN_TRANSACTION_TIMEOUT``),
but a session from outside it (psql, a report tool, a backup script left in ``BEGIN``) gets the
database's own setting. While such a session holds a transaction id, every phone's pull stops at it
(core/services/changes.py): the operator must set ``idle_in_transaction_session_timeout`` for the
whole database (docs/RELIABILITY.md, "Time budgets").
"""

import psycopg
from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import connections
from django.utils.translation import gettext as _

IDLE_SETTING_SQL = (
    "SELECT setting::bigint FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout'"
)


def outside_idle_timeout_ms(*, using: str = "default") -> int:
    """The value a session opened without this application's options gets (0: never ended)."""
    database = connections[using].settings_dict
    with psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        connect_timeout=5,
    ) as outside:
        return outside.execute(IDLE_SETTING_SQL).fetchone()[0]


# Tagged "database" as Django's own database checks are: it runs when asked to reach the database,
# `manage.py check --deploy --database default`, never on a machine that only builds or lints.
@register(Tags.database, deploy=True)
def idle_in_transaction_checked(app_configs=None, databases=None, **kwargs) -> list[CheckWarning]:
    if "default" not in (databases or ()) or connections["default"].vendor != "postgresql":
        return []
    limit = settings.DB_IDLE_IN_TRANSACTION_LIMIT_SECONDS
    hint = _(
        "Đặt cho cả cơ sở dữ liệu: ALTER DATABASE %(name)s SET idle_in_transaction_session_timeout = '%(seconds)ss' "
        "(hoặc trong postgresql.conf); xem docs/RELIABILITY.md."
    ) % {
        "name": connections["default"].settings_dict["NAME"],
        "seconds": settings.DB_IDLE_IN_TRANSACTION_TIMEOUT,
    }
    try:
        value_ms = outside_idle_timeout_ms()
    except psycopg.Error as error:
        return [
            CheckWarning(
                _("Không đọc được idle_in_transaction_session_timeout của cơ sở dữ liệu: %(error)s.")
                % {"error": type(error).__name__},
                hint=hint,
                id="backend.W002",
            )
        ]
    if value_ms == 0 or value_ms > limit * 1000:
        shown = _("không giới hạn") if value_ms == 0 else f"{value_ms / 1000:g} s"
        return [
            CheckWarning(
                _(
                    "Cơ sở dữ liệu để một phiên ngoài ứng dụng ngồi im trong giao dịch %(shown)s "
                    "(giới hạn %(limit)s s): trong lúc đó mọi lượt kéo của điện thoại bị giữ lại."
                )
                % {"shown": shown, "limit": limit},
                hint=hint,
                id="backend.W001",
            )
        ]
    return []
