"""Precomputed campaign figures, so dashboards and tallies never scan raw visits."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from field_api.models import Campaign, Service, Team, User, Village


class CampaignVillageDay(models.Model):
    """One campaign × village × team × day. ``households_reached`` counts each household once, on the
    day (and under the team) of its first visit in the campaign, so sums over days stay unique."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    day = models.DateField()
    visits = models.PositiveIntegerField(default=0)
    flagged_visits = models.PositiveIntegerField(default=0)
    households_reached = models.PositiveIntegerField(default=0)
    people_helped = models.PositiveIntegerField(default=0)
    unique_people = models.PositiveIntegerField(default=0)
    working_age_reached = models.PositiveIntegerField(default=0)
    services_done = models.PositiveIntegerField(default=0)

    class Meta:
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

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.village_id} {self.service_id}"


class CampaignRollupState(models.Model):
    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, primary_key=True, related_name="+")
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.campaign_id} @ {self.refreshed_at}"


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
        indexes = [models.Index(fields=["status", "touched_at"], name="exportjob_status_touched")]

    def __str__(self) -> str:
        return f"{self.format} {self.status}"
