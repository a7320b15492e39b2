"""Per-village coverage, kept current after every push so province and national views never scan visits."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Village


class VillageCoverage(models.Model):
    village = models.OneToOneField(
        Village, on_delete=models.CASCADE, primary_key=True, related_name="coverage"
    )
    # The API's denominator: declared households, or the registered (not moved) ones if more.
    households = models.PositiveIntegerField(_("số hộ"), default=0)
    households_registered = models.PositiveIntegerField(_("số hộ đã đăng ký"), default=0)
    # core.counting: a household met by a counted visit; one only tried (not home, come back, refused).
    households_reached = models.PositiveIntegerField(_("số hộ đã gặp"), default=0)
    households_tried = models.PositiveIntegerField(_("số hộ đã đến chưa gặp"), default=0)
    people_helped = models.PositiveIntegerField(_("lượt người được hướng dẫn"), default=0)
    services_done = models.PositiveIntegerField(_("dịch vụ hoàn thành"), default=0)
    visits = models.PositiveIntegerField(_("lượt thăm"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "maps_villagecoverage"  # made by the maps app (maps 0001); moved here without data
        verbose_name = _("độ phủ theo thôn")
        verbose_name_plural = _("độ phủ theo thôn")

    def __str__(self) -> str:
        return f"{self.village_id}: {self.households_reached}/{self.households}"
