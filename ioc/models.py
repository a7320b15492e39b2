"""Keys that machine clients (a province's operations centre) present to read the feed.

A key belongs to one province and is never a person's login: it opens the feed's endpoints only,
and nothing else accepts it. Only a SHA-256 of the key is stored; the key itself is shown once, when
an administrator issues it (admin.py), and cannot be recovered, only revoked and replaced.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Province, User


class FeedKey(models.Model):
    name = models.CharField(_("tên (đơn vị dùng khóa)"), max_length=100)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("tỉnh"))
    # The public part of the key, used to find its row; the rest is secret and only hashed.
    prefix = models.CharField(_("tiền tố"), max_length=16, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("lúc cấp"), auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người cấp")
    )
    revoked_at = models.DateTimeField(_("lúc thu hồi"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("lần dùng gần nhất"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("khóa truy cập IOC")
        verbose_name_plural = _("khóa truy cập IOC")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
