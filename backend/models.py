"""The platform's one table: the outbox (backend/outbox.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """Work for the Celery worker, written in the same transaction as the data it is about.

    It commits or rolls back with that data: work is never lost to a broker that is away, and never sent
    for a push that was rolled back. ``backend/outbox.py`` publishes rows after commit and deletes each
    once the broker has it; ``available_at`` is when a row may be (re)claimed.
    """

    task = models.CharField(_("tác vụ"), max_length=200)
    kwargs = models.JSONField(_("tham số"), default=dict)
    created_at = models.DateTimeField(_("lúc tạo"), auto_now_add=True)
    available_at = models.DateTimeField(_("lúc được gửi"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("số lần thử không thành công"), default=0)

    class Meta:
        db_table = "field_api_outboxmessage"  # made by the core (field_api 0006); moved here without data
        verbose_name = _("việc chờ gửi cho worker")
        verbose_name_plural = _("việc chờ gửi cho worker")

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
