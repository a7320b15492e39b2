"""Campaigns, their targets, and the precomputed figures that let dashboards and tallies never scan raw
visits.

The app label is ``campaigns``; every table keeps the name it had when these models lived in field_api
and maps (``db_table``), so moving them here moved no data (migrations/0001_initial.py).
"""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Commune, Province, Service, Team, User, Village

# Limits that keep every figure a campaign produces finite. ``campaign_date_errors`` is the one check of
# the dates: the model's clean (the admin) and the service (which the API and the officer's form hand
# their input to, so that every reason is reported at once) both call it.
CAMPAIGN_EARLIEST_DAY = dt.date(2020, 1, 1)
CAMPAIGN_LATEST_DAY = dt.date(2100, 12, 31)
CAMPAIGN_LONGEST_DAYS = 366
MAX_TARGET_HOUSEHOLDS = 1_000_000  # the largest commune has a few tens of thousands
MAX_TARGET_PEOPLE = 10_000_000


def campaign_date_errors(*, starts_on: dt.date | None, ends_on: dt.date | None) -> dict[str, str]:
    """Why a campaign cannot run from ``starts_on`` to ``ends_on``, by field (empty when it can): each
    day inside the window people plan in; then, both days being in it, the end not before the start and
    at most a year of days (the daily tally and exports are one row per day). A missing day is its
    field's own error, not this one's."""
    errors: dict[str, str] = {}
    for name, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day is not None and not CAMPAIGN_EARLIEST_DAY <= day <= CAMPAIGN_LATEST_DAY:
            errors[name] = _("Phải trong khoảng %(first)s đến %(last)s.") % {
                "first": CAMPAIGN_EARLIEST_DAY.strftime("%d/%m/%Y"),
                "last": CAMPAIGN_LATEST_DAY.strftime("%d/%m/%Y"),
            }
    if errors or starts_on is None or ends_on is None:
        return errors
    if ends_on < starts_on:
        errors["ends_on"] = _("Ngày kết thúc phải sau ngày bắt đầu.")
    elif (ends_on - starts_on).days + 1 > CAMPAIGN_LONGEST_DAYS:
        errors["ends_on"] = _("Một chiến dịch dài tối đa %(days)d ngày.") % {"days": CAMPAIGN_LONGEST_DAYS}
    return errors


class Campaign(models.Model):
    """A time-boxed push (e.g. "30 ngày đêm") in one province, optionally limited to some communes."""

    name = models.CharField(_("tên chiến dịch"), max_length=200)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("tỉnh")
    )
    communes = models.ManyToManyField(Commune, blank=True, related_name="campaigns", verbose_name=_("các xã"))
    services = models.ManyToManyField(
        Service, blank=True, related_name="campaigns", verbose_name=_("các dịch vụ")
    )
    starts_on = models.DateField(_("ngày bắt đầu"))
    ends_on = models.DateField(_("ngày kết thúc"))
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người tạo")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The tables keep the names they had in field_api (migrations/0001_initial.py moved state only).
        db_table = "field_api_campaign"
        verbose_name = _("chiến dịch")
        verbose_name_plural = _("chiến dịch")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = campaign_date_errors(starts_on=self.starts_on, ends_on=self.ends_on)
        if errors:
            raise ValidationError(errors)


class CampaignTarget(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="targets", verbose_name=_("chiến dịch")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("xã")
    )
    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("thôn")
    )
    households = models.PositiveIntegerField(
        _("số hộ cần tiếp cận"), default=0, validators=[MaxValueValidator(MAX_TARGET_HOUSEHOLDS)]
    )
    people = models.PositiveIntegerField(
        _("số lượt người cần hướng dẫn"), default=0, validators=[MaxValueValidator(MAX_TARGET_PEOPLE)]
    )

    class Meta:
        db_table = "field_api_campaigntarget"
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(commune__isnull=False) ^ models.Q(village__isnull=False),
                name="campaigntarget_commune_xor_village",
            ),
            models.UniqueConstraint(fields=["campaign", "commune"], name="campaigntarget_one_per_commune"),
            models.UniqueConstraint(fields=["campaign", "village"], name="campaigntarget_one_per_village"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.commune_id or self.village_id}"


class CampaignVillageDay(models.Model):
    """One campaign × village × team × day. ``households_reached`` counts each household once, on the
    day (and under the team) of its first visit in the campaign that met someone, so sums over days
    stay unique. ``flagged_visits`` are counted visits with weak flags; ``held_visits`` those out of
    every total until a leader confirms them (core.counting)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    day = models.DateField()
    visits = models.PositiveIntegerField(default=0)
    flagged_visits = models.PositiveIntegerField(default=0)
    held_visits = models.PositiveIntegerField(default=0)
    households_reached = models.PositiveIntegerField(default=0)
    people_helped = models.PositiveIntegerField(default=0)
    unique_people = models.PositiveIntegerField(default=0)
    working_age_reached = models.PositiveIntegerField(default=0)
    services_done = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "maps_campaignvillageday"
        indexes = [models.Index(fields=["campaign", "village"], name="campaign_village_day")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.village_id} {self.day}"


class CampaignServiceTally(models.Model):
    """One campaign × village × service: households served (unique), lượt, completions."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    households = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    people_helped = models.PositiveIntegerField(default=0)
    services_done = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "maps_campaignservicetally"

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.village_id} {self.service_id}"


class CampaignRollupState(models.Model):
    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, primary_key=True, related_name="+")
    refreshed_at = models.DateTimeField()

    class Meta:
        db_table = "maps_campaignrollupstate"

    def __str__(self) -> str:
        return f"{self.campaign_id} @ {self.refreshed_at}"


class VillageRecountAsk(models.Model):
    """A village whose campaign rollups wait for a recount from all its visits (its households moved
    away or were counted again). Written in the writer's transaction; the worker's recount removes the
    asks it served, so a burst of such pushes into one village costs one recount, not one each. A new
    token per ask: an ask made while a recount runs is not taken for served by it."""

    village = models.OneToOneField(Village, on_delete=models.CASCADE, primary_key=True, related_name="+")
    token = models.UUIDField(default=uuid.uuid4)
    asked_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "maps_villagerecountask"

    def __str__(self) -> str:
        return f"{self.village_id} @ {self.asked_at}"


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Xong")
        FAILED = "failed", _("Lỗi")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How many runs started, and when the job last showed life (queued, started, progressed): beat
    # publishes a job again when this grows old, and gives up after EXPORT_JOB_MAX_ATTEMPTS runs.
    attempts = models.PositiveSmallIntegerField(default=0)
    touched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "maps_exportjob"
        indexes = [models.Index(fields=["status", "touched_at"], name="exportjob_status_touched")]

    def __str__(self) -> str:
        return f"{self.format} {self.status}"
